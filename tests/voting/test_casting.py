"""The anonymous ballot box: receipts, idempotence, last ballot counts, audits, every
rejection, and no cookie in or out."""

from __future__ import annotations

import copy
import json

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from voting.clients import Voter
from voting.models import BoardEntry, ElectionState
from voting.verify import board as chain

# Run on SQLite too, `make run`'s database, by `make test` (the Makefile's test-sqlite).
pytestmark = pytest.mark.sqlite
CHOICE = [[0], [1, 2], [2, 0, 1]]


@pytest.fixture
def open_world(world):
    world.open_poll()
    return world


def test_cast_returns_receipt_with_signed_head(open_world):
    ballot, _ = open_world.voters[0].ballot(CHOICE, open_world.head())
    response = open_world.cast(ballot)
    assert response.status_code == 201
    receipt = response.json()
    assert receipt["position"] == 1
    assert receipt["hour"].endswith(":00:00Z")
    election = open_world.refresh()
    chain.verify_head(
        bytes.fromhex(election.board_public_key), election.fingerprint_bytes, receipt["head"]
    )
    entry = BoardEntry.objects.get(election=election, position=1)
    assert receipt["tracker"] == entry.tracker
    assert receipt["head"]["hash"] == entry.hash


def test_resubmitted_ballot_returns_same_receipt(open_world):
    ballot, _ = open_world.voters[0].ballot(CHOICE, open_world.head())
    first = open_world.cast(ballot)
    open_world.cast(open_world.voters[1].ballot(CHOICE, open_world.head())[0])
    again = open_world.cast(ballot)
    assert again.status_code == 200
    assert again.content == first.content
    assert BoardEntry.objects.filter(election=open_world.election).count() == 2


def test_new_ballot_with_same_credential_supersedes(open_world):
    voter = open_world.voters[0]
    first = open_world.cast(voter.ballot(CHOICE, open_world.head())[0]).json()
    second = open_world.cast(voter.ballot([[1], [], [0, 1, 2]], open_world.head())[0]).json()
    assert second["position"] == first["position"] + 1

    def look_up():
        url = reverse("voting:tracker_json", args=[open_world.election.uuid])
        return Client().get(url, {"t": first["tracker"]}).json()

    during = look_up()
    assert during["found"] and during["superseded"] is None and during["counted"] is None
    election = open_world.close_and_tally()
    after = look_up()
    assert after["superseded"] is True and after["counted"] is False
    assert election.results["counted"] == 1
    assert election.results["questions"][0]["counts"] == [0, 1]


def test_audited_ballot_is_posted_never_counted_and_cannot_be_cast(open_world):
    voter = open_world.voters[0]
    audit = voter.audit(CHOICE)
    response = open_world.cast(audit, path="audit")
    assert response.status_code == 201, response.content
    entry = BoardEntry.objects.get(election=open_world.election)
    assert entry.kind == "audited" and json.loads(entry.reveal) == audit["reveal"]
    assert entry.credential_key == "" and entry.board_count is None
    again = open_world.cast(audit, path="audit")
    assert again.status_code == 200 and again.content == response.content
    refused = open_world.cast(voter.sign(audit["ballot"], open_world.head()))
    assert refused.status_code == 409 and refused.json()["error"] == "audited_ballot"
    assert BoardEntry.objects.filter(election=open_world.election).count() == 1
    election = open_world.close_and_tally()
    assert election.results["counted"] == 0


def test_audit_with_wrong_reveal_is_refused(open_world):
    audit = open_world.voters[0].audit(CHOICE)
    audit["reveal"][0]["votes"] = [0, 1]
    response = open_world.cast(audit, path="audit")
    assert response.json()["error"] == "bad_reveal"
    assert not BoardEntry.objects.exists()


def test_cast_ballot_cannot_be_audited(open_world):
    ballot, reveal = open_world.voters[0].ballot(CHOICE, open_world.head())
    open_world.cast(ballot)
    sealed = {k: ballot[k] for k in ("election", "nonce", "answers")}
    response = open_world.cast({"ballot": sealed, "reveal": reveal}, path="audit")
    assert response.status_code == 409 and response.json()["error"] == "already_cast"
    assert BoardEntry.objects.filter(election=open_world.election).count() == 1


