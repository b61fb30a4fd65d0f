"""One monitoring pass: does the board the server shows now extend everything seen before?

``Held`` is what a monitor has seen — the entries (without ballots) at positions 1..n, the chain
``h_0..h_n`` recomputed over them, and every distinct signed head. ``observe`` fetches the
current signed head and the entries after ``n`` and either extends ``Held`` or raises
``Misbehaviour`` with the two signed heads that no single append-only board can satisfy; once
the head is final, ``check_closed_board`` checks every ballot against its digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voting.monitor.evidence import (
    Inconsistent,
    Misbehaviour,
    branch,
    checked_entries,
    head_problem,
)
from voting.monitor.source import BoardSource, FetchError
from voting.verify import board
from voting.verify.canonical import NotCanonical
from voting.verify.entries import (
    MalformedEntry,
    ballot_digest,
    chain_hash,
    chain_hashes,
    parse_entry,
)

MAX_LISTED = 20


@dataclass
class Pass:
    """What one pass adds to the state."""

    head: dict[str, Any]
    entries: list[dict[str, Any]]
    new_head: bool


class Held:
    def __init__(self, fingerprint: bytes, board_key: bytes) -> None:
        self.fingerprint = fingerprint
        self.board_key = board_key
        self.entries: list[dict[str, Any]] = []
        self.chain: list[bytes] = [board.genesis(fingerprint)]
        self.heads: list[dict[str, Any]] = []
        self._by_count: dict[int, dict[str, Any]] = {}

    @property
    def n(self) -> int:
        return len(self.entries)

    @property
    def top(self) -> dict[str, Any] | None:
        return max(self.heads, key=lambda h: h["count"], default=None)

    def extend(self, entries: list[dict[str, Any]]) -> None:
        self.entries += entries
        for entry in entries:
            self.chain.append(chain_hash(self.chain[-1], entry))

    def add_head(self, head: dict[str, Any]) -> bool:
        """Keep ``head`` (already checked to extend what is held); ``False`` if already held."""
        if head in self.heads:
            return False
        self.heads.append(head)
        self._by_count.setdefault(head["count"], head)
        return True

    def twin(self, head: dict[str, Any]) -> dict[str, Any] | None:
        """A held head for the same count with another hash."""
        other = self._by_count.get(head["count"])
        return other if other is not None and other["hash"] != head["hash"] else None

    @classmethod
    def load(cls, fingerprint: bytes, board_key: bytes, lines: list[dict[str, Any]]) -> Held:
        """Rebuild from a state's lines, re-checking everything; raises ``ValueError``."""
        held = cls(fingerprint, board_key)
        raw = [line.get("entry") for line in lines if line.get("type") == "entry"]
        try:
            held.extend(checked_entries(raw, 1, held.chain[0]))
        except Inconsistent as exc:
            raise ValueError(f"the saved entries do not chain: {exc}") from None
        for line in lines:
            if line.get("type") != "head":
                continue
            head = line.get("head")
            problem = head_problem(fingerprint, board_key, head)
            if problem:
                raise ValueError(f"a saved head is not valid: {problem}")
            if head["count"] > held.n or held.chain[head["count"]].hex() != head["hash"]:
                raise ValueError(
                    f"the saved head at count {head['count']} is not on the saved chain"
                )
            held.add_head(head)
        return held


def observe(held: Held, source: BoardSource) -> Pass:
    """One pass; extends ``held`` or raises ``Misbehaviour`` (or ``FetchError``)."""
    head = source.head()
    problem = head_problem(held.fingerprint, held.board_key, head)
    if problem:
        raise Misbehaviour(
            "invalid_head", f"the server's board head is not valid: {problem}", [head]
        )
    count = head["count"]
    twin = held.twin(head)
    if twin is not None:
        raise _diagnose(
            held,
            source,
            "equivocation",
            f"the board key signed two different heads for count {count}: hash {twin['hash']} "
            f"and hash {head['hash']}",
            twin,
            head,
        )
    top = held.top
    if top is not None and count < top["count"]:
        raise _diagnose(
            held,
            source,
            "shrunk",
            f"the board shrank: a head signed for count {top['count']} (hash {top['hash']}), "
            f"now a head signed for count {count} (hash {head['hash']})",
            top,
            head,
        )
    new: list[dict[str, Any]] = []
    if count > held.n:
        raw = source.entries(after=held.n, upto=count)
        try:
            if len(raw) != count - held.n:
                raise Inconsistent(f"the board serves {held.n + len(raw)} of its {count} entries")
            new = checked_entries(raw, held.n + 1, held.chain[-1])
            reached = chain_hashes(held.chain[-1], new)[-1]
        except Inconsistent:
            reached = None
    else:
        reached = held.chain[count]
    if reached is None or reached.hex() != head["hash"]:
        reference = top or {"count": 0, "hash": held.chain[0].hex()}
        raise _diagnose(
            held,
            source,
            "fork",
            f"the board was rewritten: the new head signed for count {count} (hash "
            f"{head['hash']}) does not extend the head signed for count {reference['count']} "
            f"(hash {reference['hash']}) and the entries seen",
            top,
            head,
        )
    held.extend(new)
    return Pass(head, new, held.add_head(head))


