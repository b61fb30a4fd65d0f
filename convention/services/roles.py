"""Appointing and removing roles, and setting how many codes a registrar may issue. All audited.

Role changes in one convention serialise on the convention's row, so two organizers removing
each other at the same moment cannot leave the convention without one: a convention always keeps
at least one organizer who is neither suspended nor deleted.
"""

from __future__ import annotations

import unicodedata

from django.db import transaction

from ..exceptions import (
    InvalidQuota,
    LastOrganizer,
    MemberNotFound,
    MemberSuspended,
    NotARegistrar,
    QuotaBelowIssued,
    RoleAlreadyHeld,
    RoleNotHeld,
)
from ..models import (
    Convention,
    Invitation,
    InvitationStatus,
    Membership,
    MembershipRole,
    Role,
)
from ..names import skeleton
from ..permissions import Action, require
from . import audit

MAX_QUOTA = 10_000


def find_member(*, convention: Convention, pseudonym: str) -> Membership:
    """The live member whose pseudonym looks like ``pseudonym`` (same skeleton), or
    ``MemberNotFound``. Look-alike pseudonyms cannot coexist, so at most one matches."""
    if not isinstance(pseudonym, str) or not pseudonym.strip() or len(pseudonym) > 200:
        raise MemberNotFound()
    # The skeleton drops invisible characters; a name carrying them is nobody's name.
    if any(unicodedata.category(c) in ("Cc", "Cf") and c != "\u200c" for c in pseudonym):
        raise MemberNotFound()
    member = (
        Membership.objects.filter(
            convention=convention, pseudonym_skeleton=skeleton(pseudonym), is_deleted=False
        )
        .prefetch_related("roles")
        .first()
    )
    if member is None:
        raise MemberNotFound()
    return member


def _lock_convention(convention: Convention) -> None:
    Convention.objects.select_for_update().only("pk").get(pk=convention.pk)


def _check_member(convention: Convention, member: Membership) -> None:
    if member.convention_id != convention.pk or member.is_deleted:
        raise MemberNotFound()


@transaction.atomic
def appoint_role(
    *, actor: Membership, convention: Convention, member: Membership, role: str
) -> MembershipRole:
    require(action=Action.APPOINT_ROLES, membership=actor, convention=convention)
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    _lock_convention(convention)
    _check_member(convention, member)
    member.refresh_from_db(fields=["is_suspended", "is_deleted"])
    if member.is_deleted:
        raise MemberNotFound()
    if member.is_suspended:
        raise MemberSuspended()
    if MembershipRole.objects.filter(membership=member, role=role).exists():
        raise RoleAlreadyHeld()
    granted = MembershipRole(membership=member, role=role)
    granted.full_clean()
    granted.save()
    audit.record(
        convention=convention,
        actor=actor,
        action="role.appointed",
        target=member.pseudonym,
        detail={"role": role},
    )
    return granted


def active_organizers(convention: Convention):
    return Membership.objects.filter(
        convention=convention,
        is_deleted=False,
        is_suspended=False,
        user__isnull=False,
        roles__role=Role.ORGANIZER,
    )


@transaction.atomic
def remove_role(
    *, actor: Membership, convention: Convention, member: Membership, role: str
) -> None:
    require(action=Action.APPOINT_ROLES, membership=actor, convention=convention)
    _lock_convention(convention)
    _check_member(convention, member)
    held = MembershipRole.objects.filter(membership=member, role=role).first()
    if held is None:
        raise RoleNotHeld()
    if role == Role.ORGANIZER and not active_organizers(convention).exclude(pk=member.pk).exists():
        raise LastOrganizer()
    held.delete()
    detail: dict = {"role": role}
    if role == Role.REGISTRAR:
        # Codes a former registrar still holds must not keep letting people in.
        detail["revoked_unused_codes"] = Invitation.objects.filter(
            registrar=member, status=InvitationStatus.ISSUED
        ).update(status=InvitationStatus.REVOKED)
    audit.record(
        convention=convention,
        actor=actor,
        action="role.removed",
        target=member.pseudonym,
        detail=detail,
    )


def live_invitation_count(registrar: Membership) -> int:
    """Codes that count against a quota: issued and not revoked (unused or used)."""
    return (
        Invitation.objects.filter(registrar=registrar)
        .exclude(status=InvitationStatus.REVOKED)
        .count()
    )


@transaction.atomic
def set_invitation_quota(
    *, actor: Membership, convention: Convention, registrar: Membership, quota: int
) -> Membership:
    """Set how many live codes (unused or used) ``registrar`` may have issued in all."""
    require(action=Action.SET_QUOTAS, membership=actor, convention=convention)
    if isinstance(quota, bool) or not isinstance(quota, int) or not 0 <= quota <= MAX_QUOTA:
        raise InvalidQuota(maximum=MAX_QUOTA)
    _check_member(convention, registrar)
    registrar = Membership.objects.select_for_update().get(pk=registrar.pk)
    if not MembershipRole.objects.filter(membership=registrar, role=Role.REGISTRAR).exists():
        raise NotARegistrar()
    issued = live_invitation_count(registrar)
    if quota < issued:
        raise QuotaBelowIssued(issued=issued)
    previous = registrar.invitation_quota
    if previous == quota:
        return registrar
    registrar.invitation_quota = quota
    registrar.full_clean()
    registrar.save(update_fields=["invitation_quota"])
    audit.record(
        convention=convention,
        actor=actor,
        action="quota.set",
        target=registrar.pseudonym,
        detail={"quota": quota, "previous": previous},
    )
    return registrar
