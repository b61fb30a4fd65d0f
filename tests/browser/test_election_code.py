"""The election code in Chromium (issue 10 item 5: a substituted manifest).

The ballot and credential pages fetch the manifest without cookies and show the election code
their script computed from the manifest it checked — not a value from the server's HTML — so a
voter who compares it with the code observers publish notices a server that gives them another
manifest (its own joint key and issuer key). The public election page shows the same code,
rendered by the server for observers.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.browser.test_voting import _cached_issuer_key, issuer_key  # noqa: F401 (fixtures)
from voting.crypto.elgamal import generate_keypair
from voting.verify.election import election_code, fingerprint

pytestmark = pytest.mark.django_db(transaction=True)

EASTERN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _signed_in(browser, live_server, membership, locale="en-US"):
    client = Client()
    client.force_login(membership.user)
    context = browser.new_context(base_url=live_server.url, locale=locale)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def _requests_to(page, *suffixes):
    seen = []
    page.on(
        "request",
        lambda r: seen.append((r.url, r.all_headers())) if r.url.endswith(suffixes) else None,
    )
    return seen


def test_the_ballot_page_shows_the_code_of_the_manifest_it_checked(browser, live_server):
    from tests.voting.world import World

    world = World(voters=1, trustees=1, threshold=1)
    world.open_poll()
    uuid = world.election.uuid
    code = election_code(world.election.fingerprint_bytes)
    # The dishonest server's own manifest: its own joint key (it holds the secret), same election.
    forged_manifest = dict(
        world.election.manifest, joint_public_key=generate_keypair().public.hex()
    )
    forged_fingerprint = fingerprint(forged_manifest)

    # A signed-in voter: the page still asks for the manifest and the board head without cookies.
    context = _signed_in(browser, live_server, world.voter_members[0])
    page = context.new_page()
    sent = _requests_to(page, "/manifest.json", "/board/head.json")
    page.goto(f"/elections/{uuid}/")
    shown_by_server = page.text_content("#election-code-line .election-code")
    assert shown_by_server == code
    page.goto(f"/elections/{uuid}/vote/")
    page.wait_for_selector("#ballot-app[data-ready='true']")
    assert page.get_attribute("#ballot-app", "data-election-code") == code
    assert page.is_visible("#election-code-box")
    assert page.text_content("#election-code") == shown_by_server
    assert page.get_attribute("#election-code", "dir") == "ltr"
    assert sent and all("cookie" not in headers for _, headers in sent), sent

    # The server gives this voter its own manifest (it hashes to the fingerprint sent beside it,
    # so the page's own check passes): the code the page shows is not the observers'.
    substituted = json.dumps({"manifest": forged_manifest, "fingerprint": forged_fingerprint.hex()})
    page.route(
        f"**/elections/{uuid}/manifest.json",
        lambda route: route.fulfill(status=200, content_type="application/json", body=substituted),
    )
    page.goto(f"/elections/{uuid}/vote/")
    page.wait_for_selector("#election-code-box:not([hidden])")
    forged = page.text_content("#election-code")
    assert forged == election_code(forged_fingerprint)
    assert forged != shown_by_server
    context.close()


def test_the_credential_page_shows_the_code_in_the_pages_digits(browser, live_server):
    from tests.voting.world import World

    world = World(voters=1, trustees=1, threshold=1)
    world.open_credentials()
    code = election_code(world.election.fingerprint_bytes)
    context = _signed_in(browser, live_server, world.voter_members[0])
    page = context.new_page()
    sent = _requests_to(page, "/manifest.json")
    page.goto(f"/elections/{world.election.uuid}/vote/credential/")
    with page.expect_navigation():
        page.locator(".language-switcher button[value='fa-af']").click()
    page.wait_for_selector("#election-code-box:not([hidden])")
    assert page.get_attribute("#credential-app", "data-election-code") == code
    assert page.text_content("#election-code") == code.translate(EASTERN)
    page.goto(f"/elections/{world.election.uuid}/")
    assert page.text_content("#election-code-line .election-code") == code.translate(EASTERN)
    assert sent and all("cookie" not in headers for _, headers in sent), sent
    context.close()
