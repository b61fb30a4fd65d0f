"""Every account form refuses oversized, malformed and hostile input with a clear message, writes
nothing, and never echoes markup unescaped."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from convention.models import Invitation, Membership, User
from tests.convention.account_factories import (
    PASSWORD,
    issue_code,
    make_convention,
    make_member,
    make_registrar,
    signup_data,
)

pytestmark = pytest.mark.django_db

HOSTILE = {
    "html": "<script>alert(1)</script><b onmouseover=x>",
    "bidi": "Shi\u202erin\u2066",
    "nul": "Shi\x00rin",
    "huge": "x" * 10_240,
}

# What a person is told, by kind of input; each message says what to do.
CLEAR_MESSAGES = (
    "Null characters are not allowed",
    "Ensure this value has at most",
    "change the direction of text",
    "may contain only letters",
    "An invitation code has only letters, digits and dashes",
    "Enter a valid email address",
    "The name can be at most",
    "Choose one of the two options",
    "The password is not correct",
    "not correct",
)


def database_state():
    return (
        list(User.objects.order_by("pk").values_list("username", "email", "password")),
        list(Membership.objects.order_by("pk").values_list("pseudonym", "user_id", "is_deleted")),
        list(Invitation.objects.order_by("pk").values_list("status", flat=True)),
    )


def assert_refused_cleanly(response, payload: str) -> None:
    body = response.content.decode()
    assert response.status_code in {200, 400}
    assert 'class="errorlist' in body
    assert any(message in body for message in CLEAR_MESSAGES), body[:2000]
    assert "<script>alert(1)" not in body and "<b onmouseover" not in body
    assert "\x00" not in body
    assert payload[:200] not in body or payload == HOSTILE["huge"] or "<" not in payload


@pytest.fixture
def setting():
    convention = make_convention()
    registrar = make_registrar(convention)
    member = make_member(convention, username="rahim", pseudonym="Rahim")
    return {"registrar": registrar, "member": member, "code": issue_code(registrar)}


SIGNUP_FIELDS = ["invitation_code", "username", "pseudonym", "email", "password1"]


# Any character may be part of a password (it is never displayed), so markup and direction marks
# are not refused there; NUL bytes and oversized passwords are.
CASES = [(field, kind) for field in SIGNUP_FIELDS for kind in sorted(HOSTILE)]
CASES = [(f, k) for f, k in CASES if not (f == "password1" and k in {"html", "bidi"})]


@pytest.mark.parametrize(("field", "kind"), CASES)
def test_signup_refuses_hostile_input(setting, field, kind):
    data = signup_data(setting["code"])
    data[field] = HOSTILE[kind]
    if field == "password1":
        data["password2"] = HOSTILE[kind]
    before = database_state()
    response = Client().post(reverse("account_signup"), data)
    assert_refused_cleanly(response, HOSTILE[kind])
    assert database_state() == before


@pytest.mark.parametrize("field", ["invitation_code", "pseudonym"])
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_join_refuses_hostile_input(setting, field, kind):
    other = make_registrar(make_convention(slug="other"), username="registrar2")
    data = {"invitation_code": issue_code(other), "pseudonym": "Baran"}
    data[field] = HOSTILE[kind]
    client = Client()
    client.force_login(setting["member"].user)
    before = database_state()
    assert_refused_cleanly(client.post(reverse("account_join"), data), HOSTILE[kind])
    assert database_state() == before


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_pseudonym_change_refuses_hostile_input(setting, kind):
    client = Client()
    client.force_login(setting["member"].user)
    url = reverse("account_pseudonym_change", args=[setting["member"].pk])
    before = database_state()
    assert_refused_cleanly(client.post(url, {"pseudonym": HOSTILE[kind]}), HOSTILE[kind])
    assert database_state() == before


@pytest.mark.parametrize("field", ["password", "contributions"])
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_account_deletion_refuses_hostile_input(setting, field, kind):
    # A password with markup is merely wrong, which is refused too.
    client = Client()
    client.force_login(setting["member"].user)
    data = {"password": PASSWORD, "contributions": "erase"}
    data[field] = HOSTILE[kind]
    before = database_state()
    assert_refused_cleanly(client.post(reverse("account_delete"), data), HOSTILE[kind])
    assert database_state() == before


@pytest.mark.parametrize("field", ["login", "password"])
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_login_refuses_hostile_input(setting, field, kind):
    data = {"login": "rahim", "password": PASSWORD}
    data[field] = HOSTILE[kind]
    client = Client()
    before = database_state()
    assert_refused_cleanly(client.post(reverse("account_login"), data), HOSTILE[kind])
    assert "_auth_user_id" not in client.session
    assert database_state() == before


def test_a_huge_password_never_reaches_the_hasher(setting, monkeypatch):
    from django.contrib.auth import hashers

    def refuse(*args, **kwargs):
        raise AssertionError("the hasher was called")

    monkeypatch.setattr(hashers, "make_password", refuse)
    data = signup_data(setting["code"], password1="p" * 10_240, password2="p" * 10_240)
    response = Client().post(reverse("account_signup"), data)
    assert "Ensure this value has at most 1024 characters" in response.content.decode()


def test_markup_in_a_refused_pseudonym_is_shown_escaped(setting):
    data = signup_data(setting["code"], pseudonym="<i>x</i>")
    body = Client().post(reverse("account_signup"), data).content.decode()
    assert 'value="&lt;i&gt;x&lt;/i&gt;"' in body
    assert "<i>x</i>" not in body


def test_markup_in_a_password_is_allowed_but_never_echoed(setting):
    password = "<script>alert(1)</script> long enough"
    data = signup_data(setting["code"], password1=password, password2=password, pseudonym="\x00")
    body = Client().post(reverse("account_signup"), data).content.decode()
    assert "Null characters are not allowed" in body
    assert "alert(1)" not in body
    data["pseudonym"] = "Shirin"
    assert Client().post(reverse("account_signup"), data).status_code == 302
    assert User.objects.get(username="newcomer").check_password(password)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("x" * 10_240, "Ensure this value has at most 60 characters"),
        ("Lap\u202etop", "direction-changing"),
        ("Lap\x00top", "Null characters are not allowed"),
    ],
)
def test_passkey_names_are_bounded_and_plain(setting, name, message):
    from allauth.mfa.models import Authenticator

    from tests.convention.account_factories import reauthenticate

    client = Client()
    client.force_login(setting["member"].user)
    reauthenticate(client)
    added = client.post(reverse("mfa_add_webauthn"), {"name": name, "credential": "{}"})
    assert message in added.content.decode()
    assert not Authenticator.objects.exists()

    key = Authenticator.objects.create(
        user=setting["member"].user, type=Authenticator.Type.WEBAUTHN, data={"name": "Laptop"}
    )
    edited = client.post(reverse("mfa_edit_webauthn", args=[key.pk]), {"name": name})
    assert message in edited.content.decode()
    key.refresh_from_db()
    assert key.data == {"name": "Laptop"}
