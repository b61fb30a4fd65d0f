"""The organizer's list of elections and step 1 of a draft: its texts in three languages and its
schedule in UTC, for a new draft or an existing one (``voting.services.drafting``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from convention.models import Convention, Membership
from voting import selectors
from voting.forms import ElectionForm
from voting.models import Election
from voting.services import drafting

from .pages import form_action, form_status, organizer_page, page


@organizer_page("GET")
def election_list(
    request: HttpRequest, *, convention: Convention, membership: Membership
) -> HttpResponse:
    elections = selectors.organizer_elections(convention)
    return page(
        request, "list.html", {"convention": convention, "elections": elections, "steps": []}
    )


def _election_form(
    request: HttpRequest, convention: Convention, membership: Membership, election: Election | None
) -> HttpResponse:
    """Step 1, a new draft (``election`` None) or an existing one: title, description, schedule."""
    initial = ElectionForm.initial_for(election) if election is not None else None
    form = ElectionForm(request.POST or None, initial=initial)
    if request.method == "POST":

        def save(data: dict[str, Any]) -> Election:
            fields = {
                "actor": membership,
                "title": form.texts("title"),
                "description": form.texts("description"),
                "credentials_at": data["credentials_at"],
                "opens_at": data["opens_at"],
                "closes_at": data["closes_at"],
            }
            if election is None:
                return drafting.create_draft(convention=convention, **fields)
            return drafting.update_draft(election=election, **fields)

        success = (
            _("The draft election has been created.")
            if election is None
            else _("The election has been saved.")
        )
        saved = form_action(request, form, save, success)
        if saved is not None:
            return redirect("voting:organize_questions", slug=convention.slug, uuid=saved.uuid)
    return page(
        request,
        "election_form.html",
        {"convention": convention, "form": form, "step": "election", "election": election},
        status=form_status(form),
    )


@organizer_page("GET", "POST")
def election_new(
    request: HttpRequest,
    *,
    convention: Convention,
    membership: Membership,
) -> HttpResponse:
    return _election_form(request, convention, membership, None)


@organizer_page("GET", "POST", draft_only=True)
def election_edit(
    request: HttpRequest,
    *,
    convention: Convention,
    membership: Membership,
    election: Election,
) -> HttpResponse:
    return _election_form(request, convention, membership, election)
