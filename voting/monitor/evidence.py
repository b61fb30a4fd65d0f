"""What a monitor reports when the board misbehaves (docs/elections.md "Monitoring the board"):
a message and a JSON document anyone can re-check with the board's public key alone.

A proof is two **branches**, each ``{"head": <signed head>, "from": {"count": k, "hash": h},
"entries": [entries k+1 … head.count]}``: the entries chain from ``h`` to the head's hash, so
the board that head signs has hash ``h`` at count ``k``. Two branches from the same count with
different hashes, or from the same hash whose next entries differ, are two signed heads that no
single append-only board satisfies; so is a final head whose board is a strict prefix of
another signed head's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voting.crypto.errors import CryptoError
from voting.verify import board
from voting.verify.entries import HEX32, MalformedEntry, chain_hash, chain_hashes, parse_entry

FORMAT = "mashwara/v1/monitor-evidence"


class Inconsistent(ValueError):
    """Entries that are malformed, out of order, or whose stated hashes are not the chain's."""


@dataclass
class Misbehaviour(Exception):
    """The board did something an append-only board cannot do."""

    kind: str
    message: str
    heads: list[dict[str, Any]]
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    def document(self, *, election: str, board_key: str, source: str) -> dict[str, Any]:
        document = {
            "format": FORMAT,
            "kind": self.kind,
            "message": self.message,
            "election": election,
            "board_public_key": board_key,
            "source": source,
            "heads": self.heads,
            **self.details,
        }
        document["proof"] = check_evidence(document) is None
        return document


def head_problem(fingerprint: bytes, board_key: bytes, head: Any) -> str | None:
    """Why ``head`` is not a validly signed head of this election, or ``None``."""
    if not isinstance(head, dict):
        return "not a JSON object"
    if type(head.get("count")) is not int or not 0 <= head["count"] < 1 << 53:
        return "count is not a non-negative integer"
    if not isinstance(head.get("hash"), str) or not HEX32.match(head["hash"]):
        return "hash is not 64 hex characters"
    if not isinstance(head.get("final"), bool):
        return "final is not a boolean"
    if not isinstance(head.get("signature"), str) or len(head["signature"]) != 128:
        return "signature is not 128 hex characters"
    try:
        board.verify_head(board_key, fingerprint, head)
    except ValueError as exc:
        return str(exc)
    except CryptoError:
        return "the signature does not verify under the manifest's board key"
    return None


def checked_entries(raw: list[Any], first: int, previous: bytes) -> list[dict[str, Any]]:
    """Parse published entries expected at positions ``first, first+1, …`` after ``h_{first−1}
    = previous``, checking each one's stated ``previous`` and ``hash`` against the chain."""
    out = []
    for offset, value in enumerate(raw):
        try:
            entry = parse_entry(value)
        except MalformedEntry as exc:
            raise Inconsistent(str(exc)) from None
        position = first + offset
        if entry["position"] != position:
            raise Inconsistent(f"entry {entry['position']} served where {position} was due")
        computed = chain_hash(previous, entry)
        if entry["previous"] != previous.hex() or entry["hash"] != computed.hex():
            raise Inconsistent(f"entry {position}: its stated hashes are not the chain's")
        out.append(entry)
        previous = computed
    return out


def branch(head: dict[str, Any], start: dict[str, Any], entries: list[dict[str, Any]]) -> dict:
    return {"head": head, "from": start, "entries": entries}


def check_evidence(document: dict[str, Any]) -> str | None:
    """``None`` if ``document`` proves, under its own ``board_public_key`` (compare it with the
    manifest's), that the board key signed two heads no append-only board satisfies; otherwise
    why it does not."""
    try:
        fingerprint = bytes.fromhex(document["election"])
        key = bytes.fromhex(document["board_public_key"])
        heads = document["heads"]
        if len(heads) != 2:
            return "not two heads"
        for head in heads:
            problem = head_problem(fingerprint, key, head)
            if problem:
                return f"a head is not valid: {problem}"
        first, second = heads
        if first["count"] == second["count"]:
            return None if first["hash"] != second["hash"] else "the two heads are the same"
        branches = document.get("branches")
        if not isinstance(branches, list) or len(branches) != 2:
            return "two heads for different counts need two branches"
        anchors = []
        for item, head in zip(branches, heads, strict=True):
            if item["head"] != head:
                return "a branch is not for its head"
            start = item["from"]
            count, start_hash = start["count"], bytes.fromhex(start["hash"])
            entries = checked_entries(item["entries"], count + 1, start_hash)
            if count + len(entries) != head["count"]:
                return "a branch does not reach its head's count"
            if chain_hashes(start_hash, entries)[-1].hex() != head["hash"]:
                return "a branch does not reach its head's hash"
            anchors.append((count, start["hash"], entries[0] if entries else None))
        (count_a, hash_a, next_a), (count_b, hash_b, next_b) = anchors
        if count_a != count_b:
            return "the branches start at different counts"
        if hash_a != hash_b:
            return None
        if next_a is None or next_b is None:
            # One board is a prefix of the other: a contradiction only if the shorter is final.
            shorter = heads[0] if next_a is None else heads[1]
            return None if shorter["final"] else "an older head: one board is a prefix of the other"
        return None if next_a != next_b else "the branches do not part where they start"
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return f"malformed evidence: {exc}"
