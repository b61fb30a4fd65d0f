"""RFC 9474 blind RSA: the RFC's Appendix A vectors, interoperability with standard RSA-PSS
verification, refusal of weak keys and the fault guard."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from voting.crypto import blind_rsa
from voting.crypto.errors import CryptoError, InvalidKey, InvalidSignature

VECTORS = Path(__file__).parent / "vectors"
RFC9474 = json.loads((VECTORS / "rfc9474.json").read_text())


def _int(text: str) -> int:
    return int(text, 16)


def _bytes(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))


@pytest.fixture(scope="module")
def test_key() -> blind_rsa.BlindRsaPrivateKey:
    return blind_rsa.BlindRsaPrivateKey.from_pem((VECTORS / "blind-rsa-test-key.pem").read_text())


@pytest.mark.parametrize("vector", RFC9474, ids=lambda v: v["name"])
def test_rfc9474_appendix_a_vectors(vector):
    n, e = _int(vector["n"]), _int(vector["e"])
    key = blind_rsa.BlindRsaPrivateKey(
        blind_rsa.BlindRsaPublicKey(n, e), _int(vector["p"]), _int(vector["q"]), _int(vector["d"])
    )
    salt_length = _int(vector["sLen"])
    prefix = _bytes(vector["msg_prefix"])
    message = _bytes(vector["msg"])
    prepared = blind_rsa.prepare(message, prefix) if prefix else message
    assert prepared == _bytes(vector["input_msg"])
    salt = _bytes(vector["salt"])
    if "encoded_msg" in vector:
        encoded = blind_rsa.emsa_pss_encode(prepared, n.bit_length() - 1, salt)
        assert encoded == _bytes(vector["encoded_msg"])
    inv = _int(vector["inv"])
    blinded, got_inv = blind_rsa.blind(
        key.public, prepared, salt=salt, r=pow(inv, -1, n), salt_length=salt_length
    )
    assert got_inv == inv
    assert blinded == _bytes(vector["blinded_msg"])
    blind_signature = blind_rsa.blind_sign(key, blinded)
    assert blind_signature == _bytes(vector["blind_sig"])
    signature = blind_rsa.finalize(
        key.public, prepared, blind_signature, inv, salt_length=salt_length
    )
    assert signature == _bytes(vector["sig"])


def test_randomized_flow_verifies_with_standard_rsa_pss(test_key):
    prepared = blind_rsa.prepare(b"credential key")
    assert len(prepared) == 32 + len(b"credential key")
    blinded, inv = blind_rsa.blind(test_key.public, prepared)
    signature = blind_rsa.finalize(
        test_key.public, prepared, blind_rsa.blind_sign(test_key, blinded), inv
    )
    test_key.public.to_cryptography().verify(
        signature,
        prepared,
        padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48),
        hashes.SHA384(),
    )
    blind_rsa.verify(test_key.public, prepared, signature)
    with pytest.raises(InvalidSignature):
        blind_rsa.verify(test_key.public, prepared + b"!", signature)


def test_two_preparations_of_one_message_differ():
    assert blind_rsa.prepare(b"m") != blind_rsa.prepare(b"m")


def test_finalize_rejects_a_wrong_blind_signature(test_key):
    prepared = blind_rsa.prepare(b"m")
    blinded, inv = blind_rsa.blind(test_key.public, prepared)
    other, _ = blind_rsa.blind(test_key.public, blind_rsa.prepare(b"other"))
    with pytest.raises(InvalidSignature):
        blind_rsa.finalize(test_key.public, prepared, blind_rsa.blind_sign(test_key, other), inv)


def test_small_keys_and_other_exponents_are_refused():
    with pytest.raises(InvalidKey):
        blind_rsa.generate_private_key(2048)
    with pytest.raises(InvalidKey):
        blind_rsa.BlindRsaPublicKey((1 << 2047) | 1, 65537)
    with pytest.raises(InvalidKey):
        blind_rsa.BlindRsaPublicKey((1 << 3071) | 1, 3)


def test_fault_guard_refuses_to_release_a_wrong_signature(test_key):
    # A corrupted private exponent stands in for a fault during the computation.
    faulty = dataclasses.replace(test_key, d=test_key.d + 2)
    blinded, _ = blind_rsa.blind(test_key.public, blind_rsa.prepare(b"m"))
    with pytest.raises(CryptoError, match="signing failure"):
        blind_rsa.blind_sign(faulty, blinded)


def test_blind_sign_rejects_out_of_range_input(test_key):
    too_big = (test_key.public.n + 1).to_bytes(test_key.public.modulus_length, "big")
    with pytest.raises(CryptoError, match="out of range"):
        blind_rsa.blind_sign(test_key, too_big)
    with pytest.raises(CryptoError, match="size"):
        blind_rsa.blind_sign(test_key, b"\x01" * 10)


def test_honest_blinded_messages_pass_the_request_check_and_degenerate_ones_do_not(test_key):
    public = test_key.public
    for _ in range(20):
        blinded, _ = blind_rsa.blind(public, blind_rsa.prepare(b"credential"))
        blind_rsa.check_blinded_message(public, blinded)
    n, size = public.n, public.modulus_length
    refused = {
        0: "is 0",
        1: "is 1",
        n - 1: "is n − 1",
        n: "not below",
        test_key.p: "shares a factor",
        test_key.q * 5: "shares a factor",
    }
    for value, reason in refused.items():
        with pytest.raises(CryptoError, match=reason):
            blind_rsa.check_blinded_message(public, value.to_bytes(size, "big"))
    with pytest.raises(CryptoError, match="exactly"):
        blind_rsa.check_blinded_message(public, b"\x02" * (size - 1))


def test_keys_round_trip_through_pem(test_key):
    assert blind_rsa.BlindRsaPrivateKey.from_pem(test_key.to_pem()) == test_key
    assert blind_rsa.BlindRsaPublicKey.from_pem(test_key.public.to_pem()) == test_key.public
