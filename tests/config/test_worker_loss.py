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


def _worker(
    queue: str, *, broker: str | None = None, pool: str = "solo", log=subprocess.DEVNULL
) -> subprocess.Popen:
    env = {
        **os.environ,
        **({"CELERY_BROKER_URL": broker} if broker else {}),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config.celery", "worker", f"--pool={pool}",
         "--concurrency=1",
         "--include", "tests.config.slow_task", "-Q", queue, "--without-heartbeat",
         "--without-mingle", "--without-gossip", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
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


def test_a_task_whose_broker_link_breaks_finishes_once_without_a_warning(tmp_path):
    """The worker's link to Redis breaks while a late-acknowledged task runs. The task goes on,
    finishes once and is not run again; the worker logs no warning about cancelling it (Celery's
    worker_cancel_long_running_tasks_on_connection_loss stays off on purpose: with it on, this
    task is cancelled and had not run again a minute later; config/celery.py)."""
    import redis

    from config.celery import app
    from tests.faultproxy import FaultProxy

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    key = f"h13-link-loss-{uuid.uuid4().hex}"
    queue = f"{key}-queue"
    url = redis.connection.parse_url(os.environ["REDIS_URL"])
    app.conf.task_always_eager = False
    app.send_task("tests.slow_mark", args=[key, 4], queue=queue)
    log_path = tmp_path / "worker.log"
    with (
        FaultProxy(url.get("host", "127.0.0.1"), int(url.get("port", 6379))) as proxy,
        open(log_path, "wb") as log,
    ):
        broker = f"redis://127.0.0.1:{proxy.port}/{url.get('db', 0)}"
        worker = _worker(queue, broker=broker, pool="prefork", log=log)
        try:
            assert _wait(lambda: client.get(f"{key}:started"), 30), "the worker never started"
            proxy.cut()
            time.sleep(1)
            proxy.heal()
            assert _wait(lambda: client.get(f"{key}:done"), 30), "the task never finished"
            time.sleep(6)  # twice the visibility timeout: a redelivered copy would have started
            assert int(client.get(f"{key}:started")) == 1
            assert int(client.get(f"{key}:done")) == 1
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(10)
            client.delete(f"{key}:started", f"{key}:done", queue)
    text = log_path.read_text(errors="replace")
    assert "Connection to broker lost" in text or "connection" in text.lower()
    assert "worker_cancel_long_running_tasks_on_connection_loss" not in text
