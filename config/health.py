"""Reachability checks of the services the platform depends on, for ``GET /healthz``.

``/healthz`` answers within ``DEADLINE`` seconds whatever is down: each check runs in its own
thread and one that has not finished by then (a Redis or PostgreSQL that accepts connections and
never answers, a partition) is reported as ``error: timeout``. The clients have short socket
timeouts of their own (settings: ``CACHES`` OPTIONS, ``CELERY_BROKER_TRANSPORT_OPTIONS``, the
database's ``connect_timeout``), so a timed-out check's thread ends soon after.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections

DEADLINE = 1.5  # seconds for all the checks together


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connections.close_all()  # this thread's own connection: never left open
    return "ok"


def check_cache() -> str:
    cache.set("healthz", "1", 10)
    if cache.get("healthz") != "1":
        raise RuntimeError("cache did not return the value it was given")
    return "ok"


def check_broker() -> str:
    if settings.CELERY_BROKER_URL.startswith("memory://"):
        return "in-process"  # the zero-setup default: tasks run eagerly, nothing to reach
    from config.celery import app

    with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
    return "ok"


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def _run(check, results: dict[str, str], name: str) -> None:
    try:
        results[name] = check()
    except Exception as exc:  # noqa: BLE001 - any failure means "unreachable"
        results[name] = f"error: {type(exc).__name__}"


def run_checks(deadline: float = DEADLINE) -> tuple[bool, dict[str, str]]:
    finished: dict[str, str] = {}
    threads = [
        threading.Thread(target=_run, args=(check, finished, name), daemon=True)
        for name, check in CHECKS.items()
    ]
    for thread in threads:
        thread.start()
    end = time.monotonic() + deadline
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    results = {name: finished.get(name, "error: timeout") for name in CHECKS}
    healthy = all(not value.startswith("error") for value in results.values())
    return healthy, results
