"""Appending to the bulletin board and signing its heads (docs/elections.md §5).

Appends are ordered by locking the election's ``BoardHead`` row: the new entry's hash covers the
previous head, the entry and the new head are written in the caller's transaction, so a failure
leaves neither. Closing takes the same lock before signing the final head, so no ballot can slip
in after it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from django.db import IntegrityError, connections, transaction

from convention.models import current_hour
from voting import keystore
from voting.crypto.group import Point
from voting.models import BoardEntry, BoardHead, CiphertextUse, Election
from voting.verify import board as chain
from voting.verify.cohorts import signatures_per_credential
from voting.verify.election import Shape, max_ballot_bytes, shapes
from voting.verify.issuers import Issuers, parse_issuers
from voting.verify.results import ciphertext_as


@dataclass(frozen=True)
class ElectionKeys:
    """What checking and receipting a ballot needs; immutable once the manifest is frozen."""

    fingerprint: bytes
    shapes: list[Shape]
    joint_key: Point
    issuers: Issuers
    max_bytes: int
    board_seed: bytes


@lru_cache(maxsize=64)
def _keys(election_pk: int, fingerprint: str) -> ElectionKeys:
    election = Election.objects.get(pk=election_pk, fingerprint=fingerprint)
    manifest = election.manifest
    shape_list = shapes(manifest)
    return ElectionKeys(
        fingerprint=bytes.fromhex(fingerprint),
        shapes=shape_list,
        joint_key=Point.from_hex(manifest["joint_public_key"]),
        issuers=parse_issuers(manifest),
        max_bytes=max_ballot_bytes(shape_list, signatures_per_credential(manifest)),
        board_seed=keystore.unseal(
            election.board_private_key, election_uuid=election.uuid.hex, purpose="board"
        ),
    )


def election_keys(election: Election) -> ElectionKeys:
    return _keys(election.pk, election.fingerprint)


def hour_string(entry_hour) -> str:
    return entry_hour.strftime("%Y-%m-%dT%H:00:00Z")


# The append path runs once per ballot, inside the head lock: its statements are written out
# (the ORM would spend more CPU building them than PostgreSQL answering them). On PostgreSQL they
# go through a server-binding psycopg cursor as prepared statements: the 4-5 KB ballot travels as
# a parameter rather than being quoted into the SQL, and the server plans each statement once per
# connection. Two round trips under the lock (see ``_run``): the election row and the head with
# its look-ups, then one statement that writes the entry, its ciphertexts' ``A`` and the head.
_ENTRY_COLUMNS = (
    "election_id",
    "position",
    "kind",
    "hour",
    "tracker",
    "credential_key",
    "board_count",
    "digest",
    "ballot",
    "reveal",
    "ciphertexts",
    "previous",
    "hash",
)
_INSERT_ENTRY = (
    "INSERT INTO voting_boardentry (election_id, position, kind, hour, tracker, credential_key, "
    "board_count, digest, ballot, reveal, ciphertexts, previous, hash) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_UPDATE_HEAD = "UPDATE voting_boardhead SET count = %s, hash = %s, audits = %s WHERE id = %s"
_INSERT_USES = "INSERT INTO voting_ciphertextuse (election_id, a) SELECT %s, unnest(%s::text[])"
# PostgreSQL runs every data-modifying WITH exactly once, whether or not the main statement reads
# it: the three writes in one round trip. (SQLite, the zero-setup default, takes them one by one.)
_APPEND = f"WITH entry AS ({_INSERT_ENTRY}), uses AS ({_INSERT_USES}) {_UPDATE_HEAD}"
_CIPHERTEXT_ONCE = "ciphertext_a_once"
assert BoardHead._meta.db_table == "voting_boardhead"
assert BoardEntry._meta.db_table == "voting_boardentry"
assert CiphertextUse._meta.db_table == "voting_ciphertextuse"
assert _CIPHERTEXT_ONCE in {c.name for c in CiphertextUse._meta.constraints}


_LOCK_ELECTION = "SELECT state, fingerprint FROM voting_election WHERE id = %s"
# One round trip under the head lock: the head, the entry already holding the tracker, how many
# ballots the credential has on the board (NULL key for an audit: none), and the hash of the
# entry the ballot's board reference names (NULL position: none).
_LOCK_HEAD_AND_ENTRY = (
    "SELECT id, count, hash, audits, "
    "(SELECT id FROM voting_boardentry WHERE election_id = %s AND tracker = %s LIMIT 1), "
    "(SELECT count(*) FROM voting_boardentry WHERE election_id = %s AND credential_key = %s), "
    "(SELECT hash FROM voting_boardentry WHERE election_id = %s AND position = %s) "
    "FROM voting_boardhead WHERE election_id = %s"
)
assert Election._meta.db_table == "voting_election"


def _run(connection, statements: list[tuple[str, list]]) -> list[tuple | None]:
    """Run ``statements`` one after the other in the caller's transaction; the first row of
    each (``None`` for a statement that returns none).

    On PostgreSQL they are prepared statements of a server-binding psycopg cursor on Django's own
    connection, with psycopg's errors turned into Django's as Django's own cursors do (measured
    here: 270 µs for the two lock statements against 380 µs through Django's cursor; psycopg's
    pipeline mode, which would save a round trip, cost more CPU than it saved). Elsewhere they go
    through Django's cursor."""
    rows: list[tuple | None] = []
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                rows.append(cursor.fetchone() if cursor.description else None)
        return rows
    import psycopg

    if connection.connection is None:
        connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        for sql, params in statements:
            cursor.execute(sql, params, prepare=True)
            rows.append(cursor.fetchone() if cursor.description else None)
    return rows


