"""The board's HTML page refuses a page number that names no page (outside review, low-severity
issue 4): ``board/?page=abc``, ``page=0``, a negative or a huge one used to show page 1 (or the
last page) as if it had been asked for. It now answers 400 with the board's head and a message,
in the reader's language, saying which pages there are; the JSON feed refuses ``page`` outright
(it pages with ``after`` and ``limit``)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

# Run on SQLite too, `make run`'s database, by `make test` (the Makefile's test-sqlite).
pytestmark = pytest.mark.sqlite

CHOICE = [[0], [1, 2], [2, 0, 1]]
REFUSAL = {
    "en": "There is no page",
    "fa-af": "این تابلو صفحهٔ",
    "ps": "د دې تختې",
}


@pytest.fixture
def board(world, monkeypatch):
    """Four entries, two to a page: pages 1 and 2."""
    monkeypatch.setattr("voting.views.public.BOARD_PAGE_SIZE", 2)
    world.open_poll()
    for voter in world.voters[:4]:
        assert world.cast(voter.ballot(CHOICE, world.head())[0]).status_code == 201
    return reverse("voting:board", args=[world.election.uuid])


def _positions(response) -> list[int]:
    return [entry.position for entry in response.context["page"].object_list]


def test_a_page_that_exists_is_shown(board):
    assert _positions(Client().get(board)) == [1, 2]
    assert _positions(Client().get(board, {"page": "1"})) == [1, 2]
    assert _positions(Client().get(board, {"page": "2"})) == [3, 4]
    assert _positions(Client().get(board, {"page": "last"})) == [3, 4]


def test_a_page_number_that_names_no_page_is_a_400_that_says_so(board):
    for page in ["abc", "0", "-1", "3", "99999999999999999999", "01", "1.5", "", " 1", "٢"]:
        response = Client().get(board, {"page": page})
        assert response.status_code == 400, page
        text = response.content.decode()
        assert REFUSAL["en"] in text and "numbered 1 to 2" in text, text
        assert response.context["page"] is None
        assert "<tbody>" not in text, "no entry is shown as if it were the page asked for"
        assert "Entries" in text, "the board's head is still shown"
    assert Client().get(board + "?page=1&page=2").status_code == 400, "a repeated page"


def test_the_refusal_speaks_the_readers_language(board):
    for language, text in REFUSAL.items():
        response = Client().get(board, {"page": "abc"}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400
        assert text in response.content.decode(), language


def test_the_json_feed_refuses_a_page_parameter(board, world):
    url = reverse("voting:board_json", args=[world.election.uuid])
    response = Client().get(url, {"page": "abc"})
    assert response.status_code == 400 and response.json()["error"] == "unknown_parameter"
