"""Ranked answers on real ballots must be rankings (protocol §5.1, issue 10 item 6).

The attack: a voter casts a ranked answer whose pairs say 0 > 1, 1 > 2, 2 > 0 (a cycle), each
pair a valid §5 question. Formerly a ranked answer was only pairs with bounds 0..1, so the ballot
box, the verifier and the trustees accepted it and the tally counted the cycle. Now the answer
must also prove positions, places and links: the cycle built with every other proof valid (the
forgery of tests/crypto/test_ranking.py) fails at its link, the old pairs-only form is malformed,
and an audit reveal must open to one full order.
"""

from __future__ import annotations

import copy
import json

import pytest
from django.db import transaction

from tests.crypto.make_ranking_vectors import forge_ranking, preferences_of
from tests.voting.world import World
from voting.crypto.group import DeterministicNonces, Point, int8
from voting.crypto.question import encrypt_question
from voting.crypto.ranking import pair_context, ranked_pairs
from voting.crypto.serialization import to_json
from voting.models import BoardEntry, ElectionState
from voting.selectors import record_lines
from voting.services import board
from voting.trustee import steps
from voting.verify.ballots import tracker_of
from voting.verify.canonical import dumps
from voting.verify.record import verify_record

CHOICE = [[0], [1, 2], [2, 0, 1]]
CYCLE = [(0, 1), (1, 2), (2, 0)]
RANKED = 2  # the world's ranked question (3 options)


@pytest.fixture
def open_world(world):
    world.open_poll()
    return world


def _cycle_ballot(world, voter, head: dict, *, pairs_only: bool = False) -> dict:
    """An honest ballot whose ranked answer is replaced by the cycle 0 > 1 > 2 > 0 under the
    ballot's own context ``fingerprint ‖ nonce ‖ int(q)``: as a forged ranking (every pair,
    position and place proof valid, links made up where they cannot hold) or, ``pairs_only``,
    in the old form (pairs with bounds 0..1 and nothing else)."""
    sealed, _ = voter.seal(CHOICE)
    joint = Point.from_hex(world.election.manifest["joint_public_key"])
    ctx = world.election.fingerprint_bytes + bytes.fromhex(sealed["nonce"]) + int8(RANKED)
    preferences = preferences_of(CYCLE, 3)
    if pairs_only:
        answer = {
            "pairs": [
                to_json(
                    encrypt_question(
                        pair_context(ctx, i, j), joint, [preferences[i][j], preferences[j][i]], 0, 1
                    )
                )
                for i, j in ranked_pairs(3)
            ]
        }
    else:
        positions = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        forged = forge_ranking(ctx, joint, preferences, positions, DeterministicNonces(b"cycle"))
        answer = to_json(forged)
    sealed["answers"][RANKED] = answer
    return voter.sign(sealed, head)  # signed by the voter's credential like any ballot


def test_a_cast_cycle_with_otherwise_valid_proofs_is_refused_at_its_link(open_world):
    ballot = _cycle_ballot(open_world, open_world.voters[0], open_world.head())
    response = open_world.cast(ballot)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error"] == "bad_proof"
    assert body["question"] == RANKED and body["part"] == "link 0"
    assert "link 0" in body["detail"]
    assert not BoardEntry.objects.filter(election=open_world.election).exists()


def test_the_old_pairs_only_ranked_answer_is_refused(open_world):
    """Formerly accepted: three valid 0..1 pairs forming a cycle."""
    ballot = _cycle_ballot(open_world, open_world.voters[0], open_world.head(), pairs_only=True)
    response = open_world.cast(ballot)
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "malformed"
    assert response.json()["question"] == RANKED
    assert not BoardEntry.objects.filter(election=open_world.election).exists()


def test_a_ranked_audit_opens_to_the_order_and_a_reveal_of_another_order_is_refused(open_world):
    voter = open_world.voters[0]
    other = voter.audit([[1], [0], [1, 0, 2]])
    audit = voter.audit(CHOICE)
    tampered = copy.deepcopy(audit)
    tampered["reveal"][RANKED] = other["reveal"][RANKED]
    response = open_world.cast(tampered, path="audit")
    assert response.status_code == 422, response.content
    assert response.json()["error"] == "bad_reveal" and response.json()["question"] == RANKED
    assert response.json()["part"] == "pair (0, 1)"
    assert not BoardEntry.objects.filter(election=open_world.election).exists()
    assert open_world.cast(audit, path="audit").status_code == 201


