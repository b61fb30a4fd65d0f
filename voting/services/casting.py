"""Casting and auditing ballots on the anonymous endpoint (docs/elections.md §4).

Everything that can be checked without the database is checked first (size, JSON, shape,
fingerprint, issuer signature, Schnorr signature, every proof); then, in one transaction with the
board head locked, the poll is re-checked and the ballot appended. The receipt is built from the
committed entry: the head right after it, signed deterministically, so resubmitting the same
ballot yields the identical receipt and appends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections, transaction

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
from voting.verify.canonical import NotCanonical, dumps, loads_for_strict_parser


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


_ELECTION_FOR_BALLOTS = "SELECT id, state, fingerprint FROM voting_election WHERE uuid = %s"
assert Election._meta.db_table == "voting_election"


def election_for_ballots(election_uuid) -> Election | None:
    """The election with only the columns casting reads (the others load on access), in one
    written-out statement: it runs for every ballot, and the ORM would spend more CPU building
    the query than PostgreSQL spends answering it. The manifest is decoded once per process
    (``board.election_keys``)."""
    connection = connections[Election.objects.db]
    key = Election._meta.get_field("uuid").get_db_prep_value(election_uuid, connection)
    with connection.cursor() as cursor:
        cursor.execute(_ELECTION_FOR_BALLOTS, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    # from_db takes the values in the model's field order, which is id, …, state, …, fingerprint.
    return Election.from_db(connection.alias, ["id", "state", "fingerprint"], row)


def _election(election_uuid) -> Election:
    election = election_for_ballots(election_uuid)
    if election is None or not election.fingerprint:
        raise BallotRejected("unknown_election", "there is no such election open for ballots")
    return election


def _parse(election: Election, body: bytes, *, audit: bool):
    keys = board.election_keys(election)
    limit = keys.max_bytes * (2 if audit else 1)
    if len(body) > limit:
        raise BallotRejected("oversized", f"the ballot is larger than {limit} bytes")
    try:
        # parse_ballot (and parse_reveal, then dumps, for an audit) read every field strictly.
        data = loads_for_strict_parser(body)
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


def _submit(
    election_uuid, body: bytes, *, audit: bool, election: Election | None = None
) -> Receipt:
    if election is None:
        election = _election(election_uuid)
    keys, ballot, reveal, reveal_bytes = _parse(election, body, audit=audit)
    kind = EntryKind.AUDITED if audit else EntryKind.BALLOT
    if election.state != ElectionState.OPEN:
        # Past the poll only a ballot already on the board gets an answer: its receipt.
        existing = _existing(election, ballot)
        if existing is not None:
            return _resubmitted(election, existing, kind)
        raise BallotRejected("poll_closed", "the poll is not open")
    # Everything is checked before the transaction opens, so the head stays locked only for the
    # few statements of the append. (A resubmitted ballot is checked again, then answered below.)
    verify_ballot(ballot, keys.shapes, keys.fingerprint, keys.joint_key, keys.issuer)
    if audit:
        verify_reveal(ballot, reveal, keys.joint_key)
    rows = b"".join(ct.a.encoding + ct.b.encoding for ct in ballot.ciphertexts())
    tracker = ballot.tracker.hex()
    with transaction.atomic():
        # Locked like closing locks them (election row, then head): a ballot is appended only
        # while the poll is open, and before the final head is signed.
        state, head, existing_pk = board.lock_for_append(election, tracker)
        if existing_pk is not None:
            entry = BoardEntry.objects.get(pk=existing_pk)
            created = False
        elif state != ElectionState.OPEN:
            raise BallotRejected("poll_closed", "the poll is not open")
        else:
            entry = board.append(
                election,
                kind=kind,
                tracker=ballot.tracker,
                credential_key=ballot.credential_key.hex(),
                ballot=ballot.canonical,
                reveal=reveal_bytes,
                ciphertexts=rows,
                head=head,
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


def cast_ballot(*, election_uuid, body: bytes, election: Election | None = None) -> Receipt:
    """``election``: the row the caller already read for ``election_uuid`` (with
    ``election_for_ballots``), to save reading it again."""
    return _submit(election_uuid, body, audit=False, election=election)


def audit_ballot(*, election_uuid, body: bytes, election: Election | None = None) -> Receipt:
    return _submit(election_uuid, body, audit=True, election=election)
