"""Reachability checks of the services the platform depends on, for ``GET /healthz``."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
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

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def run_checks() -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    healthy = True
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure means "unreachable"
            healthy = False
            results[name] = f"error: {type(exc).__name__}"
    return healthy, results