def _resign(voter: Voter, ballot: dict) -> dict:
    from voting.crypto.proofs import sign_credential
    from voting.crypto.serialization import to_json
    from voting.verify.canonical import dumps

    body = {k: v for k, v in ballot.items() if k != "signature"}
    body["signature"] = to_json(sign_credential(voter.fingerprint, voter.secret, dumps(body)))
    return body


def forged_voter(world, keys=None) -> Voter:
    """A voter whose credential is signed by RSA keys that are not the election's issuers
    (fresh ones by default), in the issuers' places 1…k."""
    from voting.crypto import blind_rsa
    from voting.verify.issuers import issuers_json

    k = world.election.threshold
    n = len(world.election.manifest["issuers"]["keys"])
    keys = keys or [blind_rsa.generate_private_key(3072) for _ in range(n)]
    voter = Voter(world.election.manifest, world.election.fingerprint_bytes)
    own = [(i, keys[i - 1].public.to_pem()) for i in range(1, n + 1)]
    voter.manifest = dict(voter.manifest, issuers=issuers_json(k, own))
    request = voter.credential_request()
    answers = [
        {
            **item,
            "blind_signature": blind_rsa.blind_sign(
                keys[item["issuer"] - 1], bytes.fromhex(item["blinded_message"])
            ).hex(),
        }
        for item in request["requests"]
    ]
    assert voter.finish_credential({"requests": answers}) is not None
    voter.manifest = world.election.manifest
    return voter


_forged_voter = forged_voter


@pytest.mark.parametrize(
    "tamper, status, code",
    [
        ("proof", 422, "bad_proof"),
        ("signature", 422, "bad_signature"),
        ("election", 422, "wrong_election"),
        ("replayed_credential", 422, "bad_signature"),
        ("forged_credential", 422, "unknown_issuer"),
        ("shape", 400, "malformed"),
        ("point", 400, "malformed"),
        ("extra_key", 400, "malformed"),
        ("no_board_reference", 400, "malformed"),
        ("negative_board_count", 400, "malformed"),
        ("boolean_board_count", 400, "malformed"),
        ("short_nonce", 400, "malformed"),
    ],
)
def test_rejected_ballots_write_nothing(open_world, tamper, status, code):
    voter = open_world.voters[0]
    ballot, _ = voter.ballot(CHOICE, open_world.head())
    if tamper == "proof":
        proof = ballot["answers"][1]["proofs"][2]
        proof["c"][0], proof["c"][1] = proof["c"][1], proof["c"][0]
        ballot = _resign(voter, ballot)
    elif tamper == "signature":
        ballot["answers"][0]["ciphertexts"][0], ballot["answers"][0]["ciphertexts"][1] = (
            ballot["answers"][0]["ciphertexts"][1],
            ballot["answers"][0]["ciphertexts"][0],
        )
    elif tamper == "election":
        ballot["election"] = "00" * 32
        ballot = _resign(voter, ballot)
    elif tamper == "replayed_credential":
        thief = Voter(voter.manifest, voter.fingerprint)
        thief.credential = voter.credential  # someone else's credential, without its key
        ballot, _ = thief.ballot(CHOICE, open_world.head())
    elif tamper == "forged_credential":
        ballot, _ = _forged_voter(open_world).ballot(CHOICE, open_world.head())
    elif tamper == "shape":
        ballot["answers"].pop()
    elif tamper == "point":
        ballot["answers"][0]["ciphertexts"][0]["a"] = "ff" * 32
    elif tamper == "extra_key":
        ballot["note"] = "hello"
    elif tamper == "no_board_reference":
        ballot = _resign(voter, {k: v for k, v in ballot.items() if k != "board"})
    elif tamper == "negative_board_count":
        ballot["board"]["count"] = -1
        ballot = _resign(voter, ballot)
    elif tamper == "boolean_board_count":
        ballot["board"]["count"] = False
        ballot = _resign(voter, ballot)
    elif tamper == "short_nonce":
        ballot["nonce"] = ballot["nonce"][:-2]
        ballot = _resign(voter, ballot)
    response = open_world.cast(ballot)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] == code and body["message"]
    assert not BoardEntry.objects.exists()


