from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_service(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}


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