def check_closed_board(held: Held, source: BoardSource, head: dict[str, Any]) -> None:
    """Once ``head`` (final, already shown to extend everything held) closed the board, every
    ballot is public: each published entry must be the one seen, and its ballot must hash to
    the digest the chain committed to. Raises ``Misbehaviour`` (kind ``bodies``)."""
    raw = source.entries(after=0, upto=head["count"])
    problems = []
    for position, (value, seen) in enumerate(zip(raw, held.entries, strict=False), start=1):
        try:
            published = parse_entry(value)
        except MalformedEntry as exc:
            problems.append({"position": position, "problem": str(exc)})
            continue
        if published != seen:
            problems.append({"position": position, "problem": "not the entry seen", "seen": seen})
        else:
            ballot = value.get("ballot")
            if ballot is None:
                problems.append({"position": position, "problem": "the ballot is still hidden"})
            else:
                try:
                    matches = ballot_digest(ballot) == seen["digest"]
                except NotCanonical:
                    matches = False
                if not matches:
                    problems.append(
                        {"position": position, "problem": "the ballot does not hash to its digest"}
                    )
        if len(problems) >= MAX_LISTED:
            break
    if len(raw) < head["count"]:
        problems.append({"position": len(raw) + 1, "problem": "missing after closing"})
    if problems:
        first = problems[0]
        raise Misbehaviour(
            "bodies",
            f"the closed board's entry {first['position']}: {first['problem']}",
            [head],
            {"entries": problems},
        )


def _diagnose(
    held: Held,
    source: BoardSource,
    kind: str,
    message: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> Misbehaviour:
    """Fetch the whole board the server now publishes under ``after`` and show where it parts
    from what was seen under ``before``: from the last common hash ``h_{p−1}``, the entries seen
    (up to ``before``'s count) and the entries published (up to ``after``'s count). Anyone
    re-checks it (``evidence.check_evidence``): each list chains from the common hash to its own
    signed head, and they differ at ``p``, so no append-only board has both heads."""
    details: dict[str, Any] = {}
    heads = [h for h in (before, after) if h is not None]
    try:
        raw = source.entries(after=0, upto=after["count"])
        published = checked_entries(raw, 1, held.chain[0])
        if len(published) != after["count"]:
            raise Inconsistent(f"the board serves {len(published)} of its {after['count']} entries")
        if chain_hashes(held.chain[0], published)[-1].hex() != after["hash"]:
            raise Inconsistent("its entries do not lead to the head signed for it")
    except (FetchError, Inconsistent) as exc:
        details["published_board"] = f"not readable: {exc}"
        if kind == "fork":
            kind = "inconsistent"
            message = (
                f"the board published under the head signed for count {after['count']} (hash "
                f"{after['hash']}) is not the board that head signs ({exc})"
            )
        return Misbehaviour(kind, message, heads, details)
    seen = held.entries[: before["count"]] if before is not None else []
    split = next(
        (i for i, (a, b) in enumerate(zip(seen, published, strict=False)) if a != b),
        min(len(seen), len(published)),
    )
    common = {"count": split, "hash": held.chain[split].hex()}
    if before is not None:
        details["branches"] = [
            branch(before, common, seen[split:]),
            branch(after, common, published[split:]),
        ]
    if before is not None and split == len(published) < len(seen):
        # The board now shown is a prefix of the one seen.
        if after["final"]:
            message += f"; the final board drops the entries after position {split}"
        else:
            message += "; an older head is served again, the entries after it are not shown"
    elif split < len(seen):
        message += f"; the boards part at position {split + 1}"
    where = {e["tracker"]: e["position"] for e in published}
    details["dropped"] = [
        {"tracker": e["tracker"], "position": e["position"]}
        for e in held.entries
        if e["tracker"] not in where
    ]
    details["moved"] = [
        {"tracker": e["tracker"], "seen": e["position"], "published": where[e["tracker"]]}
        for e in held.entries
        if where.get(e["tracker"], e["position"]) != e["position"]
    ]
    if details["dropped"]:
        message += "; dropped: " + ", ".join(
            f"position {d['position']} (tracker {d['tracker'][:16]}…)"
            for d in details["dropped"][:MAX_LISTED]
        )
    if details["moved"]:
        message += "; moved: " + ", ".join(
            f"tracker {m['tracker'][:16]}… from {m['seen']} to {m['published']}"
            for m in details["moved"][:MAX_LISTED]
        )
    return Misbehaviour(kind, message, heads, details)
