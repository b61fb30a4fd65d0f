"""Casting and auditing ballots on the anonymous endpoint (docs/elections.md §4).

Everything that can be checked without the database is checked first (size, JSON, shape,
fingerprint, issuer signature, Schnorr signature, every proof); then, in one transaction with the
election row and the board head locked, the poll's state is read and the ballot appended. The
receipt is built from the committed entry: the head right after it, signed deterministically, so
resubmitting the same ballot yields the identical receipt and appends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections, transaction

from voting.models import BoardEntry, BoardHead, Election, ElectionState, EntryKind
from voting.services import board
from voting.verify.ballots import (
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


_ELECTION_FOR_BALLOTS = "SELECT id, fingerprint FROM voting_election WHERE uuid = %s"
assert Election._meta.db_table == "voting_election"
_FROZEN: dict[str, tuple[int, str]] = {}
_FROZEN_LIMIT = 256


def election_for_ballots(election_uuid) -> Election:
    """The election's id and fingerprint, the only columns casting reads before its lock;
    ``unknown_election`` if there is no such election or its manifest is not frozen yet.

    A frozen election's pair is kept in this process (a ballot then costs no look-up): it is
    only a hint, since the append reads the state and the fingerprint again under its lock and
    rejects the ballot if either has changed. The look-up is one written-out statement (the ORM
    would spend more CPU building it than PostgreSQL answering it)."""
    key = str(election_uuid)
    row = _FROZEN.get(key)
    connection = connections[Election.objects.db]
    if row is None:
        uuid = Election._meta.get_field("uuid").get_db_prep_value(election_uuid, connection)
        with connection.cursor() as cursor:
            cursor.execute(_ELECTION_FOR_BALLOTS, [uuid])
            row = cursor.fetchone()
        if row is None or not row[1]:
            raise BallotRejected("unknown_election", "there is no such election open for ballots")
        if len(_FROZEN) >= _FROZEN_LIMIT:
            _FROZEN.clear()
        _FROZEN[key] = row
    # from_db takes the values in the model's field order (id comes before fingerprint); the
    # other fields are deferred and never read on the casting path.
    return Election.from_db(connection.alias, ["id", "fingerprint"], row)


def _forget(election: Election) -> None:
    for key, row in list(_FROZEN.items()):
        if row[0] == election.pk:
            del _FROZEN[key]


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


def _submit(
    election_uuid, body: bytes, *, audit: bool, election: Election | None = None
) -> Receipt:
    if election is None:
        election = election_for_ballots(election_uuid)
    keys, ballot, reveal, reveal_bytes = _parse(election, body, audit=audit)
    kind = EntryKind.AUDITED if audit else EntryKind.BALLOT
    # Everything is checked before the transaction opens, so the head stays locked only for the
    # few statements of the append; the poll's state is read under the lock, where a ballot
    # already on the board (resubmitted, also after closing) is answered with its receipt.
    verify_ballot(ballot, keys.shapes, keys.fingerprint, keys.joint_key, keys.issuer)
    if audit:
        verify_reveal(ballot, reveal, keys.joint_key)
    rows = b"".join(ct.a.encoding + ct.b.encoding for ct in ballot.ciphertexts())
    tracker = ballot.tracker.hex()
    with transaction.atomic():
        # Locked like closing locks them (election row, then head): a ballot is appended only
        # while the poll is open, and before the final head is signed.
        try:
            locked = board.lock_for_append(election, tracker)
        except (Election.DoesNotExist, BoardHead.DoesNotExist):
            locked = None
        if locked is None or locked.fingerprint != election.fingerprint:
            _forget(election)
            raise BallotRejected("unknown_election", "there is no such election open for ballots")
        if locked.existing is not None:
            entry = BoardEntry.objects.get(pk=locked.existing)
            created = False
        elif locked.state != ElectionState.OPEN:
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
                head=locked.head,
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
