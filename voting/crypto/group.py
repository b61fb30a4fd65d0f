"""The ristretto255 group (RFC 9496), its scalars, the protocol hash and nonce sources.

``Point`` and ``Scalar`` are immutable values; decoding from outside (``from_bytes``,
``from_hex``) validates everything — canonical encoding, a real group element, the identity only
when the caller passes ``allow_identity=True``, scalars below ℓ — and raises ``InvalidPoint`` or
``InvalidScalar``. Points the code computes itself are built with ``Point._trusted`` and never
re-validated. ``hash_to_scalar`` is the framed SHA-512 hash of protocol §2. Randomness comes from a
``NonceSource``: ``SystemNonces`` (the OS CSPRNG, the default everywhere) or
``DeterministicNonces`` (protocol §9, test vectors only). Group operations call libsodium's
ristretto255 functions through ``rbcl``; the ``_allow_scalar_zero`` variants are used throughout
because adversarial inputs may legitimately produce the identity.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Protocol

from rbcl import (
    crypto_core_ristretto255_add,
    crypto_core_ristretto255_is_valid_point,
    crypto_core_ristretto255_sub,
    crypto_scalarmult_ristretto255_allow_scalar_zero,
    crypto_scalarmult_ristretto255_base_allow_scalar_zero,
)

from voting.crypto.errors import InvalidPoint, InvalidScalar

ORDER = 2**252 + 27742317777372353535851937790883648493
"""ℓ, the prime order of ristretto255."""

DOMAIN = b"mashwara/v1/"
IDENTITY_BYTES = bytes(32)
_INT_LIMIT = 1 << 64

# Fast aliases used by the proof modules on raw encodings (no wrapper objects in hot loops).
point_add = crypto_core_ristretto255_add
point_sub = crypto_core_ristretto255_sub


def is_valid_encoding(data: bytes) -> bool:
    """RFC 9496 decoding check. The libsodium bundled in rbcl (1.0.18) ignores the top bit of the
    last byte, so an encoding with that bit set would decode as a second spelling of a valid
    point; RFC 9496 (and @noble/curves) reject it, and so must we."""
    return data[31] < 0x80 and crypto_core_ristretto255_is_valid_point(data)


def base_mul(k: int) -> bytes:
    """Encoding of ``k·G`` for ``0 ≤ k < ℓ`` (identity for ``k = 0``)."""
    return crypto_scalarmult_ristretto255_base_allow_scalar_zero(k.to_bytes(32, "little"))


def var_mul(k: int, point: bytes) -> bytes:
    """Encoding of ``k·P`` for a valid encoding ``P`` and ``0 ≤ k < ℓ``."""
    return crypto_scalarmult_ristretto255_allow_scalar_zero(k.to_bytes(32, "little"), point)


GENERATOR_BYTES = base_mul(1)


@dataclass(frozen=True, slots=True)
class Scalar:
    """An integer modulo ℓ, always stored reduced (``0 ≤ value < ℓ``)."""

    value: int

    def __post_init__(self) -> None:
        if not isinstance(self.value, int) or isinstance(self.value, bool):
            raise InvalidScalar("a scalar must be an integer")
        if not 0 <= self.value < ORDER:
            raise InvalidScalar("a scalar must be at least 0 and below the group order ℓ")

    @classmethod
    def from_int(cls, value: int) -> Scalar:
        """Reduce any integer modulo ℓ."""
        return cls(value % ORDER)

    @classmethod
    def from_bytes(cls, data: bytes) -> Scalar:
        """Decode 32 little-endian bytes; reject values ≥ ℓ (non-canonical)."""
        if not isinstance(data, bytes | bytearray) or len(data) != 32:
            raise InvalidScalar("a scalar must be exactly 32 bytes")
        value = int.from_bytes(data, "little")
        if value >= ORDER:
            raise InvalidScalar("scalar encoding is not canonical (value ≥ ℓ)")
        return cls(value)

    @classmethod
    def from_hex(cls, text: str) -> Scalar:
        # The same checks as from_bytes, without re-checking what decode_hex guarantees: a
        # verifier decodes some twenty scalars per ballot.
        value = int.from_bytes(decode_hex(text, 32, InvalidScalar, "scalar"), "little")
        if value >= ORDER:
            raise InvalidScalar("scalar encoding is not canonical (value ≥ ℓ)")
        scalar = object.__new__(Scalar)
        object.__setattr__(scalar, "value", value)
        return scalar

    @classmethod
    def random(cls) -> Scalar:
        """A uniformly random scalar in [1, ℓ) from the OS CSPRNG."""
        return cls(secrets.randbelow(ORDER - 1) + 1)

    def to_bytes(self) -> bytes:
        return self.value.to_bytes(32, "little")

    def hex(self) -> str:
        return self.to_bytes().hex()

    def is_zero(self) -> bool:
        return self.value == 0

    def inverse(self) -> Scalar:
        if self.value == 0:
            raise InvalidScalar("zero has no inverse modulo ℓ")
        return Scalar(pow(self.value, -1, ORDER))

    def __add__(self, other: Scalar) -> Scalar:
        return Scalar((self.value + other.value) % ORDER)

    def __sub__(self, other: Scalar) -> Scalar:
        return Scalar((self.value - other.value) % ORDER)

    def __mul__(self, other: Scalar) -> Scalar:
        return Scalar(self.value * other.value % ORDER)

    def __neg__(self) -> Scalar:
        return Scalar(-self.value % ORDER)

    def __repr__(self) -> str:
        # Scalars are often secret: never print the value.
        return "Scalar(…)"


@dataclass(frozen=True, slots=True)
class Point:
    """A ristretto255 group element, held as its canonical 32-byte encoding.

    The public constructor validates the encoding (the identity is a valid element); use
    ``from_bytes``/``from_hex`` for anything that comes from outside so that the identity is
    rejected unless explicitly allowed.
    """

    encoding: bytes

    def __post_init__(self) -> None:
        if (
            not isinstance(self.encoding, bytes)
            or len(self.encoding) != 32
            or not is_valid_encoding(self.encoding)
        ):
            raise InvalidPoint("not a canonical ristretto255 encoding")

    @staticmethod
    def _trusted(encoding: bytes) -> Point:
        """Wrap an encoding libsodium just produced; skips re-validation."""
        point = object.__new__(Point)
        object.__setattr__(point, "encoding", encoding)
        return point

    @classmethod
    def from_bytes(cls, data: bytes, *, allow_identity: bool = False) -> Point:
        if not isinstance(data, bytes | bytearray) or len(data) != 32:
            raise InvalidPoint("a point must be exactly 32 bytes")
        data = bytes(data)
        if not is_valid_encoding(data):
            raise InvalidPoint("not a canonical ristretto255 encoding")
        if not allow_identity and data == IDENTITY_BYTES:
            raise InvalidPoint("the identity element is not allowed here")
        return cls._trusted(data)

    @classmethod
    def from_hex(cls, text: str, *, allow_identity: bool = False) -> Point:
        # from_bytes's checks, but decode_hex already returns exactly 32 fresh bytes.
        data = decode_hex(text, 32, InvalidPoint, "point")
        if not is_valid_encoding(data):
            raise InvalidPoint("not a canonical ristretto255 encoding")
        if not allow_identity and data == IDENTITY_BYTES:
            raise InvalidPoint("the identity element is not allowed here")
        return cls._trusted(data)

    @classmethod
    def base(cls, k: Scalar) -> Point:
        """``k·G`` with libsodium's fixed-base multiplication."""
        return cls._trusted(base_mul(k.value))

    @classmethod
    def generator(cls) -> Point:
        return cls._trusted(GENERATOR_BYTES)

    @classmethod
    def identity(cls) -> Point:
        return cls._trusted(IDENTITY_BYTES)

    def to_bytes(self) -> bytes:
        return self.encoding

    def hex(self) -> str:
        return self.encoding.hex()

    def is_identity(self) -> bool:
        return self.encoding == IDENTITY_BYTES

    def __add__(self, other: Point) -> Point:
        return Point._trusted(point_add(self.encoding, other.encoding))

    def __sub__(self, other: Point) -> Point:
        return Point._trusted(point_sub(self.encoding, other.encoding))

    def __neg__(self) -> Point:
        return Point._trusted(point_sub(IDENTITY_BYTES, self.encoding))

    def __mul__(self, k: Scalar) -> Point:
        return Point._trusted(var_mul(k.value, self.encoding))

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return f"Point({self.encoding.hex()})"


