"""The organizer's page for the convention's cohort dimensions (docs/protocol.md §12.1)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from convention.models import Convention, Membership
from voting.cohort_forms import CohortDimensionsForm
from voting.exceptions import ElectionError
from voting.services import cohort_setup

from .pages import organizer_page


@organizer_page("GET", "POST")
def cohort_dimensions(
    request: HttpRequest,
    *,
    convention: Convention,
    membership: Membership,
) -> HttpResponse:
    initial = CohortDimensionsForm.initial_for(cohort_setup.dimensions_of(convention))
    form = CohortDimensionsForm(request.POST or None, initial=initial)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            cohort_setup.define_cohorts(
                convention=convention, actor=membership, definition=form.definition()
            )
            return redirect("voting:cohort_dimensions", slug=convention.slug)
        except ElectionError as exc:
            error = exc.message
    return render(
        request,
        "voting/organizer/cohorts.html",
        {"convention": convention, "form": form, "error": error},
        status=400 if request.method == "POST" else 200,
    )
