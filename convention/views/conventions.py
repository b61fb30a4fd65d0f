"""Convention pages. Views parse the request, ask a selector or service, and render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..models import PHASE_ORDER, Convention, Membership, Role
from ..permissions import (
    RULES,
    Action,
    Refusal,
    decide,
    permitted_actions,
    require_permission,
)


def role_labels(membership: Membership | None) -> list[str]:
    if membership is None:
        return []
    held = membership.role_set()
    return [str(label) for value, label in Role.choices if value in held]


@require_GET
@require_permission(Action.VIEW_CONVENTION)
def convention_detail(
    request: HttpRequest, *, convention: Convention, membership: Membership | None
) -> HttpResponse:
    may = permitted_actions(convention=convention, membership=membership, user=request.user)
    # A staff member without two-factor authentication sees why their pages are missing.
    mfa_needed = membership is not None and any(
        decide(action=action, convention=convention, membership=membership).refusal
        == Refusal.MFA_REQUIRED
        for action in Action
        if not RULES[action].platform_permission
    )
    # Imported here: voting imports convention at module level, so convention reaches voting's
    # selector at call time only (no import cycle; the convention app stays usable without it).
    from voting.selectors import elections_for_member

    return render(
        request,
        "convention/detail.html",
        {
            "convention": convention,
            "membership": membership,
            "roles": role_labels(membership),
            "may": may,
            "mfa_needed": mfa_needed,
            "elections": elections_for_member(convention, membership),
            "phases": [(phase, phase.label, phase == convention.phase) for phase in PHASE_ORDER],
        },
    )
