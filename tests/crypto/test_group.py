"""ristretto255 encodings, scalars and the protocol hash: RFC 9496 known answers and rejection of
everything non-canonical."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rbcl import crypto_core_ristretto255_from_hash

from tests.crypto.conftest import CRYPTO_SETTINGS
from voting.crypto.errors import InvalidPoint, InvalidScalar
from voting.crypto.group import (
    ORDER,
    DeterministicNonces,
    Point,
    Scalar,
    SystemNonces,
    hash_to_scalar,
)

RFC9496 = json.loads((Path(__file__).parent / "vectors" / "rfc9496.json").read_text())
FIELD_PRIME = 2**255 - 19
scalars = st.integers(min_value=0, max_value=ORDER - 1)
nonzero_scalars = st.integers(min_value=1, max_value=ORDER - 1)


@pytest.mark.parametrize("k", range(16))
def test_small_multiples_of_generator_match_rfc9496(k):
    expected = RFC9496["multiples_of_generator"][k]
    assert Point.base(Scalar(k)).hex() == expected
    assert (Point.generator() * Scalar(k)).hex() == expected


def test_multiples_decode_and_reencode_identically():
    for k, encoding in enumerate(RFC9496["multiples_of_generator"]):
        point = Point.from_hex(encoding, allow_identity=k == 0)
        assert point.hex() == encoding


@pytest.mark.parametrize("case", RFC9496["invalid_encodings"], ids=lambda c: c["hex"][:8])
def test_rfc9496_invalid_encodings_are_rejected(case):
    with pytest.raises(InvalidPoint):
        Point.from_hex(case["hex"], allow_identity=True)


@pytest.mark.parametrize("case", RFC9496["hash_to_group"], ids=lambda c: c["label"][:12])
def test_hash_to_group_matches_rfc9496(case):
    # The protocol does not hash to the group; this pins the library's map for the record.
    digest = hashlib.sha512(case["label"].encode()).digest()
    assert crypto_core_ristretto255_from_hash(digest).hex() == case["output"]


def test_identity_is_rejected_unless_allowed():
    with pytest.raises(InvalidPoint, match="identity"):
        Point.from_bytes(bytes(32))
    assert Point.from_bytes(bytes(32), allow_identity=True).is_identity()


@CRYPTO_SETTINGS
@given(nonzero_scalars)
def test_point_encoding_round_trips(k):
    point = Point.base(Scalar(k))
    assert Point.from_bytes(point.to_bytes()) == point
    assert Point.from_hex(point.hex()) == point


@CRYPTO_SETTINGS
@given(nonzero_scalars)
def test_encoding_with_high_bit_set_is_rejected(k):
    data = bytearray(Point.base(Scalar(k)).to_bytes())
    data[31] |= 0x80
    with pytest.raises(InvalidPoint):
        Point.from_bytes(bytes(data), allow_identity=True)


def test_field_element_plus_p_is_rejected():
    # s + p for small canonical s (the identity and every s < 19 that is even) must not decode.
    for s in range(0, 19, 2):
        with pytest.raises(InvalidPoint):
            Point.from_bytes((s + FIELD_PRIME).to_bytes(32, "little"), allow_identity=True)


@CRYPTO_SETTINGS
@given(st.binary(min_size=0, max_size=40).filter(lambda b: len(b) != 32))
def test_wrong_length_points_and_scalars_are_rejected(data):
    with pytest.raises(InvalidPoint):
        Point.from_bytes(data)
    with pytest.raises(InvalidScalar):
        Scalar.from_bytes(data)


@CRYPTO_SETTINGS
@given(scalars)
def test_scalar_encoding_round_trips(k):
    scalar = Scalar(k)
    assert Scalar.from_bytes(scalar.to_bytes()) == scalar
    assert Scalar.from_hex(scalar.hex()) == scalar


@CRYPTO_SETTINGS
@given(st.integers(min_value=ORDER, max_value=2**256 - 1))
def test_scalars_at_or_above_the_order_are_rejected(value):
    with pytest.raises(InvalidScalar):
        Scalar.from_bytes(value.to_bytes(32, "little"))


@pytest.mark.parametrize("text", ["AB" * 32, "0x" + "00" * 31, "zz" * 32, "00" * 31, " " * 64])
def test_malformed_hex_is_rejected(text):
    with pytest.raises(InvalidScalar):
        Scalar.from_hex(text)
    with pytest.raises(InvalidPoint):
        Point.from_hex(text)


@CRYPTO_SETTINGS
@given(nonzero_scalars, nonzero_scalars)
def test_group_operations_agree_with_scalar_arithmetic(a, b):
    pa, pb = Point.base(Scalar(a)), Point.base(Scalar(b))
    assert pa + pb == Point.base(Scalar(a) + Scalar(b))
    assert pa - pb == Point.base(Scalar(a) - Scalar(b))
    assert pa * Scalar(b) == Point.base(Scalar(a) * Scalar(b))


def test_scalar_times_order_minus_one_is_negation():
    g = Point.generator()
    assert g * Scalar(ORDER - 1) == -g


def test_hash_to_scalar_follows_the_framing_of_section_2():
    point = Point.generator()
    parts = [b"\x01\x02", "دری", 258, point, Scalar(5)]
    encoded = [b"\x01\x02", "دری".encode(), (258).to_bytes(8, "big"), point.to_bytes()]
    encoded.append((5).to_bytes(32, "little"))
    framed = b"".join(len(p).to_bytes(4, "big") + p for p in [b"mashwara/v1/lbl", *encoded])
    expected = int.from_bytes(hashlib.sha512(framed).digest(), "little") % ORDER
    assert hash_to_scalar("lbl", *parts).value == expected


def test_hash_framing_separates_boundaries():
    assert hash_to_scalar("x", b"ab", b"c") != hash_to_scalar("x", b"a", b"bc")


@pytest.mark.parametrize("bad", [-1, 2**64, True])
def test_hash_rejects_integers_outside_eight_bytes(bad):
    with pytest.raises((ValueError, TypeError)):
        hash_to_scalar("x", bad) if not isinstance(bad, bool) else hash_to_scalar("x", 1.5)


def test_deterministic_nonces_follow_section_9():
    rng = DeterministicNonces(b"seed")
    assert rng.draw() == hash_to_scalar("test-nonce", b"seed", 0)
    assert rng.draw() == hash_to_scalar("test-nonce", b"seed", 1)


def test_system_nonces_are_nonzero_and_distinct():
    draws = {SystemNonces().draw().value for _ in range(50)}
    assert len(draws) == 50 and 0 not in draws


def test_secret_scalars_are_not_printed():
    assert "Scalar(…)" == repr(Scalar(12345))
