"""Read queries about conventions and their members."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Convention, Membership


def conventions_for_home(user) -> QuerySet[Convention]:
    return Convention.objects.all()


def membership_of(user, convention: Convention) -> Membership | None:
    """The user's live membership in ``convention``, with its roles loaded, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.filter(convention=convention, user=user, is_deleted=False)
        .prefetch_related("roles")
        .first()
    )
