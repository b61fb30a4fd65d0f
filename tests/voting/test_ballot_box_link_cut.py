"""Over HTTP, with a live gunicorn (the ``ballot`` service's options, one worker) whose link to
PostgreSQL runs through ``tests.faultproxy``: the link is dropped right after the server has
committed a ballot, before the worker reads the COMMIT's answer. The ballot is stored, the voter's
client gets a JSON 503 with Retry-After, sends the same bytes again as the ballot page does and
gets the receipt of the one stored entry; nothing is lost and nothing is stored twice.
``bench/faults.py`` runs this and the other faults under load."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection

from bench.election import _exchange, _gunicorn_command, _request
from tests.faultproxy import POSTGRES_COMMIT, FaultProxy
from voting.models import BoardEntry

ROOT = Path(__file__).resolve().parents[2]
CHOICE = [[0], [1, 2], [2, 0, 1]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served_world(transactional_db, world):
    """The open poll of ``world``, served by gunicorn through a proxy to PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    world.open_poll()
    db = connection.settings_dict
    proxy = FaultProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)).start()
    user = f"{db['USER']}:{db['PASSWORD']}" if db["PASSWORD"] else db["USER"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{user}@127.0.0.1:{proxy.port}/{db['NAME']}?sslmode=disable",
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    env.pop("REDIS_URL", None)  # casting needs no Redis
    port = _free_port()
    command = _gunicorn_command(port, 1, None, service="ballot")
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        world.port, world.proxy = port, proxy
        yield world
    finally:
        server.terminate()
        server.wait(20)
        proxy.stop()


def _send(world, ballot: dict) -> tuple[int, bytes, bytes]:
    path = f"/ballot-box/{world.election.uuid}/cast"
    return _exchange(world.port, _request(world.port, path, json.dumps(ballot).encode()))


def test_link_dropped_after_commit_the_voter_gets_the_receipt_on_resend(served_world):
    world = served_world
    ballot, _ = world.voters[0].ballot(CHOICE, world.head())
    assert _send(world, world.voters[1].ballot(CHOICE, world.head())[0])[0] == 201  # warm
    entries = BoardEntry.objects.filter(election=world.election)
    world.proxy.cut_on_reply(POSTGRES_COMMIT, 1)

    status, head, body = _send(world, ballot)
    assert world.proxy.reply_cuts == 1, "the link was not cut after a COMMIT"
    assert status == 503, body
    assert b"content-type: application/json" in head.lower()
    assert b"retry-after: " in head.lower()
    assert json.loads(body)["error"] == "unavailable"
    key = ballot["credential"]["key"]
    assert entries.filter(credential_key=key).count() == 1, "the ballot was committed"

    status, _, body = _send(world, ballot)  # the same bytes, as the ballot page resends them
    assert status == 200, body
    assert json.loads(body)["tracker"] == entries.get(credential_key=key).tracker
    assert entries.count() == 2  # the warm-up ballot and this one, once
    fresh, _ = world.voters[2].ballot(CHOICE, world.head())
    assert _send(world, fresh)[0] == 201  # the worker's new connection serves the next voter
