"""The ballot box answers without a cookie whatever the request carries (audit, issue 10 item 3).

Over a real server: a browser that sends its ``csrftoken`` and ``sessionid`` cookies with a
ballot (a client that forgot ``credentials: "omit"``) must get no ``Set-Cookie`` back, or the
answer would tie the ballot to the browser that keeps the cookie, and no ``Vary: Cookie``.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from voting.middleware import BALLOT_BOX_PREFIX

# Run on SQLite too, `make run`'s database, by `make test` (the Makefile's test-sqlite).
pytestmark = pytest.mark.sqlite
CHOICE = [[0], [1, 2], [2, 0, 1]]
MALFORMED_CSRF = "csrftoken=abc"
WELL_FORMED_CSRF = "csrftoken=" + "a1B2" * 8


def _post(live_server, path: str, body: bytes, cookie: str) -> http.client.HTTPResponse:
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    connection.request(
        "POST",
        path,
        body=body,
        headers={"Content-Type": "application/json", "Cookie": cookie},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_the_ballot_box_paths_are_the_ones_the_middleware_guards():
    import uuid

    for name in ("voting:cast", "voting:audit"):
        assert reverse(name, args=[uuid.uuid4()]).startswith(BALLOT_BOX_PREFIX)


@pytest.mark.django_db(transaction=True)
def test_ballot_box_answers_set_no_cookie_and_do_not_vary_on_cookies(world, live_server):
    world.open_poll()
    signed_in = Client()
    signed_in.force_login(world.voter_members[0].user)
    session = "sessionid=" + signed_in.cookies["sessionid"].value
    cast_url = reverse("voting:cast", args=[world.election.uuid])
    audit_url = reverse("voting:audit", args=[world.election.uuid])
    cast_ballot, _ = world.voters[0].ballot(CHOICE, world.head())
    audit = world.voters[1].audit(CHOICE)
    requests = [
        (cast_url, json.dumps(cast_ballot), {200, 201}),
        (cast_url, '{"not": "a ballot"}', {400}),
        (cast_url, "not json", {400}),
        (audit_url, json.dumps(audit), {200, 201}),
        (audit_url, "{}", {400}),
    ]
    for csrf in (MALFORMED_CSRF, WELL_FORMED_CSRF):
        cookie = f"{csrf}; {session}; mashwara_language=fa-af"
        for path, body, statuses in requests:
            response = _post(live_server, path, body.encode(), cookie)
            assert response.status in statuses, (path, body[:20], response.status)
            names = [name.lower() for name, _ in response.getheaders()]
            assert "set-cookie" not in names, (path, body[:20], response.getheaders())
            vary = [v.strip().lower() for v in (response.getheader("Vary") or "").split(",")]
            assert "cookie" not in vary, (path, body[:20], response.getheader("Vary"))
