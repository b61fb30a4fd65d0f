"""The hand-off from a request to the tally tasks survives a broker that is down at enqueue
time: closing and submitting shares still commit, and the beat sweep later does the work."""

from __future__ import annotations

import logging

import pytest
from django.test import TestCase
from kombu.exceptions import OperationalError

from voting import tasks
from voting.models import ElectionState
from voting.services import tally

CHOICE = [[0], [1, 2], [2, 0, 1]]


@pytest.fixture
def dead_broker(settings):
    """Enqueueing behaves as with Redis unreachable: not eager, and the broker refuses."""
    from config.celery import app

    saved = {
        key: app.conf[key]
        for key in ("broker_url", "broker_connection_timeout", "task_publish_retry")
    }

    def fresh_pools():  # connection pools are built from broker_url on first use
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:9/0"  # discard port: nothing listens
    app.conf.broker_connection_timeout = 0.5
    app.conf.task_publish_retry = False
    fresh_pools()
    yield
    app.conf.update(saved)
    app.conf.task_always_eager = True
    fresh_pools()


@pytest.fixture
def voted(world):
    world.open_poll()
    for voter in world.voters[:3]:
        assert world.cast(voter.ballot(CHOICE, world.head())[0]).status_code == 201
    return world


def test_enqueue_to_a_dead_broker_raises_kombus_error(dead_broker):
    with pytest.raises(OperationalError):
        tasks.compute_encrypted_tally.delay(0)


def test_closing_with_the_broker_down_commits_and_the_sweep_computes_the_tally(
    voted, dead_broker, caplog
):
    with caplog.at_level(logging.WARNING, logger="voting.tasks"):
        voted.move(ElectionState.CLOSED)  # runs the on_commit hand-off, which fails
    election = voted.refresh()
    assert election.state == ElectionState.CLOSED and election.encrypted_tally is None
    assert "could not enqueue voting.compute_encrypted_tally" in caplog.text
    assert tally.sweep_due_tallies() == [f"{election.uuid}:encrypted_tally"]
    assert voted.refresh().encrypted_tally["counted"] == 3
    assert tally.sweep_due_tallies() == []  # nothing left to do, nothing done twice


def test_shares_stored_with_the_broker_down_are_combined_by_the_sweep(voted, monkeypatch):
    voted.move(ElectionState.CLOSED)
    election = voted.refresh()
    assert election.encrypted_tally is not None

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.combine_decryptions, "delay", unreachable)
    trustees = {t.index: t for t in election.trustees.all()}
    for client in voted.trustee_clients[:2]:
        message = client.decrypt(election.encrypted_tally, election.fingerprint_bytes)
        with TestCase.captureOnCommitCallbacks(execute=True):
            tally.submit_decryption(
                election=election, trustee=trustees[client.index], message=message
            )
    election = voted.refresh()
    assert election.decryptions.count() == 2 and election.results is None
    assert election.state == ElectionState.CLOSED
    assert tally.sweep_due_tallies() == [f"{election.uuid}:results"]
    election = voted.refresh()
    assert election.state == ElectionState.TALLIED
    assert election.results["counted"] == 3
    assert tally.sweep_due_tallies() == []


def test_the_sweep_is_a_beat_task(settings):
    tasks_run = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "voting.sweep_due_tallies" in tasks_run
    assert tasks.sweep_due_tallies.name == "voting.sweep_due_tallies"
