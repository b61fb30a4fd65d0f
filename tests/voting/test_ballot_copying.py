"""Ballot copying: a voter with a valid credential copies another voter's answers verbatim into
a ballot properly signed by their own credential. Posted k times with few voters, the copies
would shift the tally by k times the target's vote and reveal it. Every proof's context includes
the ballot's one-time nonce (docs/elections.md §4): a copy that keeps the nonce has the target's
tracker, which the board holds once (``duplicate_tracker``); a copy under a fresh nonce fails its
proofs (``bad_proof``). The verifier names either if it is forced onto the board, and a trustee
refuses to decrypt."""

from __future__ import annotations

import pytest

from tests.voting.test_casting import _resign
from tests.voting.test_verifier import _append_entry, _failed, _last_head
from voting.clients import Voter
from voting.models import BoardEntry, ElectionState
from voting.selectors import record_lines
from voting.trustee.steps import TrusteeRefusal, check_counted_ballot
from voting.verify.record import verify_record

# Run on SQLite too, `make run`'s database, by `make test` (the Makefile's test-sqlite).
pytestmark = pytest.mark.sqlite
CHOICES = [[[0], [0, 1], [0, 1, 2]], [[1], [2], [2, 1, 0]], [[], [0, 4], [1, 0, 2]]]


def _copy(target_ballot: dict, copier: Voter, head: dict, *, fresh_nonce: bool = False) -> dict:
    """The target's answers under the copier's credential, signed by the copier."""
    body = {
        "election": target_ballot["election"],
        "nonce": "ab" * 32 if fresh_nonce else target_ballot["nonce"],
        "answers": target_ballot["answers"],
        "board": {"count": head["count"], "hash": head["hash"]},
        "credential": copier.credential,
    }
    return _resign(copier, body)


def test_cast_endpoint_refuses_a_copied_ballot(world):
    world.open_poll()
    target, copier = world.voters[0], world.voters[1]
    ballot, _ = target.ballot(CHOICES[0], world.head())
    assert world.cast(ballot).status_code == 201
    same_nonce = _copy(ballot, copier, world.head())
    assert same_nonce["credential"]["key"] != ballot["credential"]["key"]
    response = world.cast(same_nonce)
    assert response.status_code == 409, response.content
    assert response.json()["error"] == "duplicate_tracker"
    fresh = _copy(ballot, copier, world.head(), fresh_nonce=True)
    response = world.cast(fresh)
    assert response.status_code == 422, response.content
    body = response.json()
    # The copier's credential and signature are valid: it is the proofs that fail.
    assert body["error"] == "bad_proof" and body["question"] == 0 and body["item"] == 0
    assert BoardEntry.objects.filter(election=world.election).count() == 1
    # The copier's own, honestly made ballot is accepted.
    assert world.cast(copier.ballot(CHOICES[1], world.head())[0]).status_code == 201


@pytest.fixture
def copied(world):
    """A published record of three ballots, the target's first, and a copy of it by voter 3."""
    world.open_poll()
    ballots = []
    for voter, choice in zip(world.voters[:3], CHOICES, strict=True):
        ballots.append(voter.ballot(choice, world.head())[0])
        assert world.cast(ballots[-1]).status_code == 201
    world.close_and_tally(decrypting=[1, 2])
    world.move(ElectionState.PUBLISHED)
    lines = [line.decode() for line in record_lines(world.refresh())]
    return lines, ballots[0], world.voters[3]


def test_verifier_names_a_copied_ballot_forced_onto_the_board(copied):
    lines, target, copier = copied
    assert verify_record(lines, workers=1).ok
    forged = lines[:]
    position = _append_entry(forged, _copy(target, copier, _last_head(forged)))
    failed = _failed(forged)
    assert any(
        f"entry {position}" in f and "is already at position 1" in f for f in failed["chain"]
    ), failed
    forged = lines[:]
    position = _append_entry(forged, _copy(target, copier, _last_head(forged), fresh_nonce=True))
    failed = _failed(forged)
    assert any(f"entry {position}" in f and "bad_proof" in f for f in failed["ballots"]), failed


def test_trustee_refuses_a_copied_counted_ballot(copied, world):
    _, target, copier = copied
    copy = _copy(target, copier, {"count": 3, "hash": "00" * 32}, fresh_nonce=True)
    election = world.election
    check_counted_ballot(election.fingerprint_bytes, election.manifest, target, 1)
    with pytest.raises(TrusteeRefusal, match="counted ballot 4 does not verify"):
        check_counted_ballot(election.fingerprint_bytes, election.manifest, copy, 4)
