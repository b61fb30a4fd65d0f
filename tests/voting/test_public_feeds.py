"""Every bad input to an anonymous JSON feed gets a JSON error with a code and a message, never an
HTML page and never a silent correction (outside review, issues 10 and 11): ``board.json`` used to
clamp ``limit=0`` and ``limit=-5`` to 1 and answer a bad ``after`` with Django's HTML 404 page;
``tracker.json`` lower-cased an upper-case tracker instead of refusing it."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from voting.models import ElectionState

CHOICE = [[0], [1, 2], [2, 0, 1]]
# Every anonymous JSON feed of voting/urls.py, with the arguments its route needs after the uuid.
FEEDS = [
    ("voting:manifest_json", []),
    ("voting:roll_json", []),
    ("voting:trustees_json", []),
    ("voting:board_json", []),
    ("voting:head_json", []),
    ("voting:tracker_json", []),
    ("voting:tally_json", []),
    ("voting:cohort_tally_json", []),
    ("voting:results_json", []),
    ("voting:issuer_ledger_json", [1]),
    ("voting:record", []),
]


@pytest.fixture
def voted(world):
    world.open_poll()
    for voter in world.voters[:3]:
        assert world.cast(voter.ballot(CHOICE, world.head())[0]).status_code == 201
    return world


def _json_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:200])
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    body = response.json()
    assert set(body) == {"error", "message"}, body
    assert body["message"] and isinstance(body["message"], str)
    if code is not None:
        assert body["error"] == code, body
    return body


def _url(name: str, election, args: list) -> str:
    return reverse(name, args=[election, *args])


@pytest.mark.sqlite  # the board feed on SQLite too (the Makefile's test-sqlite)
@pytest.mark.parametrize(
    "query, code",
    [
        ({"limit": "0"}, "bad_limit"),
        ({"limit": "-5"}, "bad_limit"),
        ({"limit": "501"}, "bad_limit"),
        ({"limit": "ten"}, "bad_limit"),
        ({"limit": ""}, "bad_limit"),
        ({"limit": "1.5"}, "bad_limit"),
        ({"limit": " 2"}, "bad_limit"),
        ({"limit": "+2"}, "bad_limit"),
        ({"after": "-1"}, "bad_after"),
        ({"after": "x"}, "bad_after"),
        ({"after": "01"}, "bad_after"),
        ({"after": str(2**31)}, "bad_after"),
        ({"after": ["1", "2"]}, "repeated_parameter"),
        ({"page": "2"}, "unknown_parameter"),
    ],
)
def test_board_feed_refuses_bad_paging_with_a_json_400(voted, query, code):
    response = Client().get(_url("voting:board_json", voted.election.uuid, []), query)
    _json_error(response, 400, code)


@pytest.mark.sqlite  # the board feed on SQLite too (the Makefile's test-sqlite)
def test_board_feed_pages_exactly_as_asked(voted):
    url = _url("voting:board_json", voted.election.uuid, [])
    page = Client().get(url, {"after": "1", "limit": "1"}).json()
    assert [e["position"] for e in page["entries"]] == [2]
    assert page["next"].endswith("?after=2&limit=1")
    assert Client().get(url, {"after": "3", "limit": "500"}).json()["entries"] == []
    assert Client().get(url, {"after": str(2**31 - 1)}).json()["entries"] == []


@pytest.mark.parametrize(
    "query, code",
    [
        ({"t": "AB" * 32}, "bad_tracker"),
        ({"t": "ab" * 31}, "bad_tracker"),
        ({"t": "ab" * 16 + " " + "ab" * 16}, "bad_tracker"),
        ({"t": "zz" * 32}, "bad_tracker"),
        ({}, "missing_tracker"),
        ({"t": "ab" * 32, "x": "1"}, "unknown_parameter"),
    ],
)
def test_tracker_feed_refuses_a_malformed_tracker_with_a_json_400(voted, query, code):
    response = Client().get(_url("voting:tracker_json", voted.election.uuid, []), query)
    _json_error(response, 400, code)


def test_tracker_feed_refuses_the_upper_case_spelling_of_a_tracker_on_the_board(voted):
    url = _url("voting:tracker_json", voted.election.uuid, [])
    tracker = (
        Client()
        .get(_url("voting:board_json", voted.election.uuid, []))
        .json()["entries"][0]["tracker"]
    )
    assert Client().get(url, {"t": tracker}).json()["found"] is True
    _json_error(Client().get(url, {"t": tracker.upper()}), 400, "bad_tracker")


@pytest.mark.parametrize("name, args", FEEDS)
def test_every_feed_answers_bad_input_in_json(voted, name, args):
    election = voted.election.uuid
    response = Client().get(_url(name, election, args), {"nonsense": "1"})
    _json_error(response, 400, "unknown_parameter")
    _json_error(Client().get(_url(name, uuid.uuid4(), args)), 404, "unknown_election")
    _json_error(Client().post(_url(name, election, args)), 405, "method_not_allowed")
    bad_id = _url(name, election, args).replace(str(election), "not-a-uuid")
    _json_error(Client().get(bad_id), 400, "bad_election")
    upper = _url(name, election, args).replace(str(election), str(election).upper())
    _json_error(Client().get(upper), 400, "bad_election")


def test_feeds_not_published_yet_say_so_in_json(world):
    election = world.election.uuid
    # A draft: nothing is frozen yet.
    for name, args in FEEDS:
        if name == "voting:trustees_json":
            _json_error(Client().get(_url(name, election, args)), 404, "unknown_election")
        elif name == "voting:tracker_json":
            response = Client().get(_url(name, election, args), {"t": "ab" * 32})
            _json_error(response, 404, "not_frozen")
        else:
            _json_error(Client().get(_url(name, election, args)), 404, "not_frozen")
    world.open_poll()
    for name in ("voting:tally_json", "voting:results_json", "voting:record"):
        _json_error(Client().get(_url(name, election, [])), 404, "not_published")
    response = Client().get(_url("voting:issuer_ledger_json", election, [9]))
    _json_error(response, 404, "unknown_issuer")
    _json_error(Client().get(f"/elections/{election}/nothing.json"), 404, "unknown_feed")
    world.move(ElectionState.CLOSED)
    assert Client().get(_url("voting:tally_json", election, [])).status_code == 200


@pytest.mark.parametrize("name, args", FEEDS)
def test_a_malformed_election_id_is_named_whatever_the_query(name, args):
    """``/anonymous/not-a-uuid/tracker.json?t=…`` used to answer ``unknown_parameter``: the
    path is wrong before any query is, so the answer names the election id."""
    election = uuid.uuid4()
    bad_id = _url(name, election, args).replace(str(election), "not-a-uuid")
    for query in ({"t": "ab" * 32}, {"nonsense": "1"}, {"after": "x", "limit": "0"}):
        _json_error(Client().get(bad_id, query), 400, "bad_election")


def test_only_the_canonical_decimal_index_names_an_issuer(voted):
    """``issuers/01/ledger.json`` used to be served as issuer 1's ledger."""
    election = voted.election.uuid
    assert Client().get(f"/elections/{election}/issuers/1/ledger.json").status_code == 200
    for index in ("01", "001", "00", "+1", "1.0", "0x1", "1e0", "\u0661", "1" * 12):
        response = Client().get(f"/elections/{election}/issuers/{index}/ledger.json")
        body = _json_error(response, 404, "unknown_issuer")
        assert "leading zero" in body["message"], body
    response = Client().get(f"/anonymous/{election}/issuers/01/ledger.json")
    _json_error(response, 404, "unknown_feed")


