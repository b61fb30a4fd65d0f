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
