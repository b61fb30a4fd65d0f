"""Canonical JSON and strict decoding: every object round-trips, anything malformed is refused
with a named error."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.crypto.conftest import CRYPTO_SETTINGS
from voting.crypto import blind_rsa
from voting.crypto.elgamal import Ciphertext, KeyPair, encrypt
from voting.crypto.errors import InvalidEncoding, InvalidPoint, InvalidScalar
from voting.crypto.group import DeterministicNonces, Point, Scalar
from voting.crypto.proofs import (
    CredentialSignature,
    DecryptionProof,
    RangeProof,
    SchnorrProof,
    prove_decryption_share,
    prove_knowledge,
    prove_range,
    sign_credential,
)
from voting.crypto.question import EncryptedQuestion, encrypt_question
from voting.crypto.ranking import EncryptedRanking, RankingOpening
from voting.crypto.serialization import canonical_json, dumps, from_json, loads, to_json
from voting.crypto.threshold import (
    Complaint,
    DecryptionShare,
    EncryptedShare,
    ShareReveal,
    TrusteeAnnouncement,
    TrusteeSecrets,
    create_trustee,
    encrypt_share,
    partial_decrypt,
)

CTX = b"ser"


def _samples(keypair) -> list[object]:
    rng = DeterministicNonces(b"serialization")
    ciphertext, nonce = encrypt(keypair.public, 1, rng)
    alice, alice_ann = create_trustee(CTX, 1, 2, rng)
    _, bob_ann = create_trustee(CTX, 2, 2, rng)
    _, proof = prove_decryption_share(CTX, keypair.secret, ciphertext, rng)
    return [
        keypair.public,
        keypair.secret,
        keypair,
        ciphertext,
        Ciphertext(Point.identity(), Point.identity()),
        prove_knowledge(CTX, keypair.secret, rng),
        sign_credential(CTX, keypair.secret, b"m", rng),
        proof,
        prove_range(CTX, keypair.public, ciphertext, 1, nonce, 0, 1, rng),
        encrypt_question(CTX, keypair.public, [1, 0], 0, 2, rng),
        alice,
        alice_ann,
        encrypt_share(CTX, alice, 2, bob_ann.communication_key, rng),
        Complaint(1, 2),
        ShareReveal(1, 2, alice.evaluate(2)),
        partial_decrypt(CTX, 1, keypair.secret, ciphertext, rng),
    ]


def test_every_object_round_trips_through_canonical_json(keypair):
    for obj in _samples(keypair):
        data = dumps(obj)
        assert loads(type(obj), data) == obj
        assert dumps(loads(type(obj), data)) == data


def test_blind_rsa_public_key_round_trips():
    pem = Path(__file__).parent / "vectors" / "blind-rsa-test-key.pem"
    key = blind_rsa.BlindRsaPrivateKey.from_pem(pem.read_text())
    assert loads(blind_rsa.BlindRsaPublicKey, dumps(key.public)) == key.public


def test_canonical_json_sorts_keys_without_whitespace_in_utf8():
    assert canonical_json({"b": 1, "a": ["ب", 2]}) == '{"a":["ب",2],"b":1}'.encode()


@pytest.mark.parametrize(
    "text",
    [
        '{"a":"00","a":"00"}',
        '{"c":"' + "00" * 32 + '","s":1.0}',
        '{"c":"' + "00" * 32 + '","s":NaN}',
        "not json",
        b"\xff\xfe",
    ],
)
def test_malformed_json_is_refused(text):
    with pytest.raises(InvalidEncoding):
        loads(SchnorrProof, text)


def test_extra_or_missing_keys_are_refused(keypair):
    ciphertext = to_json(encrypt(keypair.public, 0)[0])
    with pytest.raises(InvalidEncoding, match="exactly the keys"):
        from_json(Ciphertext, {**ciphertext, "c": ciphertext["a"]})
    with pytest.raises(InvalidEncoding, match="exactly the keys"):
        from_json(Ciphertext, {"a": ciphertext["a"]})


def test_wrong_types_are_refused():
    zero = "00" * 32
    with pytest.raises(InvalidEncoding):
        from_json(Complaint, {"sender": True, "recipient": 2})
    with pytest.raises(InvalidEncoding):
        from_json(Complaint, {"sender": "1", "recipient": 2})
    with pytest.raises(InvalidEncoding):
        from_json(Complaint, {"sender": 0, "recipient": 2})
    with pytest.raises(InvalidEncoding, match="differ"):
        from_json(Complaint, {"sender": 2, "recipient": 2})
    with pytest.raises(InvalidEncoding):
        from_json(RangeProof, {"c": zero, "s": zero})
    with pytest.raises(InvalidEncoding):
        from_json(RangeProof, {"c": [zero], "s": [zero, zero]})
    with pytest.raises(InvalidEncoding):
        from_json(RangeProof, {"c": [zero] * 65, "s": [zero] * 65})


def test_identity_is_refused_where_the_protocol_forbids_it(keypair):
    zero = "00" * 32
    with pytest.raises(InvalidPoint, match="identity"):
        from_json(Point, zero)
    share = to_json(partial_decrypt(CTX, 1, keypair.secret, encrypt(keypair.public, 0)[0]))
    with pytest.raises(InvalidPoint, match=r"\$\.d"):
        from_json(DecryptionShare, {**share, "d": zero})
    assert from_json(Ciphertext, {"a": zero, "b": zero}).a.is_identity()


def test_keypair_must_be_consistent(keypair):
    data = to_json(keypair)
    with pytest.raises(InvalidEncoding, match="does not match"):
        from_json(KeyPair, {**data, "secret": Scalar(2).hex()})


@CRYPTO_SETTINGS
@given(st.integers(min_value=0, max_value=63), st.sampled_from("ABCDEFxg "))
def test_non_lowercase_hex_is_refused(keypair, position, char):
    text = keypair.public.hex()
    bad = text[:position] + char + text[position + 1 :]
    with pytest.raises(InvalidPoint):
        from_json(Point, bad)
    with pytest.raises(InvalidScalar):
        from_json(Scalar, bad)


@CRYPTO_SETTINGS
@given(st.integers(min_value=0, max_value=1 << 20), st.integers(min_value=1, max_value=255))
def test_any_byte_flip_in_a_serialized_object_changes_or_breaks_it(keypair, position, change):
    for obj in _samples(keypair)[3:]:
        data = bytearray(dumps(obj))
        index = position % len(data)
        data[index] ^= change
        try:
            decoded = loads(type(obj), bytes(data))
        except InvalidEncoding:
            continue
        assert decoded != obj


def test_unknown_types_have_no_json_form():
    with pytest.raises(TypeError):
        to_json(object())
    with pytest.raises(TypeError):
        from_json(dict, {})


def test_kinds_cover_all_protocol_objects():
    kinds = {
        Point, Scalar, KeyPair, Ciphertext, SchnorrProof, CredentialSignature, DecryptionProof,
        RangeProof, EncryptedQuestion, TrusteeAnnouncement, TrusteeSecrets, EncryptedShare,
        Complaint, ShareReveal, DecryptionShare, blind_rsa.BlindRsaPublicKey, EncryptedRanking,
        RankingOpening,
    }  # fmt: skip
    for kind in kinds:
        with pytest.raises((InvalidEncoding, TypeError)):
            from_json(kind, None)
