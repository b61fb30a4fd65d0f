"""States, audit entries, the frozen roll, the scheduler, and the key-ceremony relay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from convention.models import AuditEntry, Role
from tests.voting.world import QUESTIONS, World, member
from voting.clients import TrusteeClient
from voting.exceptions import CeremonyRejected, InvalidElection, NotAllowed, WrongState
from voting.models import ElectionState, RollEntry
from voting.services import ceremony, lifecycle
from voting.verify.election import roll_id

S = ElectionState


def test_every_transition_is_audited(world):
    world.open_poll()
    world.close_and_tally()
    world.move(S.PUBLISHED)
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    for state in ("key_ceremony", "credentials", "open", "closed", "tallied", "published"):
        assert f"election.{state}" in actions


def test_roll_is_frozen_with_participants_and_recomputable_ids(world):
    late = member(world.convention, "Late Comer", Role.PARTICIPANT)
    world.open_credentials()
    member(world.convention, "Too Late", Role.PARTICIPANT)
    roll = Client().get(reverse("voting:roll_json", args=[world.election.uuid])).json()
    assert roll["size"] == len(world.voter_members) + 1
    assert {r["registrar"]: r["size"] for r in roll["by_registrar"]} == {"Registrar": 4, None: 1}
    entry = RollEntry.objects.get(membership=late)
    assert (
        entry.roll_id == roll_id(world.election.fingerprint_bytes, bytes.fromhex(entry.code)).hex()
    )
    assert entry.roll_id in {e["id"] for e in roll["entries"]}


def test_credentials_cannot_start_before_the_ceremony_completes(world):
    world.move(S.KEY_CEREMONY)
    with pytest.raises(WrongState):
        world.move(S.CREDENTIALS)


def test_only_organizers_move_elections(world):
    with pytest.raises(NotAllowed):
        lifecycle.transition(world.election, S.KEY_CEREMONY, actor=world.voter_members[0])
    with pytest.raises(WrongState):
        world.move(S.OPEN)


def test_scheduler_moves_elections_at_their_times(world):
    world.run_ceremony()
    later = timezone.now() + timedelta(days=2, hours=1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        moved = lifecycle.advance_scheduled(later)
    assert world.refresh().state == S.OPEN and len(moved) == 2
    with TestCase.captureOnCommitCallbacks(execute=True):
        lifecycle.advance_scheduled(later + timedelta(days=1))
    election = world.refresh()
    assert election.state == S.TALLIED  # closed, and nothing to decrypt: zero ballots
    assert election.final_head["final"] is True


def test_invalid_definitions_are_refused(db):
    world = World()
    bad = [dict(QUESTIONS[1], min=4, max=2)]
    with pytest.raises(InvalidElection):
        lifecycle.create_election(
            convention=world.convention,
            actor=world.organizer,
            title={"en": "x"},
            questions=bad,
            credentials_at=timezone.now(),
            opens_at=timezone.now(),
            closes_at=timezone.now() + timedelta(days=1),
            trustees=world.trustee_members,
            threshold=2,
        )
    with pytest.raises(InvalidElection):
        lifecycle.create_election(
            convention=world.convention,
            actor=world.organizer,
            title={"en": "x"},
            questions=QUESTIONS,
            credentials_at=timezone.now(),
            opens_at=timezone.now(),
            closes_at=timezone.now() + timedelta(days=1),
            trustees=world.trustee_members,
            threshold=4,
        )


def test_ceremony_refuses_bad_proofs_and_wrong_index(world):
    world.move(S.KEY_CEREMONY)
    cc = bytes.fromhex(world.election.ceremony_context)
    trustee = world.trustee(1)
    announcement = TrusteeClient(1, 2, cc).announce()
    forged = dict(announcement, communication_proof=announcement["commitment_proofs"][0])
    with pytest.raises(CeremonyRejected):
        ceremony.submit_commitments(election=world.election, trustee=trustee, message=forged)
    with pytest.raises(CeremonyRejected):
        ceremony.submit_commitments(
            election=world.election, trustee=trustee, message=TrusteeClient(2, 2, cc).announce()
        )
    ceremony.submit_commitments(election=world.election, trustee=trustee, message=announcement)
    assert world.trustee(1).commitments == {
        k: v for k, v in announcement.items() if k != "issuer_key"
    }
    assert world.trustee(1).issuer_key == announcement["issuer_key"]["pem"]


def test_ceremony_refuses_an_issuer_key_without_proof_of_possession_or_too_small(world):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    world.move(S.KEY_CEREMONY)
    cc = bytes.fromhex(world.election.ceremony_context)
    trustee = world.trustee(1)
    announcement = TrusteeClient(1, 2, cc).announce()
    other = TrusteeClient(2, 2, cc).announce()["issuer_key"]
    small = (
        rsa.generate_private_key(65537, 2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    for issuer_key in (
        dict(announcement["issuer_key"], proof=other["proof"]),  # proof by another key
        dict(other),  # trustee 2's key and proof (bound to index 2)
        {"pem": small, "proof": "00" * 256},
        None,
    ):
        message = dict(announcement, issuer_key=issuer_key)
        with pytest.raises(CeremonyRejected):
            ceremony.submit_commitments(election=world.election, trustee=trustee, message=message)
    without = {k: v for k, v in announcement.items() if k != "issuer_key"}
    with pytest.raises(CeremonyRejected):
        ceremony.submit_commitments(election=world.election, trustee=trustee, message=without)
    assert world.trustee(1).commitments is None


def test_only_the_issuers_make_and_announce_an_issuer_key(world):
    """Trustees k+1..n only decrypt (protocol §7): the Python trustee client makes no issuer key
    for them, their announcement carries none, and the ceremony completes with the issuers'
    keys alone. Trustee 3 of a 2-of-3 election used to make and announce an unused key."""
    world.run_ceremony()
    assert [c.issuer_key is not None for c in world.trustee_clients] == [True, True, False]
    announced = {
        t["index"]: t["issuer_key"] for t in ceremony.status(world.election, None)["trustees"]
    }
    assert announced[1] and announced[2] and announced[3] is None
    assert world.trustee(3).issuer_key == "" and world.trustee(3).issuer_key_proof == ""
    assert [k["trustee"] for k in world.election.manifest["issuers"]["keys"]] == [1, 2]
    from voting.selectors import ceremony_record

    assert [t["issuer_key"] is None for t in ceremony_record(world.election)["trustees"]] == [
        False,
        False,
        True,
    ]


def test_an_issuer_must_announce_its_issuer_key_and_a_trustee_beyond_k_need_not(world):
    world.move(S.KEY_CEREMONY)
    cc = bytes.fromhex(world.election.ceremony_context)
    first = TrusteeClient(1, 2, cc).announce()
    without = {k: v for k, v in first.items() if k != "issuer_key"}
    with pytest.raises(CeremonyRejected, match="issuer_key"):
        ceremony.submit_commitments(
            election=world.election, trustee=world.trustee(1), message=without
        )
    third = TrusteeClient(3, 2, cc).announce()
    assert "issuer_key" not in third
    ceremony.submit_commitments(election=world.election, trustee=world.trustee(3), message=third)
    assert world.trustee(3).commitments == third and world.trustee(3).issuer_key == ""


def test_an_issuer_key_from_a_trustee_beyond_k_is_refused(world):
    """Trustees k+1..n only decrypt (protocol §7), and the trustee tools make no issuer key for
    them: the server refuses one, valid or not, as it refuses their cohort keys, and nothing is
    written; the same announcement without it is accepted."""
    from tests.voting.conftest import cached_issuer_key
    from voting.clients import issuer_key_announcement

    world.move(S.KEY_CEREMONY)
    cc = bytes.fromhex(world.election.ceremony_context)
    third = TrusteeClient(3, 2, cc).announce()
    key = issuer_key_announcement(cached_issuer_key(3), cc, 3)
    with pytest.raises(CeremonyRejected, match="only the issuers, trustees 1..k"):
        ceremony.submit_commitments(
            election=world.election, trustee=world.trustee(3), message=dict(third, issuer_key=key)
        )
    assert world.trustee(3).commitments is None and world.trustee(3).issuer_key == ""
    ceremony.submit_commitments(election=world.election, trustee=world.trustee(3), message=third)
    assert world.trustee(3).commitments == third and world.trustee(3).issuer_key == ""


def test_ceremony_complaint_answered_in_clear_completes(world):
    world.move(S.KEY_CEREMONY)
    cc = bytes.fromhex(world.election.ceremony_context)
    clients = [TrusteeClient(i, 2, cc) for i in (1, 2, 3)]
    for client in clients:
        ceremony.submit_commitments(
            election=world.election, trustee=world.trustee(client.index), message=client.announce()
        )
    public = ceremony.status(world.election, None)["trustees"]
    for client in clients:
        message = client.shares(public)
        if client.index == 1:  # trustee 1 garbles its share for trustee 2
            share = next(s for s in message["shares"] if s["recipient"] == 2)
            share["tag"] = "00" * 32
        ceremony.submit_shares(
            election=world.election, trustee=world.trustee(client.index), message=message
        )
    for client in clients:
        status = ceremony.status(world.refresh(), world.trustee(client.index))
        verification = client.verification(status)
        if client.index == 2:
            assert verification == {"complaints": [{"sender": 1, "recipient": 2}]}
        ceremony.submit_verification(
            election=world.election, trustee=world.trustee(client.index), message=verification
        )
    assert not world.refresh().fingerprint
    value = clients[0].secrets.evaluate(2).hex()
    ceremony.submit_answers(
        election=world.election,
        trustee=world.trustee(1),
        message={"answers": [{"sender": 1, "recipient": 2, "share": value}]},
    )
    assert world.refresh().fingerprint


def test_ceremony_endpoints_require_the_trustee(world):
    world.move(S.KEY_CEREMONY)
    url = reverse("voting:ceremony_json", args=[world.election.uuid])
    client = Client()
    assert client.get(url).status_code == 401
    client.force_login(world.voter_members[0].user)
    assert client.get(url).status_code == 403
    client.force_login(world.trustee_members[0].user)
    data = client.get(url).json()
    assert data["my_index"] == 1 and data["complete"] is False