def decode_hex(text: str, length: int, error: type[Exception], what: str) -> bytes:
    """Strict hex: lowercase, no prefix, exactly ``length`` bytes."""
    if not isinstance(text, str) or len(text) != 2 * length:
        raise error(f"{what} must be {2 * length} lowercase hex characters")
    # bytes.fromhex also takes upper case and whitespace; the round trip refuses both. (A
    # character-by-character check cost more than the point decoding on every ballot.)
    try:
        data = bytes.fromhex(text)
    except ValueError:
        data = None
    if data is None or data.hex() != text:
        raise error(f"{what} must be lowercase hex without prefix")
    return data


HashPart = bytes | str | int | Point | Scalar


def encode_part(part: HashPart) -> bytes:
    """Byte encoding of one hash input (protocol §1-§2)."""
    if isinstance(part, bytes | bytearray):
        return bytes(part)
    if isinstance(part, Point):
        return part.encoding
    if isinstance(part, Scalar):
        return part.to_bytes()
    if isinstance(part, str):
        return part.encode("utf-8")
    if isinstance(part, int) and not isinstance(part, bool):
        if not 0 <= part < _INT_LIMIT:
            raise ValueError("integers inside hashes must fit in 8 unsigned bytes")
        return part.to_bytes(8, "big")
    raise TypeError(f"cannot hash a {type(part).__name__}")


