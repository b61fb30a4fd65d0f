"""Issue 10 items 1 and 4, as attacks over HTTP and over exported records (ballot format v2).

1. Benaloh audits must not publish the auditor's vote: an audited ballot names no credential, so
   nothing on the board or in the record links the reveal to the credential that then casts.
2. Re-voting must defeat a coercer: during the poll nobody learns that a credential voted again
   (tracker look-up, board.json), and a signed-but-uncast ballot the coercer kept, cast after the
   voter's private re-vote, gets a normal receipt but does not count. One credential cannot
   flood the board (10 ballots), nor can anonymous audits (max(100, 2 × roll size)).
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.voting.test_verifier import _append_entry, _entries, _failed, _last_head
from voting.clients import tracker
from voting.models import BoardEntry, BoardHead, ElectionState
from voting.selectors import record_lines
from voting.verify import board as chain
from voting.verify.canonical import dumps
from voting.verify.record import verify_record

# Run on SQLite too, `make run`'s database, by `make test` (the Makefile's test-sqlite).
pytestmark = pytest.mark.sqlite
CHOICE = [[0], [1, 2], [2, 0, 1]]
COERCED = [[1], [], [1, 0, 2]]


@pytest.fixture
def open_world(world):
    world.open_poll()
    return world


def _board_json(world) -> dict:
    response = Client().get(reverse("voting:board_json", args=[world.election.uuid]))
    assert response.status_code == 200
    return response.json()


def _look_up(world, tracker_hex: str) -> dict:
    url = reverse("voting:tracker_json", args=[world.election.uuid])
    return Client().get(url, {"t": tracker_hex}).json()


def _record(world) -> list[str]:
    world.move(ElectionState.PUBLISHED)
    return [line.decode() for line in record_lines(world.refresh())]


def _strings(value) -> set[str]:
    if isinstance(value, dict):
        return {s for v in value.values() for s in _strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in _strings(v)}
    return {value} if isinstance(value, str) else set()


# -- 1. audits are unlinkable ---------------------------------------------------------------------


def test_audit_then_cast_leaves_nothing_linking_the_reveal_to_the_credential(open_world):
    voter = open_world.voters[0]
    audit = voter.audit(CHOICE)
    assert set(audit["ballot"]) == {"election", "nonce", "answers"}
    audited = open_world.cast(audit, path="audit")
    assert audited.status_code == 201, audited.content
    ballot, _ = voter.ballot(CHOICE, open_world.head())
    assert open_world.cast(ballot).status_code == 201
    key = voter.credential["key"]
    credential_strings = _strings(voter.credential) | _strings(ballot["signature"])

    def check(entries):
        audit_entry = next(e for e in entries if e["kind"] == "audited")
        cast_entry = next(e for e in entries if e["kind"] == "ballot")
        assert set(audit_entry["ballot"]) == {"election", "nonce", "answers"}
        assert audit_entry["reveal"] == audit["reveal"]
        # No credential key, credential signature or ballot signature in the audited entry.
        assert not _strings(audit_entry) & credential_strings
        assert key not in json.dumps(audit_entry)
        # The cast entry shares nothing with it but the election fingerprint, the hour and the
        # chain link of adjacent entries (no tracker, nonce, ciphertext or proof).
        shared = _strings(audit_entry) & _strings(cast_entry)
        public = {audit_entry["ballot"]["election"], audit_entry["hash"], audit_entry["hour"]}
        public.add("entry")  # the record line's "type"
        assert shared <= public, shared

    check(_board_json(open_world)["entries"])
    row = BoardEntry.objects.get(election=open_world.election, kind="audited")
    assert row.credential_key == "" and key not in row.ballot
    open_world.close_and_tally()
    record = _record(open_world)
    check([json.loads(record[i]) for i in _entries(record)])
    assert verify_record(record, workers=1).ok


def test_an_audited_tracker_can_never_be_cast_nor_a_cast_one_audited(open_world):
    voter = open_world.voters[0]
    audit = voter.audit(CHOICE)
    assert open_world.cast(audit, path="audit").status_code == 201
    # The device (or anyone) signs the audited sealed ballot and casts it: refused, in full.
    signed = voter.sign(audit["ballot"], open_world.head())
    refused = open_world.cast(signed)
    assert refused.status_code == 409 and refused.json()["error"] == "audited_ballot"
    assert refused.json()["message"]
    other = open_world.voters[1].sign(audit["ballot"], open_world.head())
    assert open_world.cast(other).json()["error"] == "audited_ballot"
    ballot, reveal = voter.ballot(CHOICE, open_world.head())
    assert open_world.cast(ballot).status_code == 201
    sealed = {k: ballot[k] for k in ("election", "nonce", "answers")}
    late = open_world.cast({"ballot": sealed, "reveal": reveal}, path="audit")
    assert late.status_code == 409 and late.json()["error"] == "already_cast"
    assert BoardEntry.objects.filter(election=open_world.election).count() == 2


def test_an_audit_that_names_a_credential_is_refused(open_world):
    ballot, reveal = open_world.voters[0].ballot(CHOICE, open_world.head())
    response = open_world.cast({"ballot": ballot, "reveal": reveal}, path="audit")
    assert response.status_code == 400 and response.json()["error"] == "malformed"
    assert not BoardEntry.objects.exists()


def test_the_audit_cap_refuses_audits_and_writes_nothing(open_world):
    voter = open_world.voters[0]
    assert open_world.cast(voter.audit(CHOICE), path="audit").status_code == 201
    head = BoardHead.objects.get(election=open_world.election)
    assert head.audits == 1
    cap = chain.max_audits(4)
    assert cap == 100
    BoardHead.objects.filter(pk=head.pk).update(audits=cap - 1)
    assert open_world.cast(voter.audit(CHOICE), path="audit").status_code == 201
    refused = open_world.cast(voter.audit(CHOICE), path="audit")
    assert refused.status_code == 409 and refused.json()["error"] == "too_many_audits"
    assert refused.json()["message"]
    assert BoardEntry.objects.filter(election=open_world.election).count() == 2
    assert BoardHead.objects.get(pk=head.pk).audits == cap
    # Casting is not affected.
    assert open_world.cast(voter.ballot(CHOICE, open_world.head())[0]).status_code == 201


# -- 2. re-voting defeats a coercer ---------------------------------------------------------------


def test_a_coercers_stale_ballot_cast_after_the_revote_does_not_count(open_world):
    world = open_world
    voter, bystander = world.voters[0], world.voters[1]
    # Under the coercer's eyes: B1 is cast, B2 is made and signed, and the coercer keeps it.
    b1, _ = voter.ballot(COERCED, world.head())
    r1 = world.cast(b1)
    assert r1.status_code == 201
    b2, _ = voter.ballot(COERCED, world.head())
    # The board moves on; in private the voter re-votes B3 (made after B2, on a later head).
    assert world.cast(bystander.ballot([[], [0], [1, 2, 0]], world.head())[0]).status_code == 201
    b3, _ = voter.ballot(CHOICE, world.head())
    assert b3["board"]["count"] > b2["board"]["count"]
    assert world.cast(b3).status_code == 201
    # The coercer casts the kept ballot afterwards: a normal receipt, nothing tells a re-vote.
    r2 = world.cast(b2)
    assert r2.status_code == 201, r2.content
    assert set(r2.json()) == set(r1.json()) == {"tracker", "position", "hour", "head"}
    # During the poll: the look-up says nothing about superseding, board.json shows no body.
    for receipt in (r1.json(), r2.json()):
        found = _look_up(world, receipt["tracker"])
        assert found["found"] and found["superseded"] is None and found["counted"] is None
    feed = _board_json(world)
    assert [e["kind"] for e in feed["entries"]] == ["ballot"] * 4
    assert all(e["ballot"] is None and len(e["digest"]) == 64 for e in feed["entries"])
    assert voter.credential["key"] not in json.dumps(feed)
    detail = Client().get(reverse("voting:detail", args=[world.election.uuid]))
    assert detail.status_code == 200
    # After closing, the voter's private re-vote counts, not the coercer's ballot.
    election = world.close_and_tally()
    assert election.results["counted"] == 2
    assert election.results["questions"][0]["counts"] == [1, 0]  # B3 chose option 0, B2 option 1
    assert _look_up(world, tracker(b3))["counted"] is True
    assert _look_up(world, tracker(b2))["superseded"] is True
    assert _look_up(world, tracker(b1))["superseded"] is True
    record = _record(world)
    report = verify_record(record, workers=1)
    assert report.ok, "\n".join(report.lines())
    assert all(json.loads(record[i])["ballot"] for i in _entries(record))


def test_the_eleventh_ballot_of_a_credential_is_refused_and_writes_nothing(open_world):
    voter = open_world.voters[0]
    for _ in range(chain.MAX_BALLOTS_PER_CREDENTIAL):
        assert open_world.cast(voter.ballot(CHOICE, open_world.head())[0]).status_code == 201
    head_before = open_world.head()
    refused = open_world.cast(voter.ballot(CHOICE, head_before)[0])
    assert refused.status_code == 409, refused.content
    body = refused.json()
    assert body["error"] == "too_many_ballots" and "10" in body["message"]
    assert open_world.head() == head_before
    assert BoardEntry.objects.filter(election=open_world.election).count() == 10
    # The message is translated (the ballot box is cookie-less: Accept-Language decides).
    url = reverse("voting:cast", args=[open_world.election.uuid])
    body = json.dumps(voter.ballot(CHOICE, head_before)[0])
    for language, word in (("fa-af", "اعتبارنامه"), ("ps", "اعتبارنامې")):
        translated = (
            Client()
            .post(url, data=body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language)
            .json()
        )
        assert translated["error"] == "too_many_ballots"
        assert word in translated["message"] and "10" in translated["message"]
    # Another credential is not affected.
    assert open_world.cast(open_world.voters[1].ballot(CHOICE, head_before)[0]).status_code == 201


@pytest.mark.parametrize("reference", ["beyond_head", "wrong_hash", "genesis_of_other_count"])
def test_a_bad_board_reference_is_refused_and_writes_nothing(open_world, reference):
    voter = open_world.voters[0]
    assert open_world.cast(open_world.voters[1].ballot(CHOICE, open_world.head())[0]).status_code
    head = open_world.head()
    if reference == "beyond_head":
        named = {"count": head["count"] + 1, "hash": head["hash"]}
    elif reference == "wrong_hash":
        named = {"count": head["count"], "hash": "00" * 32}
    else:
        named = {"count": 1, "hash": chain.genesis(open_world.election.fingerprint_bytes).hex()}
    refused = open_world.cast(voter.ballot(CHOICE, named)[0])
    assert refused.status_code == 422, refused.content
    assert refused.json()["error"] == "bad_board_reference" and refused.json()["message"]
    assert BoardEntry.objects.filter(election=open_world.election).count() == 1
    # The genesis (count 0) is a valid reference at any time.
    genesis = {"count": 0, "hash": chain.genesis(open_world.election.fingerprint_bytes).hex()}
    assert open_world.cast(voter.ballot(CHOICE, genesis)[0]).status_code == 201


# -- the verifier on records that break the new rules -------------------------------------------


@pytest.fixture
def stale_record(open_world, monkeypatch):
    """A published record in which a coercer's stale ballot was cast after the voter's re-vote;
    ``rule`` is how the server selects (``honest`` or the old ``last_appended``)."""

    def make(rule: str = "honest") -> list[str]:
        world = open_world
        voter, bystander = world.voters[0], world.voters[1]
        assert world.cast(voter.ballot(COERCED, world.head())[0]).status_code == 201
        stale, _ = voter.ballot(COERCED, world.head())
        assert (
            world.cast(bystander.ballot([[1], [0], [1, 2, 0]], world.head())[0]).status_code == 201
        )
        assert world.cast(voter.ballot(CHOICE, world.head())[0]).status_code == 201
        assert world.cast(stale).status_code == 201
        if rule == "last_appended":

            def last_appended(rows):
                chosen = {}
                for position, kind, key, _ in rows:
                    if kind == "ballot":
                        chosen[key] = position
                return chosen

            monkeypatch.setattr(
                "voting.services.tally.counted_ballot_per_credential", last_appended
            )
        world.close_and_tally()
        return _record(world)

    return make


def test_verifier_names_a_tally_that_counts_the_last_appended_ballot(stale_record):
    record = stale_record("last_appended")
    failed = _failed(record)
    assert any(
        "the tally counts the ballot at position 4" in f and "rule counts position 3" in f
        for f in failed["selection"]
    ), failed
    assert "aggregate" in failed


def test_verifier_names_a_bad_board_reference(stale_record, world):
    record = stale_record()
    assert verify_record(record, workers=1).ok
    voter = world.voters[2]
    for named, label in (
        (lambda h: {"count": h["count"] + 1, "hash": h["hash"]}, "beyond"),
        (lambda h: {"count": h["count"], "hash": "11" * 32}, "wrong hash"),
    ):
        lines = record[:]
        ballot, _ = voter.ballot(CHOICE, named(_last_head(lines)))
        position = _append_entry(lines, ballot)
        failed = _failed(lines)
        assert f"bad board reference at position {position}" in failed["references"], label


def test_verifier_names_a_digest_that_does_not_match(stale_record):
    record = stale_record()
    lines = record[:]
    index = _entries(lines)[1]
    entry = json.loads(lines[index])
    entry["digest"] = "22" * 32
    lines[index] = dumps(entry).decode() + "\n"
    failed = _failed(lines)
    assert any(f.startswith("entry 2") and "digest" in f for f in failed["chain"]), failed


def test_verifier_names_an_audit_carrying_a_credential(stale_record, world):
    record = stale_record()
    lines = record[:]
    ballot, reveal = world.voters[2].ballot(CHOICE, _last_head(lines))
    position = _append_entry(lines, ballot, kind="audited", reveal=reveal)
    failed = _failed(lines)
    assert any(f"entry {position}" in f and "malformed" in f for f in failed["ballots"]), failed


def test_verifier_names_a_credential_over_the_cap(stale_record, world):
    record = stale_record()
    lines = record[:]
    voter = world.voters[3]
    for _ in range(chain.MAX_BALLOTS_PER_CREDENTIAL + 1):
        position = _append_entry(lines, voter.ballot([[0], [], [1, 2, 0]], _last_head(lines))[0])
    failed = _failed(lines)
    assert any(f"(entry {position})" in f for f in failed["caps"]), failed


def test_verifier_checklist_prints_each_new_rule(stale_record):
    report = verify_record(stale_record(), workers=1)
    text = "\n".join(report.lines())
    assert report.ok, text
    for phrase in (
        "ballot digests",
        "each tracker once",
        "audited entries: no credential",
        "board.count < position",
        "at most 10 ballots per credential",
        "max(100, 2 × roll size)",
        "greatest (board.count, position)",
    ):
        assert phrase in text, phrase


@pytest.mark.parametrize("rule", ["honest", "last_appended"])
def test_trustee_rebuilds_the_tally_with_the_same_selection_rule(stale_record, rule):
    from voting.trustee.steps import recompute_tally

    record = [json.loads(line) for line in stale_record(rule)]
    manifest = record[0]["manifest"]
    entries = [item for item in record if item["type"] == "entry"]
    head = next(item["head"] for item in record if item["type"] == "head")
    tally = next(item["tally"] for item in record if item["type"] == "tally")
    rebuilt = recompute_tally(bytes.fromhex(record[0]["fingerprint"]), manifest, entries, head)
    assert rebuilt["counted"] == tally["counted"] == 2
    assert (dumps(rebuilt) == dumps(tally)) is (rule == "honest")
