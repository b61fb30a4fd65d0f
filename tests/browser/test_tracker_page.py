"""The tracker page in Chromium, signed in: looking a tracker up and checking a receipt send no
cookie and get none back (outside review, issues 10 and 11). With JavaScript the page's script
sends both forms with ``credentials: "omit"``; without it the forms still work, and the answer
sets no cookie and is rendered for nobody (the server drops the cookies it was sent)."""

from __future__ import annotations

import json

import pytest

from tests.browser.test_voting import signed_in_context
from tests.voting.conftest import cached_issuer_key

pytestmark = pytest.mark.django_db(transaction=True)
CHOICE = [[0], [1, 2], [2, 0, 1]]


@pytest.fixture(autouse=True)
def _cached_issuer_key(monkeypatch):
    monkeypatch.setattr("voting.clients.new_issuer_key", cached_issuer_key)


def _voted():
    from tests.voting.world import World

    world = World(voters=2, trustees=3, threshold=2)
    world.open_poll()
    response = world.cast(world.voters[0].ballot(CHOICE, world.head())[0])
    assert response.status_code == 201
    return world, response.json()


def _watch(page) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """Every request to the tracker page: (method, request headers, response headers)."""
    seen = []

    def record(response):
        if "/tracker" in response.url:
            request = response.request
            seen.append((request.method, request.all_headers(), response.all_headers()))

    page.on("response", record)
    return seen


@pytest.mark.parametrize("javascript", [True, False])
def test_tracker_look_up_and_receipt_check_carry_and_set_no_cookie(
    browser, live_server, javascript
):
    world, receipt = _voted()
    context = signed_in_context(
        browser, live_server, world.voter_members[0], java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"/elections/{world.election.uuid}/board/")
    page.click("text=Find your ballot tracker")
    page.wait_for_load_state("load")
    if javascript:  # the page's script has taken over both forms
        page.wait_for_selector("form[data-cookieless][data-enhanced]")
    seen = _watch(page)
    spaced = " ".join(receipt["tracker"][i : i + 8] for i in range(0, 64, 8))
    page.fill("input[name='t']", spaced)
    # expect_response returns once the response event has reached this side, so _watch's
    # listener (registered before it) has recorded it too.
    with page.expect_response(lambda r: "/tracker" in r.url and r.request.method == "GET"):
        page.click("button:has-text('Look up')")
    page.wait_for_selector("text=Found at position 1")
    page.fill("textarea[name='receipt']", json.dumps(receipt))
    with page.expect_response(lambda r: "/tracker" in r.url and r.request.method == "POST"):
        page.click("button:has-text('Check the receipt')")
    page.wait_for_selector("text=Your ballot is still on the board at position 1")
    if javascript:  # the answers replaced the page's main part: no navigation happened
        assert page.url.endswith(f"?lang=en&t={spaced.replace(' ', '+')}"), page.url
    assert [method for method, _, _ in seen] == ["GET", "POST"], seen
    for method, request, response in seen:
        assert "set-cookie" not in response, (method, response)
        assert "cookie" not in response.get("vary", "").lower(), (method, response)
        if javascript:
            assert "cookie" not in request, (method, request)
    # The page was rendered for nobody: the session was not read.
    assert page.locator("header a:has-text('Log in')").count() == 1
    # The session cookie is still the browser's, untouched.
    names = {cookie["name"] for cookie in context.cookies()}
    assert "sessionid" in names
    context.close()
