"""The browser core's vectors (``vectors/from-js.json``, written by
``frontend/tests/make_js_vectors.mjs``) pass the Python core: every object parses strictly,
Python reproduces every byte from the same §9 nonces, and every proof and signature verifies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from voting.crypto import (
    Ciphertext,
    CredentialSignature,
    DecryptionProof,
    DecryptionShare,
    DeterministicNonces,
    EncryptedQuestion,
    EncryptedShare,
    KeyPair,
    Point,
    RangeProof,
    Scalar,
    SchnorrProof,
    TrusteeAnnouncement,
    TrusteeSecrets,
    add_ciphertexts,
    blind_rsa,
    combine_decryption_shares,
    combine_secret_share,
    create_trustee,
    decrypt_to_point,
    encrypt,
    encrypt_question,
    encrypt_share,
    from_json,
    generate_keypair,
    hash_to_scalar,
    joint_public_key,
    lagrange_coefficients,
    open_share,
    partial_decrypt,
    prove_decryption_share,
    prove_knowledge,
    prove_range,
    sign_credential,
    to_json,
    verification_keys,
    verify_announcement,
    verify_credential_signature,
    verify_decryption_share,
    verify_knowledge,
    verify_partial_decryption,
    verify_question,
    verify_range,
)

VECTORS = Path(__file__).parent / "vectors"


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    return json.loads((VECTORS / "from-js.json").read_text(encoding="utf-8"))


def rng_of(item: dict[str, Any]) -> DeterministicNonces:
    return DeterministicNonces(bytes.fromhex(item["seed"]))


def test_the_file_is_the_browser_cores(vectors):
    assert vectors["protocol"] == "mashwara/v1"
    assert "make_js_vectors.mjs" in vectors["note"]


def test_hash_examples_match(vectors):
    for example in vectors["hash_to_scalar"]:
        parts: list[Any] = []
        for part in example["parts"]:
            kind = part["type"]
            if kind == "bytes":
                parts.append(bytes.fromhex(part["hex"]))
            elif kind in ("int", "string"):
                parts.append(part["value"])
            elif kind == "point":
                parts.append(Point.from_hex(part["hex"]))
            else:
                parts.append(Scalar.from_hex(part["hex"]))
        assert hash_to_scalar(example["label"], *parts).hex() == example["output"]


def test_elgamal_vectors_are_reproduced_and_decrypt(vectors):
    for item in vectors["elgamal"]:
        rng = rng_of(item)
        pair = generate_keypair(rng)
        assert to_json(pair) == item["keypair"]
        ciphertext, nonce = encrypt(pair.public, item["message"], rng)
        assert nonce.hex() == item["nonce"]
        assert to_json(ciphertext) == item["ciphertext"]
        theirs = from_json(KeyPair, item["keypair"])
        plain = decrypt_to_point(theirs.secret, from_json(Ciphertext, item["ciphertext"]))
        assert plain == Point.base(Scalar(item["message"]))


def test_homomorphic_sum_is_reproduced(vectors):
    item = vectors["homomorphic_sum"]
    rng = rng_of(item)
    pair = generate_keypair(rng)
    assert to_json(pair) == item["keypair"]
    cts = [encrypt(pair.public, m, rng)[0] for m in item["messages"]]
    assert [to_json(c) for c in cts] == item["ciphertexts"]
    theirs = [from_json(Ciphertext, c) for c in item["ciphertexts"]]
    assert to_json(add_ciphertexts(theirs)) == item["sum"]
    total = decrypt_to_point(pair.secret, from_json(Ciphertext, item["sum"]))
    assert total == Point.base(Scalar(sum(item["messages"])))


def test_schnorr_proof_is_reproduced_and_verifies(vectors):
    item = vectors["schnorr_pok"]
    rng = rng_of(item)
    secret = rng.draw()
    assert secret.hex() == item["secret"]
    ctx = bytes.fromhex(item["ctx"])
    assert to_json(prove_knowledge(ctx, secret, rng)) == item["proof"]
    verify_knowledge(ctx, Point.from_hex(item["public"]), from_json(SchnorrProof, item["proof"]))


def test_credential_signature_is_reproduced_and_verifies(vectors):
    item = vectors["credential_signature"]
    rng = rng_of(item)
    secret = rng.draw()
    assert Point.base(secret).hex() == item["public"]
    ctx = bytes.fromhex(item["ctx"])
    message = bytes.fromhex(item["message"])
    assert to_json(sign_credential(ctx, secret, message, rng)) == item["signature"]
    verify_credential_signature(
        ctx,
        Point.from_hex(item["public"]),
        message,
        from_json(CredentialSignature, item["signature"]),
    )


def test_range_proofs_are_reproduced_and_verify(vectors):
    assert len(vectors["range_proofs"]) >= 5
    for item in vectors["range_proofs"]:
        rng = rng_of(item)
        pair = generate_keypair(rng)
        ciphertext, nonce = encrypt(pair.public, item["value"], rng)
        assert to_json(ciphertext) == item["ciphertext"]
        ctx = bytes.fromhex(item["ctx"])
        low, high = item["low"], item["high"]
        proof = prove_range(ctx, pair.public, ciphertext, item["value"], nonce, low, high, rng)
        assert to_json(proof) == item["proof"]
        verify_range(
            ctx,
            Point.from_hex(item["public_key"]),
            from_json(Ciphertext, item["ciphertext"]),
            low,
            high,
            from_json(RangeProof, item["proof"]),
        )


def test_decryption_share_is_reproduced_and_verifies(vectors):
    item = vectors["decryption_share"]
    rng = rng_of(item)
    pair = generate_keypair(rng)
    ciphertext, _ = encrypt(pair.public, 11, rng)
    ctx = bytes.fromhex(item["ctx"])
    share, proof = prove_decryption_share(ctx, pair.secret, ciphertext, rng)
    assert share.hex() == item["share"]
    assert to_json(proof) == item["proof"]
    theirs = from_json(Ciphertext, item["ciphertext"])
    verify_decryption_share(
        ctx,
        Point.from_hex(item["public_key"]),
        theirs,
        Point.from_hex(item["share"]),
        from_json(DecryptionProof, item["proof"]),
    )
    assert theirs.b - Point.from_hex(item["share"]) == Point.base(Scalar(11))


def test_questions_are_reproduced_and_verify(vectors):
    kinds = {q["min"] == 0 and q["max"] == q["options"] for q in vectors["questions"]}
    assert kinds == {True, False}  # with and without a sum proof
    for item in vectors["questions"]:
        rng = rng_of(item)
        pair = generate_keypair(rng)
        ctx = bytes.fromhex(item["ctx"])
        args = (item["choices"], item["min"], item["max"])
        assert to_json(encrypt_question(ctx, pair.public, *args, rng)) == item["question"]
        theirs = from_json(EncryptedQuestion, item["question"])
        verify_question(
            ctx,
            Point.from_hex(item["public_key"]),
            theirs,
            item["options"],
            item["min"],
            item["max"],
        )


def test_ceremony_is_reproduced_and_verifies_end_to_end(vectors):
    item = vectors["ceremony"]
    ctx = bytes.fromhex(item["ctx"])
    threshold, count = item["threshold"], item["trustees"]
    # Reproduce every byte from the seed.
    rng = rng_of(item)
    created = [create_trustee(ctx, i, threshold, rng) for i in range(1, count + 1)]
    assert [to_json(s) for s, _ in created] == item["secrets"]
    assert [to_json(a) for _, a in created] == item["announcements"]
    by_index = {a.trustee: a for _, a in created}
    secrets_ = {s.index: s for s, _ in created}
    encrypted = [
        encrypt_share(ctx, sender, recipient, by_index[recipient].communication_key, rng)
        for sender in secrets_.values()
        for recipient in secrets_
        if recipient != sender.index
    ]
    assert [to_json(e) for e in encrypted] == item["encrypted_shares"]
    # Check everything as the browser published it.
    announcements = [from_json(TrusteeAnnouncement, a) for a in item["announcements"]]
    for announcement in announcements:
        verify_announcement(ctx, announcement, threshold)
    their_secrets = {s["trustee"]: from_json(TrusteeSecrets, s) for s in item["secrets"]}
    received: dict[int, dict[int, Scalar]] = {i: {} for i in their_secrets}
    for data in item["encrypted_shares"]:
        share = from_json(EncryptedShare, data)
        announcement = next(a for a in announcements if a.trustee == share.sender)
        received[share.recipient][share.sender] = open_share(
            ctx, their_secrets[share.recipient], share, announcement
        )
    shares = {i: combine_secret_share(their_secrets[i], received[i]) for i in their_secrets}
    assert {str(i): s.hex() for i, s in shares.items()} == item["secret_shares"]
    joint = joint_public_key(announcements)
    assert joint.hex() == item["joint_public_key"]
    keys = verification_keys(announcements, range(1, count + 1))
    assert {str(i): k.hex() for i, k in keys.items()} == item["verification_keys"]
    ciphertext, _ = encrypt(joint, item["message"], rng)
    assert to_json(ciphertext) == item["ciphertext"]
    decryption_ctx = bytes.fromhex(item["decryption_ctx"])
    partials = [from_json(DecryptionShare, d) for d in item["decryption_shares"]]
    for partial in partials:
        verify_partial_decryption(decryption_ctx, keys[partial.trustee], ciphertext, partial)
        again = partial_decrypt(
            decryption_ctx, partial.trustee, shares[partial.trustee], ciphertext, rng
        )
        assert to_json(again) == to_json(partial)
    for combination in item["combinations"]:
        lambdas = lagrange_coefficients(combination["trustees"])
        assert {str(i): c.hex() for i, c in lambdas.items()} == combination["lagrange"]
        chosen = [p for p in partials if p.trustee in combination["trustees"]]
        result = combine_decryption_shares(ciphertext, chosen, threshold)
        assert result.hex() == combination["result"] == item["plaintext_point"]
    assert item["plaintext_point"] == Point.base(Scalar(item["message"])).hex()


def test_blind_rsa_vector_is_reproduced_and_verifies_as_standard_pss(vectors):
    item = vectors["blind_rsa"]
    key = blind_rsa.BlindRsaPrivateKey.from_pem((VECTORS / "blind-rsa-test-key.pem").read_text())
    public = from_json(blind_rsa.BlindRsaPublicKey, item["public_key"])
    assert public == key.public
    prepared = blind_rsa.prepare(bytes.fromhex(item["message"]), bytes.fromhex(item["prefix"]))
    assert prepared.hex() == item["prepared_message"]
    blinded, inv = blind_rsa.blind(
        public, prepared, salt=bytes.fromhex(item["salt"]), r=int(item["r"], 16)
    )
    assert blinded.hex() == item["blinded_message"]
    assert format(inv, "x") == item["inv"]
    assert blind_rsa.blind_sign(key, blinded).hex() == item["blind_signature"]
    signature = bytes.fromhex(item["signature"])
    assert (
        blind_rsa.finalize(public, prepared, bytes.fromhex(item["blind_signature"]), inv)
        == signature
    )
    public.to_cryptography().verify(
        signature,
        prepared,
        padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48),
        hashes.SHA384(),
    )


def test_ballot_v2_is_reproduced_and_verifies(vectors):
    """The browser's v2 ballot vector (if the browser core has written one): the same checks as
    Python's own (tests/crypto/test_cross_language_vectors.py)."""
    if "ballot" not in vectors:
        pytest.skip("from-js.json has no v2 ballot vector yet")
    from tests.crypto.test_cross_language_vectors import check_ballot_vector

    check_ballot_vector(vectors["ballot"])
