"""Accounts in a real browser: sign up with an invitation code, change the pseudonym, turn on TOTP,
log out and log in again with password and TOTP, with JavaScript on and off; bad codes; passkey
pages under the Content Security Policy, and a passkey added and used through Chromium's virtual
authenticator."""

from __future__ import annotations

import time

import pytest

from convention.models import Invitation, InvitationStatus, Membership
from tests.convention.account_factories import (
    PASSWORD,
    issue_code,
    make_convention,
    make_registrar,
    totp_code,
)

pytestmark = pytest.mark.django_db(transaction=True)

CSP_PROBE = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def submit(page, selector: str = "main form button[type=submit]") -> None:
    with page.expect_navigation():
        page.locator(selector).first.click()


def sign_up(page, code: str, *, username: str = "newcomer", pseudonym: str = "Shirin") -> None:
    page.goto("/accounts/signup/")
    page.fill("#id_invitation_code", code)
    page.fill("#id_username", username)
    page.fill("#id_pseudonym", pseudonym)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    submit(page)


def turn_on_totp(page) -> str:
    page.goto("/accounts/settings/")
    with page.expect_navigation():
        page.get_by_role("link", name="Turn on two-factor authentication").click()
    if "/reauthenticate/" in page.url:  # allauth asks for the password again first
        page.fill("input[name=password]", PASSWORD)
        submit(page)
    assert "/2fa/totp/activate/" in page.url
    secret = page.input_value("#authenticator_secret")
    page.fill("input[name=code]", unused_totp_code(secret))
    submit(page)
    assert "/2fa/" in page.url and "/activate/" not in page.url
    return secret


def log_out(page) -> None:
    with page.expect_navigation():
        page.locator(".site-nav button", has_text="Log out").click()
    assert page.locator(".site-nav a", has_text="Log in").is_visible()


_used_windows: set[int] = set()


def unused_totp_code(secret: str) -> str:
    """A code the server will take: allauth refuses a code twice, and the window must not
    close between typing and checking (the server allows no clock drift)."""
    while True:
        now = time.time()
        window = int(now // 30)
        if window not in _used_windows and now % 30 < 25:
            _used_windows.add(window)
            return totp_code(secret, at=now)
        time.sleep(0.5)


def log_in_with_totp(page, secret: str, username: str = "newcomer") -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    submit(page)
    assert "/2fa/authenticate/" in page.url
    assert page.locator(".site-nav a", has_text="Log in").is_visible()  # not yet logged in
    page.fill("input[name=code]", unused_totp_code(secret))
    submit(page)
    assert page.locator(".site-nav a", has_text="Account").is_visible()


def full_journey(page, code: str) -> None:
    sign_up(page, code)
    assert page.url.endswith("/accounts/settings/")
    assert page.locator("main bdi", has_text="Shirin").is_visible()

    # The pseudonym can be changed; a Dari pseudonym is shown right to left by dir=auto.
    page.goto("/accounts/pseudonyms/")
    with page.expect_navigation():
        page.get_by_role("link", name="Change").click()
    page.fill("#id_pseudonym", "باران")
    submit(page)
    cell = page.locator("main td bdi", has_text="باران")
    assert cell.evaluate("element => getComputedStyle(element).direction") == "rtl"
    assert Membership.objects.get(user__username="newcomer").pseudonym == "باران"

    secret = turn_on_totp(page)
    log_out(page)
    log_in_with_totp(page, secret)


@pytest.fixture
def registrar():
    return make_registrar(make_convention())


def test_sign_up_change_pseudonym_turn_on_totp_and_log_in_again(page, registrar):
    full_journey(page, issue_code(registrar))
    assert Invitation.objects.get().status == InvitationStatus.USED


def test_the_same_journey_works_with_javascript_off(browser, live_server, registrar):
    """Tor Browser at its Safest level runs no JavaScript: every account step still works."""
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        full_journey(page, issue_code(registrar))
        # No passkey control is offered without JavaScript.
        log_out(page)
        page.goto("/accounts/login/")
        assert not page.locator("#passkey_login").is_visible()
    finally:
        context.close()


def test_wrong_and_used_codes_get_a_clear_error(page, registrar):
    sign_up(page, "WRNG-CODE-2345-6789")
    assert "This invitation code is not valid" in page.locator("main").inner_text()
    assert page.url.endswith("/accounts/signup/")

    used = issue_code(registrar, status=InvitationStatus.USED)
    sign_up(page, used, username="second")
    assert "already been used" in page.locator("main").inner_text()
    assert not Membership.objects.filter(user__username="second").exists()

    code = issue_code(registrar)
    sign_up(page, code)
    log_out(page)
    sign_up(page, code, username="third", pseudonym="Third")
    assert "already been used" in page.locator("main").inner_text()


def test_passkey_pages_load_without_csp_violations_and_a_passkey_logs_in(page, registrar):
    page.add_init_script(CSP_PROBE)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"pageerror {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" or "Content Security Policy" in message.text
            else None
        ),
    )
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    page.goto("/accounts/login/")
    assert page.locator("#passkey_login").is_visible()  # shown because WebAuthn exists
    sign_up(page, issue_code(registrar))

    page.goto("/accounts/2fa/webauthn/add/")
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        submit(page)
    assert "/2fa/webauthn/add/" in page.url
    page.fill("input[name=name]", "Laptop")
    passwordless = page.locator("input[name=passwordless]")
    if passwordless.count():
        passwordless.check()
    with page.expect_navigation():
        page.locator("#mfa_webauthn_add").click()
    assert "/add/" not in page.url
    page.goto("/accounts/2fa/webauthn/")
    assert "Laptop" in page.locator("main").inner_text()

    log_out(page)
    page.goto("/accounts/login/")
    with page.expect_navigation():
        page.locator("#passkey_login").click()
    assert page.locator(".site-nav a", has_text="Account").is_visible()

    assert page.evaluate("window.__cspViolations") == []
    assert [p for p in problems if "favicon" not in p] == []
