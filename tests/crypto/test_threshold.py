"""The k-of-n ceremony end to end: any k trustees decrypt, bad shares produce complaints, forged
decryption shares are rejected."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from voting.crypto.elgamal import encrypt
from voting.crypto.errors import CryptoError, InvalidProof, InvalidShare
from voting.crypto.group import DeterministicNonces, Point, Scalar
from voting.crypto.threshold import (
    Complaint,
    DecryptionShare,
    combine_decryption_shares,
    combine_secret_share,
    create_trustee,
    encrypt_share,
    joint_public_key,
    open_share,
    partial_decrypt,
    reveal_share,
    verification_keys,
    verify_announcement,
    verify_partial_decryption,
    verify_share_reveal,
)

CTX = b"ceremony" * 4


def run_ceremony(threshold: int, count: int, seed: bytes):
    rng = DeterministicNonces(seed)
    trustees = [create_trustee(CTX, i, threshold, rng) for i in range(1, count + 1)]
    secrets_ = {s.index: s for s, _ in trustees}
    announcements = [a for _, a in trustees]
    for announcement in announcements:
        verify_announcement(CTX, announcement, threshold)
    by_index = {a.trustee: a for a in announcements}
    received = {i: {} for i in secrets_}
    for sender in secrets_.values():
        for recipient in secrets_:
            if recipient != sender.index:
                share = encrypt_share(
                    CTX, sender, recipient, by_index[recipient].communication_key, rng
                )
                received[recipient][sender.index] = open_share(
                    CTX, secrets_[recipient], share, by_index[sender.index]
                )
    shares = {i: combine_secret_share(secrets_[i], received[i]) for i in secrets_}
    keys = verification_keys(announcements, secrets_)
    return secrets_, announcements, shares, keys, joint_public_key(announcements)


@pytest.mark.parametrize(("threshold", "count"), [(2, 3), (3, 5)])
def test_every_subset_of_k_trustees_decrypts(threshold, count):
    _, _, shares, keys, joint = run_ceremony(threshold, count, b"subset")
    for trustee, share in shares.items():
        assert Point.base(share) == keys[trustee]
    ciphertext, _ = encrypt(joint, 31)
    partials = {i: partial_decrypt(CTX, i, shares[i], ciphertext) for i in shares}
    for partial in partials.values():
        verify_partial_decryption(CTX, keys[partial.trustee], ciphertext, partial)
    for subset in itertools.combinations(sorted(partials), threshold):
        result = combine_decryption_shares(ciphertext, [partials[i] for i in subset], threshold)
        assert result == Point.base(Scalar(31))
    everyone = combine_decryption_shares(ciphertext, list(partials.values()), threshold)
    assert everyone == Point.base(Scalar(31))


def test_fewer_than_k_shares_are_refused():
    _, _, shares, _, joint = run_ceremony(3, 5, b"few")
    ciphertext, _ = encrypt(joint, 1)
    partials = [partial_decrypt(CTX, i, shares[i], ciphertext) for i in (1, 4)]
    with pytest.raises(CryptoError, match="at least 3"):
        combine_decryption_shares(ciphertext, partials, 3)
    with pytest.raises(CryptoError):
        combine_decryption_shares(ciphertext, [partials[0], partials[0], partials[1]], 3)


def test_forged_decryption_share_is_rejected():
    _, _, shares, keys, joint = run_ceremony(2, 3, b"forge")
    ciphertext, _ = encrypt(joint, 5)
    honest = partial_decrypt(CTX, 2, shares[2], ciphertext)
    forged = dataclasses.replace(honest, share=honest.share + Point.generator())
    with pytest.raises(InvalidProof, match="trustee 2"):
        verify_partial_decryption(CTX, keys[2], ciphertext, forged)
    # A share made with trustee 1's secret does not pass as trustee 2's.
    other = partial_decrypt(CTX, 2, shares[1], ciphertext)
    with pytest.raises(InvalidProof):
        verify_partial_decryption(CTX, keys[2], ciphertext, other)
    replayed = DecryptionShare(2, honest.share, honest.proof)
    with pytest.raises(InvalidProof):
        verify_partial_decryption(CTX + b"x", keys[2], ciphertext, replayed)


def test_bad_share_is_detected_and_answered_with_a_public_reveal():
    rng = DeterministicNonces(b"complaint")
    (alice, alice_ann), (bob, bob_ann) = (create_trustee(CTX, i, 2, rng) for i in (1, 2))
    # Alice cheats: she encrypts a value off her polynomial.
    cheating = dataclasses.replace(alice, coefficients=(alice.coefficients[0], Scalar(12345)))
    share = encrypt_share(CTX, cheating, 2, bob_ann.communication_key, rng)
    with pytest.raises(InvalidShare) as caught:
        open_share(CTX, bob, share, alice_ann)
    assert caught.value.complaint == Complaint(sender=1, recipient=2)
    # Honest answer: the value on the committed polynomial passes the public check.
    verify_share_reveal(alice_ann, reveal_share(alice, caught.value.complaint))
    # The cheating value fails it, which disqualifies Alice.
    with pytest.raises(InvalidShare):
        verify_share_reveal(alice_ann, reveal_share(cheating, caught.value.complaint))


def test_tampered_share_ciphertext_fails_its_tag():
    rng = DeterministicNonces(b"tag")
    (alice, alice_ann), (bob, bob_ann) = (create_trustee(CTX, i, 2, rng) for i in (1, 2))
    share = encrypt_share(CTX, alice, 2, bob_ann.communication_key, rng)
    flipped = dataclasses.replace(share, ct=bytes([share.ct[0] ^ 1]) + share.ct[1:])
    with pytest.raises(InvalidShare, match="tag") as caught:
        open_share(CTX, bob, flipped, alice_ann)
    assert caught.value.complaint == Complaint(1, 2)
    assert open_share(CTX, bob, share, alice_ann) == alice.evaluate(2)


def test_announcement_with_a_bad_proof_is_rejected():
    _, announcement = create_trustee(CTX, 1, 2, DeterministicNonces(b"ann"))
    with pytest.raises(InvalidProof, match="commitment 1"):
        verify_announcement(
            CTX,
            dataclasses.replace(
                announcement,
                commitment_proofs=(announcement.commitment_proofs[0],) * 2,
            ),
            2,
        )
    with pytest.raises(InvalidProof):
        verify_announcement(CTX, announcement, 3)
    with pytest.raises(InvalidProof):
        verify_announcement(CTX + b"!", announcement, 2)


def test_missing_trustee_does_not_prevent_decryption():
    _, _, shares, keys, joint = run_ceremony(3, 5, b"absent")
    ciphertext, _ = encrypt(joint, 0)
    present = [partial_decrypt(CTX, i, shares[i], ciphertext) for i in (2, 3, 5)]
    assert combine_decryption_shares(ciphertext, present, 3).is_identity()
