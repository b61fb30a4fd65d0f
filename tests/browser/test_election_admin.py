"""An organizer drafts an election on a phone with JavaScript off: the election, a question,
its options, and finds it listed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from convention.models import Phase, Role
from tests.convention.convention_factories import make_convention, make_member
from voting.models import Election, ElectionState

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie_for(user, live_server) -> dict:
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def test_organizer_creates_an_election_without_javascript_on_a_phone(browser, live_server):
    convention = make_convention("jirga", phase=Phase.DELIBERATION)
    organizer = make_member(convention, Role.ORGANIZER, pseudonym="Mariam")
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=False,
        viewport={"width": 360, "height": 740},
    )
    context.add_cookies([session_cookie_for(organizer.user, live_server)])
    page = context.new_page()
    page.set_default_timeout(15_000)
    refusals: list[str] = []
    page.on("console", lambda m: refusals.append(m.text) if "Content Security" in m.text else None)
    day = (timezone.now() + timedelta(days=2)).date().isoformat()

    page.goto(f"/c/{convention.slug}/")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Elections: create")).click()
    with page.expect_navigation():
        page.get_by_role("link", name="Create an election").click()
    assert page.get_by_text("All times are in UTC").is_visible()
    page.fill("#id_title_en", "Form of the state")
    page.fill("#id_title_fa_af", "شکل دولت")
    assert page.locator("#id_title_fa_af").get_attribute("dir") == "rtl"
    for name, time in (("credentials_at", "06:00"), ("opens_at", "08:00"), ("closes_at", "16:00")):
        page.fill(f"#id_{name}_0", day)
        page.fill(f"#id_{name}_1", time)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Create the draft")).click()
    assert page.get_by_role("heading", name="Questions").is_visible()

    page.fill("#id_text_en", "Which principles?")
    page.get_by_label("Approval", exact=True).check()
    page.fill("#id_min_selections", "1")
    page.fill("#id_max_selections", "2")
    with page.expect_navigation():
        page.get_by_role("button", name="Add the question").click()
    assert page.get_by_role("heading", name="Which principles?").is_visible()
    for label in ("Rule of law", "Shura", "Federalism"):
        page.fill("#option-text_en", label)
        with page.expect_navigation():
            page.get_by_role("button", name="Add the option").click()
    assert page.locator(".organizer-options li").count() == 3
    # The page fits the phone.
    assert page.locator("main").bounding_box()["width"] <= 360

    with page.expect_navigation():
        page.get_by_role("link", name="Elections", exact=True).click()
    listed = page.locator(".election-list li")
    assert listed.count() == 1
    assert "Form of the state" in listed.first.inner_text()
    assert "Draft" in listed.first.inner_text()
    assert not refusals

    election = Election.objects.get()
    assert election.state == ElectionState.DRAFT
    assert election.opens_at.isoformat() == f"{day}T08:00:00+00:00"
    question = election.questions.get()
    assert (question.kind, question.min_selections, question.max_selections) == ("approval", 1, 2)
    assert list(question.options.values_list("text_en", flat=True)) == [
        "Rule of law",
        "Shura",
        "Federalism",
    ]
    context.close()
