"""Credentials: the server as a mailbox between voters and issuers — one round of blinded
requests per roll entry, retry-safe, every blind signature checked against its issuer's key,
the audited re-issue rule, ledgers."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from convention.models import AuditEntry
from voting.clients import Voter
from voting.exceptions import (
    CredentialAlreadyIssued,
    CredentialWindowClosed,
    InvalidCredentialRequest,
    NotAllowed,
    NotOnRoll,
    WrongState,
)
from voting.models import CredentialRequest, RollEntry
from voting.services import credentials


@pytest.fixture
def issuing(world):
    world.open_credentials()
    return world


def _client(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def _post(client: Client, url: str, body) -> object:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _url(world, name: str) -> str:
    return reverse(f"voting:{name}", args=[world.election.uuid])


def _sign(world, index: int) -> dict:
    """Issuer ``index`` signs its queue over HTTP."""
    client = _client(world.trustee_members[index - 1])
    queue = client.get(_url(world, "issuer_queue")).json()
    response = _post(
        client, _url(world, "issuer_signatures"), world.trustee_clients[index - 1].sign(queue)
    )
    assert response.status_code == 200, response.content
    return queue


def test_voter_obtains_a_credential_once_both_issuers_have_signed_over_http(issuing):
    """Trustees 1 and 2 of 3 (threshold 2) are the issuers; the credential needs both."""
    membership = issuing.voter_members[0]
    client = _client(membership)
    voter = Voter(issuing.election.manifest, issuing.election.fingerprint_bytes)
    response = _post(client, _url(issuing, "credential"), voter.credential_request())
    assert response.status_code == 200, response.content
    status = response.json()
    assert [r["issuer"] for r in status["requests"]] == [1, 2]
    assert all(r["blind_signature"] is None for r in status["requests"])
    queue = _sign(issuing, 2)
    assert [r["roll_id"] for r in queue["requests"]] == [status["roll_id"]]
    assert voter.finish_credential(client.get(_url(issuing, "credential")).json()) is None
    _sign(issuing, 1)
    credential = voter.finish_credential(client.get(_url(issuing, "credential")).json())
    assert credential["key"] == voter.public_key.hex()
    assert [s["issuer"] for s in credential["signatures"]] == [1, 2]
    entry = RollEntry.objects.get(election=issuing.election, membership=membership)
    assert entry.issued == 1
    # Nothing about the credential itself is stored with the entry or its requests.
    stored = json.dumps(
        [list(RollEntry.objects.values()), list(CredentialRequest.objects.values())], default=str
    )
    assert credential["key"] not in stored
    for signature in credential["signatures"]:
        assert signature["signature"] not in stored and signature["prefix"] not in stored


def test_retry_with_the_same_requests_records_one_round(issuing):
    membership = issuing.voter_members[0]
    voter = Voter(issuing.election.manifest, issuing.election.fingerprint_bytes)
    message = voter.credential_request()
    first = credentials.request_credential(
        election=issuing.election, membership=membership, message=message
    )
    second = credentials.request_credential(
        election=issuing.election, membership=membership, message=message
    )
    assert first == second
    assert RollEntry.objects.get(membership=membership).issued == 1
    assert CredentialRequest.objects.count() == 2


def test_second_credential_is_refused(issuing):
    client = _client(issuing.voter_members[0])
    election = issuing.election
    first = _post(
        client,
        _url(issuing, "credential"),
        Voter(election.manifest, election.fingerprint_bytes).credential_request(),
    )
    assert first.status_code == 200
    again = Voter(election.manifest, election.fingerprint_bytes).credential_request()
    refused = _post(client, _url(issuing, "credential"), again)
    assert refused.status_code == 409 and refused.json()["error"] == "already_issued"


def test_member_not_on_roll_is_refused(issuing):
    outsider = issuing.trustee_members[0]  # a trustee without the participant role
    voter = Voter(issuing.election.manifest, issuing.election.fingerprint_bytes)
    with pytest.raises(NotOnRoll):
        credentials.request_credential(
            election=issuing.election, membership=outsider, message=voter.credential_request()
        )


def test_malformed_request_is_refused(issuing):
    client = _client(issuing.voter_members[0])
    good = Voter(issuing.election.manifest, issuing.election.fingerprint_bytes).credential_request()
    requests = good["requests"]
    bodies = [
        {"blinded_message": requests[0]["blinded_message"]},  # the old single-issuer format
        {"requests": requests[:1]},  # not every issuer
        {"requests": [requests[1], requests[0]]},  # out of order
        {"requests": [dict(requests[0], blinded_message="zz"), *requests[1:]]},
        {"requests": [dict(requests[0], blinded_message="00"), *requests[1:]]},
        {"requests": [dict(requests[0], blinded_message="ff" * 384), *requests[1:]]},  # ≥ n
        {"other": 1},
    ]
    for body in bodies:
        response = _post(client, _url(issuing, "credential"), body)
        assert response.status_code == 400, body
    assert not RollEntry.objects.filter(issued__gt=0).exists()
    assert not CredentialRequest.objects.exists()


def test_anonymous_request_is_refused(issuing):
    voter = Voter(issuing.election.manifest, issuing.election.fingerprint_bytes)
    assert (
        _post(Client(), _url(issuing, "credential"), voter.credential_request()).status_code == 401
    )


def test_an_issuer_cannot_store_a_garbage_or_misplaced_signature(issuing):
    for membership in issuing.voter_members[:2]:
        voter = Voter(issuing.election.manifest, issuing.election.fingerprint_bytes)
        credentials.request_credential(
            election=issuing.election, membership=membership, message=voter.credential_request()
        )
    issuer = issuing.trustee_members[0]
    queue = credentials.issuer_queue(election=issuing.election, membership=issuer)
    first, second = queue["requests"]
    signed = issuing.trustee_clients[0].sign(queue)["signatures"]
    other_request = CredentialRequest.objects.filter(issuer=2).first().pk
    for item in (
        # a valid signature by this issuer, but of the other voter's request
        {"request": first["request"], "blind_signature": signed[1]["blind_signature"]},
        {"request": first["request"], "blind_signature": "00" * 384},
        # a request addressed to issuer 2
        {"request": other_request, "blind_signature": signed[0]["blind_signature"]},
    ):
        with pytest.raises(InvalidCredentialRequest):
            credentials.submit_blind_signatures(
                election=issuing.election, membership=issuer, message={"signatures": [item]}
            )
    assert not CredentialRequest.objects.exclude(blind_signature="").exists()
    with pytest.raises(NotAllowed):  # a voter is not an issuer
        credentials.issuer_queue(election=issuing.election, membership=issuing.voter_members[1])


def test_reissue_allows_exactly_one_more_and_is_audited(issuing):
    membership = issuing.voter_members[0]
    election = issuing.election

    def obtain():
        voter = Voter(election.manifest, election.fingerprint_bytes)
        return credentials.request_credential(
            election=election, membership=membership, message=voter.credential_request()
        )

    obtain()
    entry = RollEntry.objects.get(membership=membership)
    credentials.authorize_reissue(
        election=election, actor=issuing.organizer, roll_id=entry.roll_id, reason="phone lost"
    )
    obtain()
    with pytest.raises(CredentialAlreadyIssued):
        obtain()
    with pytest.raises(CredentialAlreadyIssued):
        credentials.authorize_reissue(
            election=election, actor=issuing.organizer, roll_id=entry.roll_id, reason="again"
        )
    audit = AuditEntry.objects.get(action="election.credential_reissued")
    assert audit.detail["roll_id"] == entry.roll_id
    roll = Client().get(reverse("voting:roll_json", args=[election.uuid])).json()
    assert roll["issued"] == 1 and roll["reissued"] == 1
    queue = credentials.issuer_queue(election=election, membership=issuing.trustee_members[0])
    assert [r["roll_id"] for r in queue["requests"]] == [entry.roll_id] * 2


def test_no_credentials_outside_the_window(world):
    world.run_ceremony()
    voter = Voter(world.election.manifest, world.election.fingerprint_bytes)
    member = world.voter_members[0]
    with pytest.raises(CredentialWindowClosed):
        credentials.request_credential(
            election=world.election, membership=member, message=voter.credential_request()
        )
    world.open_poll()
    late = Voter(world.election.manifest, world.election.fingerprint_bytes)
    with pytest.raises(CredentialWindowClosed):
        credentials.request_credential(
            election=world.election, membership=member, message=late.credential_request()
        )
    with pytest.raises(CredentialWindowClosed):
        credentials.submit_blind_signatures(
            election=world.election, membership=world.trustee_members[0], message={"signatures": []}
        )
    assert (
        credentials.issuer_queue(election=world.election, membership=world.trustee_members[0])[
            "requests"
        ]
        == []
    )
    world.move("closed")
    with pytest.raises(CredentialWindowClosed):
        credentials.request_credential(
            election=world.election, membership=member, message=late.credential_request()
        )


def test_ledgers_are_published_after_the_window_signed_and_served(issuing):
    world = issuing
    world.obtain_credentials()
    fingerprint = world.election.fingerprint_bytes
    ledger = world.trustee_clients[0].signed_ledger(fingerprint)
    with pytest.raises(WrongState):  # not while credentials are being issued
        credentials.publish_ledger(
            election=world.election, membership=world.trustee_members[0], message=ledger
        )
    world.move("open")
    forged = world.trustee_clients[1].signed_ledger(fingerprint)  # issuer 2's, posted by 1
    with pytest.raises(InvalidCredentialRequest):
        credentials.publish_ledger(
            election=world.election, membership=world.trustee_members[0], message=forged
        )
    client = _client(world.trustee_members[0])
    assert _post(client, _url(world, "issuer_ledger"), ledger).status_code == 200
    url = reverse("voting:issuer_ledger_json", args=[world.election.uuid, 1])
    served = Client().get(url).json()
    assert served == ledger and len(served["ledger"]["entries"]) == len(world.voter_members)
    missing = reverse("voting:issuer_ledger_json", args=[world.election.uuid, 3])
    assert Client().get(missing).status_code == 404


def _degenerate(key) -> dict[str, int]:
    """Blinded messages no honest client sends: RSA's fixed points, values outside ``[0, n)``,
    and one sharing a factor with the modulus (the cached test keys give it away)."""
    from tests.voting.conftest import cached_issuer_key

    private = next(
        cached_issuer_key(i) for i in (1, 2, 3) if cached_issuer_key(i).public.n == key.n
    )
    return {
        "0": 0,
        "1": 1,
        "n - 1": key.n - 1,
        "n": key.n,
        "n + 1": key.n + 1,
        "2^bits - 1": (1 << (8 * key.modulus_length)) - 1,
        "p": private.p,
    }


def test_degenerate_blinded_messages_are_refused_at_request_time(issuing):
    """0, 1 and n − 1 are their own signatures: a request holding one can never give a
    credential, and it used to be recorded, using up the voter's only round (outside review,
    low-severity issue 5). They are refused with a 400 naming the issuer, nothing written, and
    the voter's honest request is recorded afterwards."""
    from voting.verify.issuers import parse_issuers

    membership = issuing.voter_members[0]
    client = _client(membership)
    voter = Voter(issuing.election.manifest, issuing.election.fingerprint_bytes)
    good = voter.credential_request()
    issuers = parse_issuers(issuing.election.manifest)
    for position, request in enumerate(good["requests"]):
        key = issuers.key(request["issuer"])
        for name, value in _degenerate(key).items():
            if value.bit_length() > 8 * key.modulus_length:
                continue
            blinded = value.to_bytes(key.modulus_length, "big").hex()
            requests = list(good["requests"])
            requests[position] = dict(request, blinded_message=blinded)
            response = _post(client, _url(issuing, "credential"), {"requests": requests})
            assert response.status_code == 400, (name, response.content)
            body = response.json()
            assert body["error"] == "malformed", body
            assert f"issuer {request['issuer']}" in body["message"], body
    assert not RollEntry.objects.filter(issued__gt=0).exists()
    assert not CredentialRequest.objects.exists()
    response = _post(client, _url(issuing, "credential"), good)
    assert response.status_code == 200 and response.json()["issued"] == 1
