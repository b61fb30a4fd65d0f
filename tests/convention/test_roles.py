"""Conventions, roles and quotas: the services' rules, and the audit entry each change leaves."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from convention.exceptions import (
    InvalidPhaseChange,
    InvalidQuota,
    LastOrganizer,
    MemberNotFound,
    MemberSuspended,
    NotARegistrar,
    QuotaBelowIssued,
    RoleAlreadyHeld,
    RoleNotHeld,
)
from convention.models import AuditEntry, Convention, Membership, Phase, Role
from convention.permissions import PermissionRefused
from convention.services.audit import verify_chain
from convention.services.conventions import create_convention, move_phase, update_convention
from convention.services.invitations import issue_invitations
from convention.services.roles import (
    MAX_QUOTA,
    appoint_role,
    find_member,
    remove_role,
    set_invitation_quota,
)

from .convention_factories import fresh, make_convention, make_member, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    return make_convention()


@pytest.fixture
def organizer(convention):
    return make_member(convention, Role.ORGANIZER, pseudonym="Mirwais")


def actions(convention) -> list[str]:
    return list(
        AuditEntry.objects.filter(convention=convention)
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- Creating and editing a convention ----------------------------------------------------


def creator():
    user = make_user()
    user.user_permissions.add(Permission.objects.get(codename="add_convention"))
    return type(user).objects.get(pk=user.pk)


def test_creator_becomes_the_organizer_and_creation_is_audited():
    user = creator()
    convention = create_convention(
        creator=user,
        slug="loya-jirga",
        pseudonym="ستاره",
        title_en="Loya Jirga",
        title_fa_af="لویه جرگه",
        title_ps="لويه جرګه",
    )
    assert convention.phase == Phase.REGISTRATION
    organizer = Membership.objects.get(convention=convention, user=user)
    assert organizer.pseudonym == "ستاره" and organizer.has_role(Role.ORGANIZER)
    entry = AuditEntry.objects.get(convention=convention)
    assert (entry.actor, entry.action, entry.target) == (
        "ستاره",
        "convention.created",
        "loya-jirga",
    )
    assert verify_chain(convention).intact


def test_creating_needs_the_platform_permission():
    with pytest.raises(PermissionRefused):
        create_convention(creator=make_user(), slug="x", pseudonym="Laila", title_en="X")
    assert not Convention.objects.exists()


@pytest.mark.parametrize(
    ("slug", "pseudonym", "field"),
    [
        ("new", "Laila", "slug"),
        ("bad slug!", "Laila", "slug"),
        ("ok", "Lai\u202ela", "pseudonym"),
        ("ok", "admin", "pseudonym"),
    ],
)
def test_invalid_creation_writes_nothing(slug, pseudonym, field):
    with pytest.raises(ValidationError) as refused:
        create_convention(creator=creator(), slug=slug, pseudonym=pseudonym, title_en="X")
    assert field in refused.value.message_dict
    assert not Convention.objects.exists() and not AuditEntry.objects.exists()


def test_update_records_which_fields_changed(convention, organizer):
    update_convention(
        actor=organizer, convention=convention, title_ps="جرګه", require_staff_mfa=True
    )
    update_convention(actor=organizer, convention=convention, title_ps="جرګه")  # no change
    entry = AuditEntry.objects.get(action="convention.updated")
    assert entry.detail == {"fields": ["require_staff_mfa", "title_ps"], "require_staff_mfa": True}
    assert Convention.objects.get(pk=convention.pk).title_ps == "جرګه"


def test_only_organizers_update(convention):
    moderator = make_member(convention, Role.MODERATOR)
    with pytest.raises(PermissionRefused):
        update_convention(actor=moderator, convention=convention, title_en="Hijacked")
    assert Convention.objects.get(pk=convention.pk).title_en == "Jirga"


# --- Phases ------------------------------------------------------------------------------


def test_phases_move_one_step_at_a_time_and_closed_is_final(convention, organizer):
    with pytest.raises(InvalidPhaseChange):
        move_phase(actor=organizer, convention=convention, to_phase=Phase.VOTING)
    convention = move_phase(actor=organizer, convention=convention, to_phase=Phase.DELIBERATION)
    convention = move_phase(actor=organizer, convention=convention, to_phase=Phase.REGISTRATION)
    convention = move_phase(actor=organizer, convention=convention, to_phase=Phase.DELIBERATION)
    convention = move_phase(actor=organizer, convention=convention, to_phase=Phase.VOTING)
    convention = move_phase(actor=organizer, convention=convention, to_phase=Phase.CLOSED)
    for phase in (Phase.VOTING, Phase.REGISTRATION, Phase.CLOSED, "bogus"):
        with pytest.raises(InvalidPhaseChange):
            move_phase(actor=organizer, convention=convention, to_phase=phase)
    moves = AuditEntry.objects.filter(action="phase.moved").order_by("id")
    assert [m.detail["to"] for m in moves] == [
        "deliberation",
        "registration",
        "deliberation",
        "voting",
        "closed",
    ]
    assert verify_chain(convention).intact


def test_only_organizers_move_phases(convention):
    registrar = make_member(convention, Role.REGISTRAR)
    with pytest.raises(PermissionRefused):
        move_phase(actor=registrar, convention=convention, to_phase=Phase.DELIBERATION)
    assert Convention.objects.get(pk=convention.pk).phase == Phase.REGISTRATION


# --- Roles -------------------------------------------------------------------------------


def test_members_are_found_by_pseudonym_or_a_look_alike(convention):
    member = make_member(convention, pseudonym="علی")  # with Farsi yeh
    assert find_member(convention=convention, pseudonym="علي") == member  # Arabic yeh
    laila = make_member(convention, pseudonym="Laila")
    assert find_member(convention=convention, pseudonym="LAILA") == laila
    for missing in ["Nobody", "", "x" * 10_000, "La\x00ila"]:
        with pytest.raises(MemberNotFound):
            find_member(convention=convention, pseudonym=missing)


def test_appointing_and_removing_roles_is_audited(convention, organizer):
    member = make_member(convention)
    appoint_role(actor=organizer, convention=convention, member=member, role=Role.MODERATOR)
    assert fresh(member).has_role(Role.MODERATOR)
    with pytest.raises(RoleAlreadyHeld):
        appoint_role(actor=organizer, convention=convention, member=member, role=Role.MODERATOR)
    remove_role(actor=organizer, convention=convention, member=member, role=Role.MODERATOR)
    assert not fresh(member).has_role(Role.MODERATOR)
    with pytest.raises(RoleNotHeld):
        remove_role(actor=organizer, convention=convention, member=member, role=Role.MODERATOR)
    assert actions(convention) == ["role.appointed", "role.removed"]
    entry = AuditEntry.objects.filter(action="role.appointed").get()
    assert (entry.actor, entry.target, entry.detail) == (
        "Mirwais",
        member.pseudonym,
        {"role": "moderator"},
    )


def test_suspended_or_foreign_members_get_no_role(convention, organizer):
    suspended = make_member(convention, suspended=True)
    with pytest.raises(MemberSuspended):
        appoint_role(actor=organizer, convention=convention, member=suspended, role=Role.TRUSTEE)
    foreign = make_member(make_convention("elsewhere"))
    with pytest.raises(MemberNotFound):
        appoint_role(actor=organizer, convention=convention, member=foreign, role=Role.TRUSTEE)
    assert not AuditEntry.objects.exists()


def test_only_organizers_appoint(convention):
    moderator = make_member(convention, Role.MODERATOR)
    with pytest.raises(PermissionRefused):
        appoint_role(actor=moderator, convention=convention, member=moderator, role=Role.ORGANIZER)
    assert not fresh(moderator).has_role(Role.ORGANIZER)


def test_the_last_organizer_cannot_be_removed(convention, organizer):
    with pytest.raises(LastOrganizer):
        remove_role(actor=organizer, convention=convention, member=organizer, role=Role.ORGANIZER)
    # A suspended second organizer does not count: nobody could run the convention.
    second = make_member(convention, Role.ORGANIZER, suspended=True)
    with pytest.raises(LastOrganizer):
        remove_role(actor=organizer, convention=convention, member=organizer, role=Role.ORGANIZER)
    second.is_suspended = False
    second.save()
    remove_role(actor=organizer, convention=convention, member=organizer, role=Role.ORGANIZER)
    assert not fresh(organizer).has_role(Role.ORGANIZER)
    with pytest.raises(PermissionRefused):  # no longer an organizer
        remove_role(
            actor=fresh(organizer), convention=convention, member=second, role=Role.ORGANIZER
        )
    with pytest.raises(LastOrganizer):
        remove_role(actor=fresh(second), convention=convention, member=second, role=Role.ORGANIZER)


# --- Quotas ------------------------------------------------------------------------------


def test_setting_a_quota_is_audited(convention, organizer):
    registrar = make_member(convention, Role.REGISTRAR)
    set_invitation_quota(actor=organizer, convention=convention, registrar=registrar, quota=25)
    assert fresh(registrar).invitation_quota == 25
    entry = AuditEntry.objects.get(action="quota.set")
    assert entry.detail == {"quota": 25, "previous": 0} and entry.target == registrar.pseudonym


@pytest.mark.parametrize("quota", [-1, MAX_QUOTA + 1, 10**30, "5", 2.5, True, None])
def test_invalid_quotas_are_refused(convention, organizer, quota):
    registrar = make_member(convention, Role.REGISTRAR)
    with pytest.raises(InvalidQuota):
        set_invitation_quota(
            actor=organizer, convention=convention, registrar=registrar, quota=quota
        )
    assert fresh(registrar).invitation_quota == 0 and not AuditEntry.objects.exists()


def test_quota_only_for_registrars_and_not_below_issued_codes(convention, organizer):
    participant = make_member(convention)
    with pytest.raises(NotARegistrar):
        set_invitation_quota(actor=organizer, convention=convention, registrar=participant, quota=5)
    registrar = make_member(convention, Role.REGISTRAR, quota=5)
    issue_invitations(registrar=registrar, count=4)
    with pytest.raises(QuotaBelowIssued) as refused:
        set_invitation_quota(actor=organizer, convention=convention, registrar=registrar, quota=3)
    assert "4" in refused.value.message
    set_invitation_quota(actor=organizer, convention=convention, registrar=registrar, quota=4)
    assert fresh(registrar).invitation_quota == 4


def test_only_organizers_set_quotas_and_only_while_the_roll_is_open(convention, organizer):
    registrar = make_member(convention, Role.REGISTRAR)
    with pytest.raises(PermissionRefused):
        set_invitation_quota(
            actor=registrar, convention=convention, registrar=registrar, quota=1000
        )
    convention.phase = Phase.VOTING
    convention.save()
    with pytest.raises(PermissionRefused):
        set_invitation_quota(actor=organizer, convention=convention, registrar=registrar, quota=9)
    assert fresh(registrar).invitation_quota == 0


def test_removing_a_registrar_revokes_their_unused_codes(convention, organizer):
    from convention.models import Invitation, InvitationStatus

    registrar = make_member(convention, Role.REGISTRAR, quota=5)
    issue_invitations(registrar=registrar, count=3)
    remove_role(actor=organizer, convention=convention, member=registrar, role=Role.REGISTRAR)
    statuses = set(Invitation.objects.filter(registrar=registrar).values_list("status", flat=True))
    assert statuses == {InvitationStatus.REVOKED}
    entry = AuditEntry.objects.filter(action="role.removed").last()
    assert entry.detail == {"role": Role.REGISTRAR, "revoked_unused_codes": 3}
    assert verify_chain(convention).intact
