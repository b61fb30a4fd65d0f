"""Credentials: one blind signature per roll entry, retry-safe, the audited re-issue rule."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from convention.models import AuditEntry
from voting.clients import Voter
from voting.exceptions import CredentialAlreadyIssued, CredentialWindowClosed, NotOnRoll
from voting.models import RollEntry
from voting.services import credentials


@pytest.fixture
def issuing(world):
    world.open_credentials()
    return world


def _request(world, voter: Voter, client: Client):
    return client.post(
        reverse("voting:credential", args=[world.election.uuid]),
        data=json.dumps(voter.credential_request()),
        content_type="application/json",
    )


def test_voter_obtains_a_credential_over_http(issuing):
    membership = issuing.voter_members[0]
    client = Client()
    client.force_login(membership.user)
    voter = Voter(issuing.election.manifest, issuing.election.fingerprint_bytes)
    response = _request(issuing, voter, client)
    assert response.status_code == 200, response.content
    credential = voter.finish_credential(response.json())
    assert credential["key"] == voter.public_key.hex()
    entry = RollEntry.objects.get(election=issuing.election, membership=membership)
    assert entry.issued == 1
    # Nothing about the credential itself is stored with the entry.
    stored = json.dumps(list(RollEntry.objects.values()), default=str)
    for value in credential.values():
        assert value not in stored


def test_retry_with_same_request_gets_same_signature_and_one_credential(issuing):
    membership = issuing.voter_members[0]
    voter = Voter(issuing.election.manifest, issuing.election.fingerprint_bytes)
    blinded = bytes.fromhex(voter.credential_request()["blinded_message"])
    first = credentials.issue_credential(
        election=issuing.election, membership=membership, blinded_message=blinded
    )
    second = credentials.issue_credential(
        election=issuing.election, membership=membership, blinded_message=blinded
    )
    assert first == second
    assert RollEntry.objects.get(membership=membership).issued == 1


def test_second_credential_is_refused(issuing):
    membership = issuing.voter_members[0]
    client = Client()
    client.force_login(membership.user)
    election = issuing.election
    first = _request(issuing, Voter(election.manifest, election.fingerprint_bytes), client)
    assert first.status_code == 200
    refused = _request(issuing, Voter(election.manifest, election.fingerprint_bytes), client)
    assert refused.status_code == 409 and refused.json()["error"] == "already_issued"


def test_member_not_on_roll_is_refused(issuing):
    outsider = issuing.trustee_members[0]  # a trustee without the participant role
    voter = Voter(issuing.election.manifest, issuing.election.fingerprint_bytes)
    with pytest.raises(NotOnRoll):
        credentials.issue_credential(
            election=issuing.election,
            membership=outsider,
            blinded_message=bytes.fromhex(voter.credential_request()["blinded_message"]),
        )


def test_malformed_request_is_refused(issuing):
    client = Client()
    client.force_login(issuing.voter_members[0].user)
    url = reverse("voting:credential", args=[issuing.election.uuid])
    for body in ({"blinded_message": "zz"}, {"blinded_message": "00"}, {"other": 1}):
        response = client.post(url, data=json.dumps(body), content_type="application/json")
        assert response.status_code == 400, body
    assert not RollEntry.objects.filter(issued__gt=0).exists()


def test_anonymous_request_is_refused(issuing):
    voter = Voter(issuing.election.manifest, issuing.election.fingerprint_bytes)
    assert _request(issuing, voter, Client()).status_code == 401


def test_reissue_allows_exactly_one_more_and_is_audited(issuing):
    membership = issuing.voter_members[0]
    election = issuing.election

    def obtain():
        voter = Voter(election.manifest, election.fingerprint_bytes)
        return credentials.issue_credential(
            election=election,
            membership=membership,
            blinded_message=bytes.fromhex(voter.credential_request()["blinded_message"]),
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


def test_no_credentials_outside_the_window(world):
    world.run_ceremony()
    with pytest.raises(CredentialWindowClosed):
        credentials.issue_credential(
            election=world.election, membership=world.voter_members[0], blinded_message=b"\0"
        )
    world.open_poll()
    with pytest.raises(CredentialWindowClosed):
        credentials.issue_credential(
            election=world.election, membership=world.voter_members[0], blinded_message=b"\0"
        )
    world.move("closed")
    with pytest.raises(CredentialWindowClosed):
        credentials.issue_credential(
            election=world.election, membership=world.voter_members[0], blinded_message=b"\0"
        )
