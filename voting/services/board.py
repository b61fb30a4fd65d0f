"""Appending to the bulletin board and signing its heads (docs/elections.md §5).

Appends are ordered by locking the election's ``BoardHead`` row: the new entry's hash covers the
previous head, the entry and the new head are written in the caller's transaction, so a failure
leaves neither. Closing takes the same lock before signing the final head, so no ballot can slip
in after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.db import transaction

from convention.models import current_hour
from voting import keystore
from voting.crypto.blind_rsa import BlindRsaPublicKey
from voting.crypto.group import Point
from voting.crypto.serialization import from_json
from voting.models import BoardEntry, BoardHead, Election
from voting.verify import board as chain
from voting.verify.election import Shape, max_ballot_bytes, shapes


@dataclass(frozen=True)
class ElectionKeys:
    """What checking and receipting a ballot needs; immutable once the manifest is frozen."""

    fingerprint: bytes
    shapes: list[Shape]
    joint_key: Point
    issuer: BlindRsaPublicKey
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
        issuer=from_json(BlindRsaPublicKey, manifest["issuer_public_key"]),
        max_bytes=max_ballot_bytes(shape_list),
        board_seed=keystore.unseal(
            election.board_private_key, election_uuid=election.uuid.hex, purpose="board"
        ),
    )


def election_keys(election: Election) -> ElectionKeys:
    return _keys(election.pk, election.fingerprint)


def hour_string(entry_hour) -> str:
    return entry_hour.strftime("%Y-%m-%dT%H:00:00Z")


def append(
    election: Election,
    *,
    kind: str,
    tracker: bytes,
    credential_key: str,
    ballot: bytes,
    reveal: bytes,
    ciphertexts: bytes,
) -> BoardEntry:
    """Append one entry; the caller holds a transaction and has locked nothing yet."""
    head = BoardHead.objects.select_for_update().get(election=election)
    position = head.count + 1
    hour = current_hour()
    digest = chain.entry_hash(
        bytes.fromhex(head.hash), position, kind, hour_string(hour), tracker, reveal
    )
    entry = BoardEntry.objects.create(
        election=election,
        position=position,
        kind=kind,
        hour=hour,
        tracker=tracker.hex(),
        credential_key=credential_key,
        ballot=ballot.decode("utf-8"),
        reveal=reveal.decode("utf-8"),
        ciphertexts=ciphertexts,
        previous=head.hash,
        hash=digest.hex(),
    )
    head.count = position
    head.hash = digest.hex()
    head.save(update_fields=["count", "hash"])
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


def entry_json(entry: BoardEntry) -> dict:
    from voting.verify.canonical import loads

    return {
        "position": entry.position,
        "kind": entry.kind,
        "hour": hour_string(entry.hour),
        "tracker": entry.tracker,
        "ballot": loads(entry.ballot),
        "reveal": loads(entry.reveal) if entry.reveal else None,
        "previous": entry.previous,
        "hash": entry.hash,
    }