class Locked(NamedTuple):
    """What an append reads under its locks: the election's committed state and fingerprint,
    its head (locked), the id of the entry already holding the tracker, if any, the number of
    ballots of the credential on the board, and the hash ``h_count`` of the entry at the board
    reference's count (``None`` if there is no such entry)."""

    state: str
    fingerprint: str
    head: BoardHead
    existing: int | None
    ballots: int = 0
    referenced_hash: str | None = None


def _lock_clause(connection, no_key: bool = False) -> str:
    if no_key and connection.features.has_select_for_no_key_update:
        return " FOR NO KEY UPDATE"
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def lock_for_append(
    election: Election,
    tracker: str,
    *,
    credential_key: str | None = None,
    board_count: int | None = None,
) -> Locked:
    """Inside a transaction: lock the election row, then its head, and look ``tracker`` up (and
    for a cast ballot, its credential's ballots and the entry its board reference names).

    Locks are taken in the order closing takes them (election row, then head), or a ballot and a
    closing could each wait for the other: inserting an entry takes a key-share lock on its
    election row, which closing's ``FOR UPDATE`` holds. ``FOR NO KEY UPDATE`` on the election
    row orders ballots among themselves and against closing, and, being waited for, yields the
    committed state; the entry look-ups run after it, so they see every ballot appended before.
    Raises ``Election.DoesNotExist`` or ``BoardHead.DoesNotExist`` if either row has gone.
    """
    connection = connections[BoardHead.objects.db]
    pk = election.pk
    election_row, row = _run(
        connection,
        [
            (_LOCK_ELECTION + _lock_clause(connection, no_key=True), [pk]),
            (
                _LOCK_HEAD_AND_ENTRY + _lock_clause(connection),
                [pk, tracker, pk, credential_key, pk, board_count or None, pk],
            ),
        ],
    )
    if election_row is None:
        raise Election.DoesNotExist("the election has gone")
    if row is None:
        raise BoardHead.DoesNotExist("the election has no board")
    head = BoardHead(id=row[0], election_id=pk, count=row[1], hash=row[2], audits=row[3])
    return Locked(election_row[0], election_row[1], head, row[4], row[5] or 0, row[6])


def referenced_hash(election: Election, locked: Locked, board_count: int) -> str | None:
    """``h_count`` of this board for a ballot's board reference, or ``None`` if the count is
    beyond the head: the genesis for 0, the locked head's hash for the head's own count."""
    if board_count > locked.head.count:
        return None
    if board_count == 0:
        return chain.genesis(election_keys(election).fingerprint).hex()
    if board_count == locked.head.count:
        return locked.head.hash
    return locked.referenced_hash


class CiphertextReused(Exception):
    """A ciphertext ``A`` of the entry is already on this board (in a ballot or an audit)."""


