"""A cohort election run by the trustees' own tools over HTTP against a live server
(docs/protocol.md §12): three trustees make their keys with ``python -m voting.trustee`` (the
issuers, trustees 1 and 2 of k = 2, also one key per stated value), two ``python -m
voting.issuer`` daemons (real subprocesses, their own key files) sign the credentials and their
labels, Python voters cast over the ballot box, trustees 1 and 3 decrypt with the CLI, and each
ballot is counted in its cohort. Issuer 1's daemon refuses a request whose label names a value
it holds no key for; the record verifies but for that request, which the roll marks issued and
only issuer 2's ledger lists."""

from __future__ import annotations

import json

import pytest

from tests.voting.test_issuer_daemon import _daemon, _voter_client
from tests.voting.test_trustee_cli import PASSPHRASE, _run, _session
from voting.clients import Voter, obtain_credential
from voting.models import AttestedCohort, ConventionCohorts, CredentialRequest, ElectionState
from voting.selectors import record_lines
from voting.trustee import keyfile
from voting.verify.cohorts import parse_labels, verify_labels
from voting.verify.issuers import parse_issuers
from voting.verify.record import verify_record

COHORTS = {
    "minimum": 2,
    "dimensions": [
        {
            "name": {"en": "Residence", "fa-af": "محل سکونت", "ps": "استوګنځی"},
            "kind": "attested",
            "values": [{"en": "Inside Afghanistan"}, {"en": "Outside Afghanistan"}],
        },
        {
            "name": {"en": "Gender", "fa-af": "جنسیت", "ps": "جنسیت"},
            "kind": "self-declared",
            "values": [{"en": "Woman"}, {"en": "Man"}],
        },
    ],
}
# Voter i: attested residence, declared gender, choice in question 0 (0 Republic, 1 Emirate).
# Voter 6 asks for a credential but issuer 1 refuses its (tampered) request: it never votes.
RESIDENCE = [1, 1, 1, 1, 2, 2, 1]
GENDER = [1, 1, 2, 2, 2, 2, 1]
CHOICE = [0, 1, 0, 0, 1, 1]


