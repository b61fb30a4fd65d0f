"""Small factories for the convention tests: conventions, members with roles, MFA, codes.

Accounts get unusable passwords (tests log in with ``force_login``), so no password is hashed.
"""

from __future__ import annotations

import itertools

from allauth.mfa.models import Authenticator

from convention.models import (
    Convention,
    Membership,
    MembershipRole,
    Phase,
    Role,
    User,
)

_numbers = itertools.count(1)
# Pseudonyms whose skeletons all differ (letters, not digits: 0/o and 1/l look alike).
_NAMES = [
    "Ahmad",
    "Baheer",
    "Cheragh",
    "Dawood",
    "Elaha",
    "Farid",
    "Gulalai",
    "Hamid",
    "Iqbal",
    "Jamila",
    "Karim",
    "Latif",
    "Maryam",
    "Nabil",
    "Omaid",
    "Parwin",
    "Qais",
    "Rahim",
    "Sahar",
    "Tamim",
    "Uzair",
    "Wahid",
    "Yasin",
    "Zahra",
]


def make_convention(
    slug: str = "jirga",
    *,
    phase: str = Phase.REGISTRATION,
    require_staff_mfa: bool = False,
    title: str = "Jirga",
) -> Convention:
    return Convention.objects.create(
        slug=slug, title_en=title, phase=phase, require_staff_mfa=require_staff_mfa
    )


def make_user(username: str | None = None) -> User:
    number = next(_numbers)
    user = User(username=username or f"user-{_letters(number)}")
    user.set_unusable_password()
    user.save()
    return user


def _letters(number: int) -> str:
    text = ""
    while True:
        number, rest = divmod(number, 26)
        text = "abcdefghijklmnopqrstuvwxyz"[rest] + text
        if number == 0:
            return text


def make_member(
    convention: Convention,
    *roles: str,
    pseudonym: str | None = None,
    user: User | None = None,
    quota: int = 0,
    suspended: bool = False,
) -> Membership:
    number = next(_numbers)
    if pseudonym is None:
        pseudonym = f"{_NAMES[number % len(_NAMES)]} {_letters(number)}"
    membership = Membership.objects.create(
        convention=convention,
        user=user or make_user(),
        pseudonym=pseudonym,
        invitation_quota=quota,
        is_suspended=suspended,
    )
    for role in roles or (Role.PARTICIPANT,):
        MembershipRole.objects.create(membership=membership, role=role)
    return Membership.objects.get(pk=membership.pk)


def enable_mfa(user: User) -> None:
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "not-used-in-these-tests"}
    )


def fresh(membership: Membership) -> Membership:
    """The membership as stored now, without cached roles."""
    return Membership.objects.get(pk=membership.pk)
