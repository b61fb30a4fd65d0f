"""The committed cross-language vectors are reproducible and every proof in them verifies."""

from __future__ import annotations

import json

import pytest

from tests.crypto import make_vectors
from voting.crypto import blind_rsa
from voting.crypto.elgamal import Ciphertext, KeyPair, add_ciphertexts, decrypt_to_point
from voting.crypto.group import DeterministicNonces, Point, Scalar, hash_to_scalar
from voting.crypto.proofs import (
    CredentialSignature,
    DecryptionProof,
    RangeProof,
    SchnorrProof,
    verify_credential_signature,
    verify_decryption_share,
    verify_knowledge,
    verify_range,
)
from voting.crypto.question import EncryptedQuestion, verify_question
from voting.crypto.serialization import from_json
from voting.crypto.threshold import (
    DecryptionShare,
    EncryptedShare,
    TrusteeAnnouncement,
    TrusteeSecrets,
    combine_decryption_shares,
    joint_public_key,
    open_share,
    verification_keys,
    verify_announcement,
    verify_partial_decryption,
)


@pytest.fixture(scope="module")
def vectors() -> dict:
    return json.loads(make_vectors.OUTPUT.read_text(encoding="utf-8"))


def test_regenerating_the_vectors_gives_identical_bytes():
    assert make_vectors.render(make_vectors.build_vectors()) == make_vectors.OUTPUT.read_text(
        encoding="utf-8"
    )


def test_hash_examples_match(vectors):
    for example in vectors["hash_to_scalar"]:
        parts = []
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


def test_nonce_stream_matches(vectors):
    stream = vectors["nonce_stream"]
    rng = DeterministicNonces(bytes.fromhex(stream["seed"]))
    assert [rng.draw().hex() for _ in stream["nonces"]] == stream["nonces"]


def test_encryptions_decrypt_to_their_message(vectors):
    for item in vectors["elgamal"]:
        pair = from_json(KeyPair, item["keypair"])
        ciphertext = from_json(Ciphertext, item["ciphertext"])
        expected = Point.base(Scalar(item["message"]))
        assert decrypt_to_point(pair.secret, ciphertext) == expected


def test_homomorphic_sum_matches(vectors):
    item = vectors["homomorphic_sum"]
    cts = [from_json(Ciphertext, c) for c in item["ciphertexts"]]
    assert add_ciphertexts(cts) == from_json(Ciphertext, item["sum"])


def test_schnorr_and_credential_vectors_verify(vectors):
    pok = vectors["schnorr_pok"]
    verify_knowledge(
        bytes.fromhex(pok["ctx"]),
        Point.from_hex(pok["public"]),
        from_json(SchnorrProof, pok["proof"]),
    )
    sig = vectors["credential_signature"]
    verify_credential_signature(
        bytes.fromhex(sig["ctx"]),
        Point.from_hex(sig["public"]),
        bytes.fromhex(sig["message"]),
        from_json(CredentialSignature, sig["signature"]),
    )


def test_range_proof_vectors_verify(vectors):
    for item in vectors["range_proofs"]:
        verify_range(
            bytes.fromhex(item["ctx"]),
            Point.from_hex(item["public_key"]),
            from_json(Ciphertext, item["ciphertext"]),
            item["low"],
            item["high"],
            from_json(RangeProof, item["proof"]),
        )


def test_decryption_share_vector_verifies(vectors):
    item = vectors["decryption_share"]
    verify_decryption_share(
        bytes.fromhex(item["ctx"]),
        Point.from_hex(item["public_key"]),
        from_json(Ciphertext, item["ciphertext"]),
        Point.from_hex(item["share"]),
        from_json(DecryptionProof, item["proof"]),
    )


@pytest.mark.parametrize("name", ["question", "question_implied_bounds"])
def test_question_vector_verifies(vectors, name):
    item = vectors[name]
    verify_question(
        bytes.fromhex(item["ctx"]),
        Point.from_hex(item["public_key"]),
        from_json(EncryptedQuestion, item["question"]),
        item["options"],
        item["min"],
        item["max"],
    )


