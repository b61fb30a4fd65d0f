"""Ballots: strict parsing, full verification, trackers and Benaloh audit reveals.

A *sealed* ballot is what the device commits to before the voter chooses to cast or audit it:
``{"election", "nonce", "answers"}``; its tracker is ``SHA256F("tracker", cj(sealed))``. A *cast*
ballot adds the board head the device saw (``board``), the credential and the credential's
signature; its tracker is still that of its sealed part (docs/elections.md §4). An audit carries
only the sealed ballot, so nothing links it to a credential.

``parse_sealed`` / ``parse_ballot`` turn untrusted JSON into crypto objects and refuse any shape
or encoding error (``code="malformed"``); ``verify_sealed`` checks the election fingerprint and
every proof (context ``fingerprint ‖ nonce``), ``verify_ballot`` also the issuer's signature on
the credential and the credential's Schnorr signature over the whole ballot. A ranked answer is
an ``EncryptedRanking`` whose proofs show it is a full ranking (protocol §5.1): a cycle or a tie
fails ``verify_ranking`` at a named ``part`` (pair, position, place or link). They raise
``BallotRejected`` whose ``code`` is the error code of docs/elections.md §4, with the question,
item and part it concerns. The server's endpoints and the standalone verifier call exactly these
functions.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, TypeVar

from voting.crypto import blind_rsa
from voting.crypto.elgamal import Ciphertext
from voting.crypto.errors import CryptoError, InvalidOpening, InvalidProof
from voting.crypto.group import Point, Scalar, base_mul, int8, point_add, var_mul
from voting.crypto.proofs import CredentialSignature, verify_credential_signature
from voting.crypto.question import EncryptedQuestion, sum_proof_needed, verify_question
from voting.crypto.ranking import EncryptedRanking, RankingOpening, open_ranking, verify_ranking
from voting.crypto.serialization import canonical_json, from_json
from voting.verify.canonical import SAFE_INTEGER, sha256f
from voting.verify.cohorts import InvalidCohorts, Label, parse_labels, verify_labels
from voting.verify.election import Shape, ballot_context
from voting.verify.issuers import MAX_ISSUERS, Issuers, verify_credential_signatures
from voting.verify.schema import member_problem

T = TypeVar("T")


class BallotRejected(ValueError):
    """``question`` and ``item`` locate the failure (the part of a single or approval question is
    item 0); for a ranked answer ``part`` names the proof that failed, e.g. ``"link 2"``."""

    def __init__(
        self,
        code: str,
        message: str,
        question: int | None = None,
        item: int | None = None,
        part: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.question = question
        self.item = item
        self.part = part


Answer = EncryptedQuestion | EncryptedRanking
"""One question's answer: a §5 question (single, approval) or a ranking (ranked)."""

SEALED_KEYS = frozenset({"election", "nonce", "answers"})
BALLOT_KEYS = SEALED_KEYS | {"board", "credential", "signature"}
NONCE_LENGTH = 32


@dataclass(frozen=True, slots=True)
class Ballot:
    """A parsed ballot. For a sealed ballot (an audit) every credential field is ``None``.

    ``canonical`` is the whole ballot's canonical JSON (what the board stores, and its
    ``digest``), ``signed_bytes`` that of the ballot without its signature (what the credential
    signs), ``tracker`` the hash of the sealed part alone."""

    election: bytes
    nonce: bytes
    answers: tuple[Answer, ...]
    canonical: bytes
    tracker: bytes
    board_count: int | None = None
    board_hash: bytes | None = None
    credential_key: Point | None = None
    # (issuer, prefix, RSA signature) per issuer signature of the credential, ascending issuers.
    issuer_signatures: tuple[tuple[int, bytes, bytes], ...] | None = None
    signature: CredentialSignature | None = None
    signed_bytes: bytes | None = None
    # The credential's cohort labels (docs/protocol.md §12), ``None`` if it has no ``cohorts``.
    cohort_labels: tuple[Label, ...] | None = None

    @property
    def sealed(self) -> bool:
        return self.credential_key is None

    @property
    def digest(self) -> bytes:
        """``digest_i`` of the board entry holding this ballot (docs/elections.md §5)."""
        return hashlib.sha256(self.canonical).digest()

    def ciphertexts(self) -> list[Ciphertext]:
        """Every ciphertext the tally adds, in tally order (question, part, option): a ranked
        answer's pairs only (its positions prove the ranking and are not counted)."""
        return [
            ct
            for answer in self.answers
            for part in tallied_parts(answer)
            for ct in part.ciphertexts
        ]


