"""Organizer pages: draft an election step by step and run it.

Steps, one page each, plain forms that work without JavaScript: the election (texts in three
languages, schedule in UTC) → its questions → each question's options (typed, or proposals
that reached their support threshold) → trustees (k of n) → review. Then a control page per
election: its state, the next transitions (each confirmed on a second page), the ceremony's
progress per trustee, credentials issued, ballots on the board, the tally's progress.

Every view goes through ``require_permission(Action.MANAGE_ELECTIONS)`` and loads the election
within the URL's convention only. Every change goes through ``voting.services.drafting`` or
``voting.services.lifecycle``, which check again, write nothing on refusal, and audit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from convention.models import Convention, Membership
from convention.permissions import Action, require_permission
from voting import selectors
from voting.exceptions import ElectionError
from voting.forms import (
    ElectionForm,
    MoveForm,
    OptionForm,
    ProposalOptionForm,
    QuestionForm,
    TransitionForm,
    TrusteesForm,
)
from voting.models import Election, ElectionState, Option, Question
from voting.services import drafting, lifecycle

S = ElectionState
FORM_ERROR_STATUS = 400
# The question page holds several forms: distinct element ids keep each label on its field.
QUESTION_IDS = "question-%s"
OPTION_IDS = "option-%s"
Saved = TypeVar("Saved")

STEPS = [
    ("election", gettext_lazy("Election")),
    ("questions", gettext_lazy("Questions and options")),
    ("trustees", gettext_lazy("Trustees")),
    ("review", gettext_lazy("Review")),
]

CONSEQUENCES = {
    S.KEY_CEREMONY: gettext_lazy(
        "The questions, options, schedule and trustees are frozen and the trustees can generate "
        "their keys. To change anything afterwards you would have to reset the election to "
        "draft, which discards the ceremony."
    ),
    S.CREDENTIALS: gettext_lazy(
        "The electoral roll is frozen now: the convention's participants at this moment are the "
        "voters. Voters can then obtain their credentials, until voting opens."
    ),
    S.OPEN: gettext_lazy(
        "Voting opens: voters can cast their ballots. The credential window closes: from now on "
        "no credential is issued or re-issued."
    ),
    S.CLOSED: gettext_lazy(
        "Voting closes: no more ballots are accepted, the final board head is signed and the "
        "tally starts."
    ),
    S.PUBLISHED: gettext_lazy("The results and the election record become public."),
    S.DRAFT: gettext_lazy(
        "The election goes back to draft: the key ceremony is discarded and new keys will be "
        "made. This is refused once any credential has been issued."
    ),
}


def _election(convention: Convention, uuid) -> Election:
    return get_object_or_404(
        Election.objects.select_related("convention"), uuid=uuid, convention=convention
    )


def _question(election: Election, question_id: int) -> Question:
    return get_object_or_404(Question, pk=question_id, election=election)


def _option(election: Election, option_id: int) -> Option:
    return get_object_or_404(
        Option.objects.select_related("question__election__convention"),
        pk=option_id,
        question__election=election,
    )


def _not_draft(request: HttpRequest, election: Election) -> HttpResponse | None:
    if election.state == S.DRAFT:
        return None
    messages.error(
        request,
        _(
            "The key ceremony has started: the election can no longer be changed. "
            "Reset it to draft first (this discards the ceremony)."
        ),
    )
    return redirect("voting:organize_control", slug=election.convention.slug, uuid=election.uuid)


def _page(request, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    context.setdefault("steps", STEPS)
    return render(request, f"voting/organizer/{template}", context, status=status)


def _form_action(
    request: HttpRequest,
    form: forms.Form,
    action: Callable[[dict[str, Any]], Saved],
    success: str,
) -> Saved | None:
    """Run a drafting change with a valid form's cleaned data; its refusal becomes a form error.

    Returns what the service saved, or None when the form is invalid or the service refused: the
    view then renders the form again with its errors (the service wrote nothing).
    """
    if not form.is_valid():
        return None
    try:
        saved = action(form.cleaned_data)
    except ElectionError as error:
        form.add_error(None, str(error.message))
        return None
    messages.success(request, success)
    return saved


def _next_states(election: Election) -> list[tuple[str, str]]:
    return [
        (to, ElectionState(to).label)
        for (frm, to), who in lifecycle.TRANSITIONS.items()
        if frm == election.state and "organizer" in who
    ]


# --- list and step 1: the election --------------------------------------------------------


@require_GET
@require_permission(Action.MANAGE_ELECTIONS)
def election_list(
    request: HttpRequest, *, convention: Convention, membership: Membership
) -> HttpResponse:
    elections = Election.objects.filter(convention=convention).order_by("-created_on", "-id")
    return _page(
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
        saved = _form_action(request, form, save, success)
        if saved is not None:
            return redirect("voting:organize_questions", slug=convention.slug, uuid=saved.uuid)
    return _page(
        request,
        "election_form.html",
        {"convention": convention, "form": form, "step": "election", "election": election},
        status=FORM_ERROR_STATUS if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@require_permission(Action.MANAGE_ELECTIONS)
def election_new(
    request: HttpRequest, *, convention: Convention, membership: Membership
) -> HttpResponse:
    return _election_form(request, convention, membership, None)


@require_http_methods(["GET", "POST"])
@require_permission(Action.MANAGE_ELECTIONS)
def election_edit(
    request: HttpRequest, *, convention: Convention, membership: Membership, uuid
) -> HttpResponse:
    election = _election(convention, uuid)
    if refused := _not_draft(request, election):
        return refused
    return _election_form(request, convention, membership, election)


# --- step 2: questions and options --------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_permission(Action.MANAGE_ELECTIONS)
def questions(
    request: HttpRequest, *, convention: Convention, membership: Membership, uuid
) -> HttpResponse:
    election = _election(convention, uuid)
    if refused := _not_draft(request, election):
        return refused
    form = QuestionForm(request.POST or None)
    if request.method == "POST":
        question = _form_action(
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
            return redirect(
                "voting:organize_question",
                slug=convention.slug,
                uuid=election.uuid,
                question_id=question.pk,
            )
    return _page(
        request,
        "questions.html",
        {
            "convention": convention,
            "election": election,
            "questions": election.questions.prefetch_related("options"),
            "form": form,
            "step": "questions",
        },
        status=FORM_ERROR_STATUS if form.is_bound else 200,
    )


def _proposal_choices(convention: Convention) -> list[tuple]:
    from deliberation.selectors import current_text
    from deliberation.services.proposals import proposals_ready_for_ballot

    language = get_language() or "en"
    choices = []
    for proposal in proposals_ready_for_ballot(convention):
        text = current_text(proposal, language)
        title = text.title if text is not None else str(proposal)
        choices.append((proposal, f"{title} ({proposal.support_count})"))
    return choices


def _question_page(
    request,
    convention,
    election,
    question,
    *,
    question_form=None,
    option_form=None,
    proposal_form=None,
    status=200,
) -> HttpResponse:
    proposals = _proposal_choices(convention)
    return _page(
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


@require_http_methods(["GET", "POST"])
@require_permission(Action.MANAGE_ELECTIONS)
def question_detail(
    request: HttpRequest, *, convention: Convention, membership: Membership, uuid, question_id
) -> HttpResponse:
    election = _election(convention, uuid)
    if refused := _not_draft(request, election):
        return refused
    question = _question(election, question_id)
    if request.method == "GET":
        return _question_page(request, convention, election, question)
    form = QuestionForm(request.POST, auto_id=QUESTION_IDS)
    saved = _form_action(
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
    return _question_page(
        request, convention, election, question, question_form=form, status=FORM_ERROR_STATUS
    )


@require_POST
@require_permission(Action.MANAGE_ELECTIONS)
def option_add(
    request: HttpRequest, *, convention: Convention, membership: Membership, uuid, question_id
) -> HttpResponse:
    election = _election(convention, uuid)
    if refused := _not_draft(request, election):
        return refused
    question = _question(election, question_id)
    form = OptionForm(request.POST, auto_id=OPTION_IDS)
    option = _form_action(
        request,
        form,
        lambda data: drafting.add_option(
            question=question, actor=membership, text=form.texts("text")
        ),
        _("The option has been added."),
    )
    if option is not None:
        return redirect(
            "voting:organize_question",
            slug=convention.slug,
            uuid=election.uuid,
            question_id=question.pk,
        )
    return _question_page(
        request, convention, election, question, option_form=form, status=FORM_ERROR_STATUS
    )


@require_POST
@require_permission(Action.MANAGE_ELECTIONS)
def proposal_add(
    request: HttpRequest, *, convention: Convention, membership: Membership, uuid, question_id
) -> HttpResponse:
    election = _election(convention, uuid)
    if refused := _not_draft(request, election):
        return refused
    question = _question(election, question_id)
    form = ProposalOptionForm(request.POST, proposals=_proposal_choices(convention))
    option = _form_action(
        request,
        form,
        lambda data: drafting.add_proposal_option(
            question=question, actor=membership, proposal_id=data["proposal"]
        ),
        _("The proposal has been added as an option."),
    )
    if option is not None:
        return redirect(
            "voting:organize_question",
            slug=convention.slug,
            uuid=election.uuid,
            question_id=question.pk,
        )
    return _question_page(
        request, convention, election, question, proposal_form=form, status=FORM_ERROR_STATUS
    )


def _small_action(request, election, action, success: str) -> None:
    """Run a one-button change; its refusal becomes a message on the next page."""
    try:
        action()
    except ElectionError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, success)


def _move(
    request: HttpRequest, election: Election, move: Callable[[str], Any], success: str
) -> None:
    """Move a question or an option up or down, as the POSTed ``direction`` says."""
    form = MoveForm(request.POST)
    if form.is_valid():
        _small_action(request, election, lambda: move(form.cleaned_data["direction"]), success)
    else:
        messages.error(request, _("Move up or down."))


@require_POST
@require_permission(Action.MANAGE_ELECTIONS)
def question_move(
    request: HttpRequest, *, convention: Convention, membership: Membership, uuid, question_id
) -> HttpResponse:
    election = _election(convention, uuid)
    if refused := _not_draft(request, election):
        return refused
    question = _question(election, question_id)
    _move(
        request,
        election,
        lambda direction: drafting.move_question(
            question=question, actor=membership, direction=direction
        ),
        _("The question has been moved."),
    )
    return redirect("voting:organize_questions", slug=convention.slug, uuid=election.uuid)


@require_POST
@require_permission(Action.MANAGE_ELECTIONS)
def question_remove(
    request: HttpRequest, *, convention: Convention, membership: Membership, uuid, question_id
) -> HttpResponse:
    election = _election(convention, uuid)
    if refused := _not_draft(request, election):
        return refused
    question = _question(election, question_id)
    if request.POST.get("confirm") != "yes":
        return _page(
            request,
            "confirm_remove.html",
            {"convention": convention, "election": election, "question": question, "steps": []},
        )
    _small_action(
        request,
        election,
        lambda: drafting.remove_question(question=question, actor=membership),
        _("The question has been removed."),
    )
    return redirect("voting:organize_questions", slug=convention.slug, uuid=election.uuid)


@require_http_methods(["GET", "POST"])
@require_permission(Action.MANAGE_ELECTIONS)
def option_edit(
    request: HttpRequest, *, convention: Convention, membership: Membership, uuid, option_id
) -> HttpResponse:
    election = _election(convention, uuid)
    if refused := _not_draft(request, election):
        return refused
    option = _option(election, option_id)
    form = OptionForm(request.POST or None, initial=OptionForm.initial_for(option))
    if request.method == "POST":
        saved = _form_action(
            request,
            form,
            lambda data: drafting.update_option(
                option=option, actor=membership, text=form.texts("text")
            ),
            _("The option has been saved."),
        )
        if saved is not None:
            return redirect(
                "voting:organize_question",
                slug=convention.slug,
                uuid=election.uuid,
                question_id=option.question_id,
            )
    return _page(
        request,
        "option_form.html",
        {
            "convention": convention,
            "election": election,
            "option": option,
            "form": form,
            "step": "questions",
        },
        status=FORM_ERROR_STATUS if form.is_bound else 200,
    )


@require_POST
@require_permission(Action.MANAGE_ELECTIONS)
def option_move(
    request: HttpRequest, *, convention: Convention, membership: Membership, uuid, option_id
) -> HttpResponse:
    election = _election(convention, uuid)
    if refused := _not_draft(request, election):
        return refused
    option = _option(election, option_id)
    _move(
        request,
        election,
        lambda direction: drafting.move_option(
            option=option, actor=membership, direction=direction
        ),
        _("The option has been moved."),
    )
    return redirect(
        "voting:organize_question",
        slug=convention.slug,
        uuid=election.uuid,
        question_id=option.question_id,
    )


@require_POST
@require_permission(Action.MANAGE_ELECTIONS)
def option_remove(
    request: HttpRequest, *, convention: Convention, membership: Membership, uuid, option_id
) -> HttpResponse:
    election = _election(convention, uuid)
    if refused := _not_draft(request, election):
        return refused
    option = _option(election, option_id)
    _small_action(
        request,
        election,
        lambda: drafting.remove_option(option=option, actor=membership),
        _("The option has been removed."),
    )
    return redirect(
        "voting:organize_question",
        slug=convention.slug,
        uuid=election.uuid,
        question_id=option.question_id,
    )


# --- step 3: trustees ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_permission(Action.MANAGE_ELECTIONS)
def trustees(
    request: HttpRequest, *, convention: Convention, membership: Membership, uuid
) -> HttpResponse:
    election = _election(convention, uuid)
    if refused := _not_draft(request, election):
        return refused
    current = list(election.trustees.select_related("membership"))
    initial = {
        "trustees": [t.membership_id for t in current],
        "threshold": election.threshold if current else None,
    }
    form = TrusteesForm(request.POST or None, initial=initial, convention=convention)
    if request.method == "POST":
        saved = _form_action(
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
    return _page(
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
        status=FORM_ERROR_STATUS if form.is_bound else 200,
    )


# --- step 4: review -----------------------------------------------------------------------


@require_GET
@require_permission(Action.MANAGE_ELECTIONS)
def review(
    request: HttpRequest, *, convention: Convention, membership: Membership, uuid
) -> HttpResponse:
    election = _election(convention, uuid)
    if refused := _not_draft(request, election):
        return refused
    return _page(
        request,
        "review.html",
        {
            "convention": convention,
            "election": election,
            "questions": election.questions.prefetch_related("options"),
            "trustees": election.trustees.all(),
            "problems": drafting.problems(election),
            "step": "review",
        },
    )


# --- running the election -----------------------------------------------------------------


@require_GET
@require_permission(Action.MANAGE_ELECTIONS)
def control(
    request: HttpRequest, *, convention: Convention, membership: Membership, uuid
) -> HttpResponse:
    election = _election(convention, uuid)
    trustees = list(election.trustees.all())
    complaints = election.complaints.count() if election.state != S.DRAFT else 0
    decryptions = election.decryptions.count()
    return _page(
        request,
        "control.html",
        {
            "convention": convention,
            "election": election,
            "trustees": trustees,
            "ceremony_done": sum(1 for t in trustees if t.verified),
            "complaints": complaints,
            "counts": selectors.counts(election),
            "decryptions": decryptions,
            "next_states": _next_states(election),
            "problems": drafting.problems(election) if election.state == S.DRAFT else [],
            "states": [(value, label) for value, label in ElectionState.choices],
            "steps": [],
        },
    )


@require_POST
@require_permission(Action.MANAGE_ELECTIONS)
def transition(
    request: HttpRequest, *, convention: Convention, membership: Membership, uuid
) -> HttpResponse:
    election = _election(convention, uuid)
    form = TransitionForm(request.POST)
    allowed = dict(_next_states(election))
    to = form.data.get("to", "")
    if not form.is_valid() or to not in allowed:
        messages.error(request, _("The election cannot move to that state from here."))
        return redirect("voting:organize_control", slug=convention.slug, uuid=election.uuid)
    if not form.cleaned_data["confirm"]:
        return _page(
            request,
            "confirm_transition.html",
            {
                "convention": convention,
                "election": election,
                "to": to,
                "label": allowed[to],
                "consequence": CONSEQUENCES.get(to, ""),
                "problems": drafting.problems(election) if to == S.KEY_CEREMONY else [],
                "steps": [],
            },
        )
    try:
        if to == S.KEY_CEREMONY:
            drafting.start_key_ceremony(election=election, actor=membership)
        else:
            lifecycle.transition(election, to, actor=membership)
    except ElectionError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("The election is now in the “%(state)s” state.") % {"state": allowed[to]}
        )
    return redirect("voting:organize_control", slug=convention.slug, uuid=election.uuid)
