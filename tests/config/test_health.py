from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_service(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}


def test_healthz_reaches_the_configured_broker(client, settings):
    response = client.get("/healthz")
    expected = "in-process" if settings.CELERY_BROKER_URL.startswith("memory://") else "ok"
    assert response.json()["checks"]["broker"] == expected


def test_healthz_answers_503_when_the_broker_is_down(client, settings):
    from config.celery import app

    previous = app.conf.broker_url
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")


def test_healthz_answers_503_when_the_cache_is_unreachable(client, monkeypatch):
    from config import health

    def broken() -> str:
        raise ConnectionError("down")

    monkeypatch.setitem(health.CHECKS, "cache", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error: ConnectionError"


def test_home_page_has_language_and_direction(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ps")
    assert b'<html lang="ps" dir="rtl">' in response.content
    response = client.get("/")
    assert b'<html lang="en" dir="ltr">' in response.content


@pytest.fixture
def blackhole():
    """A TCP listener that accepts connections and never answers: a Redis behind a partition."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])  # hold it open, say nothing
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_healthz_answers_503_json_within_two_seconds_when_redis_never_answers(client, blackhole):
    import time

    from django.test import override_settings

    port, accepted = blackhole
    url = f"redis://127.0.0.1:{port}/11"
    silent = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=silent, CELERY_BROKER_URL=url):
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    assert elapsed < 2.0, elapsed
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["cache"].startswith("error") and checks["broker"].startswith("error")
    assert accepted, "the checks did reach the silent server"
