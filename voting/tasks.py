"""Celery tasks: thin wrappers around services. Each is idempotent and safe to retry.

The hand-off from a request to the tasks is durable without relying on the broker: the
committed state itself says what work is due (an election closed with no encrypted tally; one
with at least ``threshold`` decryption submissions and no results), and ``sweep_due_tallies``,
run by beat every minute, does whatever is due. Requests still enqueue the work with
``transaction.on_commit`` so it starts at once, through ``enqueue``, which logs and swallows a
broker failure instead of failing a request whose transaction has already committed.

A task lost with its worker (killed, machine gone) runs again: tasks acknowledge late and are
rejected back to the queue when their worker is lost, and a message that no worker acknowledged
is delivered again once the broker's visibility timeout (``CELERY_BROKER_TRANSPORT_OPTIONS``,
a few minutes) has passed; the sweep covers the rest.
"""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> bool:
    """``task.delay(*args)``, or a logged warning if the broker cannot take it (the beat sweep
    will do the work): called after COMMIT, so a failure here must not fail the request."""
    try:
        task.delay(*args)
    except Exception as exc:  # noqa: BLE001 - kombu OperationalError, redis errors, timeouts
        logger.warning(
            "could not enqueue %s (%s): the sweep will run it", task.name, type(exc).__name__
        )
        return False
    return True


@shared_task(name="voting.advance_scheduled_elections")
def advance_scheduled_elections() -> list[str]:
    from voting.services.lifecycle import advance_scheduled

    return advance_scheduled()


@shared_task(name="voting.sweep_due_tallies")
def sweep_due_tallies() -> list[str]:
    from voting.services.tally import sweep_due_tallies as sweep

    return sweep()


@shared_task(name="voting.compute_encrypted_tally")
def compute_encrypted_tally(election_id: int) -> None:
    from voting.services.tally import compute_encrypted_tally as compute

    compute(election_id)


@shared_task(name="voting.combine_decryptions")
def combine_decryptions(election_id: int) -> None:
    from voting.services.tally import combine_decryptions as combine

    combine(election_id)
