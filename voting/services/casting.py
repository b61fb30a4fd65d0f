"""Casting and auditing ballots on the anonymous endpoint (docs/elections.md §4).

Everything that can be checked without the database is checked first (size, JSON, shape,
fingerprint, issuer signature, Schnorr signature, every proof; for an audit, which carries only
the sealed ballot, the proofs and the reveal); then, in one transaction with the election row
and the board head locked: the tracker (a resubmission gets its receipt, an audited or another
ballot's tracker is refused), the poll's state, no cohort label of a value merged into not
stated, the board reference, the per-credential cap (the per-board cap for audits), and the
append. The receipt is built from the committed entry: the
head right after it, signed deterministically, so resubmitting the same ballot yields the
identical receipt and appends nothing.

A ballot is never refused because a later-made one of its credential is on the board: the
counted-ballot rule (greatest board reference) decides, so a coercer who casts an old signed
ballot gets a normal receipt and learns nothing about a re-vote.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections, transaction

from voting.models import BoardEntry, BoardHead, Election, ElectionState, EntryKind, RollEntry
from voting.services import board, cohorts
from voting.verify import board as chain
from voting.verify.ballots import (
    Ballot,
    BallotRejected,
    parse_ballot,
    parse_reveal,
    parse_sealed,
    verify_ballot,
    verify_reveal,
    verify_sealed,
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
        # parse_ballot / parse_sealed (and parse_reveal, then dumps, for an audit) read every
        # field strictly.
        data = loads_for_strict_parser(body)
    except NotCanonical as exc:
        raise BallotRejected("malformed", f"not valid JSON: {exc}") from None
    if not audit:
        return keys, parse_ballot(data, keys.shapes), None, b""
    if not isinstance(data, dict) or set(data) != {"ballot", "reveal"}:
        raise BallotRejected("malformed", 'an audit is {"ballot": …, "reveal": …}')
    reveal = parse_reveal(data["reveal"], keys.shapes)
    reveal_bytes = dumps(data["reveal"])
    # An audit carries the sealed ballot only: no credential, board reference or signature.
    return keys, parse_sealed(data["ballot"], keys.shapes), reveal, reveal_bytes


def _submit(
    election_uuid, body: bytes, *, audit: bool, election: Election | None = None
) -> Receipt:
    if election is None:
        election = election_for_ballots(election_uuid)
    keys, ballot, reveal, reveal_bytes = _parse(election, body, audit=audit)
    # Everything is checked before the transaction opens, so the head stays locked only for the
    # few statements of the append; the poll's state is read under the lock, where a ballot
    # already on the board (resubmitted, also after closing) is answered with its receipt.
    if audit:
        verify_sealed(ballot, keys.shapes, keys.fingerprint, keys.joint_key)
        verify_reveal(ballot, reveal, keys.joint_key)
        key = None
    else:
        verify_ballot(ballot, keys.shapes, keys.fingerprint, keys.joint_key, keys.issuers)
        key = ballot.credential_key.hex()
    rows = b"".join(ct.a.encoding + ct.b.encoding for ct in ballot.ciphertexts())
    tracker = ballot.tracker.hex()
    with transaction.atomic():
        # Locked like closing locks them (election row, then head): a ballot is appended only
        # while the poll is open, and before the final head is signed.
        try:
            locked = board.lock_for_append(
                election, tracker, credential_key=key, board_count=ballot.board_count
            )
        except (Election.DoesNotExist, BoardHead.DoesNotExist):
            locked = None
        if locked is None or locked.fingerprint != election.fingerprint:
            _forget(election)
            raise BallotRejected("unknown_election", "there is no such election open for ballots")
        if locked.existing is not None:
            entry = BoardEntry.objects.get(pk=locked.existing)
            return _resubmitted(election, entry, ballot, audit=audit)
        if locked.state != ElectionState.OPEN:
            raise BallotRejected("poll_closed", "the poll is not open")
        if audit:
            _check_audit_cap(election, locked)
        else:
            _check_labels(election, ballot)
            _check_reference_and_cap(election, locked, ballot)
        try:
            entry = board.append(
                election,
                kind=EntryKind.AUDITED if audit else EntryKind.BALLOT,
                tracker=ballot.tracker,
                credential_key=key or "",
                ballot=ballot.canonical,
                reveal=reveal_bytes,
                ciphertexts=rows,
                board_count=ballot.board_count,
                head=locked.head,
            )
        except board.CiphertextReused:
            # Raised inside the transaction: the entry and the head move roll back with it.
            raise BallotRejected(
                "reused_ciphertext", "a ciphertext of this ballot is already on the board"
            ) from None
    return _receipt(election, entry, True)


def _check_labels(election: Election, ballot: Ballot) -> None:
    """No label of a value merged into not stated (docs/protocol.md §12.5 rule 2): the ballot
    page drops such a label, and a ballot another client made with one would make the record
    fail. Asked under the lock once the poll is open, when the merge map is final."""
    if not ballot.cohort_labels:
        return
    merged = cohorts.merged_for_ballots(election)
    for d, v, _ in ballot.cohort_labels:
        if (d, v) in merged:
            raise BallotRejected(
                "merged_label",
                f"the credential's label of dimension {d} value {v} was merged into not stated "
                "(fewer than K people hold it): cast the ballot without that label",
            )


def _check_reference_and_cap(election: Election, locked: board.Locked, ballot: Ballot) -> None:
    expected = board.referenced_hash(election, locked, ballot.board_count)
    if expected is None or expected != ballot.board_hash.hex():
        raise BallotRejected(
            "bad_board_reference",
            f"the ballot names board head {ballot.board_count}, which this board does not have",
        )
    if locked.ballots >= chain.MAX_BALLOTS_PER_CREDENTIAL:
        raise BallotRejected(
            "too_many_ballots",
            f"this credential already has {chain.MAX_BALLOTS_PER_CREDENTIAL} ballots",
        )


def _check_audit_cap(election: Election, locked: board.Locked) -> None:
    cap = chain.max_audits(RollEntry.objects.filter(election_id=election.pk).count())
    if locked.head.audits >= cap:
        raise BallotRejected("too_many_audits", f"the board already holds {cap} audits")


def _resubmitted(election: Election, entry: BoardEntry, ballot: Ballot, *, audit: bool) -> Receipt:
    """The tracker is on the board already: the same ballot again gets its receipt."""
    if audit:
        if entry.kind != EntryKind.AUDITED:
            raise BallotRejected(
                "already_cast", "this ballot was cast: it can no longer be audited"
            )
        return _receipt(election, entry, False)
    if entry.kind == EntryKind.AUDITED:
        raise BallotRejected(
            "audited_ballot", "this ballot was audited: its choices are public, cast a new one"
        )
    if entry.ballot.encode("utf-8") != ballot.canonical:
        raise BallotRejected(
            "duplicate_tracker", "another ballot with this tracker is already on the board"
        )
    return _receipt(election, entry, False)


def cast_ballot(*, election_uuid, body: bytes, election: Election | None = None) -> Receipt:
    """``election``: the row the caller already read for ``election_uuid`` (with
    ``election_for_ballots``), to save reading it again."""
    return _submit(election_uuid, body, audit=False, election=election)


def audit_ballot(*, election_uuid, body: bytes, election: Election | None = None) -> Receipt:
    return _submit(election_uuid, body, audit=True, election=election)
