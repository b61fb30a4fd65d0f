"""What every organizer page shares: its prologue (``organizer_page``: the methods it answers,
the permission, the election — and its question or option — within the URL's convention only,
turned away once the election has left its draft state), rendering with the drafting steps, and
running a service with a form's data or a button, so that a refusal becomes a form error or a
message (the service wrote nothing)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from convention.models import Convention, Membership
from convention.permissions import Action, require_permission
from voting.exceptions import ElectionError
from voting.forms import MoveForm
from voting.models import Election, ElectionState, Option, Question

S = ElectionState
FORM_ERROR_STATUS = 400
Saved = TypeVar("Saved")

STEPS = [
    ("election", gettext_lazy("Election")),
    ("questions", gettext_lazy("Questions and options")),
    ("trustees", gettext_lazy("Trustees")),
    ("review", gettext_lazy("Review")),
]


def organizer_page(*methods: str, draft_only: bool = False) -> Callable:
    """The prologue of every organizer view: answer only ``methods``, run only for a member
    allowed ``Action.MANAGE_ELECTIONS`` in the URL's convention (``require_permission``, which
    passes ``convention`` and ``membership``), and, for a route naming an election, load it
    within that convention as ``election`` — turned away to its control page once it has left
    the draft state if ``draft_only`` — and the route's ``question_id`` or ``option_id`` within
    that election as ``question`` or ``option`` (404 otherwise)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @require_http_methods(list(methods))
        @require_permission(Action.MANAGE_ELECTIONS)
        @wraps(view)
        def wrapped(
            request: HttpRequest, *, convention: Convention, membership: Membership, **route
        ) -> HttpResponse:
            if "uuid" in route:
                election = election_of(convention, route.pop("uuid"))
                if draft_only and (refused := not_draft(request, election)):
                    return refused
                route["election"] = election
                if "question_id" in route:
                    route["question"] = question_of(election, route.pop("question_id"))
                if "option_id" in route:
                    route["option"] = option_of(election, route.pop("option_id"))
            return view(request, convention=convention, membership=membership, **route)

        return wrapped

    return decorate


def election_of(convention: Convention, uuid) -> Election:
    return get_object_or_404(
        Election.objects.select_related("convention"), uuid=uuid, convention=convention
    )


def question_of(election: Election, question_id: int) -> Question:
    return get_object_or_404(Question, pk=question_id, election=election)


def option_of(election: Election, option_id: int) -> Option:
    return get_object_or_404(
        Option.objects.select_related("question__election__convention"),
        pk=option_id,
        question__election=election,
    )


def not_draft(request: HttpRequest, election: Election) -> HttpResponse | None:
    """None while ``election`` is a draft; else a redirect to its control page, with why."""
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


def page(request, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    context.setdefault("steps", STEPS)
    return render(request, f"voting/organizer/{template}", context, status=status)


def form_status(form: forms.Form) -> int:
    """A page showing a submitted form again shows it with its errors."""
    return FORM_ERROR_STATUS if form.is_bound else 200


def form_action(
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


def small_action(request: HttpRequest, action: Callable[[], Any], success: str) -> None:
    """Run a one-button change; its refusal becomes a message on the next page."""
    try:
        action()
    except ElectionError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, success)


def move(request: HttpRequest, action: Callable[[str], Any], success: str) -> None:
    """Move a question or an option up or down, as the POSTed ``direction`` says."""
    form = MoveForm(request.POST)
    if form.is_valid():
        small_action(request, lambda: action(form.cleaned_data["direction"]), success)
    else:
        messages.error(request, _("Move up or down."))
