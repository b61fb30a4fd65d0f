"""The Django admin logs staff in only through allauth (issue 13, item A).

Django's own admin log-in form checks the password alone: no rate limit, no second factor. The
attack it allowed: a staff user with TOTP, organizer of a convention that requires staff 2FA,
was logged in by ``/admin/login/`` after any number of wrong passwords and then the right one,
and that session opened the organizer pages. The admin log-in now sends every visitor to
allauth's log-in (with its limits and its two-factor stage), and ``MASHWARA_ADMIN`` removes
``/admin/`` altogether.
"""

from __future__ import annotations

import importlib
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import clear_url_caches, reverse

from convention.models import Role
from tests.convention.account_factories import (
    PASSWORD,
    activate_totp,
    make_convention,
    make_member,
    totp_code,
)

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed login attempts"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def staff_organizer():
    """A staff account with TOTP that organizes a convention requiring staff 2FA."""
    convention = make_convention("strict")
    convention.require_staff_mfa = True
    convention.save()
    organizer = make_member(convention, username="rahim", pseudonym="Rahim", role=Role.ORGANIZER)
    organizer.user.is_staff = True
    organizer.user.is_superuser = True
    organizer.user.save()
    client = Client()
    client.force_login(organizer.user)
    secret = activate_totp(client)
    client.logout()
    return organizer, secret


def organizer_page(membership) -> str:
    return reverse("convention:edit", args=[membership.convention.slug])


def post_admin_login(client: Client, password: str):
    """What Django's admin log-in form sends."""
    return client.post(
        f"{ADMIN_LOGIN}?next=/admin/",
        {"username": "rahim", "password": password, "next": "/admin/"},
    )


def admin_login_through_the_form_it_points_to(client: Client, password: str):
    """A browser at /admin/login/: submit there, then on whatever log-in page it sends to."""
    response = post_admin_login(client, password)
    if response.status_code != 302:
        return response
    target = response["Location"]
    if urlsplit(target).path != reverse("account_login"):
        return response
    return client.post(target, {"login": "rahim", "password": password})


def test_wrong_passwords_at_the_admin_login_meet_the_account_login_limit(staff_organizer):
    organizer, _secret = staff_organizer
    attacker = Client()
    for _attempt in range(5):
        response = admin_login_through_the_form_it_points_to(attacker, "wrong password")
        assert TOO_MANY not in response.content.decode()
        assert "_auth_user_id" not in attacker.session
    # The sixth attempt, right password included, meets the same limit as /accounts/login/.
    refused = admin_login_through_the_form_it_points_to(attacker, PASSWORD)
    assert TOO_MANY in refused.content.decode()
    assert "_auth_user_id" not in attacker.session
    # The limit is the account's, whichever door the attempts came through.
    direct = Client().post(reverse("account_login"), {"login": "rahim", "password": PASSWORD})
    assert TOO_MANY in direct.content.decode()


def test_eight_wrong_passwords_then_the_right_one_at_the_admin_log_nobody_in(staff_organizer):
    organizer, _secret = staff_organizer
    attacker = Client()
    for _attempt in range(8):
        post_admin_login(attacker, "wrong password")
    response = post_admin_login(attacker, PASSWORD)
    # The admin form checks no password: it sends the visitor to allauth's log-in.
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("account_login")
    assert "_auth_user_id" not in attacker.session
    assert attacker.get("/admin/").status_code == 302
    assert attacker.get(organizer_page(organizer)).status_code == 302  # to the log-in page


def test_the_right_password_alone_opens_nothing_until_the_totp_step(staff_organizer):
    organizer, secret = staff_organizer
    client = Client()
    response = admin_login_through_the_form_it_points_to(client, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    admin_index = client.get("/admin/")
    assert admin_index.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get(organizer_page(organizer)).status_code == 302

    done = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert done.status_code == 302
    assert client.session["_auth_user_id"] == str(organizer.user.pk)
    assert client.get("/admin/").status_code == 200
    assert client.get(organizer_page(organizer)).status_code == 200


def test_a_member_without_staff_status_is_refused_by_the_admin():
    member = make_member(make_convention(), username="karim", pseudonym="Karim")
    client = Client()
    client.force_login(member.user)
    assert client.get(ADMIN_LOGIN).status_code == 403
    assert client.get("/admin/").status_code == 302  # the admin index sends to its login


def test_admin_password_change_is_allauths_rate_limited_one(staff_organizer):
    organizer, _secret = staff_organizer
    client = Client()
    client.force_login(organizer.user)
    response = client.get("/admin/password_change/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_change_password")


@pytest.fixture
def urls_reloaded(settings):
    """Reload the URL configuration after a test changes MASHWARA_ADMIN, and again after."""
    import config.urls

    def reload() -> None:
        importlib.reload(config.urls)
        clear_url_caches()

    original = settings.MASHWARA_ADMIN
    yield reload
    settings.MASHWARA_ADMIN = original
    reload()


def test_with_the_admin_disabled_admin_urls_are_not_found(settings, urls_reloaded, staff_organizer):
    organizer, _secret = staff_organizer
    settings.MASHWARA_ADMIN = False
    urls_reloaded()
    client = Client()
    for path in ("/admin/", ADMIN_LOGIN, "/admin/convention/auditentry/"):
        assert client.get(path).status_code == 404
    assert client.post(ADMIN_LOGIN, {"username": "rahim", "password": PASSWORD}).status_code == 404
    client.force_login(organizer.user)
    assert client.get("/admin/").status_code == 404


def test_the_admin_is_off_by_default_in_production_and_on_in_development():
    import subprocess
    import sys

    from tests.config.test_deployment import ROOT, production_env

    script = "from django.conf import settings; print(settings.MASHWARA_ADMIN)"
    for env, expected in (
        (production_env(), "False"),
        (production_env(MASHWARA_ADMIN="true"), "True"),
        (production_env(MASHWARA_ENV="development"), "True"),
        (production_env(MASHWARA_ENV="development", MASHWARA_ADMIN="false"), "False"),
    ):
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.stdout.strip() == expected, result.stderr
