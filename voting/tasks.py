"""Celery tasks: thin wrappers around services. Each is idempotent and safe to retry.

The hand-off from a request to the tasks is durable without relying on the broker: the
committed state itself says what work is due (an election closed with no encrypted tally; one
with at least ``threshold`` decryption submissions and no results), and ``sweep_due_tallies``,
run by beat every minute, does whatever is due. Requests still enqueue the work with
``transaction.on_commit`` so it starts at once, through ``voting.outbox``, which names the task
(services never import this module: it imports them) and logs and swallows a broker failure
instead of failing a request whose transaction has already committed.

A task lost with its worker (killed, machine gone) runs again: tasks acknowledge late and are
rejected back to the queue when their worker is lost, and a message that no worker acknowledged
is delivered again once the broker's visibility timeout (``CELERY_BROKER_TRANSPORT_OPTIONS``,
a few minutes) has passed; the sweep covers the rest.
"""

from __future__ import annotations

from celery import shared_task

from voting.outbox import enqueue as enqueue
from voting.services import lifecycle, tally


@shared_task(name="voting.advance_scheduled_elections")
def advance_scheduled_elections() -> list[str]:
    return lifecycle.advance_scheduled()


@shared_task(name="voting.sweep_due_tallies")
def sweep_due_tallies() -> list[str]:
    return tally.sweep_due_tallies()


@shared_task(name="voting.compute_encrypted_tally")
def compute_encrypted_tally(election_id: int) -> None:
    tally.compute_encrypted_tally(election_id)


@shared_task(name="voting.combine_decryptions")
def combine_decryptions(election_id: int) -> None:
    tally.combine_decryptions(election_id)
