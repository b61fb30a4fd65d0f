"""A person deletes their own account: personal data erased, memberships deleted or scrubbed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from convention.models import InvitationStatus, Membership, MembershipRole, PseudonymHold, User
from convention.names import DELETED_PLACEHOLDER_PREFIX
from convention.services.accounts import change_pseudonym, delete_account
from convention.services.signup import PseudonymHeld, check_pseudonym_available
from tests.convention.account_factories import (
    PASSWORD,
    invitation_for,
    issue_code,
    make_convention,
    make_member,
    make_registrar,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    return make_convention()


@pytest.fixture
def member(convention):
    member = make_member(convention, username="rahim", pseudonym="Rahim Jan")
    member.user.email = "rahim@example.org"
    member.user.save()
    EmailAddress.objects.create(user=member.user, email="rahim@example.org", primary=True)
    Authenticator.objects.create(user=member.user, type=Authenticator.Type.TOTP, data={})
    return member


def assert_person_erased(username: str = "rahim") -> None:
    assert not User.objects.filter(username=username).exists()
    assert not EmailAddress.objects.filter(email="rahim@example.org").exists()
    assert not Authenticator.objects.exists()
    for session in Session.objects.all():
        assert session.get_decoded().get("_auth_user_id") is None


def assert_scrubbed(membership: Membership, old_pseudonym: str) -> None:
    membership.refresh_from_db()
    assert membership.user is None
    assert membership.is_deleted
    assert membership.pseudonym.startswith(DELETED_PLACEHOLDER_PREFIX)
    assert old_pseudonym.lower() not in membership.pseudonym.lower()
    assert membership.display_name == "deleted participant"
    assert membership.invited_by is None
    assert not MembershipRole.objects.filter(membership=membership).exists()


def test_erasing_deletes_the_account_and_its_memberships(convention, member):
    delete_account(user=member.user, keep_contributions=False)
    assert_person_erased()
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_keeping_contributions_leaves_a_deleted_participant(convention, member):
    delete_account(user=member.user, keep_contributions=True)
    assert_person_erased()
    assert_scrubbed(Membership.objects.get(pk=member.pk), "Rahim Jan")


def test_registrar_who_issued_codes_is_scrubbed_not_deleted_and_unused_codes_revoked(convention):
    registrar = make_registrar(convention)
    unused = issue_code(registrar)
    used = issue_code(registrar, status=InvitationStatus.USED)
    delete_account(user=registrar.user, keep_contributions=False)
    assert not User.objects.filter(username="registrar").exists()
    assert_scrubbed(Membership.objects.get(pk=registrar.pk), "Registrar")
    assert invitation_for(unused).status == InvitationStatus.REVOKED
    assert invitation_for(used).status == InvitationStatus.USED
    assert invitation_for(used).registrar_id == registrar.pk


def test_member_who_invited_others_is_scrubbed_and_invitees_stay(convention):
    inviter = make_member(convention, username="inviter", pseudonym="Inviter")
    invitee = make_member(convention, username="invitee", pseudonym="Invitee", invited_by=inviter)
    delete_account(user=inviter.user, keep_contributions=False)
    assert_scrubbed(Membership.objects.get(pk=inviter.pk), "Inviter")
    invitee.refresh_from_db()
    assert invitee.invited_by_id == inviter.pk and invitee.user is not None


def test_all_memberships_across_conventions_are_handled(convention, member):
    other = make_convention(slug="other")
    second = make_member(other, username="rahim", pseudonym="Rahim in Shura")
    delete_account(user=member.user, keep_contributions=True)
    assert_scrubbed(Membership.objects.get(pk=member.pk), "Rahim Jan")
    assert_scrubbed(Membership.objects.get(pk=second.pk), "Rahim in Shura")


def test_the_old_pseudonym_is_held_then_free_again(convention, member):
    delete_account(user=member.user, keep_contributions=True)
    # Held for a while, leading to no one: nobody passes for the member in the audit log...
    with pytest.raises(PseudonymHeld):
        check_pseudonym_available(convention=convention, pseudonym="Rahim Jan")
    hold = PseudonymHold.objects.get(convention=convention)
    assert hold.membership_id is None
    assert (hold.held_until.minute, hold.held_until.second) == (0, 0)
    # ...then free again.
    PseudonymHold.objects.update(held_until=timezone.now() - timedelta(hours=1))
    assert check_pseudonym_available(convention=convention, pseudonym="Rahim Jan") == "Rahim Jan"


def test_holds_of_names_given_up_earlier_no_longer_lead_to_the_kept_row(convention, member):
    change_pseudonym(membership=member, pseudonym="Rahim Khan")
    assert PseudonymHold.objects.get().membership_id == member.pk
    delete_account(user=member.user, keep_contributions=True)
    assert set(PseudonymHold.objects.values_list("pseudonym", "membership")) == {
        ("Rahim Jan", None),
        ("Rahim Khan", None),
    }


def test_delete_page_needs_the_password_and_logs_out_everywhere(convention, member):
    here, elsewhere = Client(), Client()
    here.force_login(member.user)
    elsewhere.force_login(member.user)

    wrong = here.post(reverse("account_delete"), {"password": "not it", "contributions": "erase"})
    assert wrong.status_code == 400
    assert "The password is not correct" in wrong.content.decode()
    assert User.objects.filter(pk=member.user.pk).exists()

    response = here.post(reverse("account_delete"), {"password": PASSWORD, "contributions": "keep"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert_person_erased()
    assert_scrubbed(Membership.objects.get(pk=member.pk), "Rahim Jan")
    assert "_auth_user_id" not in here.session
    followed = elsewhere.get(reverse("account_settings"))
    assert followed.status_code == 302 and followed["Location"].startswith(reverse("account_login"))
    assert "Your account has been deleted" in here.get(reverse("home")).content.decode()


def test_delete_page_erase_choice_deletes_memberships(convention, member):
    client = Client()
    client.force_login(member.user)
    client.post(reverse("account_delete"), {"password": PASSWORD, "contributions": "erase"})
    assert_person_erased()
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_password_guessing_on_the_delete_page_is_rate_limited(convention, member):
    client = Client()
    client.force_login(member.user)
    for _attempt in range(10):
        client.post(reverse("account_delete"), {"password": "guess", "contributions": "erase"})
    response = client.post(
        reverse("account_delete"), {"password": PASSWORD, "contributions": "erase"}
    )
    assert "Too many attempts" in response.content.decode()
    assert User.objects.filter(pk=member.user.pk).exists()
