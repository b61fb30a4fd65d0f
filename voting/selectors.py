"""Read queries about elections: roll, board pages, tracker look-ups, record lines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from voting.models import BoardEntry, BoardHead, Election, ElectionState, RollEntry
from voting.services import board
from voting.services.tally import counted_positions
from voting.verify.canonical import dumps
from voting.verify.receipts import ReceiptCheck, check_receipt

PUBLIC_RESULT_STATES = (ElectionState.PUBLISHED,)


def roll_json(election: Election) -> dict[str, Any]:
    entries = list(
        RollEntry.objects.filter(election=election)
        .order_by("roll_id")
        .values_list("roll_id", "issued", "reissued", "registrar")
    )
    by_registrar = Counter(registrar or None for _, _, _, registrar in entries)
    return {
        "size": len(entries),
        "issued": sum(1 for _, issued, _, _ in entries if issued),
        "reissued": sum(1 for _, _, reissued, _ in entries if reissued),
        "by_registrar": [
            {"registrar": name, "size": size}
            for name, size in sorted(by_registrar.items(), key=lambda kv: (kv[0] or "", kv[1]))
        ],
        "entries": [
            {"id": rid, "issued": bool(issued), "reissued": reissued}
            for rid, issued, reissued, _ in entries
        ],
    }


def board_page(election: Election, *, after: int, limit: int) -> list[BoardEntry]:
    return list(
        BoardEntry.objects.filter(election=election, position__gt=after).order_by("position")[
            :limit
        ]
    )


POLL_OVER_STATES = (ElectionState.CLOSED, ElectionState.TALLIED, ElectionState.PUBLISHED)


def ballots_public(election: Election) -> bool:
    """Cast ballots (and which of a credential's ballots counts) are public only once the poll
    has closed: while it is open the board shows their digests, not which credential cast
    again (docs/elections.md §5)."""
    return election.state in POLL_OVER_STATES


def tracker_lookup(election: Election, tracker: str) -> dict[str, Any]:
    """``superseded`` and ``counted`` are ``null`` until the poll has closed: during the poll
    the public must not learn that a credential voted again."""
    entry = BoardEntry.objects.filter(election=election, tracker=tracker).first()
    if entry is None:
        return {"found": False}
    superseded = counted = None
    if ballots_public(election):
        if entry.kind == "ballot":
            chosen = (
                BoardEntry.objects.filter(
                    election=election, kind="ballot", credential_key=entry.credential_key
                )
                .order_by("-board_count", "-position")
                .values_list("position", flat=True)
                .first()
            )
            superseded = chosen != entry.position
            counted = not superseded
        else:
            superseded, counted = False, False
    return {
        "found": True,
        "position": entry.position,
        "kind": entry.kind,
        "hour": board.hour_string(entry.hour),
        "superseded": superseded,
        "counted": counted,
    }


class _PublishedBoard:
    """The board as this server publishes it now, for ``check_receipt``."""

    def __init__(self, election: Election) -> None:
        self.election = election
        self.count = BoardHead.objects.get(election=election).count

    def at(self, position: int) -> tuple[str, str, str, str] | None:
        entry = (
            BoardEntry.objects.filter(election=self.election, position=position)
            .only("kind", "hour", "tracker", "hash")
            .first()
        )
        if entry is None:
            return None
        return (entry.kind, board.hour_string(entry.hour), entry.tracker, entry.hash)


def receipt_check(election: Election, receipt: Any) -> ReceiptCheck:
    """A voter's receipt against the board as published now (docs/elections.md "Monitoring the
    board"): still there, not a valid receipt, or proof that the board was rewritten."""
    return check_receipt(
        receipt,
        fingerprint=election.fingerprint_bytes,
        board_key=bytes.fromhex(election.manifest["board_public_key"]),
        published=_PublishedBoard(election),
    )


def counts(election: Election) -> dict[str, int]:
    roll = RollEntry.objects.filter(election=election)
    entries = BoardEntry.objects.filter(election=election)
    return {
        "roll": roll.count(),
        "issued": roll.filter(issued__gt=0).count(),
        "reissued": roll.filter(reissued=True).count(),
        "ballots": entries.filter(kind="ballot").count(),
        "audited": entries.filter(kind="audited").count(),
        # How many credentials' ballots count only once the poll has closed: ballots minus
        # counted during the poll would show that credentials are voting again.
        "counted": len(counted_positions(election)) if ballots_public(election) else None,
    }


def ceremony_record(election: Election) -> dict[str, Any]:
    from voting.models import CeremonyComplaint, CeremonyShare

    return {
        "trustees": [
            {
                "index": t.index,
                "name": t.name,
                "announcement": t.commitments,
                "issuer_key": {"pem": t.issuer_key, "proof": t.issuer_key_proof},
            }
            for t in election.trustees.all()
        ],
        "shares": [s.message for s in CeremonyShare.objects.filter(election=election)],
        "complaints": [
            {"sender": c.sender, "recipient": c.recipient}
            for c in CeremonyComplaint.objects.filter(election=election)
        ],
        "answers": [
            {"sender": c.sender, "recipient": c.recipient, "share": c.answer}
            for c in CeremonyComplaint.objects.filter(election=election).exclude(answer="")
        ],
    }


def record_lines(election: Election) -> Iterator[bytes]:
    """The election record of docs/elections.md §8, one canonical JSON line at a time."""
    from voting.services.credentials import ledgers_json
    from voting.services.tally import decryption_json

    def line(kind: str, body: dict[str, Any]) -> bytes:
        return dumps({"type": kind, **body}) + b"\n"

    yield line("manifest", {"manifest": election.manifest, "fingerprint": election.fingerprint})
    yield line("ceremony", ceremony_record(election))
    yield line("roll", roll_json(election))
    yield line("issuers", {"ledgers": ledgers_json(election)})
    last = 0
    while True:
        page = board_page(election, after=last, limit=2000)
        if not page:
            break
        for entry in page:
            yield line("entry", board.entry_json(entry))
        last = page[-1].position
    if election.final_head:
        yield line("head", {"head": election.final_head})
    if election.encrypted_tally:
        yield line("tally", {"tally": election.encrypted_tally})
    for submission in election.decryptions.select_related("trustee"):
        yield line("decryption", decryption_json(submission))
    if election.results:
        yield line("results", {"results": election.results})