def test_oversized_and_non_json_bodies_are_refused(open_world):
    url = reverse("voting:cast", args=[open_world.election.uuid])
    big = Client().post(url, data="[" + "1," * 200_000 + "1]", content_type="application/json")
    assert big.status_code == 413 and big.json()["error"] == "oversized"
    bad = Client().post(url, data="{nope", content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"] == "malformed"
    floats = Client().post(url, data='{"a": 1.5}', content_type="application/json")
    assert floats.json()["error"] == "malformed"
    form = Client().post(url, data={"a": "b"})
    assert form.status_code == 400


def test_closed_poll_refuses_ballots(world):
    world.open_credentials()
    world.obtain_credentials()
    ballot, _ = world.voters[0].ballot(CHOICE, world.head())
    response = world.cast(ballot)
    assert response.status_code == 409 and response.json()["error"] == "poll_closed"
    world.move(ElectionState.OPEN)
    world.move(ElectionState.CLOSED)
    assert world.cast(ballot).json()["error"] == "poll_closed"


def test_after_closing_only_ballots_on_the_board_get_an_answer(open_world):
    # The casting process keeps the election's id and fingerprint from the first ballot; the
    # poll's state must still be read under the lock for every ballot.
    ballot, _ = open_world.voters[0].ballot(CHOICE, open_world.head())
    first = open_world.cast(ballot)
    assert first.status_code == 201
    open_world.move(ElectionState.CLOSED)
    late = open_world.cast(open_world.voters[1].ballot(CHOICE, open_world.head())[0])
    assert late.status_code == 409 and late.json()["error"] == "poll_closed"
    again = open_world.cast(ballot)
    assert again.status_code == 200 and again.content == first.content
    assert BoardEntry.objects.filter(election=open_world.election).count() == 1


def test_a_fingerprint_kept_by_the_process_is_checked_under_the_lock(open_world):
    assert (
        open_world.cast(open_world.voters[0].ballot(CHOICE, open_world.head())[0]).status_code
        == 201
    )
    election = open_world.refresh()
    type(election).objects.filter(pk=election.pk).update(fingerprint="ab" * 32)
    response = open_world.cast(open_world.voters[1].ballot(CHOICE, open_world.head())[0])
    assert response.status_code == 404 and response.json()["error"] == "unknown_election"
    assert BoardEntry.objects.filter(election=election).count() == 1
    # Forgotten: the next ballot reads the row again and is refused for the other fingerprint.
    response = open_world.cast(open_world.voters[1].ballot(CHOICE, open_world.head())[0])
    assert response.json()["error"] == "wrong_election"


def test_refused_ballots_leave_no_log_line(open_world, caplog):
    import uuid

    with caplog.at_level("DEBUG"):
        unknown = Client().post(
            reverse("voting:cast", args=[uuid.uuid4()]), data="{}", content_type="application/json"
        )
        bad = open_world.cast({"bad": 1})
    assert unknown.status_code == 404 and bad.status_code == 400
    assert not [r for r in caplog.records if r.name.startswith("django.request")]


def test_unknown_election(open_world):
    import uuid

    response = Client().post(
        reverse("voting:cast", args=[uuid.uuid4()]), data="{}", content_type="application/json"
    )
    assert response.status_code == 404 and response.json()["error"] == "unknown_election"


def test_ballot_box_neither_reads_nor_sets_cookies(open_world):
    client = Client()
    client.force_login(open_world.voter_members[0].user)
    sessions_before = list(Session.objects.values_list("session_key", "session_data"))
    ballot, _ = open_world.voters[0].ballot(CHOICE, open_world.head())
    response = open_world.cast(copy.deepcopy(ballot), client=client)
    assert response.status_code == 201
    assert not response.cookies
    assert "Set-Cookie" not in str(response.serialize_headers())
    assert response["Cache-Control"] == "no-store"
    assert list(Session.objects.values_list("session_key", "session_data")) == sessions_before
    error = open_world.cast({"bad": 1}, client=client)
    assert not error.cookies
