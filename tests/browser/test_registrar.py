"""A registrar issues codes, prints the sheet, revokes a code; with JavaScript off, on a phone."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from convention.models import Invitation, InvitationStatus, Phase, Role
from tests.convention.convention_factories import make_convention, make_member

pytestmark = pytest.mark.django_db(transaction=True)

CODE = re.compile(r"^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$")


def session_cookie_for(user, live_server) -> dict:
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def count(page, name: str) -> int:
    return int(page.locator(f'[data-count="{name}"]').inner_text())


def test_registrar_issues_prints_and_revokes_without_javascript(browser, live_server, tmp_path):
    convention = make_convention("jirga", phase=Phase.DELIBERATION)
    registrar = make_member(convention, Role.REGISTRAR, pseudonym="Nazanin", quota=10)
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=False,
        viewport={"width": 360, "height": 740},
    )
    context.add_cookies([session_cookie_for(registrar.user, live_server)])
    page = context.new_page()
    page.set_default_timeout(15_000)
    refusals: list[str] = []
    page.on("console", lambda m: refusals.append(m.text) if "Content Security" in m.text else None)

    page.goto(f"/c/{convention.slug}/")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("issue, print, revoke")).click()
    assert count(page, "remaining") == 10

    page.fill("input[name=count]", "3")
    with page.expect_navigation():
        page.get_by_role("button", name="Issue").click()
    codes = page.locator(".issued-codes code").all_inner_texts()
    assert len(codes) == 3 and all(CODE.match(code) for code in codes)
    assert page.get_by_text("Print or copy these codes now").is_visible()
    assert page.locator(".invitation-card svg.qr").count() == 3
    box = page.locator(".invitation-card svg.qr").first.bounding_box()
    assert box["width"] > 50 and box["height"] > 50
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll

    # The printed sheet: cards only, each with its code and QR, no site chrome.
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".issued-codes").is_hidden()
    assert page.locator(".invitation-card").nth(2).is_visible()
    assert page.locator(".invitation-card .card-code").all_inner_texts() == codes
    pdf = tmp_path / "sheet.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.stat().st_size > 5_000
    page.emulate_media(media="screen")

    page.goto(f"/c/{convention.slug}/registrar/")
    assert count(page, "issued") == 3 and count(page, "unused") == 3
    assert count(page, "remaining") == 7
    assert not any(code in page.content() for code in codes)  # shown once, never again

    first_hint = page.locator("tbody tr code").first.inner_text().rstrip("…")
    with page.expect_navigation():
        page.locator("tbody tr").first.get_by_role("button", name=re.compile("Revoke")).click()
    assert first_hint in page.locator(".notice").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Yes, revoke it").click()
    assert page.get_by_text("is revoked").is_visible()
    assert count(page, "revoked") == 1 and count(page, "unused") == 2
    assert count(page, "remaining") == 8
    assert Invitation.objects.filter(status=InvitationStatus.REVOKED, hint=first_hint).count() == 1
    assert not refusals
    context.close()
