"""Sigma proofs in challenge/response form (protocol §4), made non-interactive with strong
Fiat–Shamir.

Schnorr proof of knowledge (§4.1), credential Schnorr signature (§4.2), disjunctive
Chaum–Pedersen range proof (§4.3) and Chaum–Pedersen equality proof for decryption shares (§4.4).
Provers check their witness first and raise ``InvalidWitness``/``ValueOutsideRange`` rather than
emit a proof of something false; verifiers raise ``InvalidProof``/``InvalidSignature``. The
verifiers work on raw encodings of already-validated points, use libsodium's fixed-base
multiplication wherever the base is ``G``, and compute each commitment with the minimum number of
group operations, because a public verifier checks every ballot this way.
"""

from __future__ import annotations

from dataclasses import dataclass

from voting.crypto.elgamal import Ciphertext
from voting.crypto.errors import InvalidProof, InvalidSignature, InvalidWitness, ValueOutsideRange
from voting.crypto.group import (
    GENERATOR_BYTES,
    IDENTITY_BYTES,
    ORDER,
    NonceSource,
    Point,
    Scalar,
    base_mul,
    challenge,
    int8,
    nonce_source,
    point_add,
    point_sub,
    var_mul,
)

MAX_RANGE_WIDTH = 64
"""A range proof covers at most 64 values (``b − a < 64``)."""


@dataclass(frozen=True, slots=True)
class SchnorrProof:
    """Proof of knowledge of a discrete log (§4.1); JSON ``{"c", "s"}``."""

    c: Scalar
    s: Scalar


@dataclass(frozen=True, slots=True)
class CredentialSignature:
    """Schnorr signature by a credential key (§4.2); JSON ``{"c", "s"}``."""

    c: Scalar
    s: Scalar


@dataclass(frozen=True, slots=True)
class DecryptionProof:
    """Chaum–Pedersen proof that ``D = x_i·A`` with ``X_i = x_i·G`` (§4.4); JSON ``{"c", "s"}``."""

    c: Scalar
    s: Scalar


@dataclass(frozen=True, slots=True)
class RangeProof:
    """Disjunctive Chaum–Pedersen proof (§4.3); JSON ``{"c": [...], "s": [...]}`` for j = a … b."""

    challenges: tuple[Scalar, ...]
    responses: tuple[Scalar, ...]


def _commit(s: int, c: int, base: bytes, public: bytes) -> bytes:
    """``s·base − c·public`` (``base`` any valid encoding)."""
    return point_sub(var_mul(s, base), var_mul(c, public))


def _commit_g(s: int, c: int, public: bytes) -> bytes:
    """``s·G − c·public`` with the fixed-base multiplication."""
    return point_sub(base_mul(s), var_mul(c, public))


# -- §4.1 Schnorr proof of knowledge and §4.2 credential signature --------------------------------


def _schnorr_prove(
    label: str, ctx: bytes, secret: Scalar, extra: list[bytes], rng: NonceSource | None
) -> tuple[Scalar, Scalar]:
    if secret.is_zero():
        raise InvalidWitness("the secret must not be zero")
    public = base_mul(secret.value)
    w = nonce_source(rng).draw().value
    c = challenge(label, [ctx, public, base_mul(w), *extra])
    return Scalar(c), Scalar((w + c * secret.value) % ORDER)


def _schnorr_check(
    label: str, ctx: bytes, public: Point, c: Scalar, s: Scalar, extra: list[bytes]
) -> bool:
    if public.encoding == IDENTITY_BYTES:
        return False
    t = _commit_g(s.value, c.value, public.encoding)
    return challenge(label, [ctx, public.encoding, t, *extra]) == c.value


def prove_knowledge(ctx: bytes, secret: Scalar, rng: NonceSource | None = None) -> SchnorrProof:
    """Prove knowledge of ``x`` for ``X = xG`` (one nonce drawn)."""
    return SchnorrProof(*_schnorr_prove("schnorr-pok", ctx, secret, [], rng))


def verify_knowledge(ctx: bytes, public: Point, proof: SchnorrProof) -> None:
    if not _schnorr_check("schnorr-pok", ctx, public, proof.c, proof.s, []):
        raise InvalidProof("proof of knowledge of the secret key does not verify")


def sign_credential(
    ctx: bytes, secret: Scalar, message: bytes, rng: NonceSource | None = None
) -> CredentialSignature:
    """Schnorr-sign ``message`` with credential key ``k`` (``P = kG``); one nonce drawn."""
    return CredentialSignature(
        *_schnorr_prove("credential-signature", ctx, secret, [bytes(message)], rng)
    )


def verify_credential_signature(
    ctx: bytes, public: Point, message: bytes, signature: CredentialSignature
) -> None:
    if not _schnorr_check(
        "credential-signature", ctx, public, signature.c, signature.s, [bytes(message)]
    ):
        raise InvalidSignature("credential signature does not verify")


# -- §4.3 range proof ---------------------------------------------------------------------------


def _check_bounds(low: int, high: int) -> None:
    for bound in (low, high):
        if not isinstance(bound, int) or isinstance(bound, bool) or not 0 <= bound < 1 << 64:
            raise InvalidProof("range bounds must be integers in [0, 2^64)")
    if high < low:
        raise InvalidProof(f"empty range {low}..{high}")
    if high - low >= MAX_RANGE_WIDTH:
        raise InvalidProof(f"range {low}..{high} is wider than {MAX_RANGE_WIDTH} values")


