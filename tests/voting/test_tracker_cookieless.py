"""Looking a tracker up or checking a receipt ties nothing to the voter's account (outside review,
issues 10 and 11): the tracker page and its receipt form were served with the session cookie, so
a signed-in voter who checked their tracker told the server which account it belonged to. They
now live under the cookie-less ``/anonymous/`` prefix (the ballot box's is ``/ballot-box/``):
over a real server, a browser that sends its session and CSRF cookies gets no cookie back, the
page is rendered for nobody (the session is never read), and neither the session table, the
audit log nor the log gains anything."""

from __future__ import annotations

import http.client
import json
import logging
import uuid
from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from convention.models import AuditEntry
from voting.middleware import ANONYMOUS_PREFIX

CHOICE = [[0], [1, 2], [2, 0, 1]]
WELL_FORMED_CSRF = "csrftoken=" + "a1B2" * 8


def _request(live_server, method: str, path: str, body: str, cookie: str):
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    headers = {"Cookie": cookie, "Accept-Language": "en"}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body.encode() or None, headers=headers)
    response = connection.getresponse()
    content = response.read().decode()
    connection.close()
    return response, content


def test_the_tracker_paths_are_under_the_cookie_less_prefix():
    election = uuid.uuid4()
    for name in ("voting:tracker", "voting:tracker_json"):
        assert reverse(name, args=[election]).startswith(ANONYMOUS_PREFIX)


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_voter_checking_a_tracker_and_receipt_is_not_linked(world, live_server, caplog):
    world.open_poll()
    member = world.voter_members[0]
    cast = world.cast(world.voters[0].ballot(CHOICE, world.head())[0])
    assert cast.status_code == 201
    receipt = cast.json()
    tracker = receipt["tracker"]
    signed_in = Client()
    signed_in.force_login(member.user)
    session_key = signed_in.cookies["sessionid"].value
    cookie = f"{WELL_FORMED_CSRF}; sessionid={session_key}; mashwara_language=fa-af"
    session_before = Session.objects.get(session_key=session_key)
    audit_before = AuditEntry.objects.count()
    page = reverse("voting:tracker", args=[world.election.uuid])
    feed = reverse("voting:tracker_json", args=[world.election.uuid])
    requests = [
        ("GET", f"{page}?{urlencode({'t': tracker})}", "", "Found at position 1"),
        ("GET", f"{feed}?{urlencode({'t': tracker})}", "", '"found": true'),
        # The receipt form carries no CSRF token: nothing is written, and no cookie is read.
        ("POST", page, urlencode({"receipt": json.dumps(receipt), "lang": "en"}), "still on the"),
        ("POST", page, urlencode({"receipt": "{not json"}), "This is not a receipt"),
    ]
    caplog.set_level(logging.DEBUG)
    for method, path, body, expected in requests:
        response, content = _request(live_server, method, path, body, cookie)
        assert response.status == 200, (path, response.status, content[:300])
        assert expected in content, (path, content[:2000])
        names = [name.lower() for name, _ in response.getheaders()]
        assert "set-cookie" not in names, (path, response.getheaders())
        vary = [v.strip().lower() for v in (response.getheader("Vary") or "").split(",")]
        assert "cookie" not in vary, (path, response.getheader("Vary"))
        if not path.startswith(feed):
            # Rendered for nobody: the session (and the Dari language cookie) were never read.
            assert "Log in" in content and member.pseudonym not in content
            assert 'lang="en"' in content
    session_after = Session.objects.get(session_key=session_key)
    assert (session_after.session_data, session_after.expire_date) == (
        session_before.session_data,
        session_before.expire_date,
    )
    assert Session.objects.count() == 1
    assert AuditEntry.objects.count() == audit_before
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (tracker, session_key, member.user.username, member.pseudonym):
        assert secret not in logged


@pytest.mark.django_db
def test_the_tracker_page_keeps_its_language_in_the_address_not_a_cookie(world):
    world.open_poll()
    page = reverse("voting:tracker", args=[world.election.uuid])
    dari = Client().get(page, {"lang": "fa-af"})
    assert dari.status_code == 200 and not dari.cookies
    text = dari.content.decode()
    assert 'lang="fa-af"' in text and 'name="lang" value="fa-af"' in text
    assert 'href="?lang=ps"' in text and "csrfmiddlewaretoken" not in text
    pashto = Client().post(page, {"receipt": "{not json", "lang": "ps"})
    assert pashto.status_code == 200 and 'lang="ps"' in pashto.content.decode()
