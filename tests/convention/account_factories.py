"""Small factories for the account tests: a convention, a registrar, codes, members, TOTP codes."""

from __future__ import annotations

import re
import secrets
import time

from django.test import Client
from django.urls import reverse

from convention.models import (
    Convention,
    Invitation,
    Membership,
    MembershipRole,
    Role,
    User,
    hash_invitation_code,
)

PASSWORD = "a long passphrase 42"


def make_convention(slug: str = "loya-jirga", title: str = "Loya Jirga") -> Convention:
    return Convention.objects.create(slug=slug, title_en=title)


def make_member(
    convention: Convention,
    *,
    username: str,
    pseudonym: str,
    role: str = Role.PARTICIPANT,
    invited_by: Membership | None = None,
    password: str = PASSWORD,
) -> Membership:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=password)
    membership = Membership.objects.create(
        convention=convention, user=user, pseudonym=pseudonym, invited_by=invited_by
    )
    MembershipRole.objects.create(membership=membership, role=role)
    return membership


def make_registrar(convention: Convention, *, username: str = "registrar") -> Membership:
    return make_member(
        convention, username=username, pseudonym=f"Registrar {convention.pk}", role=Role.REGISTRAR
    )


def issue_code(registrar: Membership, *, status: str = "issued") -> str:
    raw = secrets.token_hex(8).upper()
    code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
    Invitation.objects.create(
        convention=registrar.convention,
        registrar=registrar,
        code_hash=hash_invitation_code(code),
        hint=f"{secrets.randbelow(10_000):04d}",  # a card number, unrelated to the code
        status=status,
    )
    return code


def totp_code(secret: str, *, at: float | None = None) -> str:
    """The RFC 6238 code of ``secret`` now, computed with allauth's HOTP helpers.

    allauth accepts the current 30-second window only (MFA_TOTP_TOLERANCE = 0), so a code taken
    in a window's last seconds may be checked in the next one on a loaded machine: wait for the
    next window first.
    """
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    if at is None and time.time() % 30 > 27:
        time.sleep(30 - time.time() % 30 + 0.05)
    counter = int((time.time() if at is None else at) // 30)
    return format_hotp_value(hotp_value(secret, counter))


def signup_data(code: str, **overrides: str) -> dict[str, str]:
    data = {
        "invitation_code": code,
        "username": "newcomer",
        "pseudonym": "Shirin",
        "email": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def reauthenticate(client: Client) -> None:
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def activate_totp(client: Client) -> str:
    """Turn TOTP on for the logged-in client; return the secret read from the page."""
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', page.content.decode())[1]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()
    return secret


def password_login(client: Client, username: str = "rahim", password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": username, "password": password})


def invitation_for(code: str) -> Invitation:
    return Invitation.objects.get(code_hash=hash_invitation_code(code))
