"""The anonymous election pages cost the same whatever the board's size: the election and
results pages read the board head's counters instead of recounting every entry, and the board
pages read a range of positions instead of COUNT + OFFSET (bench/public_pages.py times them at
100 000 entries)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from voting.models import ElectionState

CHOICE = [[0], [1, 2], [2, 0, 1]]


@pytest.fixture
def voted(world):
    world.open_poll()
    for voter in world.voters[:3]:
        assert world.cast(voter.ballot(CHOICE, world.head())[0]).status_code == 201
    assert world.cast(world.voters[3].audit(CHOICE), path="audit").status_code == 201
    return world


def _board_reads(url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url)
    assert response.status_code == 200
    return [q["sql"] for q in queries if "voting_boardentry" in q["sql"]]


@pytest.mark.parametrize("page", ["voting:detail", "voting:results"])
def test_election_and_results_pages_never_read_the_board(voted, page):
    url = reverse(page, args=[voted.election.uuid])
    assert _board_reads(url) == []
    voted.move(ElectionState.CLOSED)
    assert _board_reads(url) == []


def test_the_counts_come_from_the_head_and_the_tally(voted):
    from voting import selectors

    counts = selectors.counts(voted.refresh())
    assert (counts["ballots"], counts["audited"], counts["counted"]) == (3, 1, None)
    voted.move(ElectionState.CLOSED)
    counts = selectors.counts(voted.refresh())
    assert (counts["ballots"], counts["audited"], counts["counted"]) == (3, 1, 3)


@pytest.mark.sqlite  # the board page on SQLite too (the Makefile's test-sqlite)
def test_board_pages_read_a_range_of_positions_without_count_or_offset(voted):
    url = reverse("voting:board", args=[voted.election.uuid])
    for query in ("", "?page=last", "?page=1"):
        reads = _board_reads(url + query)
        assert reads and all("COUNT(" not in sql and "OFFSET" not in sql for sql in reads)
    response = Client().get(url)
    assert response.context["page"].paginator.count == 4
    assert [e.position for e in response.context["page"].object_list] == [1, 2, 3, 4]
