"""Read queries about elections: roll, board pages, tracker look-ups, record lines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from convention.models import Convention, Membership, current_hour
from convention.permissions import Action, can, decide
from deliberation.models import Proposal
from deliberation.selectors import current_text
from deliberation.services.proposals import proposals_ready_for_ballot
from voting.models import BoardEntry, BoardHead, Election, ElectionState, RollEntry
from voting.services import board
from voting.services.lifecycle import hour_string
from voting.verify.canonical import dumps
from voting.verify.receipts import ReceiptCheck, check_receipt

PUBLIC_RESULT_STATES = (ElectionState.PUBLISHED,)


# Once the poll is open no credential is issued any more, so per-entry flags and live totals
# tell nothing about when anyone obtained a credential.
ROLL_FLAG_STATES = (
    ElectionState.OPEN,
    ElectionState.CLOSED,
    ElectionState.TALLIED,
    ElectionState.PUBLISHED,
)


ISSUING_STATES = (ElectionState.CREDENTIALS, ElectionState.OPEN)


def public_roll_json(election: Election) -> dict[str, Any]:
    """The roll as published while the election runs (``GET …/roll.json``).

    During the credential window, a feed that showed which entry had just been issued would let
    anyone polling it tie an issuance to a moment (and the server's own write order to an entry):
    it then lists the identifiers without flags and totals computed at most once an hour. From
    the opening of the poll on it is the full roll, as in the record."""
    if election.state in ROLL_FLAG_STATES:
        return roll_json(election)
    entries = list(
        RollEntry.objects.filter(election=election)
        .order_by("roll_id")
        .values_list("roll_id", "registrar")
    )
    return {
        **roll_totals(election),
        "by_registrar": _by_registrar([registrar for _, registrar in entries]),
        "entries": [{"id": roll_id} for roll_id, _ in entries],
    }


def roll_totals(election: Election) -> dict[str, Any]:
    """``size``, ``issued`` and ``reissued``; during the credential window the value computed
    first in the current UTC hour (``as_of``), kept in the cache until the hour ends."""
    if election.state in ROLL_FLAG_STATES:
        return _count_roll(election)
    hour = current_hour()
    key = f"voting:roll-totals:{election.pk}:{hour:%Y%m%d%H}"
    totals = cache.get(key)
    if totals is None:
        # Expires with its hour (plus a minute), so its lifetime says nothing about when it was
        # first asked for; add() keeps the first value if two requests race.
        remaining = hour + timedelta(hours=1, minutes=1) - timezone.now()
        cache.add(
            key,
            {**_count_roll(election), "as_of": board.hour_string(hour)},
            timeout=max(1, int(remaining.total_seconds())),
        )
        totals = cache.get(key) or {**_count_roll(election), "as_of": board.hour_string(hour)}
    return totals


def _count_roll(election: Election) -> dict[str, int]:
    roll = RollEntry.objects.filter(election=election)
    return {
        "size": roll.count(),
        "issued": roll.filter(issued__gt=0).count(),
        # A second credential requested (an authorised re-issue not used yet is not one).
        "reissued": roll.filter(issued__gte=2).count(),
    }


def _by_registrar(registrars: list[str]) -> list[dict[str, Any]]:
    sizes = Counter(registrar or None for registrar in registrars)
    return [
        {"registrar": name, "size": size}
        for name, size in sorted(sizes.items(), key=lambda kv: (kv[0] or "", kv[1]))
    ]


def roll_json(election: Election) -> dict[str, Any]:
    """The whole roll with per-entry flags: the record's roll line, and the public feed once
    the poll is open."""
    entries = list(
        RollEntry.objects.filter(election=election)
        .order_by("roll_id")
        .values_list("roll_id", "issued", "registrar")
    )
    return {
        "size": len(entries),
        "issued": sum(1 for _, issued, _ in entries if issued),
        "reissued": sum(1 for _, issued, _ in entries if issued >= 2),
        "by_registrar": _by_registrar([registrar for _, _, registrar in entries]),
        "entries": [
            {"id": rid, "issued": bool(issued), "reissued": issued >= 2}
            for rid, issued, _ in entries
        ],
    }


def board_page(election: Election, *, after: int, limit: int) -> list[BoardEntry]:
    return list(
        BoardEntry.objects.filter(election=election, position__gt=after).order_by("position")[
            :limit
        ]
    )


class BoardPositions:
    """The board as a sequence for Django's ``Paginator``, without COUNT or OFFSET: positions
    are 1…count with no gap, so its length is the head's count and a page is a range of
    positions read through the (election, position) index, at the same cost on page 1 and on
    page 1000."""

    def __init__(self, election: Election, count: int) -> None:
        self.election = election
        self.length = count

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: slice) -> list[BoardEntry]:
        start, stop, _ = index.indices(self.length)
        return list(
            BoardEntry.objects.filter(
                election=self.election, position__gt=start, position__lte=stop
            )
            .only("position", "kind", "hour", "tracker")
            .order_by("position")
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


def counts(election: Election) -> dict[str, Any]:
    """The figures of the election and results pages, in constant time whatever the board's
    size: the board head keeps the number of entries and of audits (updated by every append),
    and the encrypted tally the number of counted ballots."""
    totals = roll_totals(election)
    head = BoardHead.objects.filter(election=election).values_list("count", "audits").first()
    entries, audits = head or (0, 0)
    return {
        "roll": totals["size"],
        "issued": totals["issued"],
        "reissued": totals["reissued"],
        "as_of": totals.get("as_of"),
        "ballots": entries - audits,
        "audited": audits,
        # How many credentials' ballots count only once the poll has closed: ballots minus
        # counted during the poll would show that credentials are voting again. Between the
        # closing and the encrypted tally (seconds) it is not known yet.
        "counted": counted(election),
    }


def counted(election: Election) -> int | None:
    if not ballots_public(election) or not election.encrypted_tally:
        return None
    return election.encrypted_tally["counted"]


def ceremony_record(election: Election) -> dict[str, Any]:
    from voting.models import CeremonyComplaint, CeremonyShare

    return {
        "trustees": [
            {
                "index": t.index,
                "name": t.name,
                "announcement": t.commitments,
                # Trustees k+1..n are no issuers (protocol §7) and may have announced no key.
                "issuer_key": {"pem": t.issuer_key, "proof": t.issuer_key_proof}
                if t.issuer_key
                else None,
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


def poll_json(election: Election) -> dict[str, Any]:
    """The hours the poll opened and closed (``null`` while they have not happened)."""
    return {
        "opened": hour_string(election.opened_hour) if election.opened_hour else None,
        "closed": hour_string(election.closed_hour) if election.closed_hour else None,
    }


def record_lines(election: Election) -> Iterator[bytes]:
    """The election record of docs/elections.md §8, one canonical JSON line at a time."""
    from voting.services import cohorts
    from voting.services.credentials import ledgers_json
    from voting.services.tally import decryption_json

    def line(kind: str, body: dict[str, Any]) -> bytes:
        return dumps({"type": kind, **body}) + b"\n"

    yield line("manifest", {"manifest": election.manifest, "fingerprint": election.fingerprint})
    yield line("ceremony", ceremony_record(election))
    yield line("roll", roll_json(election))
    yield line("issuers", {"ledgers": ledgers_json(election)})
    yield line("poll", poll_json(election))
    yield from (dumps(x) + b"\n" for x in cohorts.record_lines(election, "before_board"))
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
    yield from (dumps(x) + b"\n" for x in cohorts.record_lines(election, "after_tally"))
    for submission in election.decryptions.select_related("trustee"):
        yield line("decryption", decryption_json(submission))
    yield from (dumps(x) + b"\n" for x in cohorts.record_lines(election, "after_decryption"))
    if election.results:
        yield line("results", {"results": election.results})
    yield from (dumps(x) + b"\n" for x in cohorts.record_lines(election, "after_results"))


def published_results(election: Election) -> dict[str, Any]:
    """What ``results.json`` serves: the record's ``results``, and in an election with cohort
    dimensions its ``cohort_results`` as ``cohorts`` (docs/protocol.md §12.5), the same list.
    Without dimensions the results alone, as they always were."""
    if "cohorts" in (election.manifest or {}) and election.cohort_results is not None:
        return {**election.results, "cohorts": election.cohort_results}
    return election.results


@dataclass(frozen=True)
class ElectionForMember:
    """One election as a member (or visitor) of its convention meets it now: what they can do
    in it, by when, and why a voter on the roll is blocked, if they are."""

    election: Election
    on_roll: bool
    has_credential: bool
    credential: bool  # may get a credential now (the credential window is open)
    vote: bool  # the ballot is open (anyone with a credential casts; the page is public)
    trustee: bool  # a trustee with a step due (ceremony, issuing, its ledger, decryption)
    trustee_done: bool  # a trustee whose ceremony part is done, waiting for the others
    results: bool
    deadline: datetime | None  # when what the member can do now stops being possible
    blocked: str  # why a voter on the roll cannot get a credential now, or ""


CURRENT_STATES = (
    ElectionState.KEY_CEREMONY,
    ElectionState.CREDENTIALS,
    ElectionState.OPEN,
    ElectionState.CLOSED,
    ElectionState.TALLIED,
    ElectionState.PUBLISHED,
)


def election_for_member(
    election: Election, membership: Membership | None, *, roll_entry: RollEntry | None = None
) -> ElectionForMember:
    state = election.state
    if roll_entry is None and membership is not None:
        roll_entry = RollEntry.objects.filter(election=election, membership=membership).first()
    trustee = (
        election.trustees.filter(membership=membership).first() if membership is not None else None
    )
    vote_decision = decide(
        action=Action.VOTE, convention=election.convention, membership=membership
    )
    in_window = state == ElectionState.CREDENTIALS
    blocked = ""
    if roll_entry is not None and in_window and not vote_decision.allowed:
        blocked = vote_decision.message
    # Trustees act in the ceremony, as credential issuers (trustees 1..k: sign in the window,
    # publish their ledger once the poll opens) and in the decryption.
    acting_trustee = (
        trustee is not None
        and state
        in (
            ElectionState.KEY_CEREMONY,
            ElectionState.CREDENTIALS,
            ElectionState.OPEN,
            ElectionState.CLOSED,
        )
        and can(action=Action.ACT_AS_TRUSTEE, convention=election.convention, membership=membership)
    )
    deadline = {
        ElectionState.KEY_CEREMONY: election.credentials_at,
        ElectionState.CREDENTIALS: election.opens_at,
        ElectionState.OPEN: election.closes_at,
    }.get(state)
    return ElectionForMember(
        election=election,
        on_roll=roll_entry is not None,
        has_credential=roll_entry is not None and roll_entry.issued > 0,
        credential=roll_entry is not None and in_window and vote_decision.allowed,
        vote=state == ElectionState.OPEN,
        trustee=acting_trustee
        and not (state == ElectionState.KEY_CEREMONY and trustee.verified)
        # Only trustees 1..k issue credentials (protocol §7); the others wait for the tally.
        and not (state in ISSUING_STATES and trustee.index > election.threshold)
        and not (state == ElectionState.OPEN and trustee.ledger is not None),
        trustee_done=acting_trustee
        and state == ElectionState.KEY_CEREMONY
        and bool(trustee.verified),
        results=state == ElectionState.PUBLISHED,
        deadline=deadline,
        blocked=blocked,
    )


def elections_for_member(
    convention: Convention, membership: Membership | None
) -> list[ElectionForMember]:
    """The convention's elections past their draft, newest first, each with what ``membership``
    can do in it now. Called by the convention page and the home page (convention imports this
    at call time only: voting imports convention, never the other way at module level)."""
    elections = (
        Election.objects.filter(convention=convention, state__in=CURRENT_STATES)
        .select_related("convention")
        .order_by("-opens_at")
    )
    entries = (
        {e.election_id: e for e in RollEntry.objects.filter(membership=membership)}
        if membership is not None
        else {}
    )
    return [
        election_for_member(election, membership, roll_entry=entries.get(election.pk))
        for election in elections
    ]


# --- the organizer's pages ---------------------------------------------------------------


def organizer_elections(convention: Convention) -> QuerySet[Election]:
    """The convention's elections, newest first."""
    return Election.objects.filter(convention=convention).order_by("-created_on", "-id")


def ballot_proposal_choices(convention: Convention, language: str) -> list[tuple[Proposal, str]]:
    """The proposals an organizer may place on a draft question (those that reached their
    support threshold), each with its title in ``language`` and its number of supporters."""
    choices = []
    for proposal in proposals_ready_for_ballot(convention):
        text = current_text(proposal, language)
        title = text.title if text is not None else str(proposal)
        choices.append((proposal, f"{title} ({proposal.support_count})"))
    return choices


def control_figures(election: Election) -> dict[str, Any]:
    """What the organizer's control page shows of an election: its trustees and how many have
    completed the key ceremony, the ceremony's complaints, the decryptions received, the counts
    of the roll and the board."""
    trustees = list(election.trustees.all())
    return {
        "trustees": trustees,
        "ceremony_done": sum(1 for t in trustees if t.verified),
        "complaints": election.complaints.count() if election.state != ElectionState.DRAFT else 0,
        "decryptions": election.decryptions.count(),
        "counts": counts(election),
    }
