"""Casting and auditing ballots on the anonymous endpoint (docs/elections.md §4).

Everything that can be checked without the database is checked first (size, JSON, shape,
fingerprint, issuer signature, Schnorr signature, every proof); then, in one transaction with the
board head locked, the poll is re-checked and the ballot appended. The receipt is built from the
committed entry: the head right after it, signed deterministically, so resubmitting the same
ballot yields the identical receipt and appends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from voting.models import BoardEntry, Election, ElectionState, EntryKind
from voting.services import board
from voting.verify.ballots import (
    Ballot,
    BallotRejected,
    parse_ballot,
    parse_reveal,
    verify_ballot,
    verify_reveal,
)
from voting.verify.canonical import NotCanonical, dumps, loads


@dataclass(frozen=True)
class Receipt:
    tracker: str
    position: int
    hour: str
    head: dict
    created: bool

    def as_json(self) -> dict:
        return {
            "tracker": self.tracker,
            "position": self.position,
            "hour": self.hour,
            "head": self.head,
        }


def _receipt(election: Election, entry: BoardEntry, created: bool) -> Receipt:
    return Receipt(
        tracker=entry.tracker,
        position=entry.position,
        hour=board.hour_string(entry.hour),
        head=board.signed_head_at(election, entry.position, entry.hash),
        created=created,
    )


def _election(election_uuid) -> Election:
    election = (
        Election.objects.filter(uuid=election_uuid)
        .only("pk", "uuid", "state", "fingerprint", "final_head")
        .first()
    )
    if election is None or not election.fingerprint:
        raise BallotRejected("unknown_election", "there is no such election open for ballots")
    return election


def _parse(election: Election, body: bytes, *, audit: bool):
    keys = board.election_keys(election)
    limit = keys.max_bytes * (2 if audit else 1)
    if len(body) > limit:
        raise BallotRejected("oversized", f"the ballot is larger than {limit} bytes")
    try:
        data = loads(body)
    except NotCanonical as exc:
        raise BallotRejected("malformed", f"not valid JSON: {exc}") from None
    reveal = None
    if audit:
        if not isinstance(data, dict) or set(data) != {"ballot", "reveal"}:
            raise BallotRejected("malformed", 'an audit is {"ballot": …, "reveal": …}')
        reveal = parse_reveal(data["reveal"], keys.shapes)
        reveal_bytes = dumps(data["reveal"])
        data = data["ballot"]
    else:
        reveal_bytes = b""
    ballot = parse_ballot(data, keys.shapes)
    return keys, ballot, reveal, reveal_bytes


def _existing(election: Election, ballot: Ballot) -> BoardEntry | None:
    return BoardEntry.objects.filter(election=election, tracker=ballot.tracker.hex()).first()


def _submit(election_uuid, body: bytes, *, audit: bool) -> Receipt:
    election = _election(election_uuid)
    keys, ballot, reveal, reveal_bytes = _parse(election, body, audit=audit)
    kind = EntryKind.AUDITED if audit else EntryKind.BALLOT
    existing = _existing(election, ballot)
    if existing is not None:
        return _resubmitted(election, existing, kind)
    if election.state != ElectionState.OPEN:
        raise BallotRejected("poll_closed", "the poll is not open")
    verify_ballot(ballot, keys.shapes, keys.fingerprint, keys.joint_key, keys.issuer)
    if audit:
        verify_reveal(ballot, reveal, keys.joint_key)
    rows = b"".join(ct.a.encoding + ct.b.encoding for ct in ballot.ciphertexts())
    with transaction.atomic():
        locked = Election.objects.select_for_update().only("pk", "state").get(pk=election.pk)
        # The head lock inside append orders this against other ballots and against closing.
        existing = _existing(election, ballot)
        if existing is not None:
            created = False
            entry = existing
        else:
            if locked.state != ElectionState.OPEN:
                raise BallotRejected("poll_closed", "the poll is not open")
            entry = board.append(
                election,
                kind=kind,
                tracker=ballot.tracker,
                credential_key=ballot.credential_key.hex(),
                ballot=ballot.canonical,
                reveal=reveal_bytes,
                ciphertexts=rows,
            )
            created = True
    if not created:
        return _resubmitted(election, entry, kind)
    return _receipt(election, entry, True)


def _resubmitted(election: Election, entry: BoardEntry, kind: str) -> Receipt:
    if entry.kind != kind:
        if entry.kind == EntryKind.AUDITED:
            raise BallotRejected(
                "audited_ballot", "this ballot was audited: its choices are public, cast a new one"
            )
        raise BallotRejected("already_cast", "this ballot was cast: it can no longer be audited")
    return _receipt(election, entry, False)


def cast_ballot(*, election_uuid, body: bytes) -> Receipt:
    return _submit(election_uuid, body, audit=False)


def audit_ballot(*, election_uuid, body: bytes) -> Receipt:
    return _submit(election_uuid, body, audit=True)
