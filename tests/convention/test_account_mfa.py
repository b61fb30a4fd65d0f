"""Two-factor authentication through allauth: TOTP (works without JavaScript), recovery codes,
passkey pages that obey the Content Security Policy, and second factors that keep no precise time
and do not name the person on their device."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.core import signing
from django.test import Client
from django.urls import reverse

from tests.convention.account_factories import (
    activate_totp,
    make_convention,
    make_member,
    password_login,
    reauthenticate,
    totp_code,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    member = make_member(make_convention(), username="rahim", pseudonym="Rahim")
    member.user.email = "rahim@example.org"
    member.user.save()
    return member


def test_login_asks_for_the_totp_code_once_enabled(member):
    client = Client()
    client.force_login(member.user)
    secret = activate_totp(client)
    client.logout()

    response = password_login(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not logged in on the password alone

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "Incorrect code" in wrong.content.decode()
    assert "_auth_user_id" not in client.session

    right = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(member.user.pk)


def test_recovery_code_logs_in_instead_of_totp(member):
    client = Client()
    client.force_login(member.user)
    activate_totp(client)
    codes = Authenticator.objects.get(
        user=member.user, type=Authenticator.Type.RECOVERY_CODES
    ).wrap()
    code = codes.get_unused_codes()[0]
    client.logout()
    password_login(client)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.user.pk)


def test_totp_entry_names_the_username_not_the_email(member):
    client = Client()
    client.force_login(member.user)
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    uri = unquote(page.context["totp_url"])
    assert "rahim@example.org" not in uri
    assert "otpauth://totp/rahim?" in uri


def _times_finer_than_the_hour(value, path="") -> list[str]:
    """Every Unix time (seconds in 2001..2286) or ISO date-time inside ``value`` that is not a
    whole hour."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _times_finer_than_the_hour(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found += _times_finer_than_the_hour(item, f"{path}[{index}]")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if 1e9 <= value < 1e10 and value % 3600:
            found.append(f"{path}={value}")
    elif isinstance(value, str):
        match = re.search(r"\d{4}-\d\d-\d\d[T ]\d\d:(\d\d)(?::(\d\d)(?:\.(\d+))?)?", value)
        if match and any(part and int(part) for part in match.groups()):
            found.append(f"{path}={value}")
    return found


def assert_no_stored_session_holds_a_precise_time() -> None:
    sessions = list(Session.objects.all())
    assert sessions
    for session in sessions:
        assert (session.expire_date.minute, session.expire_date.second) == (0, 0)
        signed_at = signing.b62_decode(session.session_data.rsplit(":", 2)[1])
        assert signed_at % 3600 == 0  # Django's signer appends the second it signed
        assert _times_finer_than_the_hour(session.get_decoded()) == []


def test_second_factor_times_are_kept_to_the_day(member):
    client = Client()
    client.force_login(member.user)
    secret = activate_totp(client)
    assert client.get(reverse("mfa_view_recovery_codes")).status_code == 200
    client.logout()

    # A log-in waiting for its second factor (allauth keeps when it began), then complete.
    password_login(client)
    assert "account_login" in client.session
    assert_no_stored_session_holds_a_precise_time()
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.session["_auth_user_id"] == str(member.user.pk)
    assert len(client.session["account_authentication_methods"]) == 2  # password, then TOTP
    assert_no_stored_session_holds_a_precise_time()

    # Re-authentication still opens the pages that need it, from the hour-rounded record.
    reauthenticate(client)
    assert_no_stored_session_holds_a_precise_time()
    assert client.get(reverse("mfa_view_recovery_codes")).status_code == 200

    codes = Authenticator.objects.get(user=member.user, type=Authenticator.Type.RECOVERY_CODES)
    assert codes.data["viewed_at"] and codes.data["viewed_at"] % 86400 == 0
    for authenticator in Authenticator.objects.filter(user=member.user):
        for moment in (authenticator.created_at, authenticator.last_used_at):
            if moment is not None:
                assert (moment.hour, moment.minute, moment.second, moment.microsecond) == (
                    0,
                    0,
                    0,
                    0,
                )
    totp = Authenticator.objects.get(user=member.user, type=Authenticator.Type.TOTP)
    assert totp.last_used_at is not None


def inline_scripts(html: str) -> list[str]:
    """Script elements that would execute inline code (data blocks and src= are fine)."""
    found = []
    for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", html, re.S):
        attributes, body = match.groups()
        if "src=" in attributes:
            assert not body.strip()
            continue
        if 'type="application/json"' in attributes:
            continue
        found.append(match.group(0))
    return found


def assert_in_our_layout_without_inline_code(html: str) -> None:
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert html.count("<html") == 1
    assert inline_scripts(html) == []
    assert "style=" not in html and "<style" not in html
    assert re.search(r"\son[a-z]+=", html) is None  # no inline event handlers


def test_every_account_and_mfa_page_is_in_our_layout_without_inline_code(member):
    anonymous = Client()
    for name in ("account_login", "account_signup", "account_reset_password"):
        response = anonymous.get(reverse(name))
        assert response.status_code == 200, name
        assert_in_our_layout_without_inline_code(response.content.decode())

    client = Client()
    client.force_login(member.user)
    reauthenticate(client)
    names = [
        "account_settings",
        "account_pseudonyms",
        "account_join",
        "account_delete",
        "account_change_password",
        "account_email",
        "account_logout",
        "account_reauthenticate",
        "mfa_index",
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_list_webauthn",
    ]
    for name in names:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert_in_our_layout_without_inline_code(response.content.decode())
    key = Authenticator.objects.create(
        user=member.user, type=Authenticator.Type.WEBAUTHN, data={"name": "Laptop"}
    )
    for name in ("mfa_edit_webauthn", "mfa_remove_webauthn"):
        response = client.get(reverse(name, args=[key.pk]))
        assert response.status_code == 200, name
        assert_in_our_layout_without_inline_code(response.content.decode())
    key.delete()
    activate_totp(client)
    for name in (
        "mfa_index",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_deactivate_totp",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert_in_our_layout_without_inline_code(response.content.decode())

    client.logout()
    password_login(client)
    response = client.get(reverse("mfa_authenticate"))
    assert_in_our_layout_without_inline_code(response.content.decode())


def test_passkey_pages_configure_allauth_through_a_json_block_and_static_files(member):
    client = Client()
    client.force_login(member.user)
    reauthenticate(client)
    html = client.get(reverse("mfa_add_webauthn")).content.decode()
    assert 'id="allauth-form-config" type="application/json"' in html
    assert 'id="js_data" type="application/json"' in html
    assert "/static/mfa/js/webauthn.js" in html
    assert "/static/convention/account-forms.js" in html
    # The passkey button stays hidden until the script finds WebAuthn in the browser.
    assert re.search(r"<div data-needs-webauthn hidden><button[^>]+mfa_webauthn_add", html)
    login = Client().get(reverse("account_login")).content.decode()
    assert '"form": "loginForm"' in login
    assert "<noscript>" in login


def test_passkey_login_without_javascript_fails_cleanly(member):
    """A browser without JavaScript never shows the passkey button; a hand-made post of an
    empty credential is refused without logging anyone in."""
    client = Client()
    response = client.post(reverse("mfa_login_webauthn"), {"credential": ""})
    assert response.status_code in {200, 302, 400}
    assert "_auth_user_id" not in client.session
