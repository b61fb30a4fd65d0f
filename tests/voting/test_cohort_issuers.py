"""Cohort labels follow the credential's issuance rule (docs/protocol.md §7, §12.2–§12.3): only
the issuers, trustees 1..k, hold cohort keys, and a label carries the signatures of all k of
them. With k of n > k issuers, voters splitting their blinded label requests among issuers would
get labels no roll entry accounts for, and a label signed by another set of issuers would single
its voter out (tests/voting/test_split_credentials.py for the credential itself)."""

from __future__ import annotations

import pytest

from tests.voting.conftest import cached_cohort_key
from voting.clients import cohort_key_announcement
from voting.exceptions import CeremonyRejected
from voting.services.cohorts import announced_keys
from voting.simulation import demo_cohorts, prepare
from voting.verify.cohorts import parse_definition
from voting.verify.election import InvalidManifest
from voting.verify.issuers import parse_issuers

K = 4


@pytest.fixture
def three_trustees_two_issuers(db):
    return prepare(12, trustees=3, threshold=2, cohorts=demo_cohorts(K))


def test_only_issuers_one_to_k_hold_cohort_keys_and_sign_every_label(three_trustees_two_issuers):
    sim = three_trustees_two_issuers
    manifest = sim.election.manifest
    assert {key["trustee"] for key in manifest["cohort_keys"]} == {1, 2}
    third = sim.election.trustees.get(index=3)
    assert third.cohort_keys is None
    labels = [label for voter in sim.voters for label in voter.credential["cohorts"]]
    assert labels
    assert all([s["issuer"] for s in label["signatures"]] == [1, 2] for label in labels)


def test_a_trustee_beyond_k_announcing_cohort_keys_is_refused(three_trustees_two_issuers):
    election = three_trustees_two_issuers.election
    third = election.trustees.get(index=3)
    cc = bytes.fromhex(election.ceremony_context)
    stated = parse_definition(election.definition).stated()
    value = [cohort_key_announcement(cached_cohort_key(3, d, v), cc, 3, d, v) for d, v in stated]
    with pytest.raises(CeremonyRejected, match="only the issuers, trustees 1..k"):
        announced_keys(election, third, value)


def test_a_manifest_with_cohort_keys_of_a_trustee_beyond_k_is_refused(three_trustees_two_issuers):
    manifest = dict(three_trustees_two_issuers.election.manifest)
    extra = [
        {
            "trustee": 3,
            "dimension": d,
            "value": v,
            "pem": cached_cohort_key(3, d, v).public.to_pem(),
        }
        for d, v in parse_definition(manifest).stated()
    ]
    manifest["cohort_keys"] = manifest["cohort_keys"] + extra
    with pytest.raises(InvalidManifest, match="one cohort key per issuer and stated value"):
        parse_issuers(manifest)


def test_a_degenerate_blinded_label_is_refused_at_request_time(db):
    """A blinded label of 1 (its own signature) used to be recorded with the credential's
    request, using up the voter's round; it is refused and nothing is written."""
    from voting.clients import Voter
    from voting.exceptions import InvalidCredentialRequest
    from voting.models import CredentialRequest, RollEntry
    from voting.services import credentials

    sim = prepare(12, trustees=3, threshold=2, cohorts=demo_cohorts(K), issue=False)
    election, member = sim.election, sim.members[0]
    voter = Voter(election.manifest, election.fingerprint_bytes)
    entry = RollEntry.objects.get(election=election, membership=member)
    voter.labels = {int(d): v for d, v in entry.cohorts.items()}
    message = voter.credential_request()
    label = message["requests"][1]["labels"][0]
    length = len(label["blinded_message"]) // 2
    label["blinded_message"] = (1).to_bytes(length, "big").hex()
    with pytest.raises(InvalidCredentialRequest, match="blinded label .* for issuer 2 is 1"):
        credentials.request_credential(election=election, membership=member, message=message)
    assert not CredentialRequest.objects.filter(roll_entry=entry).exists()
    assert RollEntry.objects.get(pk=entry.pk).issued == 0