def test_ceremony_vector_verifies_end_to_end(vectors):
    item = vectors["ceremony"]
    ctx = bytes.fromhex(item["ctx"])
    announcements = [from_json(TrusteeAnnouncement, a) for a in item["announcements"]]
    for announcement in announcements:
        verify_announcement(ctx, announcement, item["threshold"])
    by_index = {a.trustee: a for a in announcements}
    secrets_ = {s["trustee"]: from_json(TrusteeSecrets, s) for s in item["secrets"]}
    for data in item["encrypted_shares"]:
        share = from_json(EncryptedShare, data)
        open_share(ctx, secrets_[share.recipient], share, by_index[share.sender])
    assert joint_public_key(announcements).hex() == item["joint_public_key"]
    keys = verification_keys(announcements, range(1, item["trustees"] + 1))
    assert {str(i): k.hex() for i, k in keys.items()} == item["verification_keys"]
    ciphertext = from_json(Ciphertext, item["ciphertext"])
    partials = [from_json(DecryptionShare, d) for d in item["decryption_shares"]]
    for partial in partials:
        verify_partial_decryption(
            bytes.fromhex(item["decryption_ctx"]), keys[partial.trustee], ciphertext, partial
        )
    for combination in item["combinations"]:
        chosen = [p for p in partials if p.trustee in combination["trustees"]]
        result = combine_decryption_shares(ciphertext, chosen, item["threshold"])
        assert result.hex() == combination["result"] == item["plaintext_point"]


def test_blind_rsa_vector_verifies_with_standard_pss(vectors):
    item = vectors["blind_rsa"]
    public = from_json(blind_rsa.BlindRsaPublicKey, item["public_key"])
    blind_rsa.verify(
        public, bytes.fromhex(item["prepared_message"]), bytes.fromhex(item["signature"])
    )


def test_ballot_vector_parses_verifies_and_chains(vectors):
    check_ballot_vector(vectors["ballot"])


def check_ballot_vector(item: dict) -> None:
    """Ballot format v2: the audited sealed ballot and its reveal, the cast ballot with its
    board reference, credential and signature, and both board entries (docs/elections.md §4–§5);
    the ballots are reproduced byte for byte from the vector's seed and draw order."""
    import hashlib

    from voting.clients import Voter
    from voting.verify import board as chain
    from voting.verify.ballots import (
        parse_ballot,
        parse_reveal,
        parse_sealed,
        verify_ballot,
        verify_reveal,
        verify_sealed,
    )
    from voting.verify.canonical import dumps
    from voting.verify.election import fingerprint, shapes
    from voting.verify.issuers import parse_issuers

    manifest = item["manifest"]
    fp = fingerprint(manifest)
    assert fp.hex() == item["fingerprint"]
    shape_list = shapes(manifest)
    joint = Point.from_hex(manifest["joint_public_key"])
    issuer = parse_issuers(manifest)

    sealed = parse_sealed(item["audited"]["sealed"], shape_list)
    verify_sealed(sealed, shape_list, fp, joint)
    verify_reveal(sealed, parse_reveal(item["audited"]["reveal"], shape_list), joint)
    assert sealed.tracker.hex() == item["audited"]["tracker"]

    cast = parse_ballot(item["cast"]["ballot"], shape_list)
    verify_ballot(cast, shape_list, fp, joint, issuer)
    assert cast.signed_bytes.decode() == item["cast"]["signed_message"]
    assert cast.canonical == dumps(item["cast"]["ballot"])
    assert cast.tracker.hex() == item["cast"]["tracker"]
    assert cast.tracker == parse_sealed(item["cast"]["sealed"], shape_list).tracker

    previous = chain.genesis(fp)
    assert previous.hex() == item["genesis"]
    for parsed, entry in ((sealed, item["audited"]["entry"]), (cast, item["cast"]["entry"])):
        assert entry["digest"] == hashlib.sha256(parsed.canonical).hexdigest()
        reveal = dumps(entry["reveal"]) if entry["reveal"] is not None else b""
        expected = chain.entry_hash(
            previous,
            entry["position"],
            entry["kind"],
            entry["hour"],
            parsed.tracker,
            parsed.digest,
            reveal,
        )
        assert entry["previous"] == previous.hex() and entry["hash"] == expected.hex()
        previous = expected
    assert item["cast"]["ballot"]["board"] == {
        "count": 1,
        "hash": item["audited"]["entry"]["hash"],
    }

    # The draw order: x, k, then the audited ballot (its nonce first), the cast ballot, w.
    rng = DeterministicNonces(bytes.fromhex(item["seed"]))
    rng.draw()  # x, the joint secret key
    voter = Voter(manifest, fp, secret=rng.draw(), credential=item["credential"])
    assert voter.secret.hex() == item["credential_secret"]
    again, reveal = voter.seal(item["audited"]["choices"], rng)
    assert dumps(again) == dumps(item["audited"]["sealed"])
    assert dumps(reveal) == dumps(item["audited"]["reveal"])
    again, _ = voter.seal(item["cast"]["choices"], rng)
    assert dumps(again) == dumps(item["cast"]["sealed"])
    signed = voter.sign(again, item["cast"]["head"], rng)
    assert dumps(signed) == dumps(item["cast"]["ballot"])
