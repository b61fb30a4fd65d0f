"""The browser's ballot v2 vector (``vectors/from-js.json`` → ``ballot``, written by
``frontend/tests/make_js_vectors.mjs``) passes the Python side: Python's client reproduces the
sealed, audited and cast ballots byte for byte from the same §9 nonces, the server's parsers
and checks accept them, and both board entries chain as docs/elections.md §5 says."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from voting.clients import Voter
from voting.crypto import blind_rsa
from voting.crypto.group import DeterministicNonces, Point, Scalar
from voting.crypto.serialization import from_json
from voting.verify import board as chain
from voting.verify.ballots import (
    parse_ballot,
    parse_reveal,
    parse_sealed,
    verify_ballot,
    verify_reveal,
    verify_sealed,
)
from voting.verify.canonical import dumps
from voting.verify.election import credential_message, fingerprint, shapes

VECTORS = Path(__file__).parent / "vectors"


@pytest.fixture(scope="module")
def item() -> dict[str, Any]:
    return json.loads((VECTORS / "from-js.json").read_text(encoding="utf-8"))["ballot"]


def test_python_reproduces_the_browsers_ballots_byte_for_byte(item):
    manifest = item["manifest"]
    fp = fingerprint(manifest)
    assert fp.hex() == item["fingerprint"]
    rng = DeterministicNonces(bytes.fromhex(item["seed"]))
    assert Point.base(rng.draw()).hex() == manifest["joint_public_key"]
    voter = Voter(manifest, fp, secret=rng.draw())
    assert voter.secret.hex() == item["credential_secret"]
    voter.credential = item["credential"]

    sealed, reveal = voter.seal(item["audited"]["choices"], rng)
    assert dumps(sealed) == dumps(item["audited"]["sealed"])
    assert dumps(reveal) == dumps(item["audited"]["reveal"])
    cast_sealed, cast_reveal = voter.seal(item["cast"]["choices"], rng)
    assert dumps(cast_sealed) == dumps(item["cast"]["sealed"])
    assert dumps(cast_reveal) == dumps(item["cast"]["reveal"])
    ballot = voter.sign(cast_sealed, item["cast"]["head"], rng)
    assert dumps(ballot) == dumps(item["cast"]["ballot"])


def test_the_browsers_credential_is_the_test_issuers_blind_signature(item):
    manifest = item["manifest"]
    fp = fingerprint(manifest)
    key = blind_rsa.BlindRsaPrivateKey.from_pem((VECTORS / "blind-rsa-test-key.pem").read_text())
    public = from_json(blind_rsa.BlindRsaPublicKey, manifest["issuer_public_key"])
    assert public == key.public
    credential = item["credential"]
    secret = Scalar.from_hex(item["credential_secret"])
    assert Point.base(secret).hex() == credential["key"]
    prepared = blind_rsa.prepare(
        credential_message(fp, Point.base(secret).encoding), bytes.fromhex(credential["prefix"])
    )
    rsa = item["credential_rsa"]
    blinded, inv = blind_rsa.blind(
        public, prepared, salt=bytes.fromhex(rsa["salt"]), r=int(rsa["r"], 16)
    )
    signature = blind_rsa.finalize(public, prepared, blind_rsa.blind_sign(key, blinded), inv)
    assert signature.hex() == credential["signature"]


def test_the_server_accepts_the_browsers_audit_and_cast_ballot_and_the_entries_chain(item):
    manifest = item["manifest"]
    fp = fingerprint(manifest)
    shape_list = shapes(manifest)
    joint = Point.from_hex(manifest["joint_public_key"])
    issuer = from_json(blind_rsa.BlindRsaPublicKey, manifest["issuer_public_key"])

    request = item["audited"]["request"]
    assert set(request) == {"ballot", "reveal"}
    sealed = parse_sealed(request["ballot"], shape_list)
    verify_sealed(sealed, shape_list, fp, joint)
    verify_reveal(sealed, parse_reveal(request["reveal"], shape_list), joint)
    assert sealed.tracker.hex() == item["audited"]["tracker"]

    cast = parse_ballot(item["cast"]["ballot"], shape_list)
    verify_ballot(cast, shape_list, fp, joint, issuer)
    assert cast.signed_bytes.decode() == item["cast"]["signed_message"]
    assert cast.tracker.hex() == item["cast"]["tracker"]
    assert cast.tracker == parse_sealed(item["cast"]["sealed"], shape_list).tracker
    assert item["cast"]["ballot"]["board"] == {"count": 1, "hash": item["audited"]["entry"]["hash"]}

    previous = chain.genesis(fp)
    assert previous.hex() == item["genesis"]
    for parsed, entry in ((sealed, item["audited"]["entry"]), (cast, item["cast"]["entry"])):
        assert entry["digest"] == hashlib.sha256(parsed.canonical).hexdigest()
        reveal = dumps(entry["reveal"]) if entry["reveal"] is not None else b""
        expected = chain.entry_hash(
            previous,
            entry["position"],
            entry["kind"],
            entry["hour"],
            parsed.tracker,
            parsed.digest,
            reveal,
        )
        assert entry["previous"] == previous.hex() and entry["hash"] == expected.hex()
        previous = expected
