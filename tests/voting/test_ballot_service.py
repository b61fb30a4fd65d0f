"""The ``ballot`` service (config/ballot_settings.py, docker-compose's ``ballot``): the ballot box
alone, through only the middleware its answers need, answering exactly as the web service does.

Its stack skips sessions, authentication, CSRF, messages and the page CSP; these tests pin what
must not be lost with them: cookies dropped first, client addresses blanked before any code runs,
the security headers, the receipts themselves, and that it serves no page at all.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from config import ballot_settings

# Run on SQLite too, `make run`'s database, by `make test` (the Makefile's test-sqlite).
pytestmark = pytest.mark.sqlite
CHOICE = [[0], [1, 2], [2, 0, 1]]
BALLOT_STACK = override_settings(
    ROOT_URLCONF=ballot_settings.ROOT_URLCONF, MIDDLEWARE=ballot_settings.MIDDLEWARE
)
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Permissions-Policy",
    "Cross-Origin-Resource-Policy",
    "Cache-Control",
)


def _post(client: Client, url: str, body: dict) -> tuple[int, dict, dict]:
    response = client.post(
        url,
        json.dumps(body),
        content_type="application/json",
        HTTP_COOKIE="sessionid=abc; csrftoken=" + "a1B2" * 8,
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="Phone/1.0",
    )
    headers = {name: response.headers.get(name) for name in SECURITY_HEADERS}
    assert not response.cookies
    assert "cookie" not in (response.headers.get("Vary") or "").lower()
    return response.status_code, response.json(), headers


def test_the_ballot_stack_keeps_the_guards_in_their_places():
    middleware = ballot_settings.MIDDLEWARE
    assert middleware[0] == "voting.middleware.CookielessBallotBoxMiddleware"
    assert "config.middleware.PrivacyHeadersMiddleware" in middleware
    assert "django.middleware.security.SecurityMiddleware" in middleware
    for absent in ("SessionMiddleware", "AuthenticationMiddleware", "CsrfViewMiddleware"):
        assert not any(name.endswith(absent) for name in middleware)


@pytest.mark.django_db(transaction=True)
def test_the_ballot_service_answers_as_the_web_service_does(world, monkeypatch):
    from voting.views import ballot_box

    world.open_poll()
    seen: list[tuple[str, str]] = []
    submit = ballot_box._answer

    def spy(request, uuid, handler):
        seen.append((request.META.get("REMOTE_ADDR"), request.META.get("HTTP_USER_AGENT")))
        return submit(request, uuid, handler)

    monkeypatch.setattr(ballot_box, "_answer", spy)
    url = reverse("voting:cast", args=[world.election.uuid])
    first, _ = world.voters[0].ballot(CHOICE, world.head())
    second, _ = world.voters[1].ballot(CHOICE, world.head())
    web = _post(Client(), url, first)
    with BALLOT_STACK:
        ballot = _post(Client(), url, second)
        again = _post(Client(), url, second)
        refused = _post(Client(), url, {"not": "a ballot"})
    assert web[0] == ballot[0] == 201
    assert again[:2] == (200, ballot[1]), "the same bytes again: the same receipt"
    assert set(ballot[1]) == set(web[1]) == {"tracker", "position", "hour", "head"}
    assert ballot[1]["position"] == web[1]["position"] + 1
    assert refused[0] == 400 and refused[1]["error"] == "malformed"
    assert ballot[2] == web[2], "the same security headers from both services"
    assert ballot[2]["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert all(ballot[2][name] for name in SECURITY_HEADERS), ballot[2]
    assert set(seen) == {("", "")}, "no client address or user agent reaches the view"


@pytest.mark.django_db
@BALLOT_STACK
def test_the_ballot_service_serves_no_page():
    client = Client()
    assert client.get("/healthz").status_code in {200, 503}
    for path in ("/", "/accounts/login/", "/c/", "/elections/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert not response.cookies, path
