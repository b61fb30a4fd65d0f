"""Every response carries the security headers; CSRF still works under no-referrer."""

from __future__ import annotations

import logging

import pytest

pytestmark = pytest.mark.django_db


def test_pages_send_strict_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_pages_have_no_inline_script_or_style(client):
    body = client.get("/").content.decode()
    assert "<script>" not in body and "style=" not in body and "<style" not in body


def test_same_origin_post_without_referrer_passes_csrf(client):
    client.get("/")  # sets the CSRF cookie
    csrf_client = client
    csrf_client.handler.enforce_csrf_checks = True
    token = client.cookies["csrftoken"].value
    response = csrf_client.post(
        "/language/",
        {"language": "ps", "next": "/", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="same-origin",
        secure=True,
        HTTP_HOST="localhost",
    )
    assert response.status_code == 302


def test_cross_site_post_is_refused_even_with_a_token(client):
    client.get("/")
    client.handler.enforce_csrf_checks = True
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/language/",
        {"language": "ps", "next": "/", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="cross-site",
        secure=True,
        HTTP_HOST="localhost",
    )
    assert response.status_code == 403


def test_post_without_token_is_refused(client):
    client.handler.enforce_csrf_checks = True
    response = client.post("/language/", {"language": "ps"}, HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 403


def test_language_switch_refuses_off_site_redirect(client):
    response = client.post("/language/", {"language": "ps", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_client_address_never_reaches_logs(client, caplog):
    caplog.set_level(logging.INFO)
    client.get("/no-such-page/", REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="Probe/7.7")
    logging.getLogger("mashwara.test").warning("seen %s and %s", "203.0.113.77", "2001:db8::7")
    logging.getLogger("mashwara.test").warning("direct 198.51.100.4 message")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "Not Found" in text  # Django did log the 404
    assert "203.0.113.77" not in text and "2001:db8::7" not in text
    assert "198.51.100.4" not in text
    assert "Probe/7.7" not in text
    for record in caplog.records:  # Django attaches the request: its META holds no address
        meta = getattr(getattr(record, "request", None), "META", {})
        assert "203.0.113.77" not in repr(meta) and "Probe/7.7" not in repr(meta)


def test_log_scrubbing_leaves_versions_and_times_alone():
    from config.logging import scrub

    assert scrub("Django 5.2.19 at 12:30:01") == "Django 5.2.19 at 12:30:01"
    assert scrub("from 10.0.0.1") == "from [address]"
