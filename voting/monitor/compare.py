"""Comparing what several monitors saw: a split view is the board key signing two heads for one
count with different hashes, or a head that is not a prefix of a board another monitor holds
(its entries chain to a head signed at a greater count through another hash at that count)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voting.monitor.evidence import (
    Inconsistent,
    Misbehaviour,
    branch,
    checked_entries,
    head_problem,
)
from voting.verify import board
from voting.verify.entries import chain_hashes

MAX_REPORTED = 10


@dataclass
class View:
    """One monitor's saved heads, and its entries if it shared them."""

    name: str
    heads: list[dict[str, Any]]
    entries: list[dict[str, Any]] = field(default_factory=list)
    chain: list[bytes] | None = None
    notes: list[str] = field(default_factory=list)


def view_from_lines(name: str, lines: list[dict[str, Any]]) -> View:
    heads = [line.get("head") for line in lines if line.get("type") == "head"]
    entries = [line.get("entry") for line in lines if line.get("type") == "entry"]
    return View(name, heads, entries)


def split_views(
    views: list[View], fingerprint: bytes, board_key: bytes
) -> tuple[list[Misbehaviour], list[str]]:
    """Every split view among ``views`` (at most ``MAX_REPORTED``), and notes on what was left
    out (heads not validly signed: they prove nothing)."""
    notes: list[str] = []
    valid: list[tuple[str, dict[str, Any]]] = []
    for view in views:
        bad = 0
        for head in view.heads:
            if head_problem(fingerprint, board_key, head) is None:
                valid.append((view.name, head))
            else:
                bad += 1
        if bad:
            notes.append(
                f"{view.name}: {bad} head(s) not validly signed for this election, ignored"
            )
        _chain(view, fingerprint, notes)
    found: list[Misbehaviour] = []
    reported: set[tuple[str, str]] = set()

    def report(item: Misbehaviour) -> None:
        pair = tuple(sorted(h["hash"] + str(h["count"]) for h in item.heads))
        if pair not in reported and len(found) < MAX_REPORTED:
            reported.add(pair)
            found.append(item)

    by_count: dict[int, tuple[str, dict[str, Any]]] = {}
    for name, head in valid:
        first = by_count.setdefault(head["count"], (name, head))
        if first[1]["hash"] != head["hash"]:
            report(
                Misbehaviour(
                    "split_view",
                    f"split view: the board key signed count {head['count']} with hash "
                    f"{first[1]['hash']} ({first[0]}) and with hash {head['hash']} ({name})",
                    [first[1], head],
                    {"sources": [first[0], name]},
                )
            )
    for view in views:
        if view.chain is None:
            continue
        top = max(
            (h for n, h in valid if n == view.name and h["count"] <= len(view.entries)),
            key=lambda h: h["count"],
            default=None,
        )
        if top is None:
            continue
        for name, head in valid:
            count = head["count"]
            if name == view.name or count > top["count"]:
                continue
            ours = view.chain[count].hex()
            if ours == head["hash"]:
                continue
            report(
                Misbehaviour(
                    "split_view",
                    f"split view: {name} holds a head signed for count {count} with hash "
                    f"{head['hash']}; the board {view.name} saw, signed at count {top['count']}, "
                    f"has hash {ours} at count {count}",
                    [head, top],
                    {
                        "sources": [name, view.name],
                        "branches": [
                            branch(head, {"count": count, "hash": head["hash"]}, []),
                            branch(
                                top,
                                {"count": count, "hash": ours},
                                view.entries[count : top["count"]],
                            ),
                        ],
                    },
                )
            )
    return found, notes


def _chain(view: View, fingerprint: bytes, notes: list[str]) -> None:
    """Recompute a shared view's chain (a monitor's own view comes with its chain)."""
    if not view.entries or view.chain is not None:
        return
    try:
        view.entries = checked_entries(view.entries, 1, board.genesis(fingerprint))
        view.chain = chain_hashes(board.genesis(fingerprint), view.entries)
    except Inconsistent as exc:
        notes.append(f"{view.name}: its entries do not chain ({exc}); only its heads are compared")
        view.entries = []
