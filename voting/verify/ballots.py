"""Ballots: strict parsing, full verification, trackers and Benaloh audit reveals.

``parse_ballot`` turns untrusted JSON into crypto objects and refuses any shape or encoding
error (``code="malformed"``); ``verify_ballot`` checks the election fingerprint, the issuer's
signature on the credential, the credential's Schnorr signature over the whole ballot and every
proof. Both raise ``BallotRejected`` whose ``code`` is the error code of docs/elections.md §4,
with the question and item it concerns. The server's cast endpoint and the standalone verifier
call exactly these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from voting.crypto import blind_rsa
from voting.crypto.elgamal import Ciphertext
from voting.crypto.errors import CryptoError, InvalidProof
from voting.crypto.group import Point, Scalar, base_mul, point_add, var_mul
from voting.crypto.proofs import CredentialSignature, verify_credential_signature
from voting.crypto.question import EncryptedQuestion, sum_proof_needed, verify_question
from voting.crypto.serialization import canonical_json, from_json
from voting.verify.canonical import sha256f
from voting.verify.election import Shape, ballot_context, credential_message

T = TypeVar("T")


class BallotRejected(ValueError):
    def __init__(
        self, code: str, message: str, question: int | None = None, item: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.question = question
        self.item = item


@dataclass(frozen=True, slots=True)
class Ballot:
    election: bytes
    credential_key: Point
    prefix: bytes
    issuer_signature: bytes
    answers: tuple[tuple[EncryptedQuestion, ...], ...]
    signature: CredentialSignature
    signed_bytes: bytes
    canonical: bytes
    tracker: bytes

    def ciphertexts(self) -> list[Ciphertext]:
        """Every ciphertext in tally order (question, part, option)."""
        return [ct for answer in self.answers for part in answer for ct in part.ciphertexts]


def _malformed(message: str, question: int | None = None, item: int | None = None):
    return BallotRejected("malformed", message, question, item)


def _object(value: Any, keys: set[str], what: str, q: int | None = None) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != keys:
        raise _malformed(f"{what} must be an object with exactly {sorted(keys)}", q)
    return value


def _hex(value: Any, length: int | None, what: str) -> bytes:
    if not isinstance(value, str) or (length is not None and len(value) != 2 * length):
        raise _malformed(f"{what} has the wrong length")
    if value != value.lower() or len(value) % 2:
        raise _malformed(f"{what} must be lowercase hex")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise _malformed(f"{what} is not hex") from None


def _decode(kind: type[T], value: Any, path: str, q: int | None = None) -> T:
    try:
        return from_json(kind, value, path=path)
    except CryptoError as exc:
        raise _malformed(str(exc), q) from None


def _part(value: Any, options: int, low: int, high: int, q: int, path: str) -> EncryptedQuestion:
    part = _decode(EncryptedQuestion, value, path, q)
    if len(part.ciphertexts) != options:
        raise _malformed(f"{path}: {options} ciphertexts and proofs are required", q)
    if any(len(p.challenges) != 2 for p in part.proofs):
        raise _malformed(f"{path}: each 0/1 proof has 2 challenges and responses", q)
    if not sum_proof_needed(options, low, high):
        if part.sum_proof is not None:
            raise _malformed(f"{path}: bounds 0..{options} take no sum proof", q)
    elif part.sum_proof is None or len(part.sum_proof.challenges) != high - low + 1:
        raise _malformed(f"{path}: the sum proof needs {high - low + 1} challenges", q)
    return part


def parse_answer(value: Any, shape: Shape, q: int) -> tuple[EncryptedQuestion, ...]:
    if shape.kind == "ranked":
        value = _object(value, {"pairs"}, "a ranked answer", q)
        pairs = value["pairs"]
        if not isinstance(pairs, list) or len(pairs) != len(shape.parts):
            raise _malformed(f"question {q} needs {len(shape.parts)} pairs", q)
        return tuple(
            _part(pair, part.options, part.low, part.high, q, f"$.answers[{q}].pairs[{i}]")
            for i, (pair, part) in enumerate(zip(pairs, shape.parts, strict=True))
        )
    part = shape.parts[0]
    return (_part(value, part.options, part.low, part.high, q, f"$.answers[{q}]"),)


def tracker_of(canonical: bytes) -> bytes:
    return sha256f("tracker", canonical)


def parse_ballot(value: Any, shapes: list[Shape]) -> Ballot:
    """Parse untrusted ballot JSON (already decoded by ``canonical.loads``)."""
    value = _object(value, {"election", "credential", "answers", "signature"}, "the ballot")
    credential = _object(value["credential"], {"key", "prefix", "signature"}, "the credential")
    answers = value["answers"]
    if not isinstance(answers, list) or len(answers) != len(shapes):
        raise _malformed(f"the ballot must answer all {len(shapes)} questions")
    election = _hex(value["election"], 32, "the election fingerprint")
    key = _decode(Point, credential["key"], "$.credential.key")
    prefix = _hex(credential["prefix"], blind_rsa.PREFIX_LENGTH, "the credential prefix")
    issuer_signature = _hex(credential["signature"], None, "the credential signature")
    parsed = tuple(
        parse_answer(a, shape, q) for q, (a, shape) in enumerate(zip(answers, shapes, strict=True))
    )
    signature = _decode(CredentialSignature, value["signature"], "$.signature")
    # Every member has now been read strictly (exact keys, lowercase hex of the exact length,
    # lists of the exact size), so the value has a canonical form and ``dumps``' walk over it
    # would find nothing: serialise directly.
    unsigned = {k: v for k, v in value.items() if k != "signature"}
    signed_bytes = canonical_json(unsigned)
    # "signature" sorts after every other member, so the whole ballot's canonical form is the
    # unsigned one with the signature appended (saves a second serialisation).
    canonical = signed_bytes[:-1] + b',"signature":' + canonical_json(value["signature"]) + b"}"
    return Ballot(
        election=election,
        credential_key=key,
        prefix=prefix,
        issuer_signature=issuer_signature,
        answers=parsed,
        signature=signature,
        signed_bytes=signed_bytes,
        canonical=canonical,
        tracker=tracker_of(canonical),
    )


def verify_credential(
    ballot: Ballot, fingerprint: bytes, issuer: blind_rsa.BlindRsaPublicKey
) -> None:
    if ballot.election != fingerprint:
        raise BallotRejected("wrong_election", "the ballot is for another election")
    message = credential_message(fingerprint, ballot.credential_key.encoding)
    try:
        blind_rsa.verify(issuer, ballot.prefix + message, ballot.issuer_signature)
    except CryptoError:
        raise BallotRejected(
            "unknown_issuer", "the credential was not signed by this election's issuer"
        ) from None


def verify_ballot(
    ballot: Ballot,
    shapes: list[Shape],
    fingerprint: bytes,
    joint_key: Point,
    issuer: blind_rsa.BlindRsaPublicKey,
) -> None:
    """Every check of docs/elections.md §4, cheapest first."""
    verify_credential(ballot, fingerprint, issuer)
    try:
        verify_credential_signature(
            fingerprint, ballot.credential_key, ballot.signed_bytes, ballot.signature
        )
    except CryptoError:
        raise BallotRejected(
            "bad_signature", "the ballot's signature by its credential does not verify"
        ) from None
    # Proofs are bound to the credential key: a copy of another ballot's answers under a
    # different credential fails here (ballot copying, docs/elections.md §4).
    context = ballot_context(fingerprint, ballot.credential_key.encoding)
    for q, (answer, shape) in enumerate(zip(ballot.answers, shapes, strict=True)):
        for item, (part, spec) in enumerate(zip(answer, shape.parts, strict=True)):
            try:
                verify_question(
                    context + spec.suffix, joint_key, part, spec.options, spec.low, spec.high
                )
            except InvalidProof as exc:
                raise BallotRejected("bad_proof", f"question {q}: {exc}", q, item) from None


def parse_reveal(value: Any, shapes: list[Shape]) -> list[list[tuple[list[int], list[Scalar]]]]:
    """Audit reveal JSON → per question, per part, (votes, nonces)."""
    if not isinstance(value, list) or len(value) != len(shapes):
        raise _malformed("the reveal must cover every question")
    result = []
    for q, (item, shape) in enumerate(zip(value, shapes, strict=True)):
        if shape.kind == "ranked":
            item = _object(item, {"pairs"}, "a ranked reveal", q)
            parts = item["pairs"]
            if not isinstance(parts, list) or len(parts) != len(shape.parts):
                raise _malformed("the reveal must cover every pair", q)
        else:
            parts = [item]
        revealed = []
        for part, spec in zip(parts, shape.parts, strict=True):
            part = _object(part, {"votes", "randomness"}, "a reveal", q)
            votes, nonces = part["votes"], part["randomness"]
            if (
                not isinstance(votes, list)
                or not isinstance(nonces, list)
                or len(votes) != spec.options
                or len(nonces) != spec.options
                or any(v not in (0, 1) or isinstance(v, bool) for v in votes)
            ):
                raise _malformed("a reveal needs one 0/1 vote and one nonce per option", q)
            revealed.append((votes, [_decode(Scalar, r, "$.reveal", q) for r in nonces]))
        result.append(revealed)
    return result


def verify_reveal(ballot: Ballot, reveal, joint_key: Point) -> None:
    """Each revealed ciphertext must be exactly ``(rG, vG + rX)``."""
    x = joint_key.encoding
    for q, (answer, revealed) in enumerate(zip(ballot.answers, reveal, strict=True)):
        for item, (part, (votes, nonces)) in enumerate(zip(answer, revealed, strict=True)):
            for ct, v, r in zip(part.ciphertexts, votes, nonces, strict=True):
                if (
                    r.is_zero()
                    or ct.a.encoding != base_mul(r.value)
                    or ct.b.encoding != point_add(base_mul(v), var_mul(r.value, x))
                ):
                    raise BallotRejected(
                        "bad_reveal", "the revealed choices do not match the ballot", q, item
                    )