def prove_range(
    ctx: bytes,
    public_key: Point,
    ciphertext: Ciphertext,
    value: int,
    nonce: Scalar,
    low: int,
    high: int,
    rng: NonceSource | None = None,
) -> RangeProof:
    """Prove that ``ciphertext = Enc(value; nonce)`` with ``low ≤ value ≤ high``.

    Draws ``w``, then ``c_j`` and ``s_j`` for each ``j ≠ value`` in ascending order.
    """
    try:
        _check_bounds(low, high)
    except InvalidProof as exc:
        raise InvalidWitness(str(exc)) from None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueOutsideRange(f"value is outside the range {low}..{high}; no proof is made")
    x = public_key.encoding
    a = ciphertext.a.encoding
    b = ciphertext.b.encoding
    r = nonce.value
    if r == 0 or a != base_mul(r) or b != point_add(base_mul(value), var_mul(r, x)):
        raise InvalidWitness("the nonce and value do not match the ciphertext")
    rng = nonce_source(rng)
    w = rng.draw().value
    fake: dict[int, tuple[int, int]] = {}
    for j in range(low, high + 1):
        if j != value:
            c_j = rng.draw().value
            fake[j] = (c_j, rng.draw().value)
    parts = [ctx, x, a, b, int8(low), int8(high)]
    for j in range(low, high + 1):
        if j == value:
            parts += (base_mul(w), var_mul(w, x))
        else:
            c_j, s_j = fake[j]
            b_j = point_sub(b, base_mul(j))
            parts += (_commit_g(s_j, c_j, a), _commit(s_j, c_j, x, b_j))
    c = challenge("range", parts)
    c_m = (c - sum(c_j for c_j, _ in fake.values())) % ORDER
    s_m = (w + c_m * r) % ORDER
    cs = [Scalar(c_m) if j == value else Scalar(fake[j][0]) for j in range(low, high + 1)]
    ss = [Scalar(s_m) if j == value else Scalar(fake[j][1]) for j in range(low, high + 1)]
    return RangeProof(tuple(cs), tuple(ss))


def verify_range(
    ctx: bytes, public_key: Point, ciphertext: Ciphertext, low: int, high: int, proof: RangeProof
) -> None:
    """Accept iff ``Σ c_j = H("range", ctx, X, A, B, a, b, T_a, U_a, …)``; else ``InvalidProof``.

    Cost: ``(b−a+1)`` fixed-base and ``3(b−a+1)`` variable-base multiplications.
    """
    _check_bounds(low, high)
    width = high - low + 1
    if len(proof.challenges) != width or len(proof.responses) != width:
        raise InvalidProof(f"range proof for {low}..{high} must have {width} challenges/responses")
    x = public_key.encoding
    a = ciphertext.a.encoding
    b = ciphertext.b.encoding
    if x == IDENTITY_BYTES:
        raise InvalidProof("the public key must not be the identity")
    if a == IDENTITY_BYTES:
        raise InvalidProof("ciphertext component A must not be the identity")
    parts = [ctx, x, a, b, int8(low), int8(high)]
    b_j = b if low == 0 else point_sub(b, base_mul(low))
    total = 0
    last = width - 1
    for idx, (c_s, s_s) in enumerate(zip(proof.challenges, proof.responses, strict=True)):
        c = c_s.value
        s = s_s.value
        total += c
        parts.append(point_sub(base_mul(s), var_mul(c, a)))
        parts.append(point_sub(var_mul(s, x), var_mul(c, b_j)))
        if idx != last:
            b_j = point_sub(b_j, GENERATOR_BYTES)
    if total % ORDER != challenge("range", parts):
        raise InvalidProof(f"range proof for {low}..{high} does not verify")


# -- §4.4 decryption share ----------------------------------------------------------------------


def prove_decryption_share(
    ctx: bytes, secret: Scalar, ciphertext: Ciphertext, rng: NonceSource | None = None
) -> tuple[Point, DecryptionProof]:
    """``D = x_i·A`` with a proof against ``X_i = x_i·G`` (one nonce drawn)."""
    if secret.is_zero():
        raise InvalidWitness("the secret share must not be zero")
    a = ciphertext.a.encoding
    if a == IDENTITY_BYTES:
        raise InvalidWitness("cannot make a decryption share of a ciphertext with A = O")
    x_i = base_mul(secret.value)
    d = var_mul(secret.value, a)
    w = nonce_source(rng).draw().value
    parts = [ctx, x_i, a, ciphertext.b.encoding, d, base_mul(w), var_mul(w, a)]
    c = challenge("decryption-share", parts)
    proof = DecryptionProof(Scalar(c), Scalar((w + c * secret.value) % ORDER))
    return Point._trusted(d), proof


def verify_decryption_share(
    ctx: bytes,
    verification_key: Point,
    ciphertext: Ciphertext,
    share: Point,
    proof: DecryptionProof,
) -> None:
    x_i = verification_key.encoding
    a = ciphertext.a.encoding
    d = share.encoding
    if IDENTITY_BYTES in (x_i, a, d):
        raise InvalidProof("verification key, A and decryption share must not be the identity")
    c = proof.c.value
    s = proof.s.value
    t1 = _commit_g(s, c, x_i)
    t2 = _commit(s, c, a, d)
    if challenge("decryption-share", [ctx, x_i, a, ciphertext.b.encoding, d, t1, t2]) != c:
        raise InvalidProof("decryption share proof does not verify")
