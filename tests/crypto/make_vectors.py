"""Write ``tests/crypto/vectors/cross-language.json``: deterministic vectors for every primitive.

Run ``.venv/bin/python -m tests.crypto.make_vectors``. Every "random" scalar comes from the
protocol §9 stream ``nonce_k = H("test-nonce", seed, int k)``, one stream per vector, drawn in the
order given in each vector's ``draws`` field, so an independent implementation can reproduce every
byte. The blind RSA vector uses the fixed 3072-bit test key in ``vectors/blind-rsa-test-key.pem``
(a test vector, not a secret; it is generated once if missing) and fixed prefix, salt and blinding
factor derived from SHA-512 of fixed labels.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from voting.crypto import blind_rsa
from voting.crypto.elgamal import add_ciphertexts, encrypt, generate_keypair
from voting.crypto.group import DeterministicNonces, Point, Scalar, hash_to_scalar
from voting.crypto.proofs import (
    prove_decryption_share,
    prove_knowledge,
    prove_range,
    sign_credential,
)
from voting.crypto.question import encrypt_question
from voting.crypto.serialization import to_json
from voting.crypto.threshold import (
    combine_decryption_shares,
    combine_secret_share,
    create_trustee,
    encrypt_share,
    joint_public_key,
    lagrange_coefficients,
    open_share,
    partial_decrypt,
    verification_keys,
)

VECTORS = Path(__file__).parent / "vectors"
OUTPUT = VECTORS / "cross-language.json"
RSA_KEY = VECTORS / "blind-rsa-test-key.pem"
RSA_KEY_2 = VECTORS / "blind-rsa-test-key-2.pem"  # the second issuer of the ballot vector


def seed(name: str) -> bytes:
    return f"mashwara-vector/{name}".encode()


def _hash_examples() -> list[dict[str, Any]]:
    g = Point.base(Scalar(1))
    examples = [
        ("schnorr-pok", []),
        ("range", [{"type": "bytes", "hex": ""}]),
        ("test-nonce", [{"type": "bytes", "hex": seed("x").hex()}, {"type": "int", "value": 0}]),
        (
            "credential-signature",
            [
                {"type": "string", "value": "مشوره — Mashwara"},
                {"type": "int", "value": 2**64 - 1},
                {"type": "point", "hex": g.hex()},
                {"type": "scalar", "hex": Scalar(7).hex()},
                {"type": "bytes", "hex": "00ff" * 40},
            ],
        ),
    ]
    out = []
    for label, parts in examples:
        values: list[Any] = []
        for part in parts:
            if part["type"] == "bytes":
                values.append(bytes.fromhex(part["hex"]))
            elif part["type"] == "int":
                values.append(part["value"])
            elif part["type"] == "string":
                values.append(part["value"])
            elif part["type"] == "point":
                values.append(Point.from_hex(part["hex"]))
            else:
                values.append(Scalar.from_hex(part["hex"]))
        out.append({"label": label, "parts": parts, "output": hash_to_scalar(label, *values).hex()})
    return out


def _nonce_stream() -> dict[str, Any]:
    rng = DeterministicNonces(seed("nonces"))
    return {"seed": seed("nonces").hex(), "nonces": [rng.draw().hex() for _ in range(4)]}


def _elgamal() -> list[dict[str, Any]]:
    out = []
    for message in (0, 1, 5, 1000000):
        s = seed(f"encryption-{message}")
        rng = DeterministicNonces(s)
        pair = generate_keypair(rng)
        ciphertext, nonce = encrypt(pair.public, message, rng)
        out.append(
            {
                "seed": s.hex(),
                "draws": "secret key x, encryption nonce r",
                "keypair": to_json(pair),
                "message": message,
                "nonce": nonce.hex(),
                "ciphertext": to_json(ciphertext),
            }
        )
    return out


def _schnorr() -> dict[str, Any]:
    s = seed("schnorr-pok")
    rng = DeterministicNonces(s)
    secret = rng.draw()
    ctx = hashlib.sha256(b"election fingerprint").digest()
    return {
        "seed": s.hex(),
        "draws": "secret x, proof nonce w",
        "ctx": ctx.hex(),
        "secret": secret.hex(),
        "public": Point.base(secret).hex(),
        "proof": to_json(prove_knowledge(ctx, secret, rng)),
    }


def _credential() -> dict[str, Any]:
    s = seed("credential-signature")
    rng = DeterministicNonces(s)
    secret = rng.draw()
    ctx = hashlib.sha256(b"election fingerprint").digest()
    message = b'{"ballot":"example"}'
    return {
        "seed": s.hex(),
        "draws": "credential secret k, signature nonce w",
        "ctx": ctx.hex(),
        "secret": secret.hex(),
        "public": Point.base(secret).hex(),
        "message": message.hex(),
        "signature": to_json(sign_credential(ctx, secret, message, rng)),
    }


def _range_proofs() -> list[dict[str, Any]]:
    out = []
    for value, low, high in ((0, 0, 1), (1, 0, 1), (2, 1, 3), (0, 0, 0), (5, 0, 7)):
        s = seed(f"range-{value}-{low}-{high}")
        rng = DeterministicNonces(s)
        pair = generate_keypair(rng)
        ciphertext, nonce = encrypt(pair.public, value, rng)
        ctx = b"range ctx"
        proof = prove_range(ctx, pair.public, ciphertext, value, nonce, low, high, rng)
        out.append(
            {
                "seed": s.hex(),
                "draws": "secret key x, encryption nonce r, then the range proof's draws (§4.3)",
                "ctx": ctx.hex(),
                "public_key": pair.public.hex(),
                "value": value,
                "low": low,
                "high": high,
                "nonce": nonce.hex(),
                "ciphertext": to_json(ciphertext),
                "proof": to_json(proof),
            }
        )
    return out


def _decryption_share() -> dict[str, Any]:
    s = seed("decryption-share")
    rng = DeterministicNonces(s)
    pair = generate_keypair(rng)
    ciphertext, _ = encrypt(pair.public, 3, rng)
    ctx = b"decrypt ctx"
    share, proof = prove_decryption_share(ctx, pair.secret, ciphertext, rng)
    return {
        "seed": s.hex(),
        "draws": "secret key x, encryption nonce r (message 3), proof nonce w",
        "ctx": ctx.hex(),
        "public_key": pair.public.hex(),
        "ciphertext": to_json(ciphertext),
        "share": share.hex(),
        "proof": to_json(proof),
    }


def _question(
    name: str = "question", choices: tuple[int, ...] = (1, 0, 1), low: int = 1, high: int = 2
) -> dict[str, Any]:
    s = seed(name)
    rng = DeterministicNonces(s)
    pair = generate_keypair(rng)
    ctx = hashlib.sha256(b"question ctx").digest()
    question = encrypt_question(ctx, pair.public, list(choices), low, high, rng)
    return {
        "seed": s.hex(),
        "draws": "secret key x, then the question's draws (§5)",
        "ctx": ctx.hex(),
        "public_key": pair.public.hex(),
        "options": len(choices),
        "min": low,
        "max": high,
        "choices": list(choices),
        "question": to_json(question),
    }


def _ceremony() -> dict[str, Any]:
    s = seed("ceremony-2-of-3")
    rng = DeterministicNonces(s)
    ctx = hashlib.sha256(b"ceremony ctx").digest()
    threshold, count = 2, 3
    trustees = [create_trustee(ctx, i, threshold, rng) for i in range(1, count + 1)]
    secrets_ = {t.index: t for t, _ in trustees}
    announcements = [a for _, a in trustees]
    by_index = {a.trustee: a for a in announcements}
    encrypted = []
    received: dict[int, dict[int, Scalar]] = {i: {} for i in secrets_}
    for sender in secrets_.values():
        for recipient in secrets_:
            if recipient == sender.index:
                continue
            share = encrypt_share(
                ctx, sender, recipient, by_index[recipient].communication_key, rng
            )
            encrypted.append(share)
            received[recipient][sender.index] = open_share(
                ctx, secrets_[recipient], share, by_index[sender.index]
            )
    joint = joint_public_key(announcements)
    keys = verification_keys(announcements, secrets_)
    shares = {i: combine_secret_share(secrets_[i], received[i]) for i in secrets_}
    message = 42
    ciphertext, _ = encrypt(joint, message, rng)
    decryption_ctx = ctx + b"tally"
    partials = [partial_decrypt(decryption_ctx, i, shares[i], ciphertext, rng) for i in secrets_]
    combinations = []
    for subset in ((1, 2), (1, 3), (2, 3), (1, 2, 3)):
        chosen = [p for p in partials if p.trustee in subset]
        combinations.append(
            {
                "trustees": list(subset),
                "lagrange": {str(i): c.hex() for i, c in lagrange_coefficients(subset).items()},
                "result": combine_decryption_shares(ciphertext, chosen, threshold).hex(),
            }
        )
    return {
        "seed": s.hex(),
        "draws": (
            "trustee 1, 2, 3 in turn (a_0..a_{k-1}, their proof nonces, e_i, its proof nonce);"
            " then one rho per encrypted share in the listed order; then the nonce r of the"
            " ciphertext (message 42 under the joint key); then one proof nonce per decryption"
            " share, trustees 1, 2, 3"
        ),
        "ctx": ctx.hex(),
        "decryption_ctx": decryption_ctx.hex(),
        "threshold": threshold,
        "trustees": count,
        "secrets": [to_json(secrets_[i]) for i in sorted(secrets_)],
        "announcements": [to_json(a) for a in announcements],
        "encrypted_shares": [to_json(e) for e in encrypted],
        "secret_shares": {str(i): shares[i].hex() for i in sorted(shares)},
        "joint_public_key": joint.hex(),
        "verification_keys": {str(i): keys[i].hex() for i in sorted(keys)},
        "message": message,
        "ciphertext": to_json(ciphertext),
        "decryption_shares": [to_json(p) for p in partials],
        "combinations": combinations,
        "plaintext_point": Point.base(Scalar(message)).hex(),
    }


def _expand(label: bytes, length: int) -> bytes:
    out = b"".join(hashlib.sha512(label + bytes([i])).digest() for i in range(-(-length // 64)))
    return out[:length]


def _blind_rsa() -> dict[str, Any]:
    if not RSA_KEY.exists():
        RSA_KEY.write_text(blind_rsa.generate_private_key(3072).to_pem())
    key = blind_rsa.BlindRsaPrivateKey.from_pem(RSA_KEY.read_text())
    public = key.public
    message = b"mashwara credential public key"
    prefix = _expand(b"mashwara-vector/rsa-prefix", 32)
    salt = _expand(b"mashwara-vector/rsa-salt", 48)
    r = int.from_bytes(_expand(b"mashwara-vector/rsa-r", public.modulus_length), "big") % public.n
    prepared = blind_rsa.prepare(message, prefix)
    blinded, inv = blind_rsa.blind(public, prepared, salt=salt, r=r)
    blind_signature = blind_rsa.blind_sign(key, blinded)
    signature = blind_rsa.finalize(public, prepared, blind_signature, inv)
    return {
        "variant": "RSABSSA-SHA384-PSS-Randomized",
        "private_key_pem": key.to_pem(),
        "public_key": to_json(public),
        "message": message.hex(),
        "prefix": prefix.hex(),
        "prepared_message": prepared.hex(),
        "salt": salt.hex(),
        "r": format(r, "x"),
        "inv": format(inv, "x"),
        "encoded_message": blind_rsa.emsa_pss_encode(
            prepared, public.n.bit_length() - 1, salt
        ).hex(),
        "blinded_message": blinded.hex(),
        "blind_signature": blind_signature.hex(),
        "signature": signature.hex(),
    }


def build_vectors() -> dict[str, Any]:
    return {
        "protocol": "mashwara/v1",
        "note": "Generated by tests/crypto/make_vectors.py; see docs/protocol.md §9.",
        "hash_to_scalar": _hash_examples(),
        "nonce_stream": _nonce_stream(),
        "elgamal": _elgamal(),
        "schnorr_pok": _schnorr(),
        "credential_signature": _credential(),
        "range_proofs": _range_proofs(),
        "decryption_share": _decryption_share(),
        "question": _question(),
        "question_implied_bounds": _question("question-implied-bounds", (0, 1, 1, 0), 0, 4),
        "ceremony": _ceremony(),
        "blind_rsa": _blind_rsa(),
        "homomorphic_sum": _homomorphic_sum(),
        "ballot": _ballot(),
    }


def _ballot() -> dict[str, Any]:
    """Ballot format v2 (docs/elections.md §4–§5): an audited sealed ballot, then a cast one
    naming the board head after the audit, both as board entries chained from the genesis."""
    from voting.clients import Voter
    from voting.verify import board as chain
    from voting.verify.ballots import tracker_of
    from voting.verify.canonical import dumps
    from voting.verify.election import credential_message, fingerprint
    from voting.verify.issuers import issuers_json

    s = seed("ballot-v2")
    rng = DeterministicNonces(s)
    joint = generate_keypair(rng)
    if not RSA_KEY_2.exists():
        RSA_KEY_2.write_text(blind_rsa.generate_private_key(3072).to_pem())
    keys = [
        blind_rsa.BlindRsaPrivateKey.from_pem(path.read_text()) for path in (RSA_KEY, RSA_KEY_2)
    ]
    manifest = {
        "protocol": "mashwara/v1",
        "questions": [
            {"type": "single", "blank": False, "options": [{"label": {"en": "A"}}] * 2},
            {"type": "approval", "min": 1, "max": 2, "options": [{"label": {"en": "B"}}] * 3},
            {"type": "ranked", "options": [{"label": {"en": "C"}}] * 3},
        ],
        "trustees": {"threshold": 2, "names": ["t1", "t2"]},
        "joint_public_key": joint.public.hex(),
        "issuers": issuers_json(2, [(1, keys[0].public.to_pem()), (2, keys[1].public.to_pem())]),
    }
    fp = fingerprint(manifest)
    voter = Voter(manifest, fp, secret=rng.draw())
    signatures, blinding = [], []
    for index, key in enumerate(keys, start=1):
        prepared = blind_rsa.prepare(
            credential_message(fp, voter.public_key.encoding),
            _expand(b"mashwara-vector/ballot-rsa-prefix-%d" % index, 32),
        )
        salt = _expand(b"mashwara-vector/ballot-rsa-salt-%d" % index, 48)
        r = (
            int.from_bytes(
                _expand(b"mashwara-vector/ballot-rsa-r-%d" % index, key.public.modulus_length),
                "big",
            )
            % key.public.n
        )
        blinded, inv = blind_rsa.blind(key.public, prepared, salt=salt, r=r)
        signature = blind_rsa.finalize(
            key.public, prepared, blind_rsa.blind_sign(key, blinded), inv
        )
        signatures.append(
            {
                "issuer": index,
                "prefix": prepared[: blind_rsa.PREFIX_LENGTH].hex(),
                "signature": signature.hex(),
            }
        )
        blinding.append({"issuer": index, "salt": salt.hex(), "r": format(r, "x")})
    voter.credential = {"key": voter.public_key.hex(), "signatures": signatures}
    hour = "2026-01-01T10:00:00Z"
    genesis = chain.genesis(fp)

    def entry(position, kind, previous, ballot, reveal):
        sealed = {k: ballot[k] for k in ("election", "nonce", "answers")}
        tracker = tracker_of(dumps(sealed))
        digest = hashlib.sha256(dumps(ballot)).digest()
        reveal_bytes = dumps(reveal) if reveal is not None else b""
        return {
            "position": position,
            "kind": kind,
            "hour": hour,
            "tracker": tracker.hex(),
            "digest": digest.hex(),
            "ballot": ballot,
            "reveal": reveal,
            "previous": previous.hex(),
            "hash": chain.entry_hash(
                previous, position, kind, hour, tracker, digest, reveal_bytes
            ).hex(),
        }

    audited_choices = [[0], [0, 2], [2, 0, 1]]
    sealed, reveal = voter.seal(audited_choices, rng)
    audited = entry(1, "audited", genesis, sealed, reveal)
    head = {"count": 1, "hash": audited["hash"]}
    cast_choices = [[1], [1], [0, 2, 1]]
    cast_sealed, cast_reveal = voter.seal(cast_choices, rng)
    cast = voter.sign(cast_sealed, head, rng)
    cast_entry = entry(2, "ballot", bytes.fromhex(audited["hash"]), cast, None)
    return {
        "seed": s.hex(),
        "draws": (
            "joint secret key x; credential secret k; then the audited ballot: its nonce (the"
            " 32-byte encoding of one draw), then each question in order: single and approval"
            " draw as encrypt_question (§5), ranked as encrypt_ranking (protocol §5.1: pairs,"
            " positions, places, links); then the cast ballot the same way (nonce, questions);"
            " then the credential signature's nonce w"
        ),
        "manifest": manifest,
        "fingerprint": fp.hex(),
        "credential_secret": voter.secret.hex(),
        "credential": voter.credential,
        "credential_rsa": blinding,
        "genesis": genesis.hex(),
        "hour": hour,
        "audited": {
            "choices": audited_choices,
            "sealed": sealed,
            "reveal": reveal,
            "tracker": audited["tracker"],
            "request": {"ballot": sealed, "reveal": reveal},
            "entry": audited,
        },
        "cast": {
            "choices": cast_choices,
            "sealed": cast_sealed,
            "reveal": cast_reveal,
            "head": head,
            "signed_message": dumps({k: v for k, v in cast.items() if k != "signature"}).decode(),
            "ballot": cast,
            "tracker": cast_entry["tracker"],
            "entry": cast_entry,
        },
    }


def _homomorphic_sum() -> dict[str, Any]:
    s = seed("homomorphic-sum")
    rng = DeterministicNonces(s)
    pair = generate_keypair(rng)
    cts = [encrypt(pair.public, m, rng)[0] for m in (1, 0, 1, 1)]
    return {
        "seed": s.hex(),
        "draws": "secret key x, then r for each message 1, 0, 1, 1",
        "keypair": to_json(pair),
        "ciphertexts": [to_json(c) for c in cts],
        "sum": to_json(add_ciphertexts(cts)),
    }


def render(vectors: dict[str, Any]) -> str:
    return json.dumps(vectors, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    VECTORS.mkdir(exist_ok=True)
    OUTPUT.write_text(render(build_vectors()), encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
