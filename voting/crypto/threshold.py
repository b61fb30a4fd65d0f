"""The k-of-n trustee key ceremony and threshold decryption (protocol §6).

Each trustee ``i`` publishes Feldman commitments ``K_{i,j} = a_{i,j}·G`` to a random polynomial of
degree ``k−1`` and a communication key ``E_i``, all with Schnorr proofs; sends ``P_i(l)`` to every
other trustee ``l`` under hashed ElGamal with an HMAC; each recipient checks what it receives
against the commitments and, if anything is wrong, publishes a ``Complaint`` that the sender
answers with a ``ShareReveal`` anyone can check. The joint key is ``Σ K_{i,0}``; trustee ``l``
decrypts with ``s_l = Σ_i P_i(l)`` and proves each ``DecryptionShare`` against its public
verification key; any ``k`` valid shares combine by Lagrange interpolation at 0.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from voting.crypto.elgamal import Ciphertext
from voting.crypto.errors import CryptoError, InvalidProof, InvalidShare, InvalidWitness
from voting.crypto.group import (
    DOMAIN,
    IDENTITY_BYTES,
    ORDER,
    NonceSource,
    Point,
    Scalar,
    base_mul,
    int8,
    nonce_source,
    point_add,
    var_mul,
)
from voting.crypto.proofs import (
    DecryptionProof,
    SchnorrProof,
    prove_decryption_share,
    prove_knowledge,
    verify_decryption_share,
    verify_knowledge,
)

COMMUNICATION_CONTEXT = b"communication"


@dataclass(frozen=True, slots=True)
class TrusteeSecrets:
    """What trustee ``index`` keeps to itself: polynomial coefficients and communication key."""

    index: int
    coefficients: tuple[Scalar, ...]
    communication_key: Scalar

    def evaluate(self, at: int) -> Scalar:
        """``P_i(at) = Σ_j a_{i,j}·at^j mod ℓ`` (Horner)."""
        value = 0
        for coefficient in reversed(self.coefficients):
            value = (value * at + coefficient.value) % ORDER
        return Scalar(value)

    def __repr__(self) -> str:
        return f"TrusteeSecrets(index={self.index}, …)"


@dataclass(frozen=True, slots=True)
class TrusteeAnnouncement:
    """Trustee ``i``'s public ceremony message (step 1)."""

    trustee: int
    commitments: tuple[Point, ...]
    commitment_proofs: tuple[SchnorrProof, ...]
    communication_key: Point
    communication_proof: SchnorrProof


@dataclass(frozen=True, slots=True)
class EncryptedShare:
    """``P_sender(recipient)`` under hashed ElGamal (step 2)."""

    sender: int
    recipient: int
    r: Point
    ct: bytes
    tag: bytes


@dataclass(frozen=True, slots=True)
class Complaint:
    """Published by ``recipient`` when the share from ``sender`` fails its MAC or commitments."""

    sender: int
    recipient: int


@dataclass(frozen=True, slots=True)
class ShareReveal:
    """The sender's public answer to a complaint: the share ``P_sender(recipient)`` in clear."""

    sender: int
    recipient: int
    share: Scalar


@dataclass(frozen=True, slots=True)
class DecryptionShare:
    """``D_l = s_l·A`` with its Chaum–Pedersen proof against ``X_l``."""

    trustee: int
    share: Point
    proof: DecryptionProof


def _check_index(index: int, what: str = "trustee index") -> None:
    if not isinstance(index, int) or isinstance(index, bool) or not 1 <= index < 1 << 32:
        raise CryptoError(f"{what} must be an integer from 1")


def commitment_context(ctx: bytes, trustee: int, j: int) -> bytes:
    return ctx + int8(trustee) + int8(j)


def communication_context(ctx: bytes, trustee: int) -> bytes:
    return ctx + COMMUNICATION_CONTEXT + int8(trustee)


def create_trustee(
    ctx: bytes, index: int, threshold: int, rng: NonceSource | None = None
) -> tuple[TrusteeSecrets, TrusteeAnnouncement]:
    """Step 1. Draws ``a_{i,0} … a_{i,k−1}``, the nonces of their proofs in the same order,
    then ``e_i`` and the nonce of its proof."""
    _check_index(index)
    if not isinstance(threshold, int) or threshold < 1:
        raise CryptoError("the threshold must be at least 1")
    rng = nonce_source(rng)
    coefficients = tuple(rng.draw() for _ in range(threshold))
    if any(c.is_zero() for c in coefficients):
        raise InvalidWitness("a polynomial coefficient must not be zero")
    commitments = tuple(Point.base(c) for c in coefficients)
    proofs = tuple(
        prove_knowledge(commitment_context(ctx, index, j), c, rng)
        for j, c in enumerate(coefficients)
    )
    communication = rng.draw()
    communication_proof = prove_knowledge(communication_context(ctx, index), communication, rng)
    secrets_ = TrusteeSecrets(index, coefficients, communication)
    announcement = TrusteeAnnouncement(
        index, commitments, proofs, Point.base(communication), communication_proof
    )
    return secrets_, announcement