def tallied_parts(answer: Answer) -> tuple[EncryptedQuestion, ...]:
    """The §5 questions of an answer that the tally adds: the question, or a ranking's pairs."""
    return answer.pairs if isinstance(answer, EncryptedRanking) else (answer,)


def _malformed(message: str, question: int | None = None, item: int | None = None):
    return BallotRejected("malformed", message, question, item)


def _object(value: Any, keys: set[str], what: str, q: int | None = None) -> dict[str, Any]:
    if problem := member_problem(value, keys):
        raise _malformed(f"{what}: {problem}", q)
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


def parse_answer(value: Any, shape: Shape, q: int) -> Answer:
    if shape.kind == "ranked":
        # Strict JSON of protocol §5.1: exact members, every list of the size its positions'
        # count n gives, each proof of its exact width; n must be the question's.
        ranking = _decode(EncryptedRanking, value, f"$.answers[{q}]", q)
        if len(ranking.positions) != shape.options:
            raise _malformed(f"question {q} ranks {shape.options} options", q)
        return ranking
    part = shape.parts[0]
    return _part(value, part.options, part.low, part.high, q, f"$.answers[{q}]")


def tracker_of(sealed_canonical: bytes) -> bytes:
    """``SHA256F("tracker", cj(sealed))``: ``sealed_canonical`` is the canonical JSON of exactly
    the members ``election``, ``nonce`` and ``answers``."""
    return sha256f("tracker", sealed_canonical)


def _member(key: str, value: Any) -> bytes:
    return b'"' + key.encode() + b'":' + canonical_json(value)


def _sealed_part(value: dict[str, Any], shapes: list[Shape]):
    answers = value["answers"]
    if not isinstance(answers, list) or len(answers) != len(shapes):
        raise _malformed(f"the ballot must answer all {len(shapes)} questions")
    election = _hex(value["election"], 32, "the election fingerprint")
    nonce = _hex(value["nonce"], NONCE_LENGTH, "the ballot nonce")
    parsed = tuple(
        parse_answer(a, shape, q) for q, (a, shape) in enumerate(zip(answers, shapes, strict=True))
    )
    # Every member has now been read strictly (exact keys, lowercase hex of the exact length,
    # lists of the exact size), so the value has a canonical form and ``dumps``' walk over it
    # would find nothing: serialise directly, the answers (nearly all the bytes) only once.
    return election, nonce, parsed, _member("answers", answers)


def parse_sealed(value: Any, shapes: list[Shape]) -> Ballot:
    """Parse an untrusted sealed ballot (an audit's): exactly ``election``, ``nonce``,
    ``answers``; no credential, no board reference, no signature."""
    value = _object(value, set(SEALED_KEYS), "a sealed ballot")
    election, nonce, parsed, answers = _sealed_part(value, shapes)
    canonical = (
        b"{" + answers + b"," + _member("election", value["election"]) + b","
        + _member("nonce", value["nonce"]) + b"}"
    )  # fmt: skip
    return Ballot(
        election=election,
        nonce=nonce,
        answers=parsed,
        canonical=canonical,
        tracker=tracker_of(canonical),
    )


def _board_reference(value: Any) -> tuple[int, bytes]:
    value = _object(value, {"count", "hash"}, "the board reference")
    count = value["count"]
    if type(count) is not int or not 0 <= count < SAFE_INTEGER:
        raise _malformed("the board reference's count must be an integer ≥ 0")
    return count, _hex(value["hash"], 32, "the board reference's hash")


