"""Re-check a whole election record (docs/elections.md §8) and report a checklist.

Every check is recomputed from the record alone: nothing from the server is trusted but the
bytes of the record. Ballots are checked in parallel across processes; the board chain, the
board references, the caps, the counted-ballot selection and the aggregate are checked in order
in the main process from what the workers return. A failed check names the item (board
position, trustee, question and ciphertext) so an observer can point at it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from voting.crypto.blind_rsa import BlindRsaPublicKey
from voting.crypto.elgamal import Ciphertext
from voting.crypto.errors import CryptoError
from voting.crypto.group import IDENTITY_BYTES, Point, base_mul
from voting.crypto.serialization import from_json
from voting.crypto.threshold import (
    DecryptionShare,
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
from voting.verify.election import (
    FROZEN_AT_CEREMONY_END,
    InvalidManifest,
    ceremony_context,
    fingerprint,
    shapes,
)
from voting.verify.issuers import InvalidLedger, check_issuer_key, check_ledger, parse_issuers
from voting.verify.results import aggregate, results_from_counts

HOUR = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$")
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


CHECKS = [
    ("manifest", "manifest and fingerprint"),
    ("ceremony", "key ceremony: commitments, proofs, complaints, joint key, issuer keys"),
    ("roll", "roll: counts and identifiers"),
    ("chain", "bulletin board: hash chain, ballot digests, each tracker once"),
    ("head", "final board head and its signature"),
    (
        "ballots",
        "every ballot: credential, signature, proofs; audited entries: no credential, proofs, "
        "reveal",
    ),
    ("references", "every ballot names an earlier head of this board (board.count < position)"),
    (
        "caps",
        f"at most {chain.MAX_BALLOTS_PER_CREDENTIAL} ballots per credential; "
        "audits at most max(100, 2 × roll size)",
    ),
    ("selection", "counted ballot per credential: the greatest (board.count, position)"),
    ("aggregate", "encrypted tally is the sum of the counted ballots"),
    ("shares", "decryption shares and their proofs"),
    ("combination", "Lagrange combination gives the published counts"),
    ("results", "results (counts, approval totals, Schulze) from the counts"),
    ("eligibility", "counted credentials within issued credentials and the roll"),
    (
        "ledgers",
        "issuer ledgers: signed, roll ids of the roll, agreeing with its issued flags; "
        "counted credentials signed by each issuer ≤ its ledger",
    ),
]


# -- ballots, in worker processes ----------------------------------------------------------------

_CONTEXT: dict[str, Any] = {}


def _init_worker(manifest: dict[str, Any]) -> None:
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
    digest_ok: bool = True
    error: str | None = None


def _check_entry(line: str) -> Checked:
    try:
        # parse_ballot / parse_sealed, parse_reveal and the checks below read every field
        # strictly.
        entry = loads_for_strict_parser(line)
        if (
            not isinstance(entry, dict)
            or set(entry) != ENTRY_KEYS
            or entry["type"] != "entry"
            or type(entry["position"]) is not int
            or not 0 < entry["position"] < 1 << 53
            or not all(isinstance(entry[k], str) for k in ("kind", "hour", "previous", "hash"))
            or not all(
                isinstance(entry[k], str) and HEX32.match(entry[k]) for k in ("tracker", "digest")
            )
        ):
            return Checked(None, error="malformed entry")
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
            return Checked(**common, error="unknown kind")
        shape_list, fp, joint = _CONTEXT["shapes"], _CONTEXT["fingerprint"], _CONTEXT["joint"]
        # An audited entry holds exactly the sealed ballot: no credential, no signature, nothing
        # that could link its reveal to a credential.
        audited = kind == "audited"
        try:
            ballot = (parse_sealed if audited else parse_ballot)(entry["ballot"], shape_list)
        except BallotRejected as exc:
            # The envelope is readable: the chain is still checked, the ballot is named.
            return Checked(
                **common,
                reveal=dumps(entry["reveal"]) if audited and entry["reveal"] is not None else b"",
                digest_ok=hashlib.sha256(dumps(entry["ballot"])).hexdigest() == entry["digest"],
                error=f"{exc.code}: {exc}",
            )
        reveal_bytes = b""
        error = None
        if ballot.tracker.hex() != entry["tracker"]:
            error = "tracker does not match the ballot"
        try:
            if audited:
                verify_sealed(ballot, shape_list, fp, joint)
                verify_reveal(ballot, parse_reveal(entry["reveal"], shape_list), joint)
                reveal_bytes = dumps(entry["reveal"])
            else:
                verify_ballot(ballot, shape_list, fp, joint, _CONTEXT["issuers"])
                if entry["reveal"] is not None:
                    error = "a cast ballot carries a reveal"
        except BallotRejected as exc:
            error = f"{exc.code}: {exc}"
        rows = b"".join(ct.a.encoding + ct.b.encoding for ct in ballot.ciphertexts())
        return Checked(
            **common,
            reveal=reveal_bytes,
            key=None if audited else ballot.credential_key.hex(),
            issuers=() if audited else tuple(i for i, _, _ in ballot.issuer_signatures),
            board_count=ballot.board_count,
            board_hash=ballot.board_hash,
            rows=rows,
            digest_ok=hashlib.sha256(ballot.canonical).hexdigest() == entry["digest"],
            error=error,
        )
    except (BallotRejected, NotCanonical, CryptoError, KeyError, TypeError, ValueError) as exc:
        return Checked(None, error=f"unreadable entry: {exc}")


def _check_chunk(lines: list[str]) -> list[Checked]:
    return [_check_entry(line) for line in lines]


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
            try:
                pem = check_issuer_key(cc, index, trustee.get("issuer_key"))
            except CryptoError as exc:
                check.fail(f"trustee {index}'s issuer key: {exc}")
                continue
            if BlindRsaPublicKey.from_pem(pem) != issuers.keys.get(index):
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
        self.last_hash = b""
        self.hashes: list[bytes] = []  # h_0 … h_count, for the board references
        self.count = 0
        self.trackers: dict[str, int] = {}
        self.ballots_of: dict[str, int] = {}  # credential key → ballot entries
        self.issuers_of: dict[str, set[int]] = {}  # credential key → issuers that signed it
        self.ledgers: dict[int, list[str]] = {}  # issuer → roll ids of its valid ledger
        self.audits = 0
        # credential key → (board.count, position) of its counted ballot, and position of its
        # last-appended one (kept to name a tally that follows "last appended counts" instead).
        self.counted: dict[str, tuple[int, int]] = {}
        self.last_appended: dict[str, int] = {}
        self.rows: dict[int, bytes] = {}
        self.head: dict[str, Any] | None = None
        self.tally: dict[str, Any] | None = None
        self.decryptions: list[dict[str, Any]] = []
        self.results: dict[str, Any] | None = None

    # manifest and ceremony

    def manifest_line(self, item: dict[str, Any]) -> None:
        check = self.c["manifest"]
        check.done = True
        manifest = item.get("manifest")
        try:
            self.shape_list = shapes(manifest)
            definition = {k: v for k, v in manifest.items() if k not in FROZEN_AT_CEREMONY_END}
            if manifest["ceremony_context"] != ceremony_context(definition).hex():
                check.fail("the ceremony context is not the hash of the definition")
            fp = fingerprint(manifest).hex()
            if item.get("fingerprint") != fp:
                check.fail(f"the fingerprint is {fp}, not the one the record states")
            self.report.fingerprint = fp
            parse_issuers(manifest)
            Point.from_hex(manifest["joint_public_key"])
            self.manifest = manifest
        except (InvalidManifest, CryptoError, KeyError, TypeError, AttributeError) as exc:
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
        try:
            trustees = item["trustees"]
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
            answered = set()
            for answer in item["answers"]:
                reveal = from_json(ShareReveal, answer)
                try:
                    verify_share_reveal(self.announcements[reveal.sender - 1], reveal)
                    answered.add((reveal.sender, reveal.recipient))
                except (CryptoError, IndexError) as exc:
                    check.fail(f"answer of trustee {reveal.sender}: {exc}")
            for complaint in item["complaints"]:
                if (complaint["sender"], complaint["recipient"]) not in answered:
                    check.fail(
                        f"complaint of trustee {complaint['recipient']} against "
                        f"{complaint['sender']} has no valid answer"
                    )
            joint = joint_public_key(self.announcements).hex()
            if joint != manifest["joint_public_key"]:
                check.fail("the joint public key is not the sum of the trustees' commitments")
            self._announced_issuer_keys(trustees)
        except (CryptoError, KeyError, TypeError) as exc:
            check.fail(f"malformed ceremony: {exc}")

    def roll_line(self, item: dict[str, Any]) -> None:
        check = self.c["roll"]
        check.done = True
        try:
            entries = item["entries"]
            ids = [e["id"] for e in entries]
            if item["size"] != len(entries):
                check.fail(f"size {item['size']} but {len(entries)} entries")
            if len(set(ids)) != len(ids) or ids != sorted(ids):
                check.fail("roll identifiers are not unique and sorted")
            if item["issued"] != sum(1 for e in entries if e["issued"]):
                check.fail("the issued count does not match the entries")
            if item["reissued"] != sum(1 for e in entries if e["reissued"]):
                check.fail("the re-issued count does not match the entries")
            if any(e["reissued"] and not e["issued"] for e in entries):
                check.fail("an entry is re-issued without a first credential")
            if sum(r["size"] for r in item["by_registrar"]) != item["size"]:
                check.fail("the per-registrar sizes do not add up to the roll size")
            self.roll = item
        except (KeyError, TypeError) as exc:
            check.fail(f"malformed roll: {exc}")

    # board

    def entries(self, lines: Iterable[str]) -> None:
        self.c["chain"].done = self.c["ballots"].done = True
        if self.manifest is None:
            self.c["ballots"].fail("no valid manifest")
            return
        self.c["references"].done = self.c["caps"].done = True
        fp = bytes.fromhex(self.report.fingerprint)
        self.last_hash = chain.genesis(fp)
        self.hashes = [self.last_hash]
        chunks = _chunks(lines, CHUNK)
        if self.workers > 1:
            with ProcessPoolExecutor(
                self.workers, initializer=_init_worker, initargs=(self.manifest,)
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
            _init_worker(self.manifest)
            for chunk in chunks:
                self._absorb(_check_chunk(chunk))
        if self.roll is not None:
            cap = chain.max_audits(self.roll.get("size", 0))
            if self.audits > cap:
                self.c["caps"].fail(f"{self.audits} audited entries; the cap is {cap}")

    def _broken(self) -> None:
        self.last_hash = b"\0" * 32
        self.hashes.append(self.last_hash)

    def _absorb(self, results: list[Checked]) -> None:
        for item in results:
            self.count += 1
            label = f"entry {self.count}"
            position, kind, hour, tracker = item.position, item.kind, item.hour, item.tracker
            if position is None:
                self.c["chain"].fail(f"{label}: {item.error}")
                self.c["ballots"].fail(f"{label}: {item.error}")
                self._broken()
                continue
            if position != self.count:
                self.c["chain"].fail(f"{label}: position {position} is out of order")
            if item.previous != self.last_hash.hex():
                self.c["chain"].fail(f"{label}: does not commit to the previous entry")
            if kind not in chain.KINDS or not isinstance(hour, str) or not HOUR.match(hour):
                self.c["chain"].fail(f"{label}: bad kind or hour")
                self._broken()
                continue
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
            if item.error:
                self.c["ballots"].fail(f"{label} (tracker {tracker[:16]}…): {item.error}")
                continue
            if not item.digest_ok:
                self.c["chain"].fail(f"{label}: its digest does not match its ballot")
            if kind == "audited":
                self.audits += 1
                continue
            self._ballot(position, item)

    def _ballot(self, position: int, item: Checked) -> None:
        key, count = item.key, item.board_count
        if count >= position or item.board_hash != self.hashes[count]:
            self.c["references"].fail(f"bad board reference at position {position}")
        seen = self.ballots_of.get(key, 0) + 1
        self.ballots_of[key] = seen
        self.issuers_of.setdefault(key, set()).update(item.issuers)
        if seen == chain.MAX_BALLOTS_PER_CREDENTIAL + 1:
            self.c["caps"].fail(
                f"credential {key[:16]}… has more than {chain.MAX_BALLOTS_PER_CREDENTIAL} "
                f"ballots (entry {position})"
            )
        before = self.counted.get(key)
        selected = (count, position) if before is None or (count, position) > before else before
        self.counted[key] = selected
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
        head = item.get("head") or {}
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

    # tally, shares, results

    def finish(self) -> None:
        self._selection()
        self._aggregate()
        totals = self._shares_and_combination()
        self._results(totals)
        self._eligibility()
        self._ledger_bounds()

    def _selection(self) -> None:
        check = self.c["selection"]
        check.done = True
        if self.tally is None:
            check.fail("no encrypted tally in the record")
            return
        if self.tally.get("counted") != len(self.counted):
            check.fail(
                f"the tally counts {self.tally.get('counted')} ballots; one counted ballot per "
                f"credential gives {len(self.counted)}"
            )

    def _aggregate(self) -> None:
        check = self.c["aggregate"]
        check.done = True
        if self.tally is None:
            check.fail("no encrypted tally in the record")
            return
        widths = [shape.width for shape in self.shape_list]
        counted = sorted(position for _, position in self.counted.values())
        flat = aggregate((self.rows[p] for p in counted), sum(widths))
        try:
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
        except (KeyError, TypeError) as exc:
            check.fail(f"malformed tally: {exc}")

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
            return None
        if self.tally.get("counted") == 0 and not self.decryptions:
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
            trustee = submission.get("trustee")
            label = f"trustee {trustee}"
            if trustee not in keys or trustee in valid:
                shares_check.fail(f"{label}: unknown or repeated trustee")
                continue
            try:
                parsed = []
                ok = True
                for q, (items, cts) in enumerate(zip(submission["shares"], tally, strict=True)):
                    row = []
                    for i, (item, ct) in enumerate(zip(items, cts, strict=True)):
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
            except (CryptoError, KeyError, TypeError, ValueError) as exc:
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
                if claimed is None or not isinstance(claimed, int) or claimed < 0:
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
        from voting.verify.election import ranked_pairs

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
            check.fail("no results in the record")
            return
        if totals is None or any(v is None for row in totals for v in row):
            check.fail("the counts could not be confirmed")
            return
        expected = results_from_counts(self.shape_list, totals, len(self.counted))
        if expected != self.results:
            for q, (mine, theirs) in enumerate(
                zip(expected["questions"], self.results.get("questions", []), strict=False)
            ):
                if mine != theirs:
                    check.fail(f"question {q}: the published result differs from the counts")
            if expected["counted"] != self.results.get("counted"):
                check.fail("the number of counted ballots differs")
            if not check.failures:
                check.fail("the results differ from the counts")

    def _eligibility(self) -> None:
        check = self.c["eligibility"]
        check.done = True
        if self.roll is None:
            check.fail("no roll in the record")
            return
        allowed = self.roll["issued"] + self.roll["reissued"]
        if len(self.counted) > allowed:
            check.fail(
                f"{len(self.counted)} credentials counted but only {allowed} were issued "
                f"({self.roll['issued']} + {self.roll['reissued']} re-issued)"
            )
        if self.roll["issued"] > self.roll["size"]:
            check.fail("more credentials issued than voters on the roll")


def verify_record(lines: Iterable[str], *, workers: int | None = None) -> Report:
    """Check a record given as an iterable of its lines."""
    verifier = _Verifier(workers or os.cpu_count() or 1)
    iterator = iter(lines)
    pending: str | None = None

    def entry_lines() -> Iterator[str]:
        nonlocal pending
        for line in iterator:
            if line.rstrip("\n").endswith('"type":"entry"}'):
                yield line
            else:
                pending = line
                return

    order = ["manifest", "ceremony", "roll", "issuers"]
    for expected in order:
        line = next(iterator, None)
        item = _parse(line, verifier, expected)
        if item is None:
            return _finish(verifier)
        getattr(verifier, f"{expected}_line")(item)
    verifier.entries(entry_lines())
    rest = ([pending] if pending else []) + list(iterator)
    for line in rest:
        item = _parse(line, verifier, None)
        if item is None:
            continue
        kind = item.get("type")
        if kind == "head":
            verifier.head_line(item)
        elif kind == "tally":
            verifier.tally = item.get("tally")
        elif kind == "decryption":
            verifier.decryptions.append(item)
        elif kind == "results":
            verifier.results = item.get("results")
        else:
            verifier.c["chain"].fail(f"unexpected line of type {kind!r} after the board")
    return _finish(verifier)


def _parse(line: str | None, verifier: _Verifier, expected: str | None) -> dict[str, Any] | None:
    if line is None:
        return None
    try:
        item = loads(line)
    except NotCanonical as exc:
        verifier.c[expected or "chain"].fail(f"unreadable line: {exc}")
        return None
    if not isinstance(item, dict) or (expected and item.get("type") != expected):
        verifier.c[expected or "chain"].fail(f"expected a {expected} line")
        return None
    return item


def _finish(verifier: _Verifier) -> Report:
    if verifier.manifest is not None:
        verifier.finish()
    return verifier.report
