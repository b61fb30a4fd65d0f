"""The voter's journey on a cheap phone, in Dari and in Pashto (issue 12).

At 360×740, each person uses only what the pages offer (links and buttons; the only address
typed is the start page). Setup is done with factories and services: the convention, members,
the key ceremony (the trustees' Python clients), and the election's scheduled moves (the clock).
On every page: nothing wider than the screen, no untranslated interface string, no console
error, no serious accessibility violation; every message is in view when it appears.
"""

from __future__ import annotations

import re

import pytest
from django.utils.html import strip_tags

from convention.dates import MONTHS, format_moment, solar_hijri
from tests.browser.journey import PageChecks
from tests.browser.phone import in_viewport, phone_context
from tests.browser.test_voting import sign_queues
from tests.voting.conftest import cached_issuer_key
from voting.models import BoardEntry, ElectionState
from voting.services.board import hour_string

pytestmark = pytest.mark.django_db(transaction=True)

START = "/"  # the only address typed: the home page


@pytest.fixture(autouse=True)
def _cached_issuer_key(monkeypatch):
    """The Python trustees' issuer keys come from a per-index cache (RSA-3072 is slow to make)."""
    monkeypatch.setattr("voting.clients.new_issuer_key", cached_issuer_key)


def assert_receipt_hour_reads_as_the_templates_write_it(page, election, tracker, language):
    """The receipt's hour, written by the page's script, is what ``|when:"hour"`` writes: Solar
    Hijri with Afghan month names and Eastern digits, isolated in <bdi>, never the raw value."""
    entry = BoardEntry.objects.get(election=election, tracker=tracker)
    expected = format_moment(entry.hour, "hour", language)
    shown = page.locator("#receipt-hour")
    assert shown.locator("time > bdi > bdi[dir=ltr]").text_content() == "UTC"
    assert shown.locator("time").get_attribute("datetime") == hour_string(entry.hour)
    text = shown.inner_text().strip()
    assert text == strip_tags(expected).strip(), (text, expected)
    month = MONTHS[language][solar_hijri(entry.hour.date())[1] - 1]
    assert month in text and not re.search("[0-9]", text)


