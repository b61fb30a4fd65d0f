"""Re-check a whole election record (docs/elections.md §8) and report a checklist.

Every check is recomputed from the record alone: nothing from the server is trusted but the
bytes of the record. Ballots are checked in parallel across processes, each of which also adds up
the ciphertexts of the ballots of its chunk that the count may take; the board chain, the board
references, the caps and the counted-ballot selection are checked in order in the main process
from what the workers return, and the aggregate is their sums less the ballots the selection
passed over (with cohort dimensions, the per-cohort cells likewise: ``RunningCells``). A failed
check names the item (record line, board position, trustee, question and ciphertext) so an
observer can point at it. Malformed input anywhere gives failed checks, never an exception: each
line's handler is guarded, and whatever it did not expect is reported against the check it was
serving.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, NamedTuple

from voting.crypto.blind_rsa import BlindRsaPublicKey
from voting.crypto.elgamal import Ciphertext
from voting.crypto.errors import CryptoError
from voting.crypto.group import IDENTITY_BYTES, Point, base_mul
from voting.crypto.serialization import canonical_json, from_json
from voting.crypto.threshold import (
    DecryptionShare,
    EncryptedShare,
    ShareReveal,
    TrusteeAnnouncement,
    combine_decryption_shares,
    joint_public_key,
    verification_keys,
    verify_announcement,
    verify_partial_decryption,
    verify_share_reveal,
)
from voting.verify import board as chain
from voting.verify import schema
from voting.verify.ballots import (
    BallotRejected,
    parse_ballot,
    parse_reveal,
    parse_sealed,
    verify_ballot,
    verify_reveal,
    verify_sealed,
)
from voting.verify.canonical import NotCanonical, dumps, loads, loads_for_strict_parser
from voting.verify.cohort_record import LINE_KEYS as COHORT_LINE_KEYS
from voting.verify.cohort_record import Cells, CohortRecord, RunningCells, chunk_cells
from voting.verify.cohorts import add_sums, subtract_row
from voting.verify.election import (
    FROZEN_AT_CEREMONY_END,
    InvalidManifest,
    ceremony_context,
    fingerprint,
    ranked_pairs,
    shapes,
)
from voting.verify.issuers import InvalidLedger, check_issuer_key, check_ledger, parse_issuers
from voting.verify.results import (
    aggregate,
    ciphertext_as,
    results_from_counts,
    undecided_pairs,
)

HOUR = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:00:00Z\Z")
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")
HEX32 = re.compile(r"[0-9a-f]{64}\Z")
CHUNK = 200
ENTRY_KEYS = {
    "type",
    "position",
    "kind",
    "hour",
    "tracker",
    "digest",
    "ballot",
    "reveal",
    "previous",
    "hash",
}
# docs/elections.md §8: the line types in the order they come; ``entry`` and ``decryption`` may
# repeat (and may be absent: a board with no entry, a tally of no ballot), the others appear once.
LINE_ORDER = ("manifest", "ceremony", "roll", "issuers", "poll", "entry", "head", "tally")
LINE_ORDER += ("decryption", "results")
# An election with cohort dimensions has four more lines (docs/protocol.md §12); one without has
# none of them (voting.verify.cohort_record checks which).
LINE_ORDER = LINE_ORDER[:5] + ("cohorts",) + LINE_ORDER[5:8] + ("cohort_tally",)
LINE_ORDER += ("decryption", "cohort_decryption", "results", "cohort_results")
REPEATED = {"entry", "decryption", "cohort_decryption"}
OPTIONAL = {"entry", "decryption", *COHORT_LINE_KEYS}
LINE_KEYS = {
    "manifest": {"type", "manifest", "fingerprint"},
    "ceremony": {"type", "trustees", "shares", "complaints", "answers"},
    "roll": {"type", "size", "issued", "reissued", "by_registrar", "entries"},
    "issuers": {"type", "ledgers"},
    "poll": {"type", "opened", "closed"},
    "head": {"type", "head"},
    "tally": {"type", "tally"},
    "decryption": {"type", "trustee", "shares"},
    "results": {"type", "results"},
    **COHORT_LINE_KEYS,
}


def _hour_of(moment: str) -> str:
    """The UTC hour ``…T10:00:00Z`` a ``…T10:30:00Z`` time falls in."""
    return moment[:13] + ":00:00Z"


class Malformed(ValueError):
    """A record member of the wrong type, shape or encoding."""


def _int(value: Any, what: str, minimum: int = 0) -> int:
    if type(value) is not int or not minimum <= value < 1 << 53:
        raise Malformed(f"{what} must be an integer ≥ {minimum}")
    return value


def _bool(value: Any, what: str) -> bool:
    if type(value) is not bool:
        raise Malformed(f"{what} must be true or false")
    return value


def _hex32(value: Any, what: str) -> str:
    if not isinstance(value, str) or not HEX32.match(value):
        raise Malformed(f"{what} must be 64 lowercase hex characters")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise Malformed(f"{what} must be a list")
    return value


def _keys(value: Any, keys: set[str], what: str) -> dict[str, Any]:
    if problem := schema.member_problem(value, keys):
        raise Malformed(f"{what}: {problem}")
    return value


@dataclass
class Check:
    name: str
    failures: list[str] = field(default_factory=list)
    done: bool = False

    def fail(self, message: str) -> None:
        if len(self.failures) < 50:
            self.failures.append(message)
        elif len(self.failures) == 50:
            self.failures.append("… more failures not shown")

    @property
    def ok(self) -> bool:
        return self.done and not self.failures


@dataclass
class Report:
    checks: dict[str, Check]
    fingerprint: str = ""

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks.values())

    def lines(self) -> list[str]:
        out = []
        for check in self.checks.values():
            if check.ok:
                out.append(f"[ok]     {check.name}")
            elif not check.done and not check.failures:
                out.append(f"[FAILED] {check.name}: not checked (missing from the record)")
            else:
                out.append(f"[FAILED] {check.name}")
                out.extend(f"           - {failure}" for failure in check.failures)
        return out


# The checklist, in the order it is printed; docs/elections.md §8 lists the same lines.
CHECKS = [
    (
        "format",
        "record: every line canonical JSON, the line types in the documented order, none missing",
    ),
    ("manifest", "manifest and fingerprint"),
    (
        "ceremony",
        "key ceremony: commitments, proofs, all n(n−1) encrypted shares, complaints answered, "
        "joint key, issuer keys",
    ),
    ("roll", "roll: counts and identifiers"),
    (
        "poll",
        "poll hours: within the manifest's schedule; every entry's hour within [opened, closed], "
        "non-decreasing",
    ),
    ("chain", "bulletin board: hash chain, ballot digests, each tracker once"),
    ("head", "final board head and its signature"),
    (
        "ballots",
        "every ballot: tracker, credential, signature, proofs; audited entries: no credential, "
        "proofs",
    ),
    ("reveals", "reveals: every audited entry's reveal opens its sealed ballot"),
    (
        "references",
        "board references: every ballot names an earlier head of this board "
        "(board.count < position)",
    ),
    (
        "caps",
        f"caps: at most {chain.MAX_BALLOTS_PER_CREDENTIAL} ballots per credential; "
        "audits at most max(100, 2 × roll size)",
    ),
    ("selection", "selection: per credential the greatest (board.count, position) counts"),
    (
        "copies",
        "copies: no ciphertext A of a counted ballot in another counted ballot or an audited entry",
    ),
    ("aggregate", "aggregate: the encrypted tally is the sum of the counted ballots"),
    ("shares", "decryption shares and their proofs"),
    ("combination", "combination: the Lagrange combination gives the published counts"),
    ("results", "results (counts, approval totals, Schulze) from the counts"),
    ("eligibility", "eligibility: counted credentials within issued credentials and the roll"),
    (
        "ledgers",
        "issuer ledgers: signed, roll ids of the roll, agreeing with its issued flags; "
        "counted credentials signed by each issuer ≤ its ledger",
    ),
    (
        "issued",
        "issued flags: every roll entry marked issued is in k issuers' ledgers (2k listings if "
        "re-issued)",
    ),
    (
        "cohorts",
        "cohorts: labels under the issuers' keys, no merged label, per-cohort sums adding up to "
        "the tally, only the figures the K rules allow",
    ),
]


# -- ballots, in worker processes ----------------------------------------------------------------

_CONTEXT: dict[str, Any] = {}


def _init_worker(
    manifest: dict[str, Any], cohort_cells: tuple[int, frozenset[tuple[int, int]]] | None = None
) -> None:
    """``cohort_cells``: the number of cohort dimensions and the merge map, if the chunks' cells
    are wanted (``RunningCells``)."""
    _CONTEXT["cohort_cells"] = cohort_cells
    _CONTEXT["shapes"] = shapes(manifest)
    _CONTEXT["fingerprint"] = fingerprint(manifest)
    _CONTEXT["joint"] = Point.from_hex(manifest["joint_public_key"])
    _CONTEXT["issuers"] = parse_issuers(manifest)


class Checked(NamedTuple):
    """What a worker returns for one entry line (``position`` is ``None`` if unreadable)."""

    position: int | None
    kind: str | None = None
    hour: str | None = None
    tracker: str | None = None
    digest: str | None = None
    previous: str | None = None
    hash: str | None = None
    reveal: bytes = b""
    key: str | None = None
    issuers: tuple[int, ...] = ()
    board_count: int | None = None
    board_hash: bytes | None = None
    rows: bytes = b""
    labels: tuple[tuple[int, int], ...] | None = None  # (dimension, value) of its cohort labels
    digest_ok: bool = True
    error: str | None = None
    reveal_error: str | None = None
    canonical: bool = True
    # A member of the line without its documented type or encoding (the ``record`` check).
    malformed: str | None = None


def _entry_bytes(entry: dict[str, Any], ballot: bytes, reveal: bytes) -> bytes:
    """``cj(entry)`` from the canonical ballot and reveal already at hand (members sorted)."""
    members = [b'"ballot":' + ballot]
    for key in ("digest", "hash", "hour", "kind", "position", "previous"):
        members.append(b'"' + key.encode() + b'":' + canonical_json(entry[key]))
    members.append(b'"reveal":' + reveal)
    members.append(b'"tracker":' + canonical_json(entry["tracker"]))
    members.append(b'"type":"entry"')
    return b"{" + b",".join(members) + b"}"


def _is_canonical_line(line: str, canonical: bytes) -> bool:
    return line.endswith("\n") and line[:-1].encode("utf-8") == canonical


def _check_entry(line: str) -> Checked:
    try:
        return _check_entry_strictly(line)
    except (BallotRejected, NotCanonical, CryptoError, KeyError, TypeError, ValueError) as exc:
        return Checked(None, error=f"unreadable entry: {exc}", canonical=False)
    except Exception as exc:  # noqa: BLE001 — a hostile line gets a named failure, not a crash
        return Checked(None, error=f"unreadable entry: {type(exc).__name__}", canonical=False)


def _check_entry_strictly(line: str) -> Checked:
    # parse_ballot / parse_sealed, parse_reveal and the checks below read every field strictly.
    entry = loads_for_strict_parser(line)
    if (
        not isinstance(entry, dict)
        or set(entry) != ENTRY_KEYS
        or entry["type"] != "entry"
        or type(entry["position"]) is not int
        or not 0 < entry["position"] < 1 << 53
        or not all(isinstance(entry[k], str) for k in ("kind", "hour"))
        or not all(
            isinstance(entry[k], str) and HEX32.match(entry[k])
            for k in ("tracker", "digest", "previous", "hash")
        )
    ):
        return Checked(None, error="malformed entry", canonical=False)
    kind = entry["kind"]
    common = {
        "position": entry["position"],
        "kind": kind,
        "hour": entry["hour"],
        "tracker": entry["tracker"],
        "digest": entry["digest"],
        "previous": entry["previous"],
        "hash": entry["hash"],
    }
    if kind not in chain.KINDS:
        canonical = _is_canonical_line(line, dumps(entry))
        return Checked(**common, error="unknown kind", canonical=canonical)
    shape_list, fp, joint = _CONTEXT["shapes"], _CONTEXT["fingerprint"], _CONTEXT["joint"]
    # An audited entry holds exactly the sealed ballot: no credential, no signature, nothing that
    # could link its reveal to a credential. The chain hashes the reveal's bytes as they stand,
    # whether or not they open the ballot: an altered reveal is named as a bad reveal, and the
    # chain says separately whether these are the bytes that were chained.
    audited = kind == "audited"
    reveal_json = dumps(entry["reveal"])
    reveal_bytes = reveal_json if audited and entry["reveal"] is not None else b""
    try:
        ballot = (parse_sealed if audited else parse_ballot)(entry["ballot"], shape_list)
    except BallotRejected as exc:
        # The envelope is readable: the chain is still checked, the ballot is named.
        whole = dumps(entry)
        return Checked(
            **common,
            reveal=reveal_bytes,
            digest_ok=hashlib.sha256(dumps(entry["ballot"])).hexdigest() == entry["digest"],
            error=f"{exc.code}: {exc}",
            canonical=_is_canonical_line(line, whole),
            malformed=f"its ballot is malformed ({exc})" if exc.code == "malformed" else None,
        )
    error = reveal_error = None
    if ballot.tracker.hex() != entry["tracker"]:
        error = "tracker does not match the ballot"
    try:
        if audited:
            verify_sealed(ballot, shape_list, fp, joint)
        else:
            verify_ballot(ballot, shape_list, fp, joint, _CONTEXT["issuers"])
            if entry["reveal"] is not None:
                error = "a cast ballot carries a reveal"
    except BallotRejected as exc:
        error = f"{exc.code}: {exc}"
    malformed = None
    if audited:
        parsed = False
        try:
            reveal = parse_reveal(entry["reveal"], shape_list)
            parsed = True
            verify_reveal(ballot, reveal, joint)
        except BallotRejected as exc:
            if not parsed:
                malformed = f"its reveal is malformed ({exc})"
            where = f"question {exc.question}" if exc.question is not None else "the reveal"
            if exc.item is not None:
                where += f", part {exc.item}"
            reveal_error = f"{where}: {exc}"
    rows = b"".join(ct.a.encoding + ct.b.encoding for ct in ballot.ciphertexts())
    canonical = _entry_bytes(entry, ballot.canonical, reveal_json)
    return Checked(
        **common,
        reveal=reveal_bytes,
        key=None if audited else ballot.credential_key.hex(),
        issuers=() if audited else tuple(i for i, _, _ in ballot.issuer_signatures),
        board_count=ballot.board_count,
        board_hash=ballot.board_hash,
        rows=rows,
        labels=None
        if audited or ballot.cohort_labels is None
        else tuple((d, v) for d, v, _ in ballot.cohort_labels),
        digest_ok=hashlib.sha256(ballot.canonical).hexdigest() == entry["digest"],
        error=error,
        reveal_error=reveal_error,
        canonical=_is_canonical_line(line, canonical),
        malformed=malformed,
    )


def _countable(item: Checked) -> bool:
    """Whether the main process passes the entry on to the count (``_Verifier._ballot``): a
    readable ballot entry with a well-formed hour and no failed check."""
    return (
        item.position is not None
        and item.kind == "ballot"
        and isinstance(item.hour, str)
        and HOUR.match(item.hour) is not None
        and not item.error
    )


class CheckedChunk(NamedTuple):
    """A worker's answer for a chunk of entry lines: each line's ``Checked``, and the
    componentwise sum of the ciphertext rows of its countable entries (``None`` if a row does not
    fit the ballot's width) with their indices in the chunk. The tally is the sum of the counted
    ballots, almost all of them countable entries, so the additions are made in parallel here
    rather than one by one in the main process after the board (docs/elections.md §11). With
    cohort dimensions, ``cells`` holds the same entries added into their cells (``chunk_cells``)."""

    checked: list[Checked]
    summed: tuple[int, ...]
    sums: list[tuple[bytes, bytes]] | None
    cells: Cells | None = None  # with cohort dimensions, the same entries' per-cohort cells


def _check_chunk(lines: list[str]) -> CheckedChunk:
    checked = [_check_entry(line) for line in lines]
    summed = tuple(i for i, item in enumerate(checked) if _countable(item))
    width = sum(shape.width for shape in _CONTEXT["shapes"])
    try:
        sums = aggregate((checked[i].rows for i in summed), width)
    except ValueError:
        sums = None
    cells = None
    if _CONTEXT["cohort_cells"] is not None:
        dimensions, merged = _CONTEXT["cohort_cells"]
        entries = ((checked[i].labels, checked[i].rows) for i in summed)
        cells = chunk_cells(entries, dimensions, merged, width)
    return CheckedChunk(checked, summed, sums, cells)


def _chunks(lines: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# -- the record, in the main process -------------------------------------------------------------


class _IssuerLedgers:
    """The issuers line and the ledger checks (docs/elections.md §8), kept apart from the rest;
    mixed into ``_Verifier``, whose state (``c``, ``manifest``, ``roll``, ``counted``) they read."""

    c: dict[str, Check]
    manifest: dict[str, Any] | None
    roll: dict[str, Any] | None
    report: Report
    counted: dict[str, tuple[int, int]]
    issuers_of: dict[str, set[int]]
    ledgers: dict[int, list[str]]

    def _announced_issuer_keys(self, trustees: list[dict[str, Any]]) -> None:
        """Each issuer key of the manifest is the one its trustee announced in the ceremony,
        with a valid proof of possession bound to the ceremony context and the index."""
        check = self.c["ceremony"]
        cc = bytes.fromhex(self.manifest["ceremony_context"])
        try:
            issuers = parse_issuers(self.manifest)
        except InvalidManifest as exc:
            check.fail(f"issuers: {exc}")
            return
        for index, trustee in enumerate(trustees, start=1):
            announced = trustee.get("issuer_key")
            # Trustees 1..k are the issuers; the others only decrypt and need announce no key
            # (one they announced anyway, as records made before they stopped hold, is checked
            # like an issuer's, and the manifest leaves it out).
            if announced is None and index > issuers.threshold:
                continue
            if announced is None:
                check.fail(f"trustee {index} is an issuer (trustees 1..k) and announced no key")
                continue
            try:
                pem = check_issuer_key(cc, index, announced)
            except CryptoError as exc:
                check.fail(f"trustee {index}'s issuer key: {exc}")
                continue
            if index in issuers.keys and BlindRsaPublicKey.from_pem(pem) != issuers.keys[index]:
                check.fail(
                    f"the manifest's issuer {index} is not the key trustee {index} announced"
                )

    def issuers_line(self, item: dict[str, Any]) -> None:
        """``{"type": "issuers", "ledgers": [{"issuer": i, "ledger": …, "signature": …}]}``:
        each published ledger signed by its issuer's key, for this election, listing only roll
        ids of the roll, each at most once (twice if re-issued) and only if marked issued."""
        check = self.c["ledgers"]
        check.done = True
        if self.manifest is None or self.roll is None:
            check.fail("no valid manifest and roll before the issuers' ledgers")
            return
        try:
            issuers = parse_issuers(self.manifest)
            fp = bytes.fromhex(self.report.fingerprint)
            roll = {e["id"]: e for e in self.roll["entries"]}
            items = item["ledgers"]
            if not isinstance(items, list):
                raise TypeError("ledgers must be a list")
            for published in items:
                index = published["issuer"] if isinstance(published, dict) else None
                if index not in issuers.keys or index in self.ledgers:
                    check.fail(f"a ledger names issuer {index!r}, unknown or already seen")
                    continue
                signed = {k: v for k, v in published.items() if k != "issuer"}
                try:
                    entries = check_ledger(issuers, fp, index, signed)
                except InvalidLedger as exc:
                    check.fail(f"issuer {index}: {exc}")
                    continue
                self.ledgers[index] = entries
                counts: dict[str, int] = {}
                for roll_id in entries:
                    counts[roll_id] = counts.get(roll_id, 0) + 1
                for roll_id, times in counts.items():
                    entry = roll.get(roll_id)
                    if entry is None:
                        check.fail(
                            f"issuer {index}'s ledger lists {roll_id[:16]}…, not on the roll"
                        )
                    elif not entry["issued"]:
                        check.fail(
                            f"issuer {index}'s ledger lists {roll_id[:16]}…, which the roll "
                            "shows as not issued"
                        )
                    elif times > (2 if entry["reissued"] else 1):
                        check.fail(f"issuer {index}'s ledger lists {roll_id[:16]}… {times} times")
        except (InvalidManifest, KeyError, TypeError, AttributeError, ValueError) as exc:
            check.fail(f"malformed issuers line: {exc}")

    def _issued_flags(self) -> None:
        """Each roll entry the roll marks issued is named by at least ``k`` issuers' ledgers (a
        credential carries ``k`` signatures by distinct issuers, each of which lists the entry),
        and one marked re-issued is listed at least ``2k`` times across the ledgers (two
        credentials, each signed by ``k`` distinct issuers; no ledger lists it more than twice).
        Without this the roll's flags are the server's word alone: marking every entry issued
        would raise the bound of the eligibility check."""
        check = self.c["issued"]
        check.done = True
        if self.manifest is None or self.roll is None:
            check.fail("no valid manifest and roll")
            return
        if not self.c["ledgers"].done:
            check.fail("no issuers line: nothing backs the roll's issued flags")
            return
        k = parse_issuers(self.manifest).threshold
        listings: dict[str, list[int]] = {}
        for ledger in self.ledgers.values():
            for roll_id, times in Counter(ledger).items():
                listings.setdefault(roll_id, []).append(min(times, 2))
        unbacked = 0
        for entry in self.roll["entries"]:
            if not entry["issued"]:
                continue
            counts = listings.get(entry["id"], [])
            ledgers, times = len(counts), sum(counts)
            if ledgers < k or (entry["reissued"] and times < 2 * k):
                unbacked += 1
                wanted = f"{k} ledgers" + (
                    f" and {2 * k} listings (re-issued)" if entry["reissued"] else ""
                )
                check.fail(
                    f"roll entry {entry['id'][:16]}… is marked issued, but {ledgers} issuers' "
                    f"ledgers list it ({times} times); it needs {wanted}"
                )
        if unbacked:
            check.fail(f"{unbacked} roll entries marked issued are not backed by the ledgers")

    def _ledger_bounds(self) -> None:
        """Per issuer, the distinct counted credentials carrying its signature ≤ its ledger:
        an issuer's signature cannot be forged, so each one comes from a request it signed."""
        check = self.c["ledgers"]
        if not check.done:
            return
        signed_by: dict[int, int] = {}
        for key in self.counted:
            for index in self.issuers_of.get(key, ()):
                signed_by[index] = signed_by.get(index, 0) + 1
        for index, count in sorted(signed_by.items()):
            ledger = self.ledgers.get(index)
            if ledger is None:
                check.fail(
                    f"{count} counted credentials carry issuer {index}'s signature, but issuer "
                    f"{index} published no valid ledger"
                )
            elif count > len(ledger):
                check.fail(
                    f"{count} counted credentials carry issuer {index}'s signature, but its "
                    f"ledger lists only {len(ledger)} roll entries"
                )


