"""The 403 page: it says why, and for the two-factor rule, where to fix it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..permissions import PermissionRefused, Refusal


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    decision = (
        getattr(exception, "decision", None) if isinstance(exception, PermissionRefused) else None
    )
    reason = decision.message if decision is not None else (str(exception) if exception else "")
    return render(
        request,
        "convention/forbidden.html",
        {
            "reason": reason,
            "mfa_required": decision is not None and decision.refusal == Refusal.MFA_REQUIRED,
        },
        status=403,
    )