def verify_announcement(ctx: bytes, announcement: TrusteeAnnouncement, threshold: int) -> None:
    """Check the shape and every Schnorr proof of a trustee's announcement."""
    _check_index(announcement.trustee)
    count = len(announcement.commitments)
    if count != threshold or len(announcement.commitment_proofs) != threshold:
        raise InvalidProof(f"trustee {announcement.trustee} must publish {threshold} commitments")
    for j, (commitment, proof) in enumerate(
        zip(announcement.commitments, announcement.commitment_proofs, strict=True)
    ):
        try:
            verify_knowledge(commitment_context(ctx, announcement.trustee, j), commitment, proof)
        except InvalidProof:
            raise InvalidProof(
                f"trustee {announcement.trustee}: proof for commitment {j} does not verify"
            ) from None
    try:
        verify_knowledge(
            communication_context(ctx, announcement.trustee),
            announcement.communication_key,
            announcement.communication_proof,
        )
    except InvalidProof:
        raise InvalidProof(
            f"trustee {announcement.trustee}: communication key proof does not verify"
        ) from None


def _share_keys(ctx: bytes, sender: int, recipient: int, r: bytes, s: bytes) -> tuple[bytes, bytes]:
    digest = hashlib.sha512()
    for part in (DOMAIN + b"share-key", ctx, int8(sender), int8(recipient), r, s):
        digest.update(len(part).to_bytes(4, "big") + part)
    key = digest.digest()
    return key[:32], key[32:]


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def encrypt_share(
    ctx: bytes,
    sender: TrusteeSecrets,
    recipient: int,
    recipient_key: Point,
    rng: NonceSource | None = None,
) -> EncryptedShare:
    """Step 2: ``P_i(l)`` for trustee ``l`` under its communication key (one nonce ``ρ``)."""
    _check_index(recipient)
    if recipient == sender.index:
        raise CryptoError("a trustee does not send a share to itself")
    if recipient_key.encoding == IDENTITY_BYTES:
        raise CryptoError("the recipient's communication key must not be the identity")
    rho = nonce_source(rng).draw().value
    r = base_mul(rho)
    s = var_mul(rho, recipient_key.encoding)
    pad, mac_key = _share_keys(ctx, sender.index, recipient, r, s)
    ct = _xor(sender.evaluate(recipient).to_bytes(), pad)
    tag = hmac.new(mac_key, r + ct, hashlib.sha256).digest()
    return EncryptedShare(sender.index, recipient, Point._trusted(r), ct, tag)


def _commitment_value(commitments: Sequence[Point], at: int) -> bytes:
    """``Σ_j at^j·K_j`` by Horner's rule (``k−1`` variable-base multiplications)."""
    value = commitments[-1].encoding
    for commitment in reversed(commitments[:-1]):
        value = point_add(var_mul(at % ORDER, value), commitment.encoding)
    return value


def check_share(announcement: TrusteeAnnouncement, recipient: int, share: Scalar) -> bool:
    """``share·G == Σ_j recipient^j·K_{sender,j}``: the public check of step 3."""
    return base_mul(share.value) == _commitment_value(announcement.commitments, recipient)


def open_share(
    ctx: bytes,
    recipient: TrusteeSecrets,
    share: EncryptedShare,
    sender_announcement: TrusteeAnnouncement,
) -> Scalar:
    """Step 3: decrypt, check the tag and the commitments; raise ``InvalidShare`` (carrying the
    ``Complaint`` to publish) if either fails."""
    complaint = Complaint(share.sender, recipient.index)
    if share.recipient != recipient.index or share.sender != sender_announcement.trustee:
        raise InvalidShare("the share is not addressed from this sender to this trustee", complaint)
    s = var_mul(recipient.communication_key.value, share.r.encoding)
    pad, mac_key = _share_keys(ctx, share.sender, share.recipient, share.r.encoding, s)
    expected = hmac.new(mac_key, share.r.encoding + share.ct, hashlib.sha256).digest()
    if len(share.ct) != 32 or not hmac.compare_digest(expected, share.tag):
        raise InvalidShare(f"share from trustee {share.sender}: bad authentication tag", complaint)
    value = int.from_bytes(_xor(share.ct, pad), "little")
    if value >= ORDER or not check_share(sender_announcement, recipient.index, Scalar(value)):
        raise InvalidShare(
            f"share from trustee {share.sender} does not match its commitments", complaint
        )
    return Scalar(value)