class _Verifier(_IssuerLedgers):
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.report = Report({key: Check(name) for key, name in CHECKS})
        self.c = self.report.checks
        self.manifest: dict[str, Any] | None = None
        self.shape_list = []
        self.announcements: list[TrusteeAnnouncement] = []
        self.roll: dict[str, Any] | None = None
        self.poll: tuple[str, str] | None = None
        self.last_hour = ""
        self.last_hash = b""
        self.hashes: list[bytes] = []  # h_0 … h_count, for the board references
        self.count = 0
        self.trackers: dict[str, int] = {}
        self.ballots_of: dict[str, int] = {}  # credential key → ballot entries
        self.issuers_of: dict[str, set[int]] = {}  # credential key → issuers that signed it
        self.ledgers: dict[int, list[str]] = {}  # issuer → roll ids of its valid ledger
        self.audits = 0
        self.audited_a: dict[bytes, int] = {}  # every ciphertext A of an audited entry → position
        # credential key → (board.count, position) of its counted ballot, and position of its
        # last-appended one (kept to name a tally that follows "last appended counts" instead).
        self.counted: dict[str, tuple[int, int]] = {}
        self.last_appended: dict[str, int] = {}
        self.rows: dict[int, bytes] = {}
        # The sum of every countable entry's row as the workers added them chunk by chunk (set
        # once the whole board is absorbed and every chunk's sum is the sum of the entries passed
        # to the count), and the rows of the countable entries the selection passed over: the
        # tally is the one less the others (``_counted_sum``).
        self.countable_sums: list[tuple[bytes, bytes]] | None = None
        self.passed_over: dict[int, bytes] = {}
        self._running_sums: list[tuple[bytes, bytes]] | None = None
        # The same for the per-cohort cells, with cohort dimensions (``RunningCells``).
        self.running_cells: RunningCells | None = None
        self.head: dict[str, Any] | None = None
        self.tally: dict[str, Any] | None = None
        self.decryptions: list[dict[str, Any]] = []
        self.results: dict[str, Any] | None = None
        self.cohort_record = CohortRecord(None, self.c["cohorts"].fail)

    # manifest and ceremony

    def manifest_line(self, item: dict[str, Any]) -> None:
        check = self.c["manifest"]
        check.done = True
        manifest = item["manifest"]
        try:
            self.shape_list = shapes(manifest)
            definition = {k: v for k, v in manifest.items() if k not in FROZEN_AT_CEREMONY_END}
            _hex32(manifest["ceremony_context"], "the ceremony context")
            if manifest["ceremony_context"] != ceremony_context(definition).hex():
                check.fail("the ceremony context is not the hash of the definition")
            fp = fingerprint(manifest).hex()
            if item["fingerprint"] != fp:
                check.fail(f"the fingerprint is {fp}, not the one the record states")
            self.report.fingerprint = fp
            trustees = _keys(manifest["trustees"], {"threshold", "names"}, "the trustees")
            names = _list(trustees["names"], "the trustee names")
            if not names or not all(isinstance(name, str) for name in names):
                raise Malformed("the trustee names must be a non-empty list of strings")
            if not 1 <= _int(trustees["threshold"], "the threshold", 1) <= len(names):
                raise Malformed("the threshold must be between 1 and the number of trustees")
            _hex32(manifest["board_public_key"], "the board public key")
            cohorts = parse_issuers(manifest).cohorts
            self.cohort_record = CohortRecord(cohorts, self.c["cohorts"].fail)
            Point.from_hex(manifest["joint_public_key"])
            self.manifest = manifest
        except (
            InvalidManifest,
            CryptoError,
            Malformed,
            KeyError,
            TypeError,
            AttributeError,
        ) as exc:
            check.fail(f"malformed manifest: {exc}")

    def ceremony_line(self, item: dict[str, Any]) -> None:
        check = self.c["ceremony"]
        check.done = True
        manifest = self.manifest
        if manifest is None:
            check.fail("no valid manifest before the ceremony")
            return
        cc = bytes.fromhex(manifest["ceremony_context"])
        threshold = manifest["trustees"]["threshold"]
        names = manifest["trustees"]["names"]
        n = len(names)
        try:
            trustees = _list(item["trustees"], "the trustees")
            for trustee in trustees:
                _keys(trustee, {"index", "name", "announcement", "issuer_key"}, "a trustee")
            if [t["name"] for t in trustees] != names:
                check.fail("the trustees differ from the manifest's")
            for expected, trustee in enumerate(trustees, start=1):
                announcement = from_json(TrusteeAnnouncement, trustee["announcement"])
                if announcement.trustee != expected or trustee["index"] != expected:
                    check.fail(f"trustee {expected}: wrong index")
                try:
                    verify_announcement(cc, announcement, threshold)
                except CryptoError as exc:
                    check.fail(f"trustee {expected}: {exc}")
                self.announcements.append(announcement)
            # Every trustee sends one encrypted share to every other (protocol §6 step 2): a
            # share left out is one a recipient never had the chance to check or complain about.
            sent: set[tuple[int, int]] = set()
            for index, share in enumerate(_list(item["shares"], "the shares")):
                parsed = from_json(EncryptedShare, share, path=f"$.shares[{index}]")
                pair = (parsed.sender, parsed.recipient)
                if parsed.sender > n or parsed.recipient > n:
                    check.fail(f"share {index}: trustee {max(pair)} does not exist")
                elif pair in sent:
                    check.fail(f"two encrypted shares from trustee {pair[0]} to trustee {pair[1]}")
                sent.add(pair)
            for sender in range(1, n + 1):
                for recipient in range(1, n + 1):
                    if sender != recipient and (sender, recipient) not in sent:
                        check.fail(
                            f"the encrypted share from trustee {sender} to trustee {recipient} "
                            "is missing"
                        )
            answered = set()
            for answer in _list(item["answers"], "the answers"):
                reveal = from_json(ShareReveal, answer)
                try:
                    verify_share_reveal(self.announcements[reveal.sender - 1], reveal)
                    answered.add((reveal.sender, reveal.recipient))
                except (CryptoError, IndexError) as exc:
                    check.fail(f"answer of trustee {reveal.sender}: {exc}")
            for complaint in _list(item["complaints"], "the complaints"):
                complaint = _keys(complaint, {"sender", "recipient"}, "a complaint")
                if (complaint["sender"], complaint["recipient"]) not in answered:
                    check.fail(
                        f"complaint of trustee {complaint['recipient']} against "
                        f"{complaint['sender']} has no valid answer"
                    )
            joint = joint_public_key(self.announcements).hex()
            if joint != manifest["joint_public_key"]:
                check.fail("the joint public key is not the sum of the trustees' commitments")
            self._announced_issuer_keys(trustees)
        except (CryptoError, Malformed, KeyError, TypeError) as exc:
            check.fail(f"malformed ceremony: {exc}")

    def roll_line(self, item: dict[str, Any]) -> None:
        check = self.c["roll"]
        check.done = True
        try:
            size = _int(item["size"], "the roll size")
            issued = _int(item["issued"], "the issued count")
            reissued = _int(item["reissued"], "the re-issued count")
            entries = _list(item["entries"], "the roll entries")
            for entry in entries:
                _keys(entry, {"id", "issued", "reissued"}, "a roll entry")
                _hex32(entry["id"], "a roll identifier")
                _bool(entry["issued"], "issued")
                _bool(entry["reissued"], "reissued")
            registrars = _list(item["by_registrar"], "by_registrar")
            for group in registrars:
                _keys(group, {"registrar", "size"}, "a registrar group")
                if group["registrar"] is not None and not isinstance(group["registrar"], str):
                    raise Malformed("a registrar is a pseudonym or null")
                _int(group["size"], "a registrar group's size")
            ids = [e["id"] for e in entries]
            if size != len(entries):
                check.fail(f"size {size} but {len(entries)} entries")
            if len(set(ids)) != len(ids) or ids != sorted(ids):
                check.fail("roll identifiers are not unique and sorted")
            if issued != sum(1 for e in entries if e["issued"]):
                check.fail("the issued count does not match the entries")
            if reissued != sum(1 for e in entries if e["reissued"]):
                check.fail("the re-issued count does not match the entries")
            if any(e["reissued"] and not e["issued"] for e in entries):
                check.fail("an entry is re-issued without a first credential")
            if sum(r["size"] for r in registrars) != size:
                check.fail("the per-registrar sizes do not add up to the roll size")
            self.roll = item
        except (Malformed, KeyError, TypeError) as exc:
            check.fail(f"malformed roll: {exc}")

    def poll_line(self, item: dict[str, Any]) -> None:
        check = self.c["poll"]
        check.done = True
        opened, closed = item["opened"], item["closed"]
        if not all(isinstance(t, str) and HOUR.match(t) for t in (opened, closed)):
            check.fail("the poll's opening and closing hours must be UTC hours (…T10:00:00Z)")
            return
        if opened > closed:
            check.fail(f"the poll closed ({closed}) before it opened ({opened})")
            return
        self.poll = (opened, closed)
        self._within_schedule(opened, closed)

    def _within_schedule(self, opened: str, closed: str) -> None:
        """The poll lies within the schedule the manifest fixed before the ceremony (and that
        observers published): it opened no earlier than the hour of ``schedule.opens`` and closed
        no later than the hour of ``schedule.closes``. Without this the poll line is the server's
        word alone: moving it widens the hours that entries may carry."""
        check = self.c["poll"]
        if self.manifest is None:
            check.fail("the poll hours cannot be checked against the schedule: no valid manifest")
            return
        schedule = self.manifest.get("schedule")
        if not isinstance(schedule, dict) or not all(
            isinstance(schedule.get(k), str) and MOMENT.match(schedule[k])
            for k in ("opens", "closes")
        ):
            check.fail(
                "the manifest's schedule must give opens and closes as UTC times (…T10:30:00Z)"
            )
            return
        earliest, latest = _hour_of(schedule["opens"]), _hour_of(schedule["closes"])
        if opened < earliest:
            check.fail(
                f"the poll opened in the hour {opened}, before the schedule's opening hour "
                f"{earliest} (schedule.opens = {schedule['opens']})"
            )
        if closed > latest:
            check.fail(
                f"the poll closed in the hour {closed}, after the schedule's closing hour "
                f"{latest} (schedule.closes = {schedule['closes']})"
            )

    # board

    def entries(self, lines: Iterable[str]) -> None:
        self.c["chain"].done = self.c["ballots"].done = self.c["reveals"].done = True
        if self.manifest is None:
            self.c["ballots"].fail("no valid manifest")
            for _ in lines:  # consume the board, so the lines after it are still read
                pass
            return
        self.c["references"].done = self.c["caps"].done = True
        fp = bytes.fromhex(self.report.fingerprint)
        self.last_hash = chain.genesis(fp)
        self.hashes = [self.last_hash]
        chunks = _chunks(lines, CHUNK)
        width = sum(shape.width for shape in self.shape_list)
        self._running_sums = [(IDENTITY_BYTES, IDENTITY_BYTES)] * width
        self.running_cells = self.cohort_record.running_cells(width)
        cells = None if self.running_cells is None else self.running_cells.worker_args()
        if self.workers > 1:
            with ProcessPoolExecutor(
                self.workers, initializer=_init_worker, initargs=(self.manifest, cells)
            ) as pool:
                # A bounded window of chunks in flight, absorbed in order: a large record is
                # streamed rather than read whole into memory before the first result.
                window: deque = deque()
                for chunk in chunks:
                    window.append(pool.submit(_check_chunk, chunk))
                    if len(window) >= 4 * self.workers:
                        self._absorb(window.popleft().result())
                while window:
                    self._absorb(window.popleft().result())
        else:
            _init_worker(self.manifest, cells)
            for chunk in chunks:
                self._absorb(_check_chunk(chunk))
        self.countable_sums = self._running_sums
        if self.roll is not None:
            cap = chain.max_audits(self.roll["size"])
            if self.audits > cap:
                self.c["caps"].fail(f"{self.audits} audited entries; the cap is {cap}")

    def _broken(self) -> None:
        self.last_hash = b"\0" * 32
        self.hashes.append(self.last_hash)

    def _absorb(self, chunk: CheckedChunk) -> None:
        counted_here: list[int] = []
        for index, item in enumerate(chunk.checked):
            self.count += 1
            label = f"entry {self.count}"
            position, kind, hour, tracker = item.position, item.kind, item.hour, item.tracker
            if not item.canonical:
                self.c["format"].fail(f"{label}: the line is not the canonical JSON of its entry")
            if item.malformed:
                self.c["format"].fail(f"{label}: {item.malformed}")
            if position is None:
                self.c["chain"].fail(f"{label}: {item.error}")
                self.c["ballots"].fail(f"{label}: {item.error}")
                self._broken()
                continue
            if position != self.count:
                self.c["chain"].fail(f"{label}: position {position} is out of order")
                # Positions no longer name one entry each: the tally is added from the rows.
                self._running_sums = None
            if item.previous != self.last_hash.hex():
                self.c["chain"].fail(f"{label}: does not commit to the previous entry")
            if kind not in chain.KINDS or not isinstance(hour, str) or not HOUR.match(hour):
                self.c["chain"].fail(f"{label}: bad kind or hour")
                self._broken()
                continue
            self._hour(label, hour)
            computed = chain.entry_hash(
                self.last_hash,
                position,
                kind,
                hour,
                bytes.fromhex(tracker),
                bytes.fromhex(item.digest),
                item.reveal,
            )
            if computed.hex() != item.hash:
                self.c["chain"].fail(f"{label}: its hash does not match its content")
            self.last_hash = computed
            self.hashes.append(computed)
            if tracker in self.trackers:
                self.c["chain"].fail(
                    f"{label}: tracker {tracker[:16]}… is already at position "
                    f"{self.trackers[tracker]}"
                )
            else:
                self.trackers[tracker] = position
            if item.reveal_error:
                self.c["reveals"].fail(f"bad reveal at position {position} ({item.reveal_error})")
            if item.error:
                self.c["ballots"].fail(f"{label} (tracker {tracker[:16]}…): {item.error}")
                continue
            if not item.digest_ok:
                self.c["chain"].fail(f"{label}: its digest does not match its ballot")
            if kind == "audited":
                self.audits += 1
                for a in ciphertext_as(item.rows):
                    self.audited_a.setdefault(a, position)
                continue
            self._ballot(position, item)
            counted_here.append(index)
        self._add_sums(chunk, tuple(counted_here))

    def _add_sums(self, chunk: CheckedChunk, counted_here: tuple[int, ...]) -> None:
        """Add a chunk's sum to the running one, if it is the sum of what was passed to the
        count; otherwise give up the running sum (``_counted_sum`` then adds the rows itself),
        and the running cells with it. The cells are added under the same conditions."""
        sums = self._running_sums
        if sums is None or (
            chunk.sums is None or chunk.summed != counted_here or len(chunk.sums) != len(sums)
        ):
            self._running_sums = None
            if self.running_cells is not None:
                self.running_cells.drop()
            return
        if self.running_cells is not None:
            self.running_cells.add(chunk.cells)
        add_sums(sums, chunk.sums)

    def _hour(self, label: str, hour: str) -> None:
        """Every entry was appended while the poll was open, and hours only move forward."""
        if hour < self.last_hour:
            self.c["poll"].fail(f"{label}: its hour {hour} is before the previous entry's")
        self.last_hour = hour
        if self.poll is not None and not self.poll[0] <= hour <= self.poll[1]:
            self.c["poll"].fail(
                f"{label}: its hour {hour} is outside the poll ({self.poll[0]} to {self.poll[1]})"
            )

    def _ballot(self, position: int, item: Checked) -> None:
        key, count = item.key, item.board_count
        if count >= position or item.board_hash != self.hashes[count]:
            self.c["references"].fail(f"bad board reference at position {position}")
        seen = self.ballots_of.get(key, 0) + 1
        self.ballots_of[key] = seen
        self.issuers_of.setdefault(key, set()).update(item.issuers)
        self.cohort_record.ballot(position, item.labels)
        if seen == chain.MAX_BALLOTS_PER_CREDENTIAL + 1:
            self.c["caps"].fail(
                f"credential {key[:16]}… has more than {chain.MAX_BALLOTS_PER_CREDENTIAL} "
                f"ballots (entry {position})"
            )
        before = self.counted.get(key)
        selected = (count, position) if before is None or (count, position) > before else before
        self.counted[key] = selected
        if selected != (count, position):
            self.passed_over[position] = item.rows
        elif before is not None:
            self.passed_over[before[1]] = self.rows[before[1]]
        previous_last = self.last_appended.get(key)
        self.last_appended[key] = position
        self.rows[position] = item.rows
        keep = {selected[1], position}
        for old in (previous_last, None if before is None else before[1]):
            if old is not None and old not in keep:
                self.rows.pop(old, None)

    def head_line(self, item: dict[str, Any]) -> None:
        check = self.c["head"]
        check.done = True
        head = item["head"]
        if self.manifest is None:
            check.fail("no valid manifest")
            return
        try:
            chain.verify_head(
                bytes.fromhex(self.manifest["board_public_key"]),
                bytes.fromhex(self.report.fingerprint),
                head,
            )
            if head["count"] != self.count or head["hash"] != self.last_hash.hex():
                check.fail(
                    f"the final head says {head['count']} entries ending {head['hash'][:16]}…, "
                    f"the board has {self.count} ending {self.last_hash.hex()[:16]}…"
                )
            if head["final"] is not True:
                check.fail("the head is not marked final")
        except (CryptoError, ValueError, KeyError, TypeError) as exc:
            check.fail(f"head: {exc}")

    def tally_line(self, item: dict[str, Any]) -> None:
        tally = _keys(item["tally"], {"counted", "questions"}, "the tally")
        _int(tally["counted"], "the tally's counted")
        questions = _list(tally["questions"], "the tally's questions")
        for q, question in enumerate(questions):
            for i, ct in enumerate(_list(question, f"question {q} of the tally")):
                from_json(Ciphertext, ct, path=f"$.tally.questions[{q}][{i}]")
        self.tally = tally

    def decryption_line(self, item: dict[str, Any]) -> None:
        # One line per submitting trustee, by increasing index: the record has one spelling.
        trustee = _int(item["trustee"], "the decryption's trustee", 1)
        if self.decryptions and not self.decryptions[-1]["trustee"] < trustee:
            self.c["format"].fail(f"the decryption line of trustee {trustee} is out of order")
        self.decryptions.append(item)

    def results_line(self, item: dict[str, Any]) -> None:
        self.results = _keys(item["results"], {"counted", "questions"}, "the results")

    def _cohort_line(self, kind: str, item: dict[str, Any]) -> None:
        self.c["cohorts"].done = True
        self.cohort_record.line(kind, item, self.manifest)

    def cohorts_line(self, item: dict[str, Any]) -> None:
        self._cohort_line("cohorts", item)

    def cohort_tally_line(self, item: dict[str, Any]) -> None:
        self._cohort_line("cohort_tally", item)

    def cohort_decryption_line(self, item: dict[str, Any]) -> None:
        self._cohort_line("cohort_decryption", item)

    def cohort_results_line(self, item: dict[str, Any]) -> None:
        self._cohort_line("cohort_results", item)

    # tally, shares, results

    def finish(self) -> None:
        steps: list[tuple[str, Callable[[], None]]] = [
            ("selection", self._selection),
            ("copies", self._copies),
            ("aggregate", self._aggregate),
        ]
        for key, step in steps:
            _guarded(self.c[key], step)
        totals: list[list[int]] | None = None

        def shares() -> None:
            nonlocal totals
            totals = self._shares_and_combination()

        _guarded(self.c["combination"], shares)
        _guarded(self.c["results"], lambda: self._results(totals))
        _guarded(self.c["eligibility"], self._eligibility)
        _guarded(self.c["ledgers"], self._ledger_bounds)
        _guarded(self.c["issued"], self._issued_flags)
        _guarded(self.c["cohorts"], lambda: self._cohorts(totals))

    def _cohorts(self, totals: list[list[int]] | None) -> None:
        self.c["cohorts"].done = True
        self.cohort_record.finish(
            counted=sorted(position for _, position in self.counted.values()),
            rows=self.rows,
            shape_list=self.shape_list,
            fingerprint=bytes.fromhex(self.report.fingerprint),
            keys=verification_keys(self.announcements, [a.trustee for a in self.announcements])
            if self.announcements
            else {},
            threshold=self.manifest["trustees"]["threshold"],
            overall_tally=self.tally,
            overall_totals=totals,
            roll=self.roll,
            running=self.running_cells if self.countable_sums is not None else None,
            passed_over=self.passed_over,
        )

    def _selection(self) -> None:
        check = self.c["selection"]
        check.done = True
        if self.tally is None:
            check.fail("no valid encrypted tally in the record")
            return
        if self.tally["counted"] != len(self.counted):
            check.fail(
                f"the tally counts {self.tally['counted']} ballots; one counted ballot per "
                f"credential gives {len(self.counted)}"
            )

    def _copies(self) -> None:
        """Every A = rG is drawn afresh: one shared by two counted ballots is a copy (which,
        cast k times, would shift the count by k times the original's vote and reveal it), and
        one shared with an audited entry is a ballot whose choices were made public. Checked
        over the selection, so each counted ballot costs one set look-up per ciphertext."""
        check = self.c["copies"]
        check.done = True
        owner: dict[bytes, int] = dict(self.audited_a)
        audited = set(self.audited_a.values())
        for position in sorted(p for _, p in self.counted.values()):
            for a in ciphertext_as(self.rows[position]):
                other = owner.setdefault(a, position)
                if other != position:
                    what = "the audited entry" if other in audited else "the counted ballot"
                    check.fail(
                        f"the counted ballot at position {position} shares a ciphertext A with "
                        f"{what} at position {other}"
                    )
                    break

    def _aggregate(self) -> None:
        check = self.c["aggregate"]
        check.done = True
        if self.tally is None:
            check.fail("no valid encrypted tally in the record")
            return
        widths = [shape.width for shape in self.shape_list]
        counted = sorted(position for _, position in self.counted.values())
        flat = self._counted_sum(counted, sum(widths))
        published = [ct for question in self.tally["questions"] for ct in question]
        if [len(q) for q in self.tally["questions"]] != widths:
            check.fail("the tally has the wrong number of ciphertexts")
            return
        wrong = False
        for index, ((a, b), ct) in enumerate(zip(flat, published, strict=True)):
            if ct != {"a": a.hex(), "b": b.hex()}:
                check.fail(f"tally ciphertext {index} is not the sum of the counted ballots")
                wrong = True
        if wrong:
            self._name_wrong_selection(published, sum(widths))

    def _counted_sum(self, counted: list[int], width: int) -> list[tuple[bytes, bytes]]:
        """The sum of the counted ballots' rows. Every counted ballot is a countable entry and
        every countable entry not counted was passed over by the selection, so the sum is the
        workers' sum of the countable entries less the passed-over rows: a handful of
        subtractions (one per re-vote) instead of adding every counted ballot again here, after
        the board, while the other cores idle. Without a whole board's sums, the rows are added
        one by one."""
        if self.countable_sums is None or len(self.countable_sums) != width:
            return aggregate((self.rows[p] for p in counted), width)
        flat = list(self.countable_sums)
        for row in self.passed_over.values():
            subtract_row(flat, row)
        return flat

    def _name_wrong_selection(self, published: list[Any], width: int) -> None:
        """A tally that sums the last-appended ballot of each credential (the old rule, which a
        coercer holding an old signed ballot defeats) instead of the rule's choice: name the
        credentials and positions."""
        differing = {
            key: (selected[1], self.last_appended[key])
            for key, selected in self.counted.items()
            if self.last_appended[key] != selected[1]
        }
        if not differing:
            return
        last = sorted(self.last_appended.values())
        flat = aggregate((self.rows[p] for p in last), width)
        if [{"a": a.hex(), "b": b.hex()} for a, b in flat] != published:
            return
        for key, (rule, appended) in differing.items():
            self.c["selection"].fail(
                f"credential {key[:16]}…: the tally counts the ballot at position {appended} "
                f"(appended last), the rule counts position {rule} (greatest board.count)"
            )

    def _shares_and_combination(self) -> list[list[int]] | None:
        shares_check, combination = self.c["shares"], self.c["combination"]
        shares_check.done = combination.done = True
        if self.tally is None or not self.announcements or self.results is None:
            shares_check.fail("the tally, ceremony or results are missing")
            combination.fail("nothing to combine: the tally, ceremony or results are missing")
            return None
        if self.tally["counted"] == 0 and not self.decryptions:
            # No ballot counted: the tally is (O, O) everywhere and every count is 0.
            identity = {"a": IDENTITY_BYTES.hex(), "b": IDENTITY_BYTES.hex()}
            if any(ct != identity for q in self.tally["questions"] for ct in q):
                combination.fail("an empty tally must be the identity everywhere")
            return [[0] * len(q) for q in self.tally["questions"]]
        threshold = self.manifest["trustees"]["threshold"]
        fp = bytes.fromhex(self.report.fingerprint)
        indices = [a.trustee for a in self.announcements]
        keys = verification_keys(self.announcements, indices)
        tally = [[from_json(Ciphertext, ct) for ct in q] for q in self.tally["questions"]]
        valid: dict[int, list[list[DecryptionShare]]] = {}
        for submission in self.decryptions:
            trustee = submission["trustee"]
            label = f"trustee {trustee}"
            if trustee not in keys or trustee in valid:
                shares_check.fail(f"{label}: unknown or repeated trustee")
                continue
            try:
                parsed = []
                ok = True
                questions = _list(submission["shares"], "the shares")
                for q, (items, cts) in enumerate(zip(questions, tally, strict=True)):
                    row = []
                    for i, (item, ct) in enumerate(zip(_list(items, "a row"), cts, strict=True)):
                        share = from_json(DecryptionShare, item)
                        try:
                            if share.trustee != trustee:
                                raise CryptoError("names another trustee")
                            verify_partial_decryption(fp, keys[trustee], ct, share)
                        except CryptoError as exc:
                            shares_check.fail(f"{label}, question {q}, ciphertext {i}: {exc}")
                            ok = False
                        row.append(share)
                    parsed.append(row)
                if ok:
                    valid[trustee] = parsed
            except (CryptoError, Malformed, KeyError, TypeError, ValueError) as exc:
                shares_check.fail(f"{label}: malformed shares ({exc})")
        if len(valid) < threshold:
            combination.fail(f"only {len(valid)} valid decryptions; {threshold} are needed")
            return None
        chosen = sorted(valid)[:threshold]
        published = self._published_totals()
        totals = []
        for q, cts in enumerate(tally):
            row = []
            for i, ct in enumerate(cts):
                point = combine_decryption_shares(ct, [valid[t][q][i] for t in chosen], threshold)
                claimed = published[q][i] if published else None
                if type(claimed) is not int or claimed < 0:
                    combination.fail(f"question {q}, ciphertext {i}: no published count")
                    row.append(None)
                    continue
                if claimed >= 1 << 53 or point.encoding != base_mul(claimed):
                    combination.fail(
                        f"question {q}, ciphertext {i}: the decryption is not {claimed}"
                    )
                row.append(claimed)
            totals.append(row)
        return totals

    def _published_totals(self) -> list[list[int]] | None:
        """The counts the results claim, in tally layout."""
        try:
            out = []
            for shape, result in zip(self.shape_list, self.results["questions"], strict=True):
                if shape.kind == "ranked":
                    matrix = result["pairwise"]
                    row = []
                    for i, j in ranked_pairs(shape.options):
                        row += [matrix[i][j], matrix[j][i]]
                    out.append(row)
                else:
                    out.append(list(result["counts"]))
            return out
        except (KeyError, TypeError, IndexError, ValueError):
            return None

    def _results(self, totals: list[list[int]] | None) -> None:
        check = self.c["results"]
        check.done = True
        if self.results is None:
            check.fail("no valid results in the record")
            return
        if totals is None or any(v is None for row in totals for v in row):
            check.fail("the counts could not be confirmed")
            return
        for failure in undecided_pairs(self.shape_list, totals, len(self.counted)):
            check.fail(failure)
        expected = results_from_counts(self.shape_list, totals, len(self.counted))
        # Compared as canonical JSON: 1 and true, or 1 and 1.0, are different results.
        if dumps(expected) != dumps(self.results):
            theirs = self.results["questions"]
            theirs = theirs if isinstance(theirs, list) else []
            for q, (mine, other) in enumerate(zip(expected["questions"], theirs, strict=False)):
                if dumps(mine) != dumps(other):
                    check.fail(f"question {q}: the published result differs from the counts")
            if len(theirs) != len(expected["questions"]):
                check.fail("the results do not have one entry per question")
            if dumps(expected["counted"]) != dumps(self.results["counted"]):
                check.fail("the number of counted ballots differs")
            if not check.failures:
                check.fail("the results differ from the counts")

    def _eligibility(self) -> None:
        check = self.c["eligibility"]
        check.done = True
        if self.roll is None:
            check.fail("no valid roll in the record")
            return
        allowed = self.roll["issued"] + self.roll["reissued"]
        if len(self.counted) > allowed:
            check.fail(
                f"{len(self.counted)} credentials counted but only {allowed} were issued "
                f"({self.roll['issued']} + {self.roll['reissued']} re-issued)"
            )
        if self.roll["issued"] > self.roll["size"]:
            check.fail("more credentials issued than voters on the roll")


