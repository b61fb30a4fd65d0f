"""An encrypted question: one 0/1-proven ciphertext per option plus a range proof on the sum
(protocol §5).

The voter's choice vector ``v ∈ {0,1}^n`` must satisfy ``min ≤ Σv ≤ max``. Option ``i`` is proven
under context ``ctx || int i`` and the homomorphic sum under ``ctx || "sum"``. Nonces are drawn in
the order ``r_0``, option 0's proof, ``r_1``, option 1's proof, …, the sum proof. When the bounds
are ``0..n`` the per-option proofs already imply them, so there is no sum proof (``None``): it
would cost a third of the verification and prove nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voting.crypto.elgamal import Ciphertext, add_ciphertexts, encrypt_with_nonce
from voting.crypto.errors import InvalidProof, InvalidWitness, ValueOutsideRange
from voting.crypto.group import ORDER, NonceSource, Point, Scalar, int8, nonce_source
from voting.crypto.proofs import RangeProof, prove_range, verify_range

SUM_CONTEXT = b"sum"


@dataclass(frozen=True, slots=True)
class EncryptedQuestion:
    """JSON ``{"ciphertexts": [ct…], "proofs": [range…], "sum_proof": range | null}``."""

    ciphertexts: tuple[Ciphertext, ...]
    proofs: tuple[RangeProof, ...]
    sum_proof: RangeProof | None


def sum_proof_needed(options: int, min_selections: int, max_selections: int) -> bool:
    """False when ``0..n`` is implied by the options' 0/1 proofs."""
    return not (min_selections == 0 and max_selections == options)


def _check_shape(options: int, min_selections: int, max_selections: int) -> None:
    if not 1 <= options or not 0 <= min_selections <= max_selections <= options:
        raise InvalidProof(
            f"bounds must satisfy 0 ≤ min ≤ max ≤ options, got {min_selections}..{max_selections}"
            f" of {options}"
        )


def encrypt_question(
    ctx: bytes,
    public_key: Point,
    choices: Sequence[int],
    min_selections: int,
    max_selections: int,
    rng: NonceSource | None = None,
) -> EncryptedQuestion:
    """Encrypt and prove a 0/1 choice vector; raises ``ValueOutsideRange`` for an invalid vote."""
    return encrypt_question_with_nonces(
        ctx, public_key, choices, min_selections, max_selections, rng
    )[0]


def encrypt_question_with_nonces(
    ctx: bytes,
    public_key: Point,
    choices: Sequence[int],
    min_selections: int,
    max_selections: int,
    rng: NonceSource | None = None,
) -> tuple[EncryptedQuestion, tuple[Scalar, ...]]:
    """``encrypt_question`` that also returns each option's encryption nonce ``r_i`` (what an
    audit reveals, and what a ranked answer's derived proofs need)."""
    try:
        _check_shape(len(choices), min_selections, max_selections)
    except InvalidProof as exc:
        raise InvalidWitness(str(exc)) from None
    if any(v not in (0, 1) or isinstance(v, bool) for v in choices):
        raise ValueOutsideRange("every choice must be 0 or 1")
    total = sum(choices)
    if not min_selections <= total <= max_selections:
        raise ValueOutsideRange(
            f"{total} selections is outside the allowed {min_selections}..{max_selections}"
        )
    rng = nonce_source(rng)
    ciphertexts: list[Ciphertext] = []
    proofs: list[RangeProof] = []
    nonces: list[Scalar] = []
    for index, choice in enumerate(choices):
        nonce = rng.draw()
        ciphertext = encrypt_with_nonce(public_key, choice, nonce)
        proofs.append(
            prove_range(ctx + int8(index), public_key, ciphertext, choice, nonce, 0, 1, rng)
        )
        ciphertexts.append(ciphertext)
        nonces.append(nonce)
    if not sum_proof_needed(len(choices), min_selections, max_selections):
        return EncryptedQuestion(tuple(ciphertexts), tuple(proofs), None), tuple(nonces)
    sum_nonce = Scalar(sum(r.value for r in nonces) % ORDER)
    sum_proof = prove_range(
        ctx + SUM_CONTEXT,
        public_key,
        add_ciphertexts(ciphertexts),
        total,
        sum_nonce,
        min_selections,
        max_selections,
        rng,
    )
    return EncryptedQuestion(tuple(ciphertexts), tuple(proofs), sum_proof), tuple(nonces)


def verify_question(
    ctx: bytes,
    public_key: Point,
    question: EncryptedQuestion,
    options: int,
    min_selections: int,
    max_selections: int,
) -> None:
    """Raise ``InvalidProof`` unless every option and the sum verify."""
    _check_shape(options, min_selections, max_selections)
    if len(question.ciphertexts) != options or len(question.proofs) != options:
        raise InvalidProof(f"the question has {options} options")
    for index, (ciphertext, proof) in enumerate(
        zip(question.ciphertexts, question.proofs, strict=True)
    ):
        try:
            verify_range(ctx + int8(index), public_key, ciphertext, 0, 1, proof)
        except InvalidProof:
            raise InvalidProof(f"the 0/1 proof of option {index} does not verify") from None
    if not sum_proof_needed(options, min_selections, max_selections):
        if question.sum_proof is not None:
            raise InvalidProof("bounds 0..n take no proof on the number of selections")
        return
    if question.sum_proof is None:
        raise InvalidProof("the proof on the number of selections is missing")
    try:
        verify_range(
            ctx + SUM_CONTEXT,
            public_key,
            add_ciphertexts(question.ciphertexts),
            min_selections,
            max_selections,
            question.sum_proof,
        )
    except InvalidProof:
        raise InvalidProof("the proof on the number of selections does not verify") from None
