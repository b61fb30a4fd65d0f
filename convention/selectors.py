"""Read queries about conventions and their members."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from .models import AuditEntry, Convention, Invitation, InvitationStatus, Membership, Role


def conventions_for_home(user) -> QuerySet[Convention]:
    return Convention.objects.all()


def memberships_for_home(user) -> list[Membership]:
    """The signed-in user's live memberships, with their conventions and roles loaded."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Membership.objects.filter(user=user, is_deleted=False)
        .select_related("convention")
        .prefetch_related("roles")
    )


def convention_and_membership(user, slug: str) -> tuple[Convention | None, Membership | None]:
    """The convention of ``slug`` and the user's live membership in it (roles loaded), or
    (None, None) when there is no such convention. A member's page views ask for both on
    every request: one query finds the membership with its convention; only a visitor or a
    non-member needs a second one for the convention alone."""
    if getattr(user, "is_authenticated", False):
        membership = (
            Membership.objects.filter(convention__slug=slug, user=user, is_deleted=False)
            .select_related("convention")
            .prefetch_related("roles")
            .first()
        )
        if membership is not None:
            return membership.convention, membership
    return Convention.objects.filter(slug=slug).first(), None


def membership_of(user, convention: Convention) -> Membership | None:
    """The user's live membership in ``convention``, with its roles loaded, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.filter(convention=convention, user=user, is_deleted=False)
        .prefetch_related("roles")
        .first()
    )


@dataclass(frozen=True)
class InvitationCounts:
    """One registrar's codes: ``issued`` counts every code ever issued, whatever became of it."""

    registrar_id: int
    pseudonym: str
    quota: int
    issued: int
    unused: int
    used: int
    revoked: int

    @property
    def remaining(self) -> int:
        """Codes the registrar may still issue: the quota minus live (unused or used) codes."""
        return max(self.quota - self.unused - self.used, 0)


def _counts_query(queryset: QuerySet[Membership]) -> QuerySet[Membership]:
    return queryset.annotate(
        n_issued=Count("issued"),
        n_unused=Count("issued", filter=Q(issued__status=InvitationStatus.ISSUED)),
        n_used=Count("issued", filter=Q(issued__status=InvitationStatus.USED)),
        n_revoked=Count("issued", filter=Q(issued__status=InvitationStatus.REVOKED)),
    )


def _counts(member: Membership) -> InvitationCounts:
    return InvitationCounts(
        registrar_id=member.pk,
        pseudonym=member.display_name,
        quota=member.invitation_quota,
        issued=member.n_issued,
        unused=member.n_unused,
        used=member.n_used,
        revoked=member.n_revoked,
    )


def invitation_counts_of(registrar: Membership) -> InvitationCounts:
    return _counts(_counts_query(Membership.objects.filter(pk=registrar.pk)).get())


def invitation_counts_by_registrar(convention: Convention) -> list[InvitationCounts]:
    """Every current registrar, and every former one who issued codes, with their counts."""
    members = _counts_query(
        Membership.objects.filter(convention=convention).filter(
            Q(roles__role=Role.REGISTRAR) | Q(issued__isnull=False)
        )
    )
    ids = set(members.values_list("pk", flat=True))
    counted = _counts_query(Membership.objects.filter(pk__in=ids)).order_by("pseudonym", "pk")
    return [_counts(member) for member in counted]


def unused_invitations(registrar: Membership) -> QuerySet[Invitation]:
    return Invitation.objects.filter(registrar=registrar, status=InvitationStatus.ISSUED).order_by(
        "-issued_on", "hint", "pk"
    )


def members_by_pseudonym(convention: Convention) -> QuerySet[Membership]:
    """Live members with their roles, for the organizer's pages."""
    return (
        Membership.objects.filter(convention=convention, is_deleted=False)
        .prefetch_related("roles")
        .order_by("pseudonym", "pk")
    )


def role_holders(convention: Convention) -> QuerySet[Membership]:
    """Live members holding a role other than participant."""
    return (
        members_by_pseudonym(convention)
        .filter(roles__role__in=[r for r in Role.values if r != Role.PARTICIPANT])
        .distinct()
    )


def registrars(convention: Convention) -> QuerySet[Membership]:
    return members_by_pseudonym(convention).filter(roles__role=Role.REGISTRAR)


def audit_entries(convention: Convention) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(convention=convention).order_by("-id")