def _guarded(check: Check, step: Callable[[], Any], what: str = "") -> None:
    """Run one step; anything the record's shape makes it trip on becomes a failure of
    ``check`` (a verifier reports, it never crashes on its input)."""
    try:
        step()
    except Exception as exc:  # noqa: BLE001 — every malformed input must give a report
        check.done = True
        detail = str(exc) if isinstance(exc, Malformed | CryptoError | InvalidManifest) else ""
        check.fail(f"malformed {what or 'record'}: {type(exc).__name__} {detail}".rstrip())


# The check a line of each type feeds (its failures, if the line cannot be read, go there).
LINE_CHECK = {
    "manifest": "manifest",
    "ceremony": "ceremony",
    "roll": "roll",
    "issuers": "ledgers",
    "poll": "poll",
    "entry": "chain",
    "head": "head",
    "tally": "aggregate",
    "decryption": "shares",
    "results": "results",
    **dict.fromkeys(COHORT_LINE_KEYS, "cohorts"),
}


class _Lines:
    """Reads the record's lines in order: numbers them, checks that each non-entry line is the
    canonical JSON of its object with exactly its documented members, and that the line types
    come in the order of §8 (``format``). Entry lines are handed on raw, for the workers."""

    def __init__(self, lines: Iterable[str], verifier: _Verifier) -> None:
        self.lines = iter(lines)
        self.verifier = verifier
        self.format = verifier.c["format"]
        self.format.done = True
        self.number = 0
        self.rank = -1
        self.seen: set[str] = set()
        self.pending: tuple[int, str, str, dict[str, Any] | None] | None = None

    def _read(self) -> tuple[int, str, str, dict[str, Any] | None] | None:
        """The next usable line: (number, type, text, parsed object; ``None`` for an entry)."""
        for line in self.lines:
            self.number += 1
            if not isinstance(line, str):
                self.format.fail(f"line {self.number}: not text")
                continue
            if line.endswith('"type":"entry"}\n'):
                return self.number, "entry", line, None
            try:
                item = loads(line)
            except NotCanonical as exc:
                self.format.fail(f"line {self.number}: unreadable ({exc})")
                continue
            kind = item.get("type") if isinstance(item, dict) else None
            kind = kind if isinstance(kind, str) else repr(kind)
            if kind == "entry":  # a non-canonical entry line: its worker names it
                return self.number, "entry", line, None
            if kind not in LINE_KEYS:
                self.format.fail(f"line {self.number}: unknown line type {kind!r}")
                continue
            if problem := schema.member_problem(item, LINE_KEYS[kind]):
                self.format.fail(f"line {self.number}, {kind}: $: {problem}")
                self.verifier.c[LINE_CHECK[kind]].fail(f"malformed {kind} line")
                continue
            if not _is_canonical_line(line, dumps(item)):
                self.format.fail(
                    f"line {self.number}: the {kind} line is not the canonical JSON of its object"
                )
            for problem in islice(schema.violations(kind, item), 5):
                self.format.fail(f"line {self.number}, {kind}: {problem}")
            return self.number, kind, line, item
        return None

    def _next(self):
        read, self.pending = self.pending or self._read(), None
        return read

    def _order(self, number: int, kind: str) -> bool:
        """Whether the line may be used: in order, and not a second one of a single type."""
        rank = LINE_ORDER.index(kind)
        if kind in self.seen and kind not in REPEATED:
            self.format.fail(f"line {number}: a second {kind} line")
            return False
        if rank < self.rank:
            self.format.fail(f"line {number}: a {kind} line after a {LINE_ORDER[self.rank]} line")
            return False
        self.rank = rank
        self.seen.add(kind)
        return True

    def items(self, before_board: bool) -> Iterator[tuple[str, dict[str, Any]]]:
        """Non-entry lines, in order; stops before the first entry line if ``before_board``."""
        while (read := self._next()) is not None:
            number, kind, _, item = read
            if before_board and LINE_ORDER.index(kind) >= LINE_ORDER.index("entry"):
                self.pending = read
                return
            if kind == "entry":
                self.format.fail(f"line {number}: an entry line after the board")
                continue
            if self._order(number, kind):
                yield kind, item

    def entries(self) -> Iterator[str]:
        """The board's lines, as text; the first line of another type is kept for ``items``."""
        while (read := self._next()) is not None:
            number, kind, line, _ = read
            if kind != "entry":
                self.pending = read
                return
            if "entry" in self.seen or self._order(number, "entry"):
                yield line

    def missing(self) -> None:
        for kind in LINE_ORDER:
            if kind not in self.seen and kind not in OPTIONAL:
                self.format.fail(f"no {kind} line")


def verify_record(lines: Iterable[str], *, workers: int | None = None) -> Report:
    """Check a record given as an iterable of its lines (each ending in ``\\n``)."""
    verifier = _Verifier(workers or os.cpu_count() or 1)
    reader = _Lines(lines, verifier)

    def handle(kind: str, item: dict[str, Any]) -> None:
        check = verifier.c[LINE_CHECK[kind]]
        needs_manifest = kind not in ("manifest", "roll", "poll")
        if needs_manifest and verifier.manifest is None and kind != "ceremony":
            check.done = True
            check.fail(f"the {kind} line cannot be checked without a valid manifest")
            return
        _guarded(check, lambda: getattr(verifier, f"{kind}_line")(item), f"{kind} line")

    for kind, item in reader.items(before_board=True):
        handle(kind, item)
    _guarded(verifier.c["chain"], lambda: verifier.entries(reader.entries()), "board")
    for kind, item in reader.items(before_board=False):
        handle(kind, item)
    reader.missing()
    if verifier.manifest is not None:
        verifier.finish()
    return verifier.report
