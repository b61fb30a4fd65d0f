"""Registrar pages: the desk (counts, unused codes), issuing codes, revoking unused ones.

Clear codes exist only in the response that issued them: they are not stored, not put in the
session or a message, and that response is marked ``no-store`` so the browser does not keep it
either. Each card carries a QR code drawn server-side as inline SVG (no request to anyone). The
QR holds only the code, not a link: scanning it must never open a browser outside Tor.
"""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ..exceptions import ConventionError, InvitationNotRevocable, NotYourInvitation
from ..forms.registrar import IssueInvitationsForm, RevokeInvitationForm
from ..models import Convention, Invitation, Membership
from ..permissions import Action, decide, require_permission
from ..selectors import invitation_counts_of, unused_invitations
from ..services import invitations as invitation_services


def qr_svg(code: str) -> SafeString:
    """An inline SVG QR code of ``code``. Safe to mark: the input is our own code alphabet."""
    if not all(c in invitation_services.CODE_ALPHABET or c == "-" for c in code):
        raise ValueError("not an invitation code")
    image = qrcode.make(
        code,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    svg = image.to_string(encoding="unicode").replace(' id="qr-path"', "")
    svg = svg.replace(
        "<svg ", '<svg class="qr" role="img" aria-hidden="true" focusable="false" ', 1
    )
    return mark_safe(svg)  # noqa: S308 - generated from a validated code, no user text


def _cohort_fields(convention: Convention) -> dict:
    from voting.services import cohort_setup

    return {
        "attested": cohort_setup.attested_dimensions(convention),
        "language": get_language() or "en",
    }


def _desk(
    request, convention, membership, *, form=None, error: str = "", status: int = 200
) -> HttpResponse:
    issue_decision = decide(
        action=Action.ISSUE_INVITATIONS,
        convention=convention,
        membership=membership,
        user=request.user,
    )
    return render(
        request,
        "convention/registrar/desk.html",
        {
            "convention": convention,
            "counts": invitation_counts_of(membership),
            "unused": unused_invitations(membership),
            "form": form or IssueInvitationsForm(**_cohort_fields(convention)),
            "error": error,
            "may_issue": issue_decision.allowed,
            "why_not_issue": issue_decision.message,
            "max_per_batch": invitation_services.MAX_CODES_PER_BATCH,
        },
        status=status,
    )


@never_cache
@require_GET
@require_permission(Action.VIEW_OWN_INVITATIONS)
def desk(request: HttpRequest, *, convention: Convention, membership: Membership) -> HttpResponse:
    return _desk(request, convention, membership)


@never_cache
@require_POST
@require_permission(Action.ISSUE_INVITATIONS)
def issue(request: HttpRequest, *, convention: Convention, membership: Membership) -> HttpResponse:
    form = IssueInvitationsForm(request.POST, **_cohort_fields(convention))
    if not form.is_valid():
        return _desk(request, convention, membership, form=form, status=400)
    from voting.services import cohort_setup

    values = {d: v for d, v in form.cohort_values().items() if v}
    try:
        if values:
            issued = cohort_setup.issue_attested_invitations(
                registrar=membership,
                count=form.cleaned_data["count"],
                batch_token=form.cleaned_data["batch"],
                values=values,
            )
        else:
            issued = invitation_services.issue_invitations(
                registrar=membership,
                count=form.cleaned_data["count"],
                batch_token=form.cleaned_data["batch"],
            )
    except ConventionError as error:
        # A fresh form, with a fresh batch token for the next attempt.
        return _desk(request, convention, membership, error=error.message, status=error.status)
    response = render(
        request,
        "convention/registrar/issued.html",
        {
            "convention": convention,
            "codes": [(item.code, item.hint, qr_svg(item.code)) for item in issued],
            "signup_url": request.build_absolute_uri(reverse("account_signup")),
            "attested": cohort_setup.attested_labels(convention, values, get_language() or "en"),
            "counts": invitation_counts_of(membership),
        },
    )
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    return response


@require_POST
@require_permission(Action.REVOKE_INVITATION)
def revoke(request: HttpRequest, *, convention: Convention, membership: Membership) -> HttpResponse:
    form = RevokeInvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That code was not found."))
        return _desk(request, convention, membership, status=400)
    invitation_id = form.cleaned_data["invitation"]
    if not form.cleaned_data["confirm"]:
        invitation = unused_invitations(membership).filter(pk=invitation_id).first()
        if invitation is None:
            return _refused_revocation(request, convention, membership, invitation_id)
        return render(
            request,
            "convention/confirm.html",
            {
                "convention": convention,
                "heading": _("Revoke a code"),
                "question": _(
                    "Revoke the code on card %(hint)s? Nobody will be able to join "
                    "with it. This cannot be undone."
                )
                % {"hint": invitation.hint},
                "fields": {"invitation": invitation.pk, "confirm": "on"},
                "action_url": reverse("convention:revoke", args=[convention.slug]),
                "confirm_label": _("Yes, revoke it"),
                "cancel_url": reverse("convention:registrar", args=[convention.slug]),
            },
        )
    try:
        invitation = invitation_services.revoke_invitation(
            registrar=membership, invitation_id=invitation_id
        )
    except ConventionError as error:
        messages.error(request, error.message)
        return _desk(request, convention, membership, status=error.status)
    messages.success(
        request, _("The code on card %(hint)s is revoked.") % {"hint": invitation.hint}
    )
    return redirect("convention:registrar", slug=convention.slug)


def _refused_revocation(request, convention, membership, invitation_id: int) -> HttpResponse:
    """Explain why a code shown as revocable is not (someone else's, used, or revoked)."""
    invitation = Invitation.objects.filter(pk=invitation_id, registrar=membership).first()
    if invitation is None:
        error = NotYourInvitation()
    else:
        error = InvitationNotRevocable()
    messages.error(request, error.message)
    return _desk(request, convention, membership, status=error.status)