def _issuer_signatures(value: Any) -> tuple[tuple[int, bytes, bytes], ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_ISSUERS:
        raise _malformed(f"the credential's signatures must be a list of 1 to {MAX_ISSUERS}")
    result = []
    for item in value:
        item = _object(item, {"issuer", "prefix", "signature"}, "an issuer signature")
        issuer = item["issuer"]
        if type(issuer) is not int or not 1 <= issuer <= MAX_ISSUERS:
            raise _malformed("an issuer signature's issuer must be a trustee index")
        prefix = _hex(item["prefix"], blind_rsa.PREFIX_LENGTH, "the credential prefix")
        signature = _hex(item["signature"], None, "the credential signature")
        if len(signature) > 1024:
            raise _malformed("the credential signature is too long")
        result.append((issuer, prefix, signature))
    return tuple(result)


def parse_ballot(value: Any, shapes: list[Shape]) -> Ballot:
    """Parse an untrusted cast ballot (already decoded by ``canonical.loads``)."""
    value = _object(value, set(BALLOT_KEYS), "the ballot")
    credential = value["credential"]
    labelled = isinstance(credential, dict) and "cohorts" in credential
    members = {"key", "signatures", "cohorts"} if labelled else {"key", "signatures"}
    credential = _object(credential, members, "the credential")
    try:
        labels = parse_labels(credential["cohorts"]) if labelled else None
    except InvalidCohorts as exc:
        raise _malformed(str(exc)) from None
    election, nonce, parsed, answers = _sealed_part(value, shapes)
    board_count, board_hash = _board_reference(value["board"])
    key = _decode(Point, credential["key"], "$.credential.key")
    issuer_signatures = _issuer_signatures(credential["signatures"])
    signature = _decode(CredentialSignature, value["signature"], "$.signature")
    election_member = _member("election", value["election"])
    nonce_member = _member("nonce", value["nonce"])
    sealed = b"{" + answers + b"," + election_member + b"," + nonce_member + b"}"
    # Members in sorted order: answers, board, credential, election, nonce (, signature).
    signed_bytes = (
        b"{" + answers + b"," + _member("board", value["board"]) + b","
        + _member("credential", value["credential"]) + b"," + election_member + b","
        + nonce_member + b"}"
    )  # fmt: skip
    canonical = signed_bytes[:-1] + b"," + _member("signature", value["signature"]) + b"}"
    return Ballot(
        election=election,
        nonce=nonce,
        answers=parsed,
        canonical=canonical,
        tracker=tracker_of(sealed),
        board_count=board_count,
        board_hash=board_hash,
        credential_key=key,
        issuer_signatures=issuer_signatures,
        signature=signature,
        signed_bytes=signed_bytes,
        cohort_labels=labels,
    )


def verify_credential(ballot: Ballot, fingerprint: bytes, issuers: Issuers) -> None:
    """``threshold`` valid signatures by distinct issuers of the manifest (docs/elections.md
    §3)."""
    if ballot.election != fingerprint:
        raise BallotRejected("wrong_election", "the ballot is for another election")
    try:
        verify_credential_signatures(
            issuers, fingerprint, ballot.credential_key.encoding, ballot.issuer_signatures
        )
    except CryptoError as exc:
        raise BallotRejected(
            "unknown_issuer", f"the credential was not issued by this election's issuers: {exc}"
        ) from None
    if (issuers.cohorts is None) != (ballot.cohort_labels is None):
        raise BallotRejected(
            "unknown_issuer", "the credential's cohorts member does not match the election's"
        )
    if issuers.cohorts is not None:
        try:
            verify_labels(
                issuers.cohorts,
                issuers.threshold,
                fingerprint,
                ballot.credential_key.encoding,
                ballot.cohort_labels,
            )
        except CryptoError as exc:
            raise BallotRejected(
                "unknown_issuer", f"a cohort label was not issued by this election: {exc}"
            ) from None


def verify_sealed(
    ballot: Ballot, shapes: list[Shape], fingerprint: bytes, joint_key: Point
) -> None:
    """The fingerprint and every proof (context ``fingerprint ‖ nonce``): all an audit needs."""
    if ballot.election != fingerprint:
        raise BallotRejected("wrong_election", "the ballot is for another election")
    _verify_proofs(ballot, shapes, fingerprint, joint_key)


_RANKING_PART = re.compile(r"(pair \(\d+, \d+\)|position \d+|place \d+|link \d+):")


def _ranking_part(exc: Exception) -> str | None:
    """The part a ranking error names at its start ("pair (0, 1)", "position 2", "place 0",
    "link 1"), as ``verify_ranking`` and ``open_ranking`` word them."""
    match = _RANKING_PART.match(str(exc))
    return match.group(1) if match else None


def _verify_proofs(ballot: Ballot, shapes: list[Shape], fingerprint: bytes, joint_key: Point):
    # The proofs are bound to the ballot's nonce: the same answers under another nonce fail,
    # under the same nonce they have the same tracker (ballot copying, protocol §11).
    context = ballot_context(fingerprint, ballot.nonce)
    for q, (answer, shape) in enumerate(zip(ballot.answers, shapes, strict=True)):
        if shape.kind == "ranked":
            try:
                verify_ranking(context + int8(q), joint_key, answer, shape.options)
            except InvalidProof as exc:
                raise BallotRejected(
                    "bad_proof", f"question {q}: {exc}", q, part=_ranking_part(exc)
                ) from None
            continue
        spec = shape.parts[0]
        try:
            verify_question(
                context + spec.suffix, joint_key, answer, spec.options, spec.low, spec.high
            )
        except InvalidProof as exc:
            raise BallotRejected("bad_proof", f"question {q}: {exc}", q, 0) from None


def verify_ballot(
    ballot: Ballot,
    shapes: list[Shape],
    fingerprint: bytes,
    joint_key: Point,
    issuers: Issuers,
) -> None:
    """Every check of docs/elections.md §4 on a cast ballot, cheapest first."""
    if ballot.sealed:
        raise BallotRejected("malformed", "a cast ballot needs a credential and a signature")
    verify_credential(ballot, fingerprint, issuers)
    try:
        verify_credential_signature(
            fingerprint, ballot.credential_key, ballot.signed_bytes, ballot.signature
        )
    except CryptoError:
        raise BallotRejected(
            "bad_signature", "the ballot's signature by its credential does not verify"
        ) from None
    _verify_proofs(ballot, shapes, fingerprint, joint_key)


Reveal = list[tuple[list[int], list[Scalar]] | RankingOpening]


def parse_reveal(value: Any, shapes: list[Shape]) -> Reveal:
    """Audit reveal JSON → per question ``(votes, nonces)``, or a ``RankingOpening`` (ranked)."""
    if not isinstance(value, list) or len(value) != len(shapes):
        raise _malformed("the reveal must cover every question")
    result: Reveal = []
    for q, (item, shape) in enumerate(zip(value, shapes, strict=True)):
        if shape.kind == "ranked":
            opening = _decode(RankingOpening, item, f"$.reveal[{q}]", q)
            if len(opening.positions) != shape.options:
                raise _malformed(f"the reveal of question {q} ranks {shape.options} options", q)
            result.append(opening)
            continue
        spec = shape.parts[0]
        item = _object(item, {"votes", "randomness"}, "a reveal", q)
        votes, nonces = item["votes"], item["randomness"]
        if (
            not isinstance(votes, list)
            or not isinstance(nonces, list)
            or len(votes) != spec.options
            or len(nonces) != spec.options
            or any(v not in (0, 1) or isinstance(v, bool) for v in votes)
        ):
            raise _malformed("a reveal needs one 0/1 vote and one nonce per option", q)
        result.append((votes, [_decode(Scalar, r, "$.reveal", q) for r in nonces]))
    return result


def verify_reveal(ballot: Ballot, reveal: Reveal, joint_key: Point) -> None:
    """Each revealed ciphertext must be exactly ``(rG, vG + rX)``; a ranked reveal must open
    its pairs and positions to one full ranking (``open_ranking``)."""
    x = joint_key.encoding
    for q, (answer, revealed) in enumerate(zip(ballot.answers, reveal, strict=True)):
        if isinstance(answer, EncryptedRanking):
            try:
                open_ranking(joint_key, answer, revealed)
            except InvalidOpening as exc:
                raise BallotRejected(
                    "bad_reveal", f"question {q}: {exc}", q, part=_ranking_part(exc)
                ) from None
            continue
        votes, nonces = revealed
        for ct, v, r in zip(answer.ciphertexts, votes, nonces, strict=True):
            if (
                r.is_zero()
                or ct.a.encoding != base_mul(r.value)
                or ct.b.encoding != point_add(base_mul(v), var_mul(r.value, x))
            ):
                raise BallotRejected(
                    "bad_reveal", "the revealed choices do not match the ballot", q, 0
                )
