"""Exponential ElGamal over ristretto255 (protocol §3).

A message ``m`` is encrypted as ``(A, B) = (rG, mG + rX)`` so that ciphertexts add up to an
encryption of the sum of their messages; decryption yields the point ``M = B − xA = mG`` and the
small ``m`` is recovered with ``voting.crypto.dlog``. Ciphertext components may be the identity
(a homomorphic sum, a zero count), so they are decoded with ``allow_identity=True``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from voting.crypto.errors import InvalidKey, InvalidWitness
from voting.crypto.group import (
    IDENTITY_BYTES,
    ORDER,
    NonceSource,
    Point,
    Scalar,
    base_mul,
    nonce_source,
    point_add,
    var_mul,
)


@dataclass(frozen=True, slots=True)
class Ciphertext:
    """``(A, B)``; JSON ``{"a": hex(A), "b": hex(B)}``."""

    a: Point
    b: Point

    def __add__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(
            Point._trusted(point_add(self.a.encoding, other.a.encoding)),
            Point._trusted(point_add(self.b.encoding, other.b.encoding)),
        )


@dataclass(frozen=True, slots=True)
class KeyPair:
    """An ElGamal key pair ``x``, ``X = xG``."""

    secret: Scalar
    public: Point

    def __repr__(self) -> str:
        return f"KeyPair(public={self.public!r})"


def generate_keypair(rng: NonceSource | None = None) -> KeyPair:
    """Draw ``x`` (one nonce) and return ``(x, xG)``."""
    secret = nonce_source(rng).draw()
    if secret.is_zero():
        raise InvalidKey("a secret key must not be zero")
    return KeyPair(secret, Point.base(secret))


def encrypt_with_nonce(public_key: Point, message: int, nonce: Scalar) -> Ciphertext:
    """``(rG, mG + rX)`` for a given nonce ``r`` (``0 ≤ m < ℓ``, ``r ≠ 0``)."""
    if not isinstance(message, int) or not 0 <= message < ORDER:
        raise InvalidWitness("an ElGamal message must be an integer in [0, ℓ)")
    if nonce.is_zero():
        raise InvalidWitness("an encryption nonce must not be zero")
    a = base_mul(nonce.value)
    b = point_add(base_mul(message), var_mul(nonce.value, public_key.encoding))
    return Ciphertext(Point._trusted(a), Point._trusted(b))


def encrypt(
    public_key: Point, message: int, rng: NonceSource | None = None
) -> tuple[Ciphertext, Scalar]:
    """Encrypt ``message`` with one fresh nonce; returns the ciphertext and the nonce."""
    nonce = nonce_source(rng).draw()
    return encrypt_with_nonce(public_key, message, nonce), nonce


def add_ciphertexts(ciphertexts: Iterable[Ciphertext]) -> Ciphertext:
    """Componentwise sum; the empty sum is ``(O, O)``, an encryption of 0."""
    iterator = iter(ciphertexts)
    first = next(iterator, None)
    if first is None:
        return Ciphertext(Point._trusted(IDENTITY_BYTES), Point._trusted(IDENTITY_BYTES))
    a, b = first.a.encoding, first.b.encoding
    for ct in iterator:
        a = point_add(a, ct.a.encoding)
        b = point_add(b, ct.b.encoding)
    return Ciphertext(Point._trusted(a), Point._trusted(b))


def rerandomise(
    public_key: Point, ciphertext: Ciphertext, rng: NonceSource | None = None
) -> tuple[Ciphertext, Scalar]:
    """``(A + r'G, B + r'X)`` with one fresh nonce ``r'``; returns it with the nonce."""
    nonce = nonce_source(rng).draw()
    a = point_add(ciphertext.a.encoding, base_mul(nonce.value))
    b = point_add(ciphertext.b.encoding, var_mul(nonce.value, public_key.encoding))
    return Ciphertext(Point._trusted(a), Point._trusted(b)), nonce


def decrypt_to_point(secret_key: Scalar, ciphertext: Ciphertext) -> Point:
    """``M = B − xA`` (may be the identity, for a zero message)."""
    return ciphertext.b - ciphertext.a * secret_key
