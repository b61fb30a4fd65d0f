"""A server-side fault while casting (a failed COMMIT, a database that is briefly unreachable, a
bug) is answered as a JSON 503 with Retry-After, never Django's HTML 500 that a browser treats as
a final refusal; sending the same bytes again then returns the receipt, and the board holds the
ballot once."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import DatabaseError, InterfaceError, OperationalError, connection

from voting.models import BoardEntry

# Run on SQLite too, `make run`'s database, by `make test` (the Makefile's test-sqlite).
pytestmark = pytest.mark.sqlite
CHOICE = [[0], [1, 2], [2, 0, 1]]


@pytest.fixture
def open_world(transactional_db, world):
    world.open_poll()
    return world


def test_commit_cut_after_storing_answers_503_and_the_resend_gets_the_receipt(
    open_world, monkeypatch, caplog
):
    """The outside review's case: the link to PostgreSQL is cut just after COMMIT. The ballot is
    stored, yet the voter must not be told it was refused: a JSON 503 asks for the same bytes
    again, which then return the receipt of the one stored entry."""
    ballot, _ = open_world.voters[0].ballot(CHOICE, open_world.head())
    real_commit = connection._commit
    cut = []

    def commit_then_cut():
        real_commit()
        if not cut:
            cut.append(True)
            raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(connection, "_commit", commit_then_cut)
    with caplog.at_level(logging.ERROR, logger="voting.views.ballot_box"):
        first = open_world.cast(ballot)
    assert first.status_code == 503
    assert first["Content-Type"] == "application/json"
    assert int(first["Retry-After"]) > 0
    assert first.json()["error"] == "unavailable"
    assert cut == [True]
    # Logged with the path and the exception's class only: nothing of the ballot.
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "DatabaseError" in logged
    assert ballot["credential"]["key"] not in logged and "closed the connection" not in logged

    again = open_world.cast(ballot)
    assert again.status_code == 200, again.content
    receipt = again.json()
    entries = BoardEntry.objects.filter(election=open_world.election)
    assert entries.count() == 1
    assert receipt["tracker"] == entries.get().tracker


@pytest.mark.parametrize("fault", [DatabaseError, OperationalError, InterfaceError, RuntimeError])
def test_every_fault_before_commit_is_a_json_503_and_the_resend_appends_once(
    open_world, monkeypatch, fault
):
    ballot, _ = open_world.voters[0].ballot(CHOICE, open_world.head())
    from voting.services import board

    real_append = board.append
    failed = []

    def append_then_fail(*args, **kwargs):
        entry = real_append(*args, **kwargs)
        if not failed:
            failed.append(True)
            raise fault("the database went away")
        return entry

    monkeypatch.setattr(board, "append", append_then_fail)
    first = open_world.cast(ballot)
    assert first.status_code == 503 and first.json()["error"] == "unavailable"
    assert first.has_header("Retry-After") and not first.cookies
    assert BoardEntry.objects.filter(election=open_world.election).count() == 0
    again = open_world.cast(ballot)
    assert again.status_code == 201, again.content
    assert BoardEntry.objects.filter(election=open_world.election).count() == 1
    assert json.loads(again.content)["position"] == 1


def test_a_refusal_by_the_ballots_own_checks_stays_a_4xx_with_its_code(open_world):
    ballot, _ = open_world.voters[0].ballot(CHOICE, open_world.head())
    ballot["signature"] = "00" * 64
    response = open_world.cast(ballot)
    assert 400 <= response.status_code < 500
    assert response.json()["error"] in {"bad_signature", "malformed"}
