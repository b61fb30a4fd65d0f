"""Log-in, sign-up and second-factor attempts are limited per username, code or account through
allauth's cache-backed limits, never per address."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from convention.models import User
from tests.convention.account_factories import (
    PASSWORD,
    activate_totp,
    issue_code,
    make_convention,
    make_member,
    make_registrar,
    password_login,
    signup_data,
)

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed login attempts"


@pytest.fixture
def convention():
    return make_convention()


def login(client: Client, username: str, password: str):
    return client.post(reverse("account_login"), {"login": username, "password": password})


def test_repeated_failed_logins_for_one_username_get_too_many_attempts(convention):
    make_member(convention, username="rahim", pseudonym="Rahim")
    make_member(convention, username="karim", pseudonym="Karim")
    attacker = Client(REMOTE_ADDR="203.0.113.5")
    for _attempt in range(5):
        response = login(attacker, "rahim", "wrong password")
        assert "not correct" in response.content.decode()
        assert TOO_MANY not in response.content.decode()

    refused = login(attacker, "rahim", PASSWORD)
    assert refused.status_code == 200
    assert TOO_MANY in refused.content.decode()
    assert "_auth_user_id" not in attacker.session

    # The limit follows the username, not the address: changing address does not help...
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert TOO_MANY in login(elsewhere, "rahim", PASSWORD).content.decode()
    # ...and other people sharing the attacker's address (a Tor exit, a proxy) can log in.
    assert login(attacker, "karim", PASSWORD).status_code == 302


def test_case_and_unicode_form_of_the_username_share_one_limit(convention):
    make_member(convention, username="rahim", pseudonym="Rahim")
    client = Client()
    for variant in ("rahim", "RAHIM", "Rahim", "rAhim", "RaHim"):
        login(client, variant, "wrong password")
    assert TOO_MANY in login(client, "rahim", PASSWORD).content.decode()


def test_successful_login_is_not_counted_as_failure(convention):
    make_member(convention, username="rahim", pseudonym="Rahim")
    for _attempt in range(8):
        client = Client()
        assert login(client, "rahim", PASSWORD).status_code == 302


def test_attempts_on_one_invitation_code_are_limited(convention):
    registrar = make_registrar(convention)
    code = issue_code(registrar)
    client = Client()
    for _attempt in range(20):
        response = client.post(
            reverse("account_signup"), signup_data(code, password2="a different one 99")
        )
        assert "Too many attempts with this code" not in response.content.decode()
    refused = client.post(reverse("account_signup"), signup_data(code))
    assert "Too many attempts with this code" in refused.content.decode()
    assert not User.objects.filter(username="newcomer").exists()
    # Another code is unaffected.
    other = client.post(reverse("account_signup"), signup_data(issue_code(registrar)))
    assert other.status_code == 302


def test_guessing_the_second_factor_is_limited_per_account(convention):
    member = make_member(convention, username="rahim", pseudonym="Rahim")
    client = Client()
    client.force_login(member.user)
    activate_totp(client)
    client.logout()
    password_login(client)
    for _attempt in range(5):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert TOO_MANY in response.content.decode()