# Malformed spellings of a feed's address (outside review, LOW): the catch-all used to match only
# paths ending in .json or .jsonl, so these got Django's HTML 404 page.
MALFORMED = [
    pytest.param(lambda url: url + "x", id="jsonx"),
    pytest.param(lambda url: url + "/", id="trailing-slash"),
    pytest.param(lambda url: url + "x/", id="jsonx-slash"),
    pytest.param(
        lambda url: url[: -len(".json")] + ".JSON" if url.endswith(".json") else url + "X",
        id="upper-case",
    ),  # fmt: skip
]


@pytest.mark.parametrize("spell", MALFORMED)
@pytest.mark.parametrize("name, args", FEEDS)
def test_a_malformed_feed_address_answers_json_not_html(db, name, args, spell):
    election = uuid.uuid4()
    url = spell(_url(name, election, args))
    body = _json_error(Client().get(url), 404, "unknown_feed")
    if url.endswith("/"):
        assert "slash" in body["message"], body
    bad_id = url.replace(str(election), "not-a-uuid")
    _json_error(Client().get(bad_id), 400, "bad_election")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("spell", [pytest.param(lambda url: url, id="exact"), *MALFORMED])
@pytest.mark.parametrize("name, args", FEEDS)
def test_any_other_method_on_a_feed_is_a_json_405_even_with_csrf_checks(
    db, name, args, spell, method
):
    """A POST used to meet the CSRF check first, an HTML 403 page: a feed takes no POST at all,
    so there is nothing for the check to protect."""
    client = Client(enforce_csrf_checks=True)
    url = spell(_url(name, uuid.uuid4(), args))
    response = getattr(client, method)(url, data=b"{}", content_type="application/json")
    _json_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD"


def test_pages_and_post_endpoints_beside_the_feeds_are_unchanged(voted):
    election = voted.election.uuid
    for page in (f"/elections/{election}/", f"/elections/{election}/board/",
                 f"/elections/{election}/results/", f"/elections/{election}/verify/",
                 f"/anonymous/{election}/tracker"):  # fmt: skip
        response = Client().get(page)
        assert response.status_code == 200, page
        assert response["Content-Type"].startswith("text/html"), page
    assert Client().get(f"/elections/{election}/nothing/").status_code == 404
    assert Client().get(f"/elections/{election}/nothing/")["Content-Type"].startswith("text/html")
    # Member endpoints that take a POST still require the CSRF token.
    client = Client(enforce_csrf_checks=True)
    trustee = voted.trustee_members[0]
    client.force_login(trustee.user)
    for name in ("issuer_signatures", "ceremony_commitments", "decryption", "transition"):
        response = client.post(reverse(f"voting:{name}", args=[election]), data={})
        assert response.status_code == 403, name
        assert b"CSRF" in response.content, name
