"""Small fixtures for deliberation tests: a deliberating convention, members with roles, and
logged-in clients."""

from __future__ import annotations

import itertools

import pytest
from django.test import Client

from convention.models import Convention, Membership, MembershipRole, Phase, Role, User
from deliberation.models import Room, Session

_counter = itertools.count(1)


def make_member(convention: Convention, *roles: str, pseudonym: str | None = None) -> Membership:
    n = next(_counter)
    user = User.objects.create_user(username=f"user{n}", password="correct horse battery")
    member = Membership.objects.create(
        convention=convention, user=user, pseudonym=pseudonym or f"Speaker{n}"
    )
    for role in roles or (Role.PARTICIPANT,):
        MembershipRole.objects.create(membership=member, role=role)
    return member


def client_for(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def convention(db) -> Convention:
    return Convention.objects.create(
        slug="loya",
        title_en="Loya Jirga",
        title_fa_af="لویه جرگه",
        phase=Phase.DELIBERATION,
        require_staff_mfa=False,
    )


@pytest.fixture
def room(convention) -> Room:
    return Room.objects.create(convention=convention, title_en="Constitution")


@pytest.fixture
def session(convention) -> Session:
    session = Session.objects.create(convention=convention, title_en="First sitting")
    Room.objects.create(
        convention=convention, session=session, kind="session", title_en="First sitting"
    )
    return session


@pytest.fixture
def participant(convention) -> Membership:
    return make_member(convention, Role.PARTICIPANT, pseudonym="Nargis")


@pytest.fixture
def other(convention) -> Membership:
    return make_member(convention, Role.PARTICIPANT, pseudonym="Baryalai")


@pytest.fixture
def moderator(convention) -> Membership:
    return make_member(convention, Role.MODERATOR, pseudonym="Moderator Ahmad")


@pytest.fixture
def second_moderator(convention) -> Membership:
    return make_member(convention, Role.MODERATOR, pseudonym="Moderator Zarmina")


@pytest.fixture
def organizer(convention) -> Membership:
    return make_member(convention, Role.ORGANIZER, pseudonym="Organizer Hamid")


@pytest.fixture
def observer(convention) -> Membership:
    return make_member(convention, Role.OBSERVER, pseudonym="Observer")
