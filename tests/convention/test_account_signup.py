"""Sign-up with a single-use invitation code, joining another convention, pseudonyms."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from convention.models import Invitation, InvitationStatus, Membership, Role, User
from convention.services.accounts import change_pseudonym
from convention.services.signup import (
    AlreadyMember,
    InvalidInvitation,
    InvitationAlreadyUsed,
    InvitationRevoked,
    PseudonymUnavailable,
    UsernameUnavailable,
    join_convention,
    redeem_invitation,
)
from tests.convention.account_factories import (
    PASSWORD,
    invitation_for,
    issue_code,
    make_convention,
    make_member,
    make_registrar,
    signup_data,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar():
    return make_registrar(make_convention())


def snapshot():
    return (
        User.objects.count(),
        Membership.objects.count(),
        sorted(Invitation.objects.values_list("status", flat=True)),
    )


# --- the service ---------------------------------------------------------------------------


def test_redeeming_creates_account_membership_and_uses_the_code(registrar):
    code = issue_code(registrar)
    membership = redeem_invitation(
        code=code, username="newcomer", password=PASSWORD, pseudonym="Shirin", email=""
    )
    assert membership.user.username == "newcomer"
    assert membership.user.check_password(PASSWORD)
    assert membership.user.password.startswith("argon2")
    assert membership.convention == registrar.convention
    assert membership.invited_by == registrar
    assert membership.has_role(Role.PARTICIPANT)
    assert membership.pseudonym == "Shirin"
    assert Invitation.objects.get().status == InvitationStatus.USED


def test_code_is_accepted_in_lower_case_and_without_dashes(registrar):
    code = issue_code(registrar)
    redeem_invitation(
        code=code.lower().replace("-", " "), username="newcomer", password=PASSWORD, pseudonym="Sh"
    )
    assert Invitation.objects.get().status == InvitationStatus.USED


@pytest.mark.parametrize(
    ("status", "error"),
    [(InvitationStatus.USED, InvitationAlreadyUsed), (InvitationStatus.REVOKED, InvitationRevoked)],
)
def test_used_or_revoked_code_writes_nothing(registrar, status, error):
    code = issue_code(registrar, status=status)
    before = snapshot()
    with pytest.raises(error):
        redeem_invitation(code=code, username="newcomer", password=PASSWORD, pseudonym="Shirin")
    assert snapshot() == before


def test_wrong_code_writes_nothing(registrar):
    issue_code(registrar)
    before = snapshot()
    with pytest.raises(InvalidInvitation):
        redeem_invitation(
            code="AAAA-BBBB-CCCC-DDDD", username="newcomer", password=PASSWORD, pseudonym="Shirin"
        )
    assert snapshot() == before


def test_a_code_works_only_once(registrar):
    code = issue_code(registrar)
    redeem_invitation(code=code, username="first", password=PASSWORD, pseudonym="First")
    with pytest.raises(InvitationAlreadyUsed):
        redeem_invitation(code=code, username="second", password=PASSWORD, pseudonym="Second")
    assert not User.objects.filter(username="second").exists()


def test_look_alike_pseudonym_in_the_same_convention_is_refused_and_code_kept(registrar):
    make_member(registrar.convention, username="shirin", pseudonym="Shirin")
    code = issue_code(registrar)
    before = snapshot()
    with pytest.raises(PseudonymUnavailable):
        redeem_invitation(code=code, username="other", password=PASSWORD, pseudonym="SHlRIN")
    assert snapshot() == before


def test_same_pseudonym_in_another_convention_is_fine(registrar):
    other = make_registrar(make_convention(slug="other"), username="registrar2")
    make_member(other.convention, username="shirin", pseudonym="Shirin")
    redeem_invitation(
        code=issue_code(registrar), username="newcomer", password=PASSWORD, pseudonym="Shirin"
    )


def test_look_alike_username_is_refused_globally(registrar):
    make_member(registrar.convention, username="rahim", pseudonym="Rahim")
    before = snapshot()
    with pytest.raises(UsernameUnavailable):
        redeem_invitation(
            code=issue_code(registrar), username="RAHlM", password=PASSWORD, pseudonym="Other"
        )
    assert snapshot()[:2] == before[:2]
    assert Invitation.objects.filter(status=InvitationStatus.USED).count() == 0


def test_existing_user_joins_another_convention(registrar):
    member = make_member(registrar.convention, username="rahim", pseudonym="Rahim")
    other = make_registrar(make_convention(slug="other"), username="registrar2")
    joined = join_convention(user=member.user, code=issue_code(other), pseudonym="Another name")
    assert joined.convention == other.convention
    assert joined.invited_by == other
    assert member.user.memberships.count() == 2


def test_joining_a_convention_twice_keeps_the_code(registrar):
    member = make_member(registrar.convention, username="rahim", pseudonym="Rahim")
    code = issue_code(registrar)
    with pytest.raises(AlreadyMember):
        join_convention(user=member.user, code=code, pseudonym="Second self")
    assert invitation_for(code).status == InvitationStatus.ISSUED


def test_pseudonym_change_follows_the_same_rules(registrar):
    member = make_member(registrar.convention, username="rahim", pseudonym="Rahim")
    make_member(registrar.convention, username="karim", pseudonym="Karim")
    with pytest.raises(PseudonymUnavailable):
        change_pseudonym(membership=member, pseudonym="KARlM")
    with pytest.raises(PseudonymUnavailable):
        change_pseudonym(membership=member, pseudonym="Ra\u202ehim")
    changed = change_pseudonym(membership=member, pseudonym="Rahim Jan")
    assert changed.pseudonym == "Rahim Jan"
    # A week later: keeping one's own name in another case is not a collision with oneself.
    Membership.objects.filter(pk=member.pk).update(
        pseudonym_changed_at=timezone.now() - timedelta(days=8)
    )
    assert change_pseudonym(membership=member, pseudonym="RAHIM JAN").pseudonym == "RAHIM JAN"


def test_a_pseudonym_given_up_is_held_from_newcomers_too(client, registrar):
    member = make_member(registrar.convention, username="rahim", pseudonym="Rahim")
    change_pseudonym(membership=member, pseudonym="Rahim Jan")
    code = issue_code(registrar)
    response = client.post(reverse("account_signup"), signup_data(code, pseudonym="RAHIM"))
    assert response.status_code == 200
    assert "was given up by another member" in response.content.decode()
    assert invitation_for(code).status == InvitationStatus.ISSUED
    karim = make_member(make_convention("other"), username="karim", pseudonym="Karim")
    with pytest.raises(PseudonymUnavailable):
        join_convention(user=karim.user, code=code, pseudonym="rahim")
    # In another convention the name is free.
    other_registrar = make_registrar(make_convention("shura", "Shura"), username="registrar2")
    joined = join_convention(
        user=User.objects.get(username="rahim"), code=issue_code(other_registrar), pseudonym="Rahim"
    )
    assert joined.pseudonym == "Rahim"


# --- the pages -----------------------------------------------------------------------------


def test_signup_page_redeems_and_logs_in(client, registrar):
    code = issue_code(registrar)
    response = client.post(reverse("account_signup"), signup_data(code))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_settings")
    assert client.get(reverse("account_settings")).status_code == 200
    membership = Membership.objects.get(user__username="newcomer")
    assert membership.pseudonym == "Shirin"


def test_signup_with_email_records_it_unverified(client, registrar):
    code = issue_code(registrar)
    client.post(reverse("account_signup"), signup_data(code, email="Someone@Example.org"))
    user = User.objects.get(username="newcomer")
    assert user.email == "someone@example.org"
    assert user.emailaddress_set.get().verified is False


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (None, "This invitation code is not valid"),
        (InvitationStatus.USED, "already been used"),
        (InvitationStatus.REVOKED, "withdrawn"),
    ],
)
def test_signup_page_explains_bad_codes_and_writes_nothing(client, registrar, status, message):
    code = issue_code(registrar, status=status) if status else "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
    before = snapshot()
    response = client.post(reverse("account_signup"), signup_data(code))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot() == before
    assert "_auth_user_id" not in client.session


def test_signup_page_refuses_confusable_pseudonym(client, registrar):
    make_member(registrar.convention, username="shirin", pseudonym="Shirin")
    code = issue_code(registrar)
    before = snapshot()
    response = client.post(reverse("account_signup"), signup_data(code))
    assert "This pseudonym is taken in this convention" in response.content.decode()
    assert snapshot() == before


def test_code_used_between_check_and_save_is_a_form_error(client, registrar, monkeypatch):
    """Two people submit the same code at once: the second gets a form error, not a 500."""
    from convention.forms import accounts as account_forms

    code = issue_code(registrar)
    real_find = account_forms.find_invitation

    def find_then_lose_the_race(raw):
        invitation = real_find(raw)
        Invitation.objects.filter(pk=invitation.pk).update(status=InvitationStatus.USED)
        return invitation

    monkeypatch.setattr(account_forms, "find_invitation", find_then_lose_the_race)
    before = snapshot()
    response = client.post(reverse("account_signup"), signup_data(code))
    assert response.status_code == 200
    assert "already been used" in response.content.decode()
    assert snapshot()[:2] == before[:2]


def test_logged_in_member_joins_with_a_code(client, registrar):
    member = make_member(registrar.convention, username="rahim", pseudonym="Rahim")
    other = make_registrar(make_convention(slug="other", title="Shura"), username="registrar2")
    client.force_login(member.user)
    response = client.post(
        reverse("account_join"), {"invitation_code": issue_code(other), "pseudonym": "Baran"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("convention:detail", args=["other"])
    assert Membership.objects.get(user=member.user, convention=other.convention).pseudonym == (
        "Baran"
    )


def test_joining_own_convention_again_is_a_clear_error(client, registrar):
    member = make_member(registrar.convention, username="rahim", pseudonym="Rahim")
    client.force_login(member.user)
    code = issue_code(registrar)
    response = client.post(reverse("account_join"), {"invitation_code": code, "pseudonym": "Baran"})
    assert response.status_code == 400
    assert "already a member of this convention" in response.content.decode()
    assert invitation_for(code).status == InvitationStatus.ISSUED


def test_pseudonym_pages_show_and_change_own_pseudonyms_only(client, registrar):
    member = make_member(registrar.convention, username="rahim", pseudonym="Rahim")
    stranger = make_member(registrar.convention, username="karim", pseudonym="Karim")
    client.force_login(member.user)
    listing = client.get(reverse("account_pseudonyms")).content.decode()
    assert '<bdi dir="auto">Rahim</bdi>' in listing and "Karim" not in listing
    url = reverse("account_pseudonym_change", args=[member.pk])
    response = client.post(url, {"pseudonym": "باران"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.pseudonym == "باران"
    other_url = reverse("account_pseudonym_change", args=[stranger.pk])
    assert client.post(other_url, {"pseudonym": "Hijacked"}).status_code == 404
    stranger.refresh_from_db()
    assert stranger.pseudonym == "Karim"


def test_suspended_member_cannot_change_pseudonym(client, registrar):
    member = make_member(registrar.convention, username="rahim", pseudonym="Rahim")
    Membership.objects.filter(pk=member.pk).update(is_suspended=True)
    client.force_login(member.user)
    url = reverse("account_pseudonym_change", args=[member.pk])
    response = client.post(url, {"pseudonym": "Fresh start"})
    assert "suspended member cannot change" in response.content.decode()
    member.refresh_from_db()
    assert member.pseudonym == "Rahim"


def test_account_pages_need_login(client):
    for name in ("account_settings", "account_join", "account_pseudonyms", "account_delete"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_signup_never_reveals_whether_an_email_address_has_an_account(client, registrar):
    """Whether an email address is registered here must not be learnable from the sign-up
    form, even without a valid code: the address is accepted like any other."""
    taken = make_member(registrar.convention, username="rahim", pseudonym="Rahim").user
    taken.email = "rahim@example.org"
    taken.save()
    probe = client.post(
        reverse("account_signup"),
        signup_data("ZZZZ-ZZZZ-ZZZZ-ZZZZ", email="rahim@example.org"),
    )
    fresh = client.post(
        reverse("account_signup"),
        signup_data("ZZZZ-ZZZZ-ZZZZ-ZZZZ", email="nobody@example.org"),
    )
    assert "registered" not in probe.content.decode().lower()
    errors = re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', probe.content.decode(), re.S)
    fresh_errors = re.findall(
        r'<ul class="errorlist"[^>]*>(.*?)</ul>', fresh.content.decode(), re.S
    )
    assert errors == fresh_errors
    response = client.post(
        reverse("account_signup"), signup_data(issue_code(registrar), email="rahim@example.org")
    )
    assert response.status_code == 302
    assert User.objects.filter(email="rahim@example.org").count() == 2


def test_without_a_valid_code_the_page_does_not_say_which_usernames_exist(client, registrar):
    make_member(registrar.convention, username="ahmad.karimi", pseudonym="Rahim")
    probe = client.post(
        reverse("account_signup"), signup_data("ZZZZ-ZZZZ-ZZZZ-ZZZZ", username="ahmad.karimi")
    )
    assert "This invitation code is not valid" in probe.content.decode()
    assert "username is taken" not in probe.content.decode()
    with_code = client.post(
        reverse("account_signup"), signup_data(issue_code(registrar), username="Ahmad.Karimi")
    )
    assert "username is taken" in with_code.content.decode()
    # The rules themselves are still checked without a code.
    hostile = client.post(
        reverse("account_signup"), signup_data("ZZZZ-ZZZZ-ZZZZ-ZZZZ", username="ab\u202ecd")
    )
    assert "change the direction of text" in hostile.content.decode()
