"""Voters' receipts against a published board (docs/elections.md §4, "Monitoring the board").

A receipt is ``{"tracker", "position", "hour", "head"}`` where ``head`` is the board head the
ballot box signed right after appending the ballot (``count = position``, ``final: false``).
Only the head is signed; tracker and hour are the voter's claim about the entry the head commits
to. Against the final board a receipt is one of:

- **ok**: the head's signature is valid under the manifest's board key, the board's chain hash
  at ``position`` is the head's hash, and the entry there has the receipt's tracker and hour;
- **rewritten** — proof of misbehaviour: a head validly signed by the board key whose hash is not
  the board's hash at that count (or the board is shorter than the count). The board key signed
  a board of which the published one is not an extension: an entry at or before ``position``
  was dropped, changed or moved after the voter's receipt was given;
- **invalid** — "not a valid receipt", which proves nothing: malformed, signed by another key,
  for another election, a head that is not the one of its own position, or a tracker or hour
  that is not what the signed chain holds at that position (anyone can write such a file).

Pure: no I/O but the record lines it is given; imports no Django.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from voting.crypto.errors import CryptoError
from voting.verify import board
from voting.verify.canonical import NotCanonical, loads
from voting.verify.entries import HEX32, HOUR, MalformedEntry, chain_hashes, parse_entry

OK = "ok"
INVALID = "invalid"
REWRITTEN = "rewritten"
RECEIPT_KEYS = {"tracker", "position", "hour", "head"}


class PublishedBoard(Protocol):
    """The board a receipt is checked against: its entry count, and at each position the
    entry's kind, hour, tracker and chain hash ``h_position`` (hex)."""

    count: int

    def at(self, position: int) -> tuple[str, str, str, str] | None: ...


@dataclass(frozen=True)
class ReceiptCheck:
    status: str  # OK, INVALID or REWRITTEN
    message: str
    position: int | None = None
    tracker: str | None = None
    signed_hash: str | None = None  # the receipt head's hash (when its signature is valid)
    board_hash: str | None = None  # the board's hash at that position, if it has one

    @property
    def proves_misbehaviour(self) -> bool:
        return self.status == REWRITTEN


@dataclass
class RecordBoard:
    """A record's board: entries recomputed from genesis (the ``hash`` members a record states
    are not trusted; the verifier's chain check compares them)."""

    fingerprint: bytes
    board_key: bytes
    rows: list[tuple[str, str, str, str]]

    @property
    def count(self) -> int:
        return len(self.rows)

    def at(self, position: int) -> tuple[str, str, str, str] | None:
        return self.rows[position - 1] if 0 < position <= len(self.rows) else None


def record_board(lines: Iterable[str]) -> RecordBoard:
    """Read the manifest and the entries of a record (docs/elections.md §8). Raises
    ``ValueError`` if the record has no readable manifest or a malformed entry."""
    fingerprint = board_key = None
    entries: list[dict[str, Any]] = []
    for line in lines:
        if not line.strip():
            continue
        try:
            item = loads(line)
        except NotCanonical as exc:
            raise ValueError(f"unreadable record line: {exc}") from None
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "manifest":
            try:
                fingerprint = bytes.fromhex(item["fingerprint"])
                board_key = bytes.fromhex(item["manifest"]["board_public_key"])
            except (KeyError, TypeError, ValueError):
                raise ValueError("the record's manifest line is malformed") from None
        elif kind == "entry":
            try:
                entries.append(parse_entry(item))
            except MalformedEntry as exc:
                raise ValueError(str(exc)) from None
            if entries[-1]["position"] != len(entries):
                raise ValueError(f"entry {len(entries)} is out of order")
        elif kind in ("head", "tally", "decryption", "results"):
            break
    if fingerprint is None or board_key is None:
        raise ValueError("the record has no manifest line")
    hashes = chain_hashes(board.genesis(fingerprint), entries)
    rows = [
        (e["kind"], e["hour"], e["tracker"], h.hex())
        for e, h in zip(entries, hashes[1:], strict=True)
    ]
    return RecordBoard(fingerprint, board_key, rows)


