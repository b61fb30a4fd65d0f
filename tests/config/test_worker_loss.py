"""A task whose whole worker dies (kill -9, the machine gone) runs again: the task acknowledges
late, so its message stays unacknowledged in Redis and is delivered again once the broker's
visibility timeout has passed — minutes, not the hour it used to be (CELERY_VISIBILITY_TIMEOUT,
shortened to a few seconds here). Needs a real Redis (REDIS_URL) and starts real workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL) for a real worker"
)


def test_visibility_timeout_is_minutes_and_longer_than_the_longest_task():
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert 60 <= timeout <= 600  # > a 100 000-ballot tally (~30 s); a lost task is back in minutes


def _worker(queue: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config.celery", "worker", "--pool=solo",
         "--include", "tests.config.slow_task", "-Q", queue, "--without-heartbeat",
         "--without-mingle", "--without-gossip", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip


def _wait(check, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_a_task_lost_with_its_worker_killed_minus_9_runs_again():
    import redis

    from config.celery import app

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    key = f"h13-worker-loss-{uuid.uuid4().hex}"
    queue = f"{key}-queue"
    app.conf.task_always_eager = False  # (the suite's default; restored by its fixture)
    app.send_task("tests.slow_mark", args=[key, 2], queue=queue)
    first = _worker(queue)
    second = None
    try:
        assert _wait(lambda: client.get(f"{key}:started"), 30), "the first worker never started"
        os.killpg(first.pid, signal.SIGKILL)  # the whole worker, mid-task, nothing acknowledged
        first.wait(10)
        assert client.get(f"{key}:done") is None
        # A starting worker scans the unacknowledged messages at once, then only every tenth
        # restore cycle: start it once the visibility timeout (3 s here) has passed.
        time.sleep(4)
        second = _worker(queue)
        assert _wait(lambda: client.get(f"{key}:done"), 55), "the lost task never ran again"
        assert int(client.get(f"{key}:started")) == 2
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(10)
        client.delete(f"{key}:started", f"{key}:done", queue)