def _reused(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    name = getattr(getattr(cause, "diag", None), "constraint_name", None)
    if name is not None:  # PostgreSQL names the constraint
        return name == _CIPHERTEXT_ONCE
    # SQLite names only the table and columns ("UNIQUE constraint failed: voting_ciphertextuse…")
    return CiphertextUse._meta.db_table in str(exc)


def append(
    election: Election,
    *,
    kind: str,
    tracker: bytes,
    credential_key: str,
    ballot: bytes,
    reveal: bytes,
    ciphertexts: bytes,
    board_count: int | None = None,
    head: BoardHead | None = None,
) -> BoardEntry:
    """Append one entry inside the caller's transaction; ``head`` is the head the caller has
    already locked with ``lock_for_append``, or ``None`` to lock it here. ``ballot`` is the
    canonical ballot (the sealed one for an audit, with ``credential_key`` empty and no
    ``board_count``). Returns the entry as written (without its id)."""
    if head is None:
        head = lock_for_append(election, tracker.hex()).head
    position = head.count + 1
    hour = current_hour()
    digest = hashlib.sha256(ballot).digest()
    entry_hash = chain.entry_hash(
        bytes.fromhex(head.hash), position, kind, hour_string(hour), tracker, digest, reveal
    )
    entry = BoardEntry(
        election_id=election.pk,
        position=position,
        kind=kind,
        hour=hour,
        tracker=tracker.hex(),
        credential_key=credential_key,
        board_count=board_count,
        digest=digest.hex(),
        ballot=ballot.decode("utf-8"),
        reveal=reveal.decode("utf-8"),
        ciphertexts=ciphertexts,
        previous=head.hash,
        hash=entry_hash.hex(),
    )
    connection = connections[BoardEntry.objects.db]
    audits = head.audits + (1 if kind == "audited" else 0)
    head_values = [position, entry.hash, audits, head.pk]
    uses = [a.hex() for a in ciphertext_as(ciphertexts)]
    if connection.vendor == "postgresql":
        # psycopg adapts each value as the column takes it (the timezone-aware hour, the bytes):
        # the row is what the model's fields would write.
        values = [getattr(entry, column) for column in _ENTRY_COLUMNS]
        statements = [(_APPEND, [*values, election.pk, uses, *head_values])]
    else:
        values = [
            BoardEntry._meta.get_field(column.removesuffix("_id")).get_db_prep_save(
                getattr(entry, column), connection
            )
            for column in _ENTRY_COLUMNS
        ]
        rows = ", ".join(["(%s, %s)"] * len(uses))
        statements = [(_INSERT_ENTRY, values), (_UPDATE_HEAD, head_values)]
        if uses:
            # Only placeholders are joined into the statement; the values are parameters.
            insert_uses = f"INSERT INTO voting_ciphertextuse (election_id, a) VALUES {rows}"  # noqa: S608
            statements.append((insert_uses, [v for a in uses for v in (election.pk, a)]))
    try:
        _run(connection, statements)
    except IntegrityError as exc:
        if _reused(exc):
            raise CiphertextReused from None
        raise
    head.count = position
    head.hash = entry.hash
    head.audits = audits
    return entry


def signed_head_at(election: Election, count: int, head_hash: str, final: bool = False) -> dict:
    keys = election_keys(election)
    return chain.sign_head(
        keys.board_seed, keys.fingerprint, count, bytes.fromhex(head_hash), final
    )


def current_head(election: Election) -> dict:
    if election.final_head:
        return election.final_head
    head = BoardHead.objects.get(election=election)
    return signed_head_at(election, head.count, head.hash)


def sign_final_head(election: Election) -> dict:
    """Called by the closing transition inside its transaction."""
    assert transaction.get_connection().in_atomic_block
    head = BoardHead.objects.select_for_update().get(election=election)
    election.final_head = signed_head_at(election, head.count, head.hash, final=True)
    return election.final_head


def entry_json(entry: BoardEntry, *, hide_ballot: bool = False) -> dict:
    """An entry as board.json and the record give it (docs/elections.md §5). ``hide_ballot``
    (board.json while the poll is open) gives ``"ballot": null`` for a ``ballot`` entry: the
    digest and the chain stay public, but the board does not show which credential cast again;
    an audited entry is always shown whole."""
    from voting.verify.canonical import loads

    hidden = hide_ballot and entry.kind == "ballot"
    return {
        "position": entry.position,
        "kind": entry.kind,
        "hour": hour_string(entry.hour),
        "tracker": entry.tracker,
        "digest": entry.digest,
        "ballot": None if hidden else loads(entry.ballot),
        "reveal": loads(entry.reveal) if entry.reveal else None,
        "previous": entry.previous,
        "hash": entry.hash,
    }
