"""Sigma proofs: honest proofs verify, tampered ones do not, false statements cannot be proven."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.crypto.conftest import CRYPTO_SETTINGS, tamper
from voting.crypto.elgamal import Ciphertext, encrypt
from voting.crypto.errors import (
    CryptoError,
    InvalidProof,
    InvalidSignature,
    InvalidWitness,
    ValueOutsideRange,
)
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
    verify_credential_signature,
    verify_decryption_share,
    verify_knowledge,
    verify_range,
)

CTX = b"\x07" * 32
index = st.integers(min_value=0, max_value=1 << 16)
delta = st.integers(min_value=1, max_value=255)


def _tampered_scalar(scalar: Scalar, position: int, change: int) -> Scalar:
    return Scalar.from_bytes(tamper(scalar.to_bytes(), position, change))


def test_schnorr_proof_verifies_and_binds_context(keypair):
    proof = prove_knowledge(CTX, keypair.secret)
    verify_knowledge(CTX, keypair.public, proof)
    with pytest.raises(InvalidProof):
        verify_knowledge(CTX + b"other", keypair.public, proof)
    with pytest.raises(InvalidProof):
        verify_knowledge(CTX, Point.base(Scalar(3)), proof)


@CRYPTO_SETTINGS
@given(index, delta, st.booleans())
def test_tampered_schnorr_proof_is_rejected(keypair, position, change, which):
    proof = prove_knowledge(CTX, keypair.secret, DeterministicNonces(b"pok"))
    with pytest.raises(CryptoError):
        c, s = proof.c, proof.s
        if which:
            c = _tampered_scalar(c, position, change)
        else:
            s = _tampered_scalar(s, position, change)
        verify_knowledge(CTX, keypair.public, SchnorrProof(c, s))


def test_schnorr_rejects_identity_public_key():
    with pytest.raises(InvalidProof):
        verify_knowledge(CTX, Point.identity(), SchnorrProof(Scalar(0), Scalar(0)))


def test_credential_signature_verifies_only_for_its_message(keypair):
    signature = sign_credential(CTX, keypair.secret, b"ballot bytes")
    verify_credential_signature(CTX, keypair.public, b"ballot bytes", signature)
    with pytest.raises(InvalidSignature):
        verify_credential_signature(CTX, keypair.public, b"ballot bytez", signature)


@CRYPTO_SETTINGS
@given(index, delta, st.booleans(), st.binary(max_size=64))
def test_tampered_credential_signature_is_rejected(keypair, position, change, which, message):
    signature = sign_credential(CTX, keypair.secret, message, DeterministicNonces(b"sig"))
    with pytest.raises(CryptoError):
        c, s = signature.c, signature.s
        if which:
            c = _tampered_scalar(c, position, change)
        else:
            s = _tampered_scalar(s, position, change)
        verify_credential_signature(CTX, keypair.public, message, CredentialSignature(c, s))


@pytest.mark.parametrize(("value", "low", "high"), [(0, 0, 1), (1, 0, 1), (3, 2, 5), (0, 0, 0)])
def test_range_proof_verifies_for_values_in_range(keypair, value, low, high):
    ciphertext, nonce = encrypt(keypair.public, value)
    proof = prove_range(CTX, keypair.public, ciphertext, value, nonce, low, high)
    verify_range(CTX, keypair.public, ciphertext, low, high, proof)


def test_range_proof_does_not_verify_for_other_bounds_or_context(keypair):
    ciphertext, nonce = encrypt(keypair.public, 1)
    proof = prove_range(CTX, keypair.public, ciphertext, 1, nonce, 0, 1)
    with pytest.raises(InvalidProof):
        verify_range(CTX, keypair.public, ciphertext, 1, 2, proof)
    with pytest.raises(InvalidProof):
        verify_range(CTX + b"\x00", keypair.public, ciphertext, 0, 1, proof)


@CRYPTO_SETTINGS
@given(st.integers(min_value=0, max_value=70), st.integers(min_value=0, max_value=5))
def test_no_range_proof_for_a_value_outside_its_set(keypair, value, low):
    high = low + 1
    if low <= value <= high:
        value = high + 1
    ciphertext, nonce = encrypt(keypair.public, value)
    with pytest.raises(ValueOutsideRange):
        prove_range(CTX, keypair.public, ciphertext, value, nonce, low, high)


def test_no_range_proof_with_a_nonce_that_does_not_match(keypair):
    ciphertext, _ = encrypt(keypair.public, 1)
    with pytest.raises(InvalidWitness):
        prove_range(CTX, keypair.public, ciphertext, 1, Scalar(5), 0, 1)
    with pytest.raises(InvalidWitness):
        prove_range(CTX, keypair.public, ciphertext, 0, Scalar(5), 0, 1)


def test_a_proof_for_zero_does_not_transfer_to_an_encryption_of_two(keypair):
    zero, nonce = encrypt(keypair.public, 0)
    proof = prove_range(CTX, keypair.public, zero, 0, nonce, 0, 1)
    two = Ciphertext(zero.a, zero.b + Point.base(Scalar(2)))
    with pytest.raises(InvalidProof):
        verify_range(CTX, keypair.public, two, 0, 1, proof)


@CRYPTO_SETTINGS
@given(index, delta, st.sampled_from(["a", "b", "c", "s"]))
def test_tampered_range_proof_or_ciphertext_is_rejected(keypair, position, change, field):
    rng = DeterministicNonces(b"range")
    ciphertext, nonce = encrypt(keypair.public, 1, rng)
    proof = prove_range(CTX, keypair.public, ciphertext, 1, nonce, 0, 1, rng)
    with pytest.raises(CryptoError):
        if field in ("a", "b"):
            point = getattr(ciphertext, field)
            bad = Point.from_bytes(tamper(point.to_bytes(), position, change), allow_identity=True)
            ciphertext = (
                Ciphertext(bad, ciphertext.b) if field == "a" else Ciphertext(ciphertext.a, bad)
            )
        else:
            items = list(proof.challenges if field == "c" else proof.responses)
            slot = position % len(items)
            items[slot] = _tampered_scalar(items[slot], position // 2, change)
            proof = (
                RangeProof(tuple(items), proof.responses)
                if field == "c"
                else RangeProof(proof.challenges, tuple(items))
            )
        verify_range(CTX, keypair.public, ciphertext, 0, 1, proof)


def test_range_proof_with_wrong_length_or_width_is_rejected(keypair):
    ciphertext, nonce = encrypt(keypair.public, 1)
    proof = prove_range(CTX, keypair.public, ciphertext, 1, nonce, 0, 1)
    short = RangeProof(proof.challenges[:1], proof.responses[:1])
    with pytest.raises(InvalidProof):
        verify_range(CTX, keypair.public, ciphertext, 0, 1, short)
    with pytest.raises(InvalidProof):
        verify_range(CTX, keypair.public, ciphertext, 0, 64, proof)
    with pytest.raises(InvalidProof):
        verify_range(CTX, keypair.public, ciphertext, 2, 1, proof)


def test_range_proof_rejects_identity_a(keypair):
    ciphertext = Ciphertext(Point.identity(), Point.generator())
    proof = RangeProof((Scalar(1), Scalar(2)), (Scalar(3), Scalar(4)))
    with pytest.raises(InvalidProof, match="identity"):
        verify_range(CTX, keypair.public, ciphertext, 0, 1, proof)


def test_decryption_share_proof_verifies_and_forgery_is_rejected(keypair):
    ciphertext, _ = encrypt(keypair.public, 4)
    share, proof = prove_decryption_share(CTX, keypair.secret, ciphertext)
    verify_decryption_share(CTX, keypair.public, ciphertext, share, proof)
    assert ciphertext.b - share == Point.base(Scalar(4))
    forged = share + Point.generator()
    with pytest.raises(InvalidProof):
        verify_decryption_share(CTX, keypair.public, ciphertext, forged, proof)


@CRYPTO_SETTINGS
@given(index, delta, st.booleans())
def test_tampered_decryption_proof_is_rejected(keypair, position, change, which):
    rng = DeterministicNonces(b"dec")
    ciphertext, _ = encrypt(keypair.public, 2, rng)
    share, proof = prove_decryption_share(CTX, keypair.secret, ciphertext, rng)
    with pytest.raises(CryptoError):
        c, s = proof.c, proof.s
        if which:
            c = _tampered_scalar(c, position, change)
        else:
            s = _tampered_scalar(s, position, change)
        verify_decryption_share(CTX, keypair.public, ciphertext, share, DecryptionProof(c, s))


@CRYPTO_SETTINGS
@given(index, delta)
def test_tampered_public_key_breaks_every_proof(keypair, position, change):
    rng = DeterministicNonces(b"key")
    ciphertext, nonce = encrypt(keypair.public, 1, rng)
    range_proof = prove_range(CTX, keypair.public, ciphertext, 1, nonce, 0, 1, rng)
    pok = prove_knowledge(CTX, keypair.secret, rng)
    signature = sign_credential(CTX, keypair.secret, b"m", rng)
    share, share_proof = prove_decryption_share(CTX, keypair.secret, ciphertext, rng)
    data = tamper(keypair.public.to_bytes(), position, change)
    try:
        bad_key = Point.from_bytes(data)
    except CryptoError:
        return  # the tampered key does not even decode
    checks = [
        lambda: verify_range(CTX, bad_key, ciphertext, 0, 1, range_proof),
        lambda: verify_knowledge(CTX, bad_key, pok),
        lambda: verify_credential_signature(CTX, bad_key, b"m", signature),
        lambda: verify_decryption_share(CTX, bad_key, ciphertext, share, share_proof),
    ]
    for check in checks:
        with pytest.raises(CryptoError):
            check()
