"""Hand work from a service to a Celery task once the service's transaction has committed.

Tasks are thin wrappers around services (``voting.tasks`` imports them); services name the task
they hand work to (``after_commit("voting.compute_encrypted_tally", election.pk)``) and this
module finds it in Celery's registry, so it imports neither ``voting.tasks`` nor any service and
the import graph has no cycle. ``VotingConfig.ready`` imports ``voting.tasks``, which registers
them, in every process that runs Django.

A broker that cannot take the task is logged and swallowed: the request's transaction has
already committed, and the committed state itself says what work is due, which the beat sweep
(``voting.sweep_due_tallies``) picks up (voting/tasks.py).
"""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction

# The hand-off's lines keep the logger operators already filter on.
logger = logging.getLogger("voting.tasks")


def enqueue(task, *args) -> bool:
    """``task.delay(*args)`` (``task`` a task or its registered name), or a logged warning if
    the broker cannot take it (the beat sweep will do the work): called after COMMIT, so a
    failure here must not fail the request."""
    if isinstance(task, str):
        task = current_app.tasks[task]
    try:
        task.delay(*args)
    except Exception as exc:  # noqa: BLE001 - kombu OperationalError, redis errors, timeouts
        logger.warning(
            "could not enqueue %s (%s): the sweep will run it", task.name, type(exc).__name__
        )
        return False
    return True


def after_commit(task_name: str, *args) -> None:
    """Enqueue the task named ``task_name`` once the current transaction commits."""
    transaction.on_commit(lambda: enqueue(task_name, *args))
