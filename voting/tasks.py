"""Celery tasks: thin wrappers around services. Each is idempotent and safe to retry; they are
enqueued with ``transaction.on_commit`` and the settings acknowledge late, so a task lost with its
worker runs again."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="voting.advance_scheduled_elections")
def advance_scheduled_elections() -> list[str]:
    from voting.services.lifecycle import advance_scheduled

    return advance_scheduled()


@shared_task(name="voting.compute_encrypted_tally")
def compute_encrypted_tally(election_id: int) -> None:
    from voting.services.tally import compute_encrypted_tally as compute

    compute(election_id)


@shared_task(name="voting.combine_decryptions")
def combine_decryptions(election_id: int) -> None:
    from voting.services.tally import combine_decryptions as combine

    combine(election_id)
