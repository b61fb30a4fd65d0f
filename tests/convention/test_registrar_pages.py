"""Registrar pages: the desk, issuing (codes shown once, with QR cards), revoking."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from convention.models import AuditEntry, Invitation, InvitationStatus, Phase, Role
from convention.services.invitations import issue_invitations

from .convention_factories import make_convention, make_member

pytestmark = pytest.mark.django_db

CODE = re.compile(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}")


@pytest.fixture
def convention():
    return make_convention(phase=Phase.DELIBERATION)


@pytest.fixture
def registrar(convention):
    return make_member(convention, Role.REGISTRAR, pseudonym="Nazanin", quota=10)


def logged_in(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def url(name, convention) -> str:
    return reverse(f"convention:{name}", args=[convention.slug])


def batch_token(client, convention) -> str:
    page = client.get(url("registrar", convention)).content.decode()
    return re.search(r'name="batch" value="([^"]+)"', page)[1]


def issue(client, convention, count="3", token=None):
    token = token or batch_token(client, convention)
    return client.post(url("issue", convention), {"count": count, "batch": token})


def test_desk_shows_counts_and_the_issue_form(convention, registrar):
    page = logged_in(registrar).get(url("registrar", convention))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-count="quota">10<' in text and 'data-count="remaining">10<' in text
    assert 'name="count"' in text


def test_issued_codes_are_shown_once_with_qr_cards_and_a_warning(convention, registrar):
    client = logged_in(registrar)
    response = issue(client, convention, "3")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    codes = sorted(set(CODE.findall(page)))
    assert len(codes) == 3
    assert page.count("<svg") == 3 and 'class="qr"' in page
    assert 'id="qr-path"' not in page
    assert "Print or copy these codes now" in page
    assert reverse("account_signup") in page
    assert 'lang="fa-AF"' in page and 'lang="ps"' in page  # cards in three languages
    assert "Jirga" not in page.split('class="invitation-sheet"')[1]  # no title on the cards
    # Never again: not on the desk, not anywhere stored.
    desk = client.get(url("registrar", convention)).content.decode()
    assert not any(code in desk for code in codes)
    assert 'data-count="unused">3<' in desk and 'data-count="remaining">7<' in desk
    assert (
        Invitation.objects.filter(registrar=registrar, status=InvitationStatus.ISSUED).count() == 3
    )


def test_a_single_code(convention, registrar):
    page = issue(logged_in(registrar), convention, "1").content.decode()
    assert len(set(CODE.findall(page))) == 1


def test_resending_the_same_form_issues_nothing_more(convention, registrar):
    client = logged_in(registrar)
    token = batch_token(client, convention)
    issue(client, convention, "2", token)
    again = issue(client, convention, "2", token)
    assert again.status_code == 409
    page = again.content.decode()
    assert "already issued" in page and not CODE.search(page)
    assert Invitation.objects.count() == 2


def test_exceeding_the_quota_is_refused_with_what_remains(convention, registrar):
    client = logged_in(registrar)
    issue(client, convention, "8")
    response = issue(client, convention, "3")
    assert response.status_code == 409
    assert "you can issue 2 more" in response.content.decode()
    assert Invitation.objects.count() == 8


@pytest.mark.parametrize(
    "count",
    ["0", "-5", "51", "99999999999999999999", "three", "", "<script>", "2\x00", "1" * 10_240],
)
def test_hostile_counts_are_refused_and_nothing_written(convention, registrar, count):
    client = logged_in(registrar)
    response = issue(client, convention, count)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not Invitation.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.ORGANIZER, Role.OBSERVER])
def test_issuing_without_the_role_is_refused_with_a_reason(convention, registrar, role):
    intruder = make_member(convention, role, quota=50)
    response = logged_in(intruder).post(url("issue", convention), {"count": "5", "batch": "x"})
    assert response.status_code == 403
    assert "Only the convention&#x27;s registrars can issue" in response.content.decode()
    assert not Invitation.objects.exists()
    assert logged_in(intruder).get(url("registrar", convention)).status_code == 403


def test_in_the_voting_phase_the_desk_says_why_issuing_is_closed(registrar):
    convention = registrar.convention
    convention.phase = Phase.VOTING
    convention.save()
    client = logged_in(registrar)
    desk = client.get(url("registrar", convention)).content.decode()
    assert "Voting" in desk and 'name="count"' not in desk
    response = client.post(url("issue", convention), {"count": "1", "batch": "x"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_revoking_asks_for_confirmation_then_updates_counts(convention, registrar):
    issue_invitations(registrar=registrar, count=2)
    invitation = Invitation.objects.filter(registrar=registrar).first()
    client = logged_in(registrar)
    confirm = client.post(url("revoke", convention), {"invitation": invitation.pk})
    assert confirm.status_code == 200
    assert invitation.hint in confirm.content.decode()
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.ISSUED
    done = client.post(url("revoke", convention), {"invitation": invitation.pk, "confirm": "on"})
    assert done.status_code == 302
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.REVOKED
    desk = client.get(url("registrar", convention)).content.decode()
    assert 'data-count="revoked">1<' in desk and 'data-count="unused">1<' in desk
    assert "is revoked" in desk


def test_revoking_another_registrars_code_is_refused(convention, registrar):
    other = make_member(convention, Role.REGISTRAR, quota=2)
    issue_invitations(registrar=other, count=1)
    theirs = Invitation.objects.get(registrar=other)
    client = logged_in(registrar)
    for data in ({"invitation": theirs.pk}, {"invitation": theirs.pk, "confirm": "on"}):
        response = client.post(url("revoke", convention), data)
        assert response.status_code == 403
        assert "only the codes that you issued" in response.content.decode()
    assert Invitation.objects.get(pk=theirs.pk).status == InvitationStatus.ISSUED


def test_revoking_a_used_code_is_refused(convention, registrar):
    issue_invitations(registrar=registrar, count=1)
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(status=InvitationStatus.USED)
    response = logged_in(registrar).post(
        url("revoke", convention), {"invitation": invitation.pk, "confirm": "on"}
    )
    assert response.status_code == 409
    assert "Only unused codes can be revoked" in response.content.decode()


@pytest.mark.parametrize("value", ["-1", "0", "abc", "", "9" * 40, "<script>", "1\x00"])
def test_hostile_revocations_are_refused(convention, registrar, value):
    issue_invitations(registrar=registrar, count=1)
    response = logged_in(registrar).post(
        url("revoke", convention), {"invitation": value, "confirm": "on"}
    )
    assert response.status_code == 400
    assert "That code was not found" in response.content.decode()
    assert Invitation.objects.get().status == InvitationStatus.ISSUED


def test_revoking_without_the_role_is_refused(convention, registrar):
    issue_invitations(registrar=registrar, count=1)
    organizer = make_member(convention, Role.ORGANIZER)
    invitation = Invitation.objects.get()
    response = logged_in(organizer).post(
        url("revoke", convention), {"invitation": invitation.pk, "confirm": "on"}
    )
    assert response.status_code == 403
    assert Invitation.objects.get().status == InvitationStatus.ISSUED


def test_issue_page_only_answers_posts(convention, registrar):
    assert logged_in(registrar).get(url("issue", convention)).status_code == 405
