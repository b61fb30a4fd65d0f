"""Quick exit (issue 12): one control, in view on every page, that leaves for a neutral local
page which Back does not undo, and on request clears this browser's traces of the site except
the voting credential."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.phone import in_viewport, phone_context

pytestmark = pytest.mark.django_db(transaction=True)


def test_quick_exit_replaces_the_page_and_clears_the_device_on_request(browser, live_server):
    from convention.models import Convention, Phase, Role
    from tests.voting.world import member

    convention = Convention.objects.create(
        slug="loya", title_en="Loya Jirga", phase=Phase.DELIBERATION, require_staff_mfa=False
    )
    reader = member(convention, "Baryalai", Role.PARTICIPANT)
    context = phone_context(browser, live_server, "ps", reader)
    page = context.new_page()
    page.goto("/")
    page.goto("/c/loya/")
    assert in_viewport(page, "#quick-exit")
    page.mouse.wheel(0, 2000)
    assert in_viewport(page, "#quick-exit"), "still in view after scrolling"

    # The person asks, on the help page, for the device to be cleared.
    page.locator("footer a[href='/quick-exit/']").click()
    page.check("#quick-exit-clear")
    page.evaluate(
        """() => { localStorage.setItem('mashwara/v1/credential/ab', '{"keep": 1}');
                   localStorage.setItem('mashwara/v1/draft/room-1', 'a draft');
                   sessionStorage.setItem('x', '1'); }"""
    )
    page.locator("#quick-exit").click()
    page.wait_for_url("**/times-table/")
    assert "Mashwara" not in page.content() and "مشوره" not in page.content()
    assert page.evaluate("localStorage.getItem('mashwara/v1/credential/ab')") == '{"keep": 1}'
    assert page.evaluate("localStorage.getItem('mashwara/v1/draft/room-1')") is None
    assert page.evaluate("sessionStorage.length") == 0
    # Back does not return to the page that was open (it was replaced).
    page.go_back()
    assert urlsplit(page.url).path != "/quick-exit/"
    # The session has ended: the convention page no longer knows the person.
    page.wait_for_timeout(300)
    names = [c["name"] for c in context.cookies()]
    assert "sessionid" not in names
    context.close()


def test_quick_exit_works_without_javascript(browser, live_server):
    context = phone_context(browser, live_server, "fa-af", java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    assert in_viewport(page, "#quick-exit")
    page.locator("#quick-exit").click()
    page.wait_for_url("**/times-table/")
    assert page.locator("table td").count() == 100
    context.close()