def int8(value: int) -> bytes:
    """An integer as 8 bytes big-endian (protocol §1)."""
    return encode_part(value)


def challenge(label: str, parts: list[bytes]) -> int:
    """``H(label, *parts)`` of protocol §2 over already-encoded parts, as an integer mod ℓ."""
    digest = hashlib.sha512()
    tag = DOMAIN + label.encode("utf-8")
    digest.update(len(tag).to_bytes(4, "big") + tag)
    for part in parts:
        digest.update(len(part).to_bytes(4, "big"))
        digest.update(part)
    return int.from_bytes(digest.digest(), "little") % ORDER


def hash_to_scalar(label: str, *parts: HashPart) -> Scalar:
    """``H(label, p1, …, pn)`` of protocol §2."""
    return Scalar(challenge(label, [encode_part(p) for p in parts]))


class NonceSource(Protocol):
    """Where provers draw their secret randomness from."""

    def draw(self) -> Scalar: ...


class SystemNonces:
    """Uniform scalars in [1, ℓ) from the operating system's CSPRNG (production default)."""

    def draw(self) -> Scalar:
        return Scalar.random()


class DeterministicNonces:
    """Protocol §9: ``nonce_k = H("test-nonce", seed, int k)`` for k = 0, 1, 2, … (tests only).

    Stateful by design (it counts draws); create one per vector, never share it.
    """

    def __init__(self, seed: bytes) -> None:
        self.seed = bytes(seed)
        self.count = 0

    def draw(self) -> Scalar:
        nonce = hash_to_scalar("test-nonce", self.seed, self.count)
        self.count += 1
        return nonce


def nonce_source(rng: NonceSource | None) -> NonceSource:
    return SystemNonces() if rng is None else rng