def reveal_share(sender: TrusteeSecrets, complaint: Complaint) -> ShareReveal:
    """The sender's answer to a complaint against it."""
    if complaint.sender != sender.index:
        raise CryptoError("this complaint is against another trustee")
    return ShareReveal(sender.index, complaint.recipient, sender.evaluate(complaint.recipient))


def verify_share_reveal(announcement: TrusteeAnnouncement, reveal: ShareReveal) -> None:
    """Anyone's check of a revealed share; failure disqualifies the sender."""
    if reveal.sender != announcement.trustee or not check_share(
        announcement, reveal.recipient, reveal.share
    ):
        raise InvalidShare(
            f"trustee {reveal.sender}'s revealed share does not match its commitments",
            Complaint(reveal.sender, reveal.recipient),
        )


def joint_public_key(announcements: Iterable[TrusteeAnnouncement]) -> Point:
    """``X = Σ_i K_{i,0}`` over the qualified trustees."""
    total = IDENTITY_BYTES
    for announcement in announcements:
        total = point_add(total, announcement.commitments[0].encoding)
    return Point._trusted(total)


def verification_keys(
    announcements: Sequence[TrusteeAnnouncement], trustees: Iterable[int]
) -> dict[int, Point]:
    """``X_l = Σ_i Σ_j l^j·K_{i,j}`` for each trustee ``l`` (computable by anyone)."""
    if not announcements:
        raise CryptoError("verification keys need at least one trustee announcement")
    threshold = len(announcements[0].commitments)
    combined = []
    for j in range(threshold):
        total = IDENTITY_BYTES
        for announcement in announcements:
            total = point_add(total, announcement.commitments[j].encoding)
        combined.append(Point._trusted(total))
    return {t: Point._trusted(_commitment_value(combined, t)) for t in trustees}


def combine_secret_share(own: TrusteeSecrets, received: Mapping[int, Scalar]) -> Scalar:
    """``s_l = P_l(l) + Σ_{i≠l} P_i(l)`` from the shares this trustee received and checked."""
    total = own.evaluate(own.index).value
    for sender, share in received.items():
        if sender == own.index:
            raise CryptoError("a trustee's own share is computed, not received")
        total += share.value
    return Scalar(total % ORDER)


def partial_decrypt(
    ctx: bytes,
    trustee: int,
    secret_share: Scalar,
    ciphertext: Ciphertext,
    rng: NonceSource | None = None,
) -> DecryptionShare:
    """``D_l = s_l·A`` with its proof (one nonce drawn)."""
    share, proof = prove_decryption_share(ctx, secret_share, ciphertext, rng)
    return DecryptionShare(trustee, share, proof)


def verify_partial_decryption(
    ctx: bytes, verification_key: Point, ciphertext: Ciphertext, share: DecryptionShare
) -> None:
    try:
        verify_decryption_share(ctx, verification_key, ciphertext, share.share, share.proof)
    except InvalidProof:
        raise InvalidProof(f"decryption share of trustee {share.trustee} does not verify") from None


def lagrange_coefficients(trustees: Iterable[int]) -> dict[int, Scalar]:
    """``λ_l = Π_{m≠l} m·(m − l)^{−1} mod ℓ`` for interpolation at 0."""
    indices = list(trustees)
    if len(set(indices)) != len(indices):
        raise CryptoError("trustee indices must be distinct")
    coefficients = {}
    for trustee in indices:
        numerator = denominator = 1
        for m in indices:
            if m != trustee:
                numerator = numerator * m % ORDER
                denominator = denominator * (m - trustee) % ORDER
        coefficients[trustee] = Scalar(numerator * pow(denominator, -1, ORDER) % ORDER)
    return coefficients


def combine_decryption_shares(
    ciphertext: Ciphertext, shares: Sequence[DecryptionShare], threshold: int
) -> Point:
    """``mG = B − Σ λ_l·D_l`` from at least ``threshold`` already verified shares.

    Any subset of size ``≥ threshold`` gives the same result; absent trustees are simply not in
    ``shares``. The result may be the identity (a zero count)."""
    trustees = [share.trustee for share in shares]
    if len(set(trustees)) < threshold:
        raise CryptoError(f"need decryption shares from at least {threshold} distinct trustees")
    lambdas = lagrange_coefficients(trustees)
    total = IDENTITY_BYTES
    for share in shares:
        total = point_add(total, var_mul(lambdas[share.trustee].value, share.share.encoding))
    return ciphertext.b - Point._trusted(total)
