"""Two voters who blind different credential keys to different issuers must not get more
credentials than they have roll entries, and no issuer may give a chosen voter's credential a
signature set that sets it apart (outside review of 2026-12-03, findings F1 and F2).

With k-of-n issuers and k < n, every issuer signs one request per roll entry, yet a credential
needs only k of the n signatures: voters A and B blinding P_A to issuers 1, 2 and P_X to 3 (A)
and P_X to 1, P_B to 2, 3 (B) get three valid credentials, P_A {1,2}, P_B {2,3}, P_X {1,3}, and
every ledger still lists each roll entry once. And an issuer that signs one voter's request last
makes that voter's credential the only one with another set of issuers, which the board shows
after closing. A credential that carries the signatures of every issuer of the manifest closes
both: each issuer's ledger bounds the credentials, and every credential names the same issuers.
"""

from __future__ import annotations

import itertools

import pytest

from voting import simulation
from voting.clients import Voter
from voting.crypto import blind_rsa
from voting.crypto.errors import CryptoError
from voting.crypto.group import Scalar
from voting.services import credentials
from voting.verify.election import credential_message
from voting.verify.issuers import parse_issuers, verify_credential_signatures

pytestmark = pytest.mark.django_db


def _valid_credentials(issuers, choice: dict[int, dict[int, int]]) -> int:
    """How many credentials the keys' signatures make under the manifest's rule (exactly
    ``threshold`` signatures by distinct issuers), for an assignment voter → issuer → key."""
    signed: dict[int, set[int]] = {}
    for per_issuer in choice.values():
        for issuer, key in per_issuer.items():
            signed.setdefault(key, set()).add(issuer)
    return sum(1 for by in signed.values() if len(by) >= issuers.threshold)


def _best_split(issuers) -> dict[int, dict[int, int]]:
    """Voter 0 may blind key 0 or the shared key 2 to each issuer, voter 1 key 1 or key 2: the
    assignment that gives the most credentials."""
    indices = sorted(issuers.keys)
    best, most = None, -1
    for a in itertools.product((0, 2), repeat=len(indices)):
        for b in itertools.product((1, 2), repeat=len(indices)):
            choice = {0: dict(zip(indices, a, strict=True)), 1: dict(zip(indices, b, strict=True))}
            count = _valid_credentials(issuers, choice)
            if count > most:
                best, most = choice, count
    return best


def test_voters_splitting_their_requests_get_no_more_credentials_than_roll_entries():
    sim = simulation.prepare(2, trustees=3, threshold=2, issue=False)
    election = sim.election
    issuers = parse_issuers(election.manifest)
    fingerprint = election.fingerprint_bytes
    secrets = [Scalar.random() for _ in range(3)]  # P_A, P_B and the shared P_X
    keys = [Voter(election.manifest, fingerprint, secret).public_key for secret in secrets]
    plan = _best_split(issuers)
    pending: dict[tuple[int, int], tuple[bytes, int, str, int]] = {}
    for voter, membership in enumerate(sim.members):
        requests = []
        for issuer, key_index in plan[voter].items():
            prepared = blind_rsa.prepare(credential_message(fingerprint, keys[key_index].encoding))
            blinded, inverse = blind_rsa.blind(issuers.key(issuer), prepared)
            pending[(voter, issuer)] = (prepared, inverse, blinded.hex(), key_index)
            requests.append({"issuer": issuer, "blinded_message": blinded.hex()})
        credentials.request_credential(
            election=election, membership=membership, message={"requests": requests}
        )
    clients = dict(zip(sim.trustee_members, sim.trustees, strict=True))
    for membership in sim.trustee_members:
        queue = credentials.issuer_queue(election=election, membership=membership)
        if queue["requests"]:  # a trustee that is no issuer has an empty queue
            credentials.submit_blind_signatures(
                election=election, membership=membership, message=clients[membership].sign(queue)
            )
    signatures: dict[int, list[tuple[int, bytes, bytes]]] = {}
    for voter, membership in enumerate(sim.members):
        status = credentials.credential_status(election=election, membership=membership)
        for item in status["requests"]:
            prepared, inverse, blinded, key_index = pending[(voter, item["issuer"])]
            assert item["blinded_message"] == blinded and item["blind_signature"]
            signature = blind_rsa.finalize(
                issuers.key(item["issuer"]),
                prepared,
                bytes.fromhex(item["blind_signature"]),
                inverse,
            )
            prefix = prepared[: blind_rsa.PREFIX_LENGTH]
            signatures.setdefault(key_index, []).append((item["issuer"], prefix, signature))
    valid = 0
    for key_index, found in signatures.items():
        found.sort()
        for chosen in itertools.combinations(found, issuers.threshold):
            try:
                verify_credential_signatures(
                    issuers, fingerprint, keys[key_index].encoding, tuple(chosen)
                )
            except CryptoError:
                continue
            valid += 1
            break
    assert valid <= len(sim.members), f"{valid} credentials from {len(sim.members)} roll entries"


def test_every_credential_carries_the_signatures_of_the_same_issuers():
    """An issuer (or the server, holding a request back) that leaves one voter's request
    unsigned cannot give that voter a credential with a telling set of issuers: the voter has no
    credential until every issuer of the manifest has signed."""
    sim = simulation.prepare(1, trustees=3, threshold=2, issue=False)
    election = sim.election
    issuers = parse_issuers(election.manifest)
    assert len(issuers.keys) == issuers.threshold
    voter = Voter(election.manifest, election.fingerprint_bytes)
    membership = sim.members[0]
    credentials.request_credential(
        election=election, membership=membership, message=voter.credential_request()
    )
    clients = dict(zip(sim.trustee_members, sim.trustees, strict=True))
    signers = [m for m in sim.trustee_members if clients[m].index in issuers.keys]
    for member in signers[1:]:  # the first issuer holds this voter's request back
        queue = credentials.issuer_queue(election=election, membership=member)
        credentials.submit_blind_signatures(
            election=election, membership=member, message=clients[member].sign(queue)
        )
    status = credentials.credential_status(election=election, membership=membership)
    assert voter.finish_credential(status) is None
