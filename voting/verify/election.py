"""The election manifest: its fingerprint, and the shape of each question on a ballot.

A ``Shape`` lists the protocol §5 sub-questions ("parts") that one question becomes on the
ballot: one part for single-choice and approval questions; for a ranked question one two-option
part (bounds ``1..1``) per pair of options, the pairs of its ranking proof (protocol §5.1,
docs/elections.md §4), which ``voting.crypto.ranking.verify_ranking`` checks together with the
positions, places and links. The tally adds the pairs only and lays ciphertexts out in the same
order, so ``Shape.width`` is also the number of tally ciphertexts of the question (``n(n−1)``
for a ranked one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voting.crypto.group import int8
from voting.crypto.ranking import ranked_pairs
from voting.verify.canonical import dumps, sha256f

PROTOCOL = "mashwara/v1"
KINDS = ("single", "approval", "ranked")
MAX_QUESTIONS = 10
MAX_OPTIONS = 20
MAX_RANKED_OPTIONS = 10


# Members added to the definition when the key ceremony completes (docs/elections.md §1): the
# ceremony context is the hash of the manifest without them.
FROZEN_AT_CEREMONY_END = ("joint_public_key", "ceremony_context", "issuers", "cohort_keys")


class InvalidManifest(ValueError):
    """A manifest that does not describe a well-formed election."""


@dataclass(frozen=True, slots=True)
class Part:
    """One §5 question on the ballot: context suffix, option count and selection bounds.

    The part's proof context is ``ballot_context(fingerprint, nonce) + suffix``."""

    suffix: bytes
    options: int
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class Shape:
    kind: str
    options: int
    parts: tuple[Part, ...]

    @property
    def width(self) -> int:
        return sum(part.options for part in self.parts)


def question_bounds(question: dict[str, Any]) -> tuple[int, int]:
    kind = question["type"]
    if kind == "single":
        return (0 if question.get("blank") else 1), 1
    if kind == "approval":
        return question["min"], question["max"]
    return 1, 1  # a ranked question's pair: exactly one of "i above j", "j above i"


def shapes(manifest: dict[str, Any]) -> list[Shape]:
    """The ballot shape of every question; raises ``InvalidManifest`` for a malformed one."""
    questions = manifest.get("questions")
    if not isinstance(questions, list) or not 1 <= len(questions) <= MAX_QUESTIONS:
        raise InvalidManifest(f"an election has 1 to {MAX_QUESTIONS} questions")
    result = []
    for q, question in enumerate(questions):
        kind = question.get("type") if isinstance(question, dict) else None
        if kind not in KINDS:
            raise InvalidManifest(f"question {q}: unknown type")
        options = question.get("options")
        limit = MAX_RANKED_OPTIONS if kind == "ranked" else MAX_OPTIONS
        if not isinstance(options, list) or not 2 <= len(options) <= limit:
            raise InvalidManifest(f"question {q}: 2 to {limit} options")
        n = len(options)
        if kind == "ranked":
            parts = tuple(Part(int8(q) + int8(i) + int8(j), 2, 1, 1) for i, j in ranked_pairs(n))
        else:
            low, high = question_bounds(question)
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)):
                raise InvalidManifest(f"question {q}: bounds must be integers")
            if not 0 <= low <= high <= n:
                raise InvalidManifest(f"question {q}: need 0 ≤ min ≤ max ≤ {n}")
            parts = (Part(int8(q), n, low, high),)
        result.append(Shape(kind, n, parts))
    return result


def ceremony_context(definition: dict[str, Any]) -> bytes:
    return sha256f("ceremony-context", dumps(definition))


def fingerprint(manifest: dict[str, Any]) -> bytes:
    return sha256f("election-fingerprint", dumps(manifest))


ELECTION_CODE_DIGITS = 24


def election_code(fingerprint_bytes: bytes) -> str:
    """The election code: the fingerprint in a form a person compares by eye or reads aloud
    (docs/elections.md §1). ``SHA256F("election-code", fingerprint)``, its first 10 bytes as a
    big-endian integer mod 10^24, written as 24 Western digits in six groups of four separated
    by spaces, e.g. ``"0412 9937 5120 0008 3316 7745"``. About 80 bits: a second manifest with
    the same code costs some 2^80 hashes (docs/protocol.md §11)."""
    if len(fingerprint_bytes) != 32:
        raise ValueError("an election fingerprint is 32 bytes")
    number = int.from_bytes(sha256f("election-code", fingerprint_bytes)[:10], "big")
    digits = f"{number % 10**ELECTION_CODE_DIGITS:0{ELECTION_CODE_DIGITS}d}"
    return " ".join(digits[i : i + 4] for i in range(0, ELECTION_CODE_DIGITS, 4))


def roll_id(fingerprint_bytes: bytes, code: bytes) -> bytes:
    return sha256f("roll-id", fingerprint_bytes, code)


def ballot_context(fingerprint_bytes: bytes, nonce: bytes) -> bytes:
    """The context every proof on a ballot starts with: ``fingerprint ‖ nonce`` (32 + 32 bytes,
    the nonce drawn afresh for every encryption); each part appends its suffix, so question
    ``q``'s context is ``ctx_q = fingerprint ‖ nonce ‖ int(q)`` (docs/elections.md §4). The
    answers do not depend on the credential, so an audit names none; a copy of another ballot's
    answers must keep its nonce (or its proofs fail), and then it has the same tracker, which the
    board holds once (protocol §11)."""
    return fingerprint_bytes + nonce


def credential_message(fingerprint_bytes: bytes, credential_key: bytes) -> bytes:
    """The message the issuer blind-signs: ``frame("mashwara/v1/credential") ‖ frame(fp) ‖
    frame(P)`` (docs/elections.md §3)."""
    parts = (b"mashwara/v1/credential", fingerprint_bytes, credential_key)
    return b"".join(len(p).to_bytes(4, "big") + p for p in parts)


def max_ballot_bytes(shape_list: list[Shape], issuer_signatures: int = 1) -> int:
    """A generous upper bound of a well-formed ballot's JSON size, used to refuse big bodies
    before parsing them. A ranked answer also holds ``n`` positions (§5 questions of ``n``
    options, bounds ``1..1``) and ``2n`` one-value range proofs (places, links): 8.5, 23.5 and
    94.3 KB of JSON for ``n`` = 3, 5, 10 (protocol §5.1)."""

    def question(options: int, low: int, high: int) -> int:
        return options * (150 + 2 * 2 * 70) + (high - low + 1) * 2 * 70 + 100

    # Envelope, nonce, board reference, credential key, Schnorr signature; per issuer signature
    # its index, prefix and RSA signature (up to 8192 bits).
    size = 2048 + 2200 * issuer_signatures
    for shape in shape_list:
        for part in shape.parts:
            size += question(part.options, part.low, part.high)
        if shape.kind == "ranked":
            size += shape.options * question(shape.options, 1, 1) + 2 * shape.options * 240
    return size * 2
