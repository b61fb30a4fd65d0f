"""What a dishonest server holding the board key can do to its board: rewrite it and re-sign.

``rewrite_board`` keeps the entries at the given positions in the given order (dropping the
others), renumbers them, rebuilds the chain with the server's own append, and re-signs: the
running head is signed on request from the rewritten chain, and a final head is re-signed here
with the board key unsealed through ``voting.keystore``. Nothing the verifier checks breaks.
"""

from __future__ import annotations

from unittest import mock

from django.db import transaction

from voting import keystore
from voting.models import BoardEntry, BoardHead, CiphertextUse, Election
from voting.services import board
from voting.verify import board as chain


def rewrite_board(election: Election, order: list[int]) -> None:
    election.refresh_from_db()
    entries = {e.position: e for e in BoardEntry.objects.filter(election=election)}
    with transaction.atomic():
        BoardEntry.objects.filter(election=election).delete()  # QuerySet.delete: no model guard
        CiphertextUse.objects.filter(election=election).delete()
        head = BoardHead.objects.select_for_update().get(election=election)
        head.count, head.hash = 0, chain.genesis(election.fingerprint_bytes).hex()
        head.audits = 0
        head.save()
        for position in order:
            entry = entries[position]
            with mock.patch("voting.services.board.current_hour", return_value=entry.hour):
                board.append(
                    election,
                    kind=entry.kind,
                    tracker=bytes.fromhex(entry.tracker),
                    credential_key=entry.credential_key,
                    ballot=entry.ballot.encode(),
                    reveal=entry.reveal.encode(),
                    ciphertexts=bytes(entry.ciphertexts),
                    board_count=entry.board_count,
                    head=head,
                )
        if election.final_head:
            seed = keystore.unseal(
                election.board_private_key, election_uuid=election.uuid.hex, purpose="board"
            )
            election.final_head = chain.sign_head(
                seed, election.fingerprint_bytes, head.count, bytes.fromhex(head.hash), True
            )
            election.save(update_fields=["final_head"])