def check_receipt(
    receipt: Any, *, fingerprint: bytes, board_key: bytes, published: PublishedBoard
) -> ReceiptCheck:
    """Check one receipt (parsed JSON) against ``published``."""
    try:
        position, tracker, hour, head = _parse(receipt)
    except ValueError as exc:
        return ReceiptCheck(INVALID, f"not a valid receipt: {exc}")
    try:
        board.verify_head(board_key, fingerprint, head)
    except (CryptoError, ValueError) as exc:
        reason = "the head is not signed by this election's board key"
        if isinstance(exc, ValueError):
            reason = str(exc)
        return ReceiptCheck(INVALID, f"not a valid receipt: {reason}", position, tracker)
    claimed = head["hash"]
    row = published.at(position)
    if row is None:
        return ReceiptCheck(
            REWRITTEN,
            f"the board was rewritten: signed head at count {position} has hash {claimed}, "
            f"the published board has only {published.count} entries",
            position,
            tracker,
            claimed,
        )
    kind, entry_hour, entry_tracker, chain = row
    if chain != claimed:
        return ReceiptCheck(
            REWRITTEN,
            f"the board was rewritten: signed head at count {position} has hash {claimed}, "
            f"the published board has {chain}",
            position,
            tracker,
            claimed,
            chain,
        )
    if entry_tracker != tracker or entry_hour != hour:
        # The signed head matches: the entry it commits to is not the one the file claims.
        return ReceiptCheck(
            INVALID,
            f"not a valid receipt: the signed head at position {position} commits to tracker "
            f"{entry_tracker} in the hour {entry_hour}, not to this receipt's",
            position,
            tracker,
        )
    if "kind" in receipt and receipt["kind"] != kind:
        return ReceiptCheck(
            INVALID,
            f"not a valid receipt: the entry at position {position} is {kind}",
            position,
            tracker,
        )
    return ReceiptCheck(
        OK,
        f"position {position} ({kind}) holds tracker {tracker} and the signed hash",
        position,
        tracker,
        claimed,
        chain,
    )


def _parse(receipt: Any) -> tuple[int, str, str, dict[str, Any]]:
    if not isinstance(receipt, dict) or not RECEIPT_KEYS <= set(receipt) <= RECEIPT_KEYS | {"kind"}:
        raise ValueError("a receipt has exactly tracker, position, hour and head")
    position, tracker, hour, head = (receipt[k] for k in ("position", "tracker", "hour", "head"))
    if type(position) is not int or not 0 < position < 1 << 53:
        raise ValueError("position is a positive integer")
    if not isinstance(tracker, str) or not HEX32.match(tracker):
        raise ValueError("the tracker is 64 hex characters")
    if not isinstance(hour, str) or not HOUR.match(hour):
        raise ValueError("hour is an ISO 8601 hour")
    if not isinstance(head, dict):
        raise ValueError("head is a signed board head")
    if type(head.get("count")) is not int or head["count"] != position:
        raise ValueError("the head is not the one right after the receipt's entry")
    if head.get("final") is not False:
        raise ValueError("a receipt's head is a running head (final: false)")
    if not isinstance(head.get("hash"), str) or not HEX32.match(head["hash"]):
        raise ValueError("the head's hash is 64 hex characters")
    if not isinstance(head.get("signature"), str) or len(head["signature"]) != 128:
        raise ValueError("the head's signature is 128 hex characters")
    return position, tracker, hour, head


def read_receipts(text: str) -> list[Any]:
    """The receipts in a file: one receipt object (as the ballot page downloads it), a JSON
    array of receipts, or one receipt per line. Raises ``ValueError`` if unreadable."""
    try:
        value = json.loads(text)
    except ValueError:
        try:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise ValueError(f"not JSON: {exc}") from None
    return value if isinstance(value, list) else [value]


def check_receipt_files(record: Iterable[str], paths: list[str]) -> list[tuple[str, ReceiptCheck]]:
    """Every receipt of every file against a record; labels are ``file`` or ``file#n``."""
    published = record_board(record)
    out = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                receipts = read_receipts(handle.read())
        except (OSError, ValueError) as exc:
            out.append((path, ReceiptCheck(INVALID, f"not a valid receipt file: {exc}")))
            continue
        for index, receipt in enumerate(receipts, start=1):
            label = path if len(receipts) == 1 else f"{path}#{index}"
            check = check_receipt(
                receipt,
                fingerprint=published.fingerprint,
                board_key=published.board_key,
                published=published,
            )
            out.append((label, check))
    return out


def receipt_report(record_path: str, paths: list[str]) -> tuple[list[str], bool]:
    """The verifier's lines for ``--receipts`` and whether no receipt proves misbehaviour.
    A receipt that is not valid is reported but proves nothing, so it does not fail the run."""
    if not paths:
        return [], True
    try:
        with open(record_path, encoding="utf-8") as handle:
            checks = check_receipt_files(handle, paths)
    except (OSError, ValueError) as exc:
        return [f"[FAILED] receipts: cannot read the record's board: {exc}"], False
    marks = {OK: "[ok]    ", INVALID: "[invalid]", REWRITTEN: "[PROOF] "}
    lines = [f"receipts ({len(checks)}):"]
    for label, check in checks:
        suffix = " (proves nothing)" if check.status == INVALID else ""
        lines.append(f"{marks[check.status]} receipt {label}: {check.message}{suffix}")
    proofs = sum(1 for _, check in checks if check.proves_misbehaviour)
    if proofs:
        lines.append(
            f"[FAILED] {proofs} receipt(s) prove the board was rewritten after they were given"
        )
    return lines, not proofs
