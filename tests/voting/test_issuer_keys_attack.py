"""Issue 11 item 1: nobody holding the server — its database and its SECRET_KEY — can produce a
credential that the ballot box or the verifier accepts.

The audit's attack on the old design: the issuer's RSA key was made by the server and stored
sealed under SECRET_KEY; with both, the auditors signed four credentials without touching the
roll, cast four ballots, and ``python -m voting.verify`` passed. Now the issuers are the
trustees, each with its own key on its own device (docs/elections.md §3, threat model)."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from tests.voting.test_casting import forged_voter
from voting import keystore
from voting.crypto import blind_rsa
from voting.crypto.errors import CryptoError
from voting.models import BoardEntry, Election, ElectionState, Trustee
from voting.selectors import record_lines
from voting.services import board
from voting.verify.canonical import dumps
from voting.verify.issuers import issuers_json
from voting.verify.record import verify_record

CHOICE = [[0], [0, 1], [0, 1, 2]]


@pytest.fixture
def open_world(world):
    world.open_poll()
    return world


def _server_rsa_keys(election: Election) -> list[blind_rsa.BlindRsaPrivateKey]:
    """Every RSA private key the server can read with its database and SECRET_KEY: each sealed
    column of the election unsealed under every purpose, and every stored text that parses as
    a private key."""
    found = []
    row = Election.objects.filter(pk=election.pk).values().get()
    for name, value in row.items():
        if isinstance(value, bytes | memoryview) and value:
            for purpose in ("issuer", "board", name.removesuffix("_private_key")):
                try:
                    plain = keystore.unseal(
                        bytes(value), election_uuid=election.uuid.hex, purpose=purpose
                    )
                except keystore.SealedKeyUnreadable:
                    continue
                try:
                    found.append(blind_rsa.BlindRsaPrivateKey.from_pem(plain))
                except CryptoError:
                    pass
    for trustee in Trustee.objects.filter(election=election).values():
        for value in trustee.values():
            if isinstance(value, str) and "PRIVATE KEY" in value:
                found.append(blind_rsa.BlindRsaPrivateKey.from_pem(value))
    return found


def _forged_voters(world, count: int = 4) -> list:
    """Four credentials made with what the server holds; when it holds no RSA private key, with
    fresh keys it generates in the issuers' places."""
    keys = _server_rsa_keys(world.election)
    n = (
        len(world.election.manifest["issuers"]["keys"])
        if "issuers" in world.election.manifest
        else 1
    )
    fresh = [blind_rsa.generate_private_key(3072) for _ in range(max(0, n - len(keys)))]
    return [_forged(world, (keys + fresh)[:n]) for _ in range(count)]


def _forged(world, keys):
    if "issuers" in world.election.manifest:
        return forged_voter(world, keys)
    # The starting code's manifest: one issuer key.
    from voting.clients import Voter

    voter = Voter(world.election.manifest, world.election.fingerprint_bytes)
    request = voter.credential_request()
    signature = blind_rsa.blind_sign(keys[0], bytes.fromhex(request["blinded_message"]))
    voter.finish_credential({"blind_signature": signature.hex()})
    return voter


def test_the_server_holds_no_key_that_signs_credentials(open_world):
    assert _server_rsa_keys(open_world.election) == []
    assert not hasattr(Election, "issuer_private_key")


def test_credentials_signed_with_what_the_server_holds_are_refused_by_the_ballot_box(open_world):
    forged = _forged_voters(open_world)
    for voter in forged:
        response = open_world.cast(voter.ballot(CHOICE, open_world.head())[0])
        assert response.status_code == 422, response.content
        assert response.json()["error"] == "unknown_issuer"
    assert not BoardEntry.objects.filter(election=open_world.election).exists()


def _append(world, ballot: dict) -> None:
    """What a server that bypasses its own checks does: the board's own append code."""
    from voting.clients import tracker

    rows = []
    for q, answer in enumerate(ballot["answers"]):
        for part in answer["pairs"] if q == 2 else [answer]:
            rows += [bytes.fromhex(ct["a"]) + bytes.fromhex(ct["b"]) for ct in part["ciphertexts"]]
    with transaction.atomic():
        board.append(
            world.election,
            kind="ballot",
            tracker=bytes.fromhex(tracker(ballot)),
            credential_key=ballot["credential"]["key"],
            ballot=dumps(ballot),
            reveal=b"",
            ciphertexts=b"".join(rows),
            board_count=ballot["board"]["count"],
        )


def test_a_record_with_ballots_of_credentials_the_server_made_fails_the_verifier(open_world):
    world = open_world
    for voter in world.voters:
        assert world.cast(voter.ballot(CHOICE, world.head())[0]).status_code == 201
    for voter in _forged_voters(world):
        _append(world, voter.ballot(CHOICE, world.head())[0])
    world.close_and_tally()
    world.move(ElectionState.PUBLISHED)
    assert world.election.results["counted"] == 8  # the server's tally counts them
    lines = [line.decode() for line in record_lines(world.refresh())]
    report = verify_record(lines, workers=1)
    assert not report.ok
    failures = report.checks["ballots"].failures
    assert sum("unknown_issuer" in f for f in failures) == 4, failures


def test_a_manifest_with_the_servers_own_issuer_keys_is_caught(open_world, tmp_path):
    """A server that puts keys of its own in the manifest could sign credentials that verify
    under it. The verifier sees the manifest's keys differ from the keys the trustees announced
    with their proofs of possession; and each trustee's client refuses the manifest because its
    own issuer key is not in it (checked before the poll, and by the issuer daemon)."""
    from voting.trustee import steps
    from voting.trustee.keyfile import TrusteeKey

    world = open_world
    election = world.election
    own = [blind_rsa.generate_private_key(3072) for _ in election.manifest["issuers"]["keys"]]
    swapped = dict(
        election.manifest,
        issuers=issuers_json(
            election.threshold, [(i, k.public.to_pem()) for i, k in enumerate(own, start=1)]
        ),
    )
    lines = [line.decode() for line in record_lines(election)]
    first = json.loads(lines[0])
    from voting.verify.election import fingerprint

    first["manifest"] = swapped
    first["fingerprint"] = fingerprint(swapped).hex()
    lines[0] = dumps(first).decode() + "\n"
    report = verify_record(lines, workers=1)
    assert any(
        "is not the key trustee 1 announced" in f for f in report.checks["ceremony"].failures
    )

    client = world.trustee_clients[0]
    key = TrusteeKey(
        election.uuid.hex,
        bytes.fromhex(election.ceremony_context),
        election.threshold,
        client.secrets,
        client.issuer_key,
    )
    with pytest.raises(steps.TrusteeRefusal, match="does not hold your issuer key"):
        steps.check_own_issuer_key(key, swapped)
    steps.check_own_issuer_key(key, election.manifest)
