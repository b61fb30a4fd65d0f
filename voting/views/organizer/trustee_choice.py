"""Step 3 of a draft: its trustees, chosen among the convention's members holding the trustee
role, and how many of them (k of n) decrypt together (``drafting.set_trustees``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from convention.models import Convention, Membership
from voting.forms import TrusteesForm
from voting.models import Election
from voting.services import drafting

from .pages import form_action, form_status, organizer_page, page


@organizer_page("GET", "POST", draft_only=True)
def trustees(
    request: HttpRequest,
    *,
    convention: Convention,
    membership: Membership,
    election: Election,
) -> HttpResponse:
    current = list(election.trustees.select_related("membership"))
    initial = {
        "trustees": [t.membership_id for t in current],
        "threshold": election.threshold if current else None,
    }
    form = TrusteesForm(request.POST or None, initial=initial, convention=convention)
    if request.method == "POST":
        saved = form_action(
            request,
            form,
            lambda data: drafting.set_trustees(
                election=election,
                actor=membership,
                trustees=list(data["trustees"]),
                threshold=data["threshold"],
            ),
            _("The trustees have been saved."),
        )
        if saved is not None:
            return redirect("voting:organize_review", slug=convention.slug, uuid=election.uuid)
    return page(
        request,
        "trustees.html",
        {
            "convention": convention,
            "election": election,
            "form": form,
            "current": current,
            "has_candidates": form.fields["trustees"].queryset.exists(),
            "step": "trustees",
        },
        status=form_status(form),
    )