def _append_unchecked(world, ballot: dict) -> int:
    """Put ``ballot`` on the board with the server's own append code, skipping every check (a
    dishonest server, or a bug): the record then holds it as it would any ballot."""
    sealed = {k: ballot[k] for k in ("election", "nonce", "answers")}
    rows = b""
    for answer in ballot["answers"]:
        for part in answer["pairs"] if "pairs" in answer else [answer]:
            for ct in part["ciphertexts"]:
                rows += bytes.fromhex(ct["a"]) + bytes.fromhex(ct["b"])
    with transaction.atomic():
        entry = board.append(
            world.election,
            kind="ballot",
            tracker=tracker_of(dumps(sealed)),
            credential_key=ballot["credential"]["key"],
            ballot=dumps(ballot),
            reveal=b"",
            ciphertexts=rows,
            board_count=ballot["board"]["count"],
        )
    return entry.position


@pytest.mark.parametrize("pairs_only, failure", [(False, "link 0"), (True, "malformed")])
def test_the_verifier_fails_a_record_holding_a_cycle(open_world, pairs_only, failure):
    world = open_world
    assert world.cast(world.voters[1].ballot(CHOICE, world.head())[0]).status_code == 201
    position = _append_unchecked(
        world, _cycle_ballot(world, world.voters[0], world.head(), pairs_only=pairs_only)
    )
    world.move(ElectionState.CLOSED)
    lines = [line.decode() for line in record_lines(world.refresh())]
    report = verify_record(lines, workers=1)
    assert not report.ok
    failures = report.checks["ballots"].failures
    assert any(f"entry {position}" in f and failure in f for f in failures), failures


def test_the_verifier_names_a_pair_a_counted_tie_left_undecided(open_world):
    """A dishonest server counts a ballot whose pair (0, 1) is a tie (neither above the other):
    besides the ballot's failing proof, the results step finds pairs whose two counts do not add
    up to the number of counted ballots."""
    world = open_world
    assert world.cast(world.voters[1].ballot(CHOICE, world.head())[0]).status_code == 201
    sealed, _ = world.voters[0].seal(CHOICE)
    joint = Point.from_hex(world.election.manifest["joint_public_key"])
    ctx = world.election.fingerprint_bytes + bytes.fromhex(sealed["nonce"]) + int8(RANKED)
    tie = preferences_of([(0, 2), (1, 2)], 3)
    positions = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    sealed["answers"][RANKED] = to_json(
        forge_ranking(ctx, joint, tie, positions, DeterministicNonces(b"tie"))
    )
    position = _append_unchecked(world, world.voters[0].sign(sealed, world.head()))
    world.close_and_tally()
    world.move(ElectionState.PUBLISHED)
    report = verify_record([line.decode() for line in record_lines(world.refresh())], workers=1)
    failures = report.checks["results"].failures
    # The verifier counts only the valid ballot (1); the tally holds both, so the pairs the tie
    # left alone were decided twice.
    assert "question 2, pair (0, 2): 2 ballots rank it, not the 1 counted" in failures, failures
    assert any(f"entry {position}" in f for f in report.checks["ballots"].failures)


def test_the_trustee_cli_refuses_a_counted_cycle(open_world):
    world = open_world
    ballot = _cycle_ballot(world, world.voters[0], world.head())
    with pytest.raises(steps.TrusteeRefusal, match="link 0"):
        steps.check_counted_ballot(
            world.election.fingerprint_bytes, world.election.manifest, ballot, 1
        )
    honest, _ = world.voters[0].ballot(CHOICE, world.head())
    steps.check_counted_ballot(world.election.fingerprint_bytes, world.election.manifest, honest, 1)


def test_full_rankings_tally_to_complementary_pairwise_counts(open_world):
    world = open_world
    for voter, order in zip(
        world.voters, ([0, 1, 2], [2, 1, 0], [1, 2, 0], [0, 2, 1]), strict=True
    ):
        assert world.cast(voter.ballot([[0], [], order], world.head())[0]).status_code == 201
    results = world.close_and_tally().results
    pairwise = results["questions"][RANKED]["pairwise"]
    assert pairwise == [[0, 2, 2], [2, 0, 2], [2, 2, 0]]
    assert all(pairwise[i][j] + pairwise[j][i] == results["counted"] for i, j in ranked_pairs(3))


@pytest.mark.django_db
def test_a_ten_option_ranked_ballot_fits_the_size_limit_and_counts():
    world = World(
        questions=[
            {
                "type": "ranked",
                "title": {"en": "Ten"},
                "options": [{"label": {"en": f"Option {i}"}} for i in range(10)],
            }
        ],
        voters=1,
    )
    world.open_poll()
    order = [3, 9, 0, 5, 1, 8, 2, 7, 4, 6]
    ballot, _ = world.voters[0].ballot([order], world.head())
    assert len(json.dumps(ballot)) < board.election_keys(world.election).max_bytes
    assert world.cast(ballot).status_code == 201
    result = world.close_and_tally().results["questions"][0]
    assert [group[0] for group in result["ranking"]] == order


def test_a_partial_ranking_cannot_be_sealed(open_world):
    from voting.crypto.errors import CryptoError

    with pytest.raises(CryptoError):
        open_world.voters[0].seal([[0], [], [2, 0]])
