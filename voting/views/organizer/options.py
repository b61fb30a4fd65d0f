"""A draft question's typed options: adding one (from the question's page), editing, moving and
removing it. Removing an option that came from a proposal opens the proposal for support again
(``voting.services.drafting``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from convention.models import Convention, Membership
from voting.forms import OptionForm
from voting.models import Election, Option, Question
from voting.services import drafting

from .pages import (
    FORM_ERROR_STATUS,
    form_action,
    form_status,
    move,
    organizer_page,
    page,
    small_action,
)
from .question_pages import OPTION_IDS, question_page, redirect_to_question


@organizer_page("POST", draft_only=True)
def option_add(
    request: HttpRequest,
    *,
    convention: Convention,
    membership: Membership,
    election: Election,
    question: Question,
) -> HttpResponse:
    form = OptionForm(request.POST, auto_id=OPTION_IDS)
    option = form_action(
        request,
        form,
        lambda data: drafting.add_option(
            question=question, actor=membership, text=form.texts("text")
        ),
        _("The option has been added."),
    )
    if option is not None:
        return redirect_to_question(convention, election, question.pk)
    return question_page(
        request, convention, election, question, option_form=form, status=FORM_ERROR_STATUS
    )


@organizer_page("GET", "POST", draft_only=True)
def option_edit(
    request: HttpRequest,
    *,
    convention: Convention,
    membership: Membership,
    election: Election,
    option: Option,
) -> HttpResponse:
    form = OptionForm(request.POST or None, initial=OptionForm.initial_for(option))
    if request.method == "POST":
        saved = form_action(
            request,
            form,
            lambda data: drafting.update_option(
                option=option, actor=membership, text=form.texts("text")
            ),
            _("The option has been saved."),
        )
        if saved is not None:
            return redirect_to_question(convention, election, option.question_id)
    return page(
        request,
        "option_form.html",
        {
            "convention": convention,
            "election": election,
            "option": option,
            "form": form,
            "step": "questions",
        },
        status=form_status(form),
    )


@organizer_page("POST", draft_only=True)
def option_move(
    request: HttpRequest,
    *,
    convention: Convention,
    membership: Membership,
    election: Election,
    option: Option,
) -> HttpResponse:
    move(
        request,
        lambda direction: drafting.move_option(
            option=option, actor=membership, direction=direction
        ),
        _("The option has been moved."),
    )
    return redirect_to_question(convention, election, option.question_id)


@organizer_page("POST", draft_only=True)
def option_remove(
    request: HttpRequest,
    *,
    convention: Convention,
    membership: Membership,
    election: Election,
    option: Option,
) -> HttpResponse:
    small_action(
        request,
        lambda: drafting.remove_option(option=option, actor=membership),
        _("The option has been removed."),
    )
    return redirect_to_question(convention, election, option.question_id)
