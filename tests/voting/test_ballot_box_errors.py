"""Every answer of the ballot box is the ballot box's JSON error, never Django's HTML page
(outside review, low-severity issue 1): a malformed election id, an unknown election, a wrong
method and a path that is no endpoint, from the web service (voting/urls.py) and from the
``ballot`` service (config/ballot_urls.py, config/ballot_settings.py) alike. ``POST
/ballot-box/NOTUUID/cast`` used to answer Django's HTML 404 page and ``GET …/cast`` its 405."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client, override_settings

from config import ballot_settings

# Run on SQLite too, `make run`'s database, by `make test` (the Makefile's test-sqlite).
pytestmark = pytest.mark.sqlite

WEB = override_settings()
BALLOT_SERVICE = override_settings(
    ROOT_URLCONF=ballot_settings.ROOT_URLCONF, MIDDLEWARE=ballot_settings.MIDDLEWARE
)
STACKS = pytest.mark.parametrize("stack", [WEB, BALLOT_SERVICE], ids=["web", "ballot-service"])
ANY_ID = "0f7c3c55-8b0e-4c43-9e4e-3a3f2a9a1e11"


def _refusal(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:200])
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert not response.cookies
    body = response.json()
    assert set(body) == {"error", "message", "detail"}, body
    assert body["error"] == code, body
    assert body["message"] and body["detail"], body
    return body


def _post(client: Client, path: str, body=None):
    return client.post(
        path,
        json.dumps(body if body is not None else {"not": "a ballot"}),
        content_type="application/json",
        HTTP_COOKIE="sessionid=abc",
    )


@STACKS
@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ["cast", "audit"])
@pytest.mark.parametrize(
    "election",
    ["NOTUUID", ANY_ID.upper(), ANY_ID.replace("-", ""), "{" + ANY_ID + "}", ANY_ID + "0"],
)
def test_a_malformed_election_id_is_a_json_400(stack, endpoint, election):
    with stack:
        response = _post(Client(), f"/ballot-box/{election}/{endpoint}")
    _refusal(response, 400, "bad_election")


@STACKS
@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ["cast", "audit"])
def test_an_unknown_election_is_a_json_404(stack, endpoint):
    with stack:
        response = _post(Client(), f"/ballot-box/{uuid.uuid4()}/{endpoint}")
    _refusal(response, 404, "unknown_election")


@STACKS
@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ["cast", "audit"])
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "options"])
@pytest.mark.parametrize("election", [ANY_ID, "NOTUUID"])
def test_a_method_other_than_post_is_a_json_405_with_allow(stack, endpoint, method, election):
    with stack:
        response = getattr(Client(), method)(
            f"/ballot-box/{election}/{endpoint}", HTTP_COOKIE="sessionid=abc"
        )
    _refusal(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"


@STACKS
@pytest.mark.django_db
def test_head_is_refused_with_allow_and_no_body(stack):
    with stack:
        response = Client().head(f"/ballot-box/{ANY_ID}/cast")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert response["Content-Type"] == "application/json"


@STACKS
@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/ballot-box/",
        f"/ballot-box/{ANY_ID}",
        f"/ballot-box/{ANY_ID}/",
        f"/ballot-box/{ANY_ID}/vote",
        f"/ballot-box/{ANY_ID}/cast/",
        f"/ballot-box/{ANY_ID}/cast/extra",
        "/ballot-box/NOTUUID/vote",
        "/ballot-box/x/y/z",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_path_that_is_no_endpoint_is_a_json_404(stack, path, method):
    with stack:
        response = getattr(Client(), method)(path, HTTP_COOKIE="sessionid=abc")
    _refusal(response, 404, "unknown_endpoint")


@STACKS
@pytest.mark.django_db
def test_the_refusals_speak_the_visitors_language(stack):
    with stack:
        english = _post(Client(), "/ballot-box/NOTUUID/cast").json()["message"]
        dari = Client().post(
            "/ballot-box/NOTUUID/cast",
            "{}",
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="fa-af",
        )
        pashto = Client().get(f"/ballot-box/{ANY_ID}/cast", HTTP_ACCEPT_LANGUAGE="ps")
    assert english != dari.json()["message"]
    assert pashto.json()["message"] != Client().get(f"/ballot-box/{ANY_ID}/cast").json()["message"]
