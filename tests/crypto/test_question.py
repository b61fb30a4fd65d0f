"""Encrypted questions: valid votes verify, invalid votes cannot be encrypted, and any change to a
ballot is detected."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.crypto.conftest import CRYPTO_SETTINGS
from voting.crypto.elgamal import Ciphertext, add_ciphertexts, decrypt_to_point
from voting.crypto.errors import CryptoError, InvalidProof, ValueOutsideRange
from voting.crypto.group import DeterministicNonces, Point, Scalar
from voting.crypto.question import EncryptedQuestion, encrypt_question, verify_question
from voting.crypto.serialization import dumps, loads

CTX = b"\x01" * 32


@CRYPTO_SETTINGS
@given(st.lists(st.sampled_from([0, 1]), min_size=1, max_size=6))
def test_any_valid_approval_vote_verifies_and_decrypts(keypair, choices):
    question = encrypt_question(CTX, keypair.public, choices, 0, len(choices))
    verify_question(CTX, keypair.public, question, len(choices), 0, len(choices))
    for choice, ciphertext in zip(choices, question.ciphertexts, strict=True):
        assert decrypt_to_point(keypair.secret, ciphertext) == Point.base(Scalar(choice))


@pytest.mark.parametrize(
    ("choices", "low", "high"), [([1, 1, 1], 1, 2), ([0, 0, 0], 1, 2), ([2, 0, 0], 0, 3)]
)
def test_votes_outside_the_bounds_cannot_be_encrypted(keypair, choices, low, high):
    with pytest.raises(ValueOutsideRange):
        encrypt_question(CTX, keypair.public, choices, low, high)


def test_question_does_not_verify_under_other_bounds_or_option_count(keypair):
    question = encrypt_question(CTX, keypair.public, [1, 0, 1], 1, 2)
    verify_question(CTX, keypair.public, question, 3, 1, 2)
    with pytest.raises(InvalidProof):
        verify_question(CTX, keypair.public, question, 3, 0, 1)
    with pytest.raises(InvalidProof):
        verify_question(CTX, keypair.public, question, 4, 1, 2)


def test_swapping_option_ciphertexts_is_detected(keypair):
    question = encrypt_question(CTX, keypair.public, [1, 0, 0], 1, 1)
    swapped = EncryptedQuestion(
        (question.ciphertexts[1], question.ciphertexts[0], question.ciphertexts[2]),
        (question.proofs[1], question.proofs[0], question.proofs[2]),
        question.sum_proof,
    )
    with pytest.raises(InvalidProof, match="option 0"):
        verify_question(CTX, keypair.public, swapped, 3, 1, 1)


def test_replacing_one_option_with_an_encryption_of_two_is_detected(keypair):
    question = encrypt_question(CTX, keypair.public, [1, 0], 0, 2)
    first = question.ciphertexts[0]
    doubled = Ciphertext(first.a, first.b + Point.generator())
    bad = EncryptedQuestion((doubled, question.ciphertexts[1]), question.proofs, question.sum_proof)
    with pytest.raises(InvalidProof):
        verify_question(CTX, keypair.public, bad, 2, 0, 2)


@CRYPTO_SETTINGS
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=255))
def test_flipping_any_byte_of_the_question_json_is_rejected(keypair, position, change):
    question = encrypt_question(CTX, keypair.public, [0, 1], 1, 1, DeterministicNonces(b"q"))
    data = bytearray(dumps(question))
    position %= len(data)
    data[position] ^= change
    with pytest.raises(CryptoError):
        verify_question(CTX, keypair.public, loads(EncryptedQuestion, bytes(data)), 2, 1, 1)


def test_sum_of_questions_decrypts_to_tally(keypair):
    votes = [[1, 0, 1], [0, 0, 1], [1, 1, 0]]
    questions = [encrypt_question(CTX, keypair.public, v, 0, 3) for v in votes]
    for option in range(3):
        total = add_ciphertexts(q.ciphertexts[option] for q in questions)
        expected = sum(v[option] for v in votes)
        assert decrypt_to_point(keypair.secret, total) == Point.base(Scalar(expected))


def test_implied_bounds_take_no_sum_proof_and_a_smuggled_one_is_refused(keypair):
    full = encrypt_question(CTX, keypair.public, [1, 0, 1], 0, 3)
    assert full.sum_proof is None
    verify_question(CTX, keypair.public, full, 3, 0, 3)
    bounded = encrypt_question(CTX, keypair.public, [1, 0, 1], 0, 2)
    assert bounded.sum_proof is not None
    with pytest.raises(InvalidProof, match="no proof on the number"):
        verify_question(
            CTX,
            keypair.public,
            EncryptedQuestion(full.ciphertexts, full.proofs, bounded.sum_proof),
            3,
            0,
            3,
        )
    with pytest.raises(InvalidProof, match="missing"):
        verify_question(CTX, keypair.public, full, 3, 0, 2)
