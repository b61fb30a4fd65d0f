"""A task for the worker-loss test: notes in Redis that it started, sleeps, counts its finishes.
Loaded only by the test's worker (``celery worker --include tests.config.slow_task``)."""

from __future__ import annotations

import time

import redis
from celery import shared_task
from django.conf import settings


@shared_task(name="tests.slow_mark")
def slow_mark(key: str, seconds: float) -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.incr(f"{key}:started")
    time.sleep(seconds)
    client.incr(f"{key}:done")
