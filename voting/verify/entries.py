"""A board entry as published (``board.json``, a record's ``entry`` line): its strict shape and
its chain hash ``h_i`` (docs/elections.md §5).

The monitor (``python -m voting.monitor``) and the receipt check (``voting.verify.receipts``)
recompute the chain over entries they did not make, so both read entries through ``parse_entry``
and hash them with ``chain_hash`` — the one function that knows which members ``h_i`` covers.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from voting.verify import board
from voting.verify.canonical import NotCanonical, dumps

HOUR = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:00:00Z\Z")
HEX32 = re.compile(r"[0-9a-f]{64}\Z")
# What a monitor keeps of an entry: everything the chain covers and what it claims, no ballot.
KEPT = ("position", "kind", "hour", "tracker", "digest", "reveal", "previous", "hash")


class MalformedEntry(ValueError):
    """A published entry that is not of the shape of docs/elections.md §5."""


def ballot_digest(ballot: Any) -> str:
    """``digest_i = SHA-256(cj(ballot))`` in hex (docs/elections.md §5)."""
    return hashlib.sha256(dumps(ballot)).hexdigest()


def parse_entry(value: Any) -> dict[str, Any]:
    """Check a published entry's members and types; return what a monitor keeps of it (the
    ``KEPT`` members, without the ballot). Raises ``MalformedEntry``."""
    if not isinstance(value, dict):
        raise MalformedEntry("an entry is a JSON object")
    position = value.get("position")
    if type(position) is not int or not 0 < position < 1 << 53:
        raise MalformedEntry("an entry's position is a positive integer")
    if value.get("kind") not in board.KINDS:
        raise MalformedEntry(f"entry {position}: kind is ballot or audited")
    if not isinstance(value.get("hour"), str) or not HOUR.match(value["hour"]):
        raise MalformedEntry(f"entry {position}: hour is an ISO 8601 hour")
    for name in ("tracker", "digest", "previous", "hash"):
        if not isinstance(value.get(name), str) or not HEX32.match(value[name]):
            raise MalformedEntry(f"entry {position}: {name} is 64 hex characters")
    reveal = value.get("reveal")
    if (value["kind"] == "audited") != (reveal is not None):
        raise MalformedEntry(f"entry {position}: only an audited entry has a reveal")
    try:
        if reveal is not None:
            dumps(reveal)
    except NotCanonical as exc:
        raise MalformedEntry(f"entry {position}: {exc}") from None
    return {name: value[name] for name in KEPT}


def chain_hash(previous: bytes, entry: dict[str, Any]) -> bytes:
    """``h_i`` of a parsed entry, given ``h_{i−1}`` (docs/elections.md §5): over position, kind,
    hour, tracker, the ballot's ``digest`` (so the chain is checkable while ballot bodies are
    hidden) and, for an audited entry, its canonical reveal. THE one place that knows what the chain
    covers for entries a monitor or a receipt check did not make."""
    reveal = dumps(entry["reveal"]) if entry["kind"] == "audited" else b""
    return board.entry_hash(
        previous,
        entry["position"],
        entry["kind"],
        entry["hour"],
        bytes.fromhex(entry["tracker"]),
        bytes.fromhex(entry["digest"]),
        reveal,
    )


def chain_hashes(genesis: bytes, entries: list[dict[str, Any]]) -> list[bytes]:
    """``[h_0, h_1, …, h_n]`` over entries at positions 1..n (positions are not checked here)."""
    out = [genesis]
    for entry in entries:
        out.append(chain_hash(out[-1], entry))
    return out