def _cli(live_server, election, session, *args, monkeypatch, capsys) -> str:
    code, out = _run(live_server, election, session, *args, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0, out
    return out


@pytest.mark.django_db(transaction=True)
def test_issuer_daemons_sign_labels_and_the_cli_trustees_decrypt_each_cohort(
    live_server, tmp_path, monkeypatch, capsys
):
    from tests.voting.world import World

    world = World(voters=7, trustees=3, threshold=2)
    ConventionCohorts.objects.create(convention=world.convention, definition=COHORTS)
    for member, value in zip(world.voter_members, RESIDENCE, strict=True):
        AttestedCohort.objects.create(membership=member, dimension=1, value=value)
    world.move(ElectionState.KEY_CEREMONY)
    election = world.election
    sessions = {m.pk: _session(m) for m in world.trustee_members}
    files = {m.pk: tmp_path / f"{m.pk}.key" for m in world.trustee_members}
    out = ""
    for step in ("generate", "ceremony", "ceremony"):
        for member in world.trustee_members:
            out = _cli(live_server, election, sessions[member.pk], step, "--key-file",
                       str(files[member.pk]), monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert "and every issuer's cohort keys as announced" in out
    election = world.refresh()
    keys = {
        m.pk: keyfile.open_keyfile(keyfile.loads_keyfile(files[m.pk].read_bytes()), PASSPHRASE)
        for m in world.trustee_members
    }
    issuers = parse_issuers(election.manifest)
    # The issuers made one key per stated value on their machine; trustee 3 made none.
    stated = [(1, 1), (1, 2), (2, 1), (2, 2)]
    for member in world.trustee_members:
        key = keys[member.pk]
        if key.index <= 2:
            assert sorted(key.cohort_keys) == stated
            for d, v in stated:
                assert issuers.cohorts.keys[(key.index, d, v)] == key.cohort_keys[(d, v)].public
        else:
            assert key.cohort_keys == {}
    world.move(ElectionState.CREDENTIALS)

    voters = [Voter(election.manifest, election.fingerprint_bytes) for _ in world.voter_members]
    for voter, residence, gender in zip(voters, RESIDENCE, GENDER, strict=True):
        voter.labels = {1: residence, 2: gender}
    # Voter 6 asks first; the server then shows issuer 1 a label of a value (gender 5) that no
    # issuer key is for.
    late = _voter_client(live_server, election, world.voter_members[6])
    late.post_json("credential", voters[6].credential_request())
    tampered = CredentialRequest.objects.get(roll_entry__membership=world.voter_members[6],
                                             issuer=1)  # fmt: skip
    tampered.labels[1]["value"] = 5
    tampered.save(update_fields=["labels"])

    issuer_members = world.trustee_members[:2]
    ledgers = {m.pk: tmp_path / f"ledger-{m.pk}.jsonl" for m in issuer_members}
    daemons = [
        _daemon(live_server, election, sessions[m.pk], files[m.pk], ledgers[m.pk])
        for m in issuer_members
    ]
    try:
        for membership, voter in zip(world.voter_members[:6], voters[:6], strict=True):
            client = _voter_client(live_server, election, membership)
            obtain_credential(
                voter,
                lambda body, c=client: c.post_json("credential", body),
                lambda c=client: c.get_json("credential"),
                timeout=60,
                interval=0.5,
            )
        world.move(ElectionState.OPEN)
        outputs = [d.communicate(timeout=60)[0] for d in daemons]
    finally:
        for daemon in daemons:
            if daemon.poll() is None:
                daemon.kill()
    for daemon, out in zip(daemons, outputs, strict=True):
        assert daemon.returncode == 0, out
        assert "and your 4 cohort keys" in out, out
    assert f"refused request {tampered.pk}: no cohort key of this issuer is for dimension 2 " \
           "value 5" in outputs[0]  # fmt: skip
    assert outputs[0].count("refused request") == 1  # reported once, however often queued
    assert "ledger of 6 entries published" in outputs[0]
    assert "ledger of 7 entries published" in outputs[1]
    tampered.refresh_from_db()
    assert tampered.blind_signature == "" and tampered.labels[1]["blind_signature"] == ""

    # Each label carries the signatures of issuers 1 and 2 under their keys for its value.
    for voter, residence, gender in zip(voters[:6], RESIDENCE[:6], GENDER[:6], strict=True):
        labels = parse_labels(voter.credential["cohorts"])
        assert [(d, v) for d, v, _ in labels] == [(1, residence), (2, gender)]
        assert all([s[0] for s in signatures] == [1, 2] for _, _, signatures in labels)
        verify_labels(
            issuers.cohorts, 2, election.fingerprint_bytes, voter.public_key.encoding, labels
        )

    world.voters = voters[:6]
    for voter, choice in zip(voters[:6], CHOICE, strict=True):
        ballot, _ = voter.ballot([[choice], [], [0, 1, 2]], world.head())
        assert world.cast(ballot).status_code == 201
    world.move(ElectionState.CLOSED)
    for member in (world.trustee_members[0], world.trustee_members[2]):
        out = _cli(live_server, election, sessions[member.pk], "decrypt", "--key-file",
                   str(files[member.pk]), monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
        assert "decrypting the 6 groups the rule publishes" in out
    election = world.refresh()
    assert election.state == ElectionState.TALLIED
    assert election.results["questions"][0]["counts"] == [3, 3]
    residence, gender = election.cohort_results
    by_values = {
        (found["dimension"], tuple(g["values"])): (g["counted"], g["questions"][0]["counts"])
        for found in (residence, gender)
        for g in found["groups"]
    }
    assert by_values == {
        (1, (0,)): (0, [0, 0]),
        (1, (1,)): (4, [3, 1]),  # inside: voters 0–3
        (1, (2,)): (2, [0, 2]),  # outside: voters 4, 5
        (2, (0,)): (0, [0, 0]),
        (2, (1,)): (2, [1, 1]),  # women: voters 0, 1
        (2, (2,)): (4, [2, 2]),  # men: voters 2–5
    }
    world.move(ElectionState.PUBLISHED)
    record = [line.decode() for line in record_lines(world.refresh())]
    report = verify_record(record, workers=1)
    # Every check passes but one: the roll marks voter 6's entry issued (the server took its
    # request), and only issuer 2's ledger lists it. The server's tampering is public.
    failed = {name: check.failures for name, check in report.checks.items() if not check.ok}
    late_entry = tampered.roll_entry.roll_id
    assert set(failed) == {"issued"}, "\n".join(report.lines())
    assert any(late_entry[:16] in f and "1 issuers' ledgers" in f for f in failed["issued"])
    kinds = [json.loads(line)["type"] for line in record]
    assert kinds.count("cohort_decryption") == 2
