"""Step 2 of a draft: its questions. The list with the form adding one, and each question's own
page, which also holds the forms adding an option, typed (``options``) or a proposal that
reached its support threshold (``proposals``); moving and removing a question."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from convention.models import Convention, Membership
from voting import selectors
from voting.forms import OptionForm, ProposalOptionForm, QuestionForm
from voting.models import Election, Question
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

# The question page holds several forms: distinct element ids keep each label on its field.
QUESTION_IDS = "question-%s"
OPTION_IDS = "option-%s"


def proposal_choices(convention: Convention) -> list[tuple]:
    return selectors.ballot_proposal_choices(convention, get_language() or "en")


def question_page(
    request: HttpRequest,
    convention: Convention,
    election: Election,
    question: Question,
    *,
    question_form: QuestionForm | None = None,
    option_form: OptionForm | None = None,
    proposal_form: ProposalOptionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """One question's page; a form given (submitted, with errors) replaces its blank one."""
    proposals = proposal_choices(convention)
    return page(
        request,
        "question.html",
        {
            "convention": convention,
            "election": election,
            "question": question,
            "options": question.options.all(),
            "option_limit": drafting.option_limit(question.kind),
            "question_form": question_form
            or QuestionForm(initial=QuestionForm.initial_for(question), auto_id=QUESTION_IDS),
            "option_form": option_form or OptionForm(auto_id=OPTION_IDS),
            "proposal_form": proposal_form or ProposalOptionForm(proposals=proposals),
            "has_proposals": bool(proposals),
            "step": "questions",
        },
        status=status,
    )


def redirect_to_question(convention: Convention, election: Election, question_id: int):
    return redirect(
        "voting:organize_question",
        slug=convention.slug,
        uuid=election.uuid,
        question_id=question_id,
    )


@organizer_page("GET", "POST", draft_only=True)
def questions(
    request: HttpRequest,
    *,
    convention: Convention,
    membership: Membership,
    election: Election,
) -> HttpResponse:
    form = QuestionForm(request.POST or None)
    if request.method == "POST":
        question = form_action(
            request,
            form,
            lambda data: drafting.add_question(
                election=election,
                actor=membership,
                kind=data["kind"],
                text=form.texts("text"),
                allow_blank=data["allow_blank"],
                min_selections=data.get("min_selections"),
                max_selections=data.get("max_selections"),
            ),
            _("The question has been added. Now add its options."),
        )
        if question is not None:
            return redirect_to_question(convention, election, question.pk)
    return page(
        request,
        "questions.html",
        {
            "convention": convention,
            "election": election,
            "questions": election.questions.prefetch_related("options"),
            "form": form,
            "step": "questions",
        },
        status=form_status(form),
    )


@organizer_page("GET", "POST", draft_only=True)
def question_detail(
    request: HttpRequest,
    *,
    convention: Convention,
    membership: Membership,
    election: Election,
    question: Question,
) -> HttpResponse:
    if request.method == "GET":
        return question_page(request, convention, election, question)
    form = QuestionForm(request.POST, auto_id=QUESTION_IDS)
    saved = form_action(
        request,
        form,
        lambda data: drafting.update_question(
            question=question,
            actor=membership,
            kind=data["kind"],
            text=form.texts("text"),
            allow_blank=data["allow_blank"],
            min_selections=data.get("min_selections"),
            max_selections=data.get("max_selections"),
        ),
        _("The question has been saved."),
    )
    if saved is not None:
        return redirect(request.path)
    question.refresh_from_db()
    return question_page(
        request, convention, election, question, question_form=form, status=FORM_ERROR_STATUS
    )


@organizer_page("POST", draft_only=True)
def question_move(
    request: HttpRequest,
    *,
    convention: Convention,
    membership: Membership,
    election: Election,
    question: Question,
) -> HttpResponse:
    move(
        request,
        lambda direction: drafting.move_question(
            question=question, actor=membership, direction=direction
        ),
        _("The question has been moved."),
    )
    return redirect("voting:organize_questions", slug=convention.slug, uuid=election.uuid)


@organizer_page("POST", draft_only=True)
def question_remove(
    request: HttpRequest,
    *,
    convention: Convention,
    membership: Membership,
    election: Election,
    question: Question,
) -> HttpResponse:
    if request.POST.get("confirm") != "yes":
        return page(
            request,
            "confirm_remove.html",
            {"convention": convention, "election": election, "question": question, "steps": []},
        )
    small_action(
        request,
        lambda: drafting.remove_question(question=question, actor=membership),
        _("The question has been removed."),
    )
    return redirect("voting:organize_questions", slug=convention.slug, uuid=election.uuid)