def person(browser, live_server, language, membership=None):
    context = phone_context(browser, live_server, language, membership, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, page, PageChecks(page)


@pytest.mark.parametrize("language", ["fa-af", "ps"])
def test_the_whole_election_on_a_phone(browser, live_server, language):
    from tests.voting.world import World

    world = World(voters=2, trustees=3, threshold=2)
    world.open_credentials()
    uuid = str(world.election.uuid)
    voter = world.voter_members[0]

    # The voter finds the election and gets a credential.
    context, page, checks = person(browser, live_server, language, voter)
    page.goto(START)
    checks.check(page, language)
    page.locator(f"main a[href='/c/{world.convention.slug}/']").first.click()
    checks.check(page, language)
    page.locator(f"main a[href='/elections/{uuid}/']").first.click()
    checks.check(page, language)
    page.locator("main a[href$='/vote/credential/']").click()
    checks.check(page, language)
    page.click("#request-button")
    page.wait_for_selector("#credential-app[data-signed='0']")
    sign_queues(world, [1, 2])  # both issuers (trustees 1 and 2) sign, as their daemons would
    page.wait_for_selector("#credential-code-box:not([hidden])")
    assert in_viewport(page, "#credential-status-line"), "the 'done' message is in view"
    checks.check(page, language)

    # The poll opens at its scheduled time.
    world.move(ElectionState.OPEN)

    page.locator(f"main a[href='/elections/{uuid}/']").first.click()
    checks.check(page, language)
    page.locator("main a[href$='/vote/']").first.click()
    page.wait_for_selector("#ballot-app[data-ready='true']")
    checks.check(page, language)
    page.check("input[name='q0'][value='0']")
    page.check("input[name='q1'][value='1']")
    page.select_option("select[name='q2-0']", "1")
    page.select_option("select[name='q2-1']", "2")
    page.select_option("select[name='q2-2']", "3")
    page.click("#encrypt-button")
    page.wait_for_selector("#review:not([hidden])")
    assert in_viewport(page, "#review h2"), "the encrypted ballot is shown where the voter is"
    # The voter audits first: what the audit proved stays in view (the fresh ballot below it).
    audited = page.get_attribute("#ballot-app", "data-sealed-tracker")
    page.click("#audit-button")
    page.wait_for_selector("#audit-result:not([hidden])")
    page.wait_for_function(
        "t => document.getElementById('ballot-app').dataset.sealedTracker !== t", arg=audited
    )
    page.wait_for_timeout(300)  # any scroll settles
    assert in_viewport(page, "#audit-result h2"), "the audit's result is shown where the voter is"
    assert page.locator("#audit-choices > li").count() == 3
    checks.check(page, language)
    page.click("#cast-button")
    page.wait_for_selector("#receipt:not([hidden])")
    assert in_viewport(page, "#receipt h2"), "the receipt is shown where the voter is"
    tracker = page.text_content("#receipt-tracker").replace(" ", "")
    checks.check(page, language)
    assert_receipt_hour_reads_as_the_templates_write_it(page, world.election, tracker, language)

    # The voter checks the tracker on the board.
    page.click("#receipt-link")
    page.wait_for_load_state("load")
    checks.check(page, language)
    assert page.input_value("input[name=t]").replace(" ", "") == tracker
    assert in_viewport(page, "main p[role=status]"), "'found on the board' is in view"

    # The poll closes, the trustees decrypt (their clients), the observer reads the result.
    world.close_and_tally()
    observer_context, observer, observer_checks = person(browser, live_server, language)
    observer.goto(START)
    observer.locator(f"main a[href='/c/{world.convention.slug}/']").first.click()
    observer.locator(f"main a[href='/elections/{uuid}/']").first.click()
    observer_checks.check(observer, language)
    for link in ("/board/", "/results/", "/verify/"):
        # The observers' links are in a <details> on the election page: open it.
        if observer.locator("details.for-observers:not([open])").count():
            observer.click("details.for-observers summary")
        observer.locator(f"main a[href='/elections/{uuid}{link}']").first.click()
        observer_checks.check(observer, language)
        observer.go_back()

    # A trustee opens the election's trustee page from the election page.
    trustee_context, trustee, trustee_checks = person(
        browser, live_server, language, world.trustee_members[0]
    )
    trustee.goto(START)
    trustee.locator(f"main a[href='/c/{world.convention.slug}/']").first.click()
    trustee.locator(f"main a[href='/elections/{uuid}/']").first.click()
    trustee_checks.check(trustee, language)

    problems = checks.problems + observer_checks.problems + trustee_checks.problems
    for c in (context, observer_context, trustee_context):
        c.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("language", "button"), [("fa-af", "دری"), ("ps", "پښتو")])
def test_a_newcomer_gets_a_credential_in_the_demo_on_a_phone(
    browser, live_server, settings, tmp_path, language, button
):
    """``make run``'s demo as a newcomer meets it: the demo seeded, the issuer daemons started
    as the Makefile starts them; from the start page, through the language switch and the login
    form, a demo participant finds the election in its credential window and leaves with a
    signed credential."""
    from io import StringIO

    from django.core.management import call_command

    from tests.voting.test_demo_issuers import start_demo_issuers

    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=StringIO())
    runner = start_demo_issuers(live_server.url, tmp_path)
    context, page, checks = person(browser, live_server, "en")
    try:
        page.goto(START)
        page.get_by_role("button", name=button).click()
        checks.check(page, language)
        page.locator("header a[href$='/accounts/login/']").click()
        page.fill("#id_login", "demo-participant-c")
        page.fill("#id_password", "demo-pass-2026")
        page.locator("main form button[type=submit]").click()
        checks.check(page, language)
        page.locator("main a[href='/c/demo-vote/']").first.click()
        checks.check(page, language)
        page.locator("main a.button[href$='/vote/credential/']").click()
        checks.check(page, language)
        page.click("#request-button")
        page.wait_for_selector("#credential-code-box:not([hidden])", timeout=60_000)
        assert in_viewport(page, "#credential-status-line"), "the 'done' message is in view"
        checks.check(page, language)
    finally:
        context.close()
        runner.terminate()
        output = runner.communicate(timeout=30)[0]
    assert not checks.problems, "\n".join(checks.problems)
    assert "stopped" not in output, output
