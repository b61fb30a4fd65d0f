"""Proposals: list, submit, read in a language, translate or revise, support, amend, and place
on a ballot."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors
from ..exceptions import DeliberationError, InvalidInput
from ..forms import AmendmentForm, ProposalTextForm
from ..models import TEXT_LANGUAGES, Amendment, AmendmentStatus, Proposal, Support
from ..services import proposals as services
from ..services.structure import settings_for
from .common import Viewer, members_only


def _proposal(viewer: Viewer, proposal_id: int) -> Proposal:
    proposal = get_object_or_404(
        Proposal.objects.select_related("author", "room").prefetch_related("texts"),
        pk=proposal_id,
        convention=viewer.convention,
    )
    proposal.convention = viewer.convention
    return proposal


def _language(request: HttpRequest) -> str:
    asked = request.GET.get("lang") or get_language() or "en"
    return asked if asked in TEXT_LANGUAGES else "en"


@require_GET
@members_only
def proposal_list(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    language = _language(request)
    proposals = selectors.proposals_of(viewer.convention)
    for proposal in proposals:
        proposal.current = selectors.current_text(proposal, language)
    return render(
        request,
        "deliberation/proposals.html",
        {
            **viewer.context(),
            "proposals": proposals,
            "threshold": settings_for(viewer.convention).proposal_support_threshold,
        },
    )


@require_http_methods(["GET", "POST"])
@members_only
def proposal_new(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    form = ProposalTextForm(request.POST or None, initial={"language": _language(request)})
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.submit_proposal(member=viewer.member, **form.cleaned_data)
        except DeliberationError as error:
            form.add_error(None, error.message)
        else:
            return redirect(
                "deliberation:proposal", slug=viewer.convention.slug, proposal_id=proposal.pk
            )
    return render(
        request,
        "deliberation/proposal_form.html",
        {**viewer.context(), "form": form, "proposal": None},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@members_only
def proposal_detail(request: HttpRequest, viewer: Viewer, proposal_id: int) -> HttpResponse:
    proposal = _proposal(viewer, proposal_id)
    language = _language(request)
    threshold = settings_for(viewer.convention).proposal_support_threshold
    texts = sorted(proposal.texts.all(), key=lambda t: (t.language, -t.revision))
    is_author = viewer.member is not None and proposal.author_id == viewer.member.pk
    return render(
        request,
        "deliberation/proposal.html",
        {
            **viewer.context(),
            "proposal": proposal,
            "text": selectors.current_text(proposal, language),
            "language": language,
            "languages": TEXT_LANGUAGES,
            "available": sorted({t.language for t in texts}),
            "history": texts,
            "threshold": threshold,
            "reached": proposal.support_count >= threshold,
            "supporting": viewer.member is not None
            and Support.objects.filter(proposal=proposal, member=viewer.member).exists(),
            "is_author": is_author,
            "amendments": proposal.amendments.select_related("author").order_by("-id"),
            "questions": services.ballot_questions(viewer.convention)
            if viewer.is_organizer
            else [],
        },
    )


@require_http_methods(["GET", "POST"])
@members_only
def proposal_text(request: HttpRequest, viewer: Viewer, proposal_id: int) -> HttpResponse:
    """The author adds a translation or revises a language version."""
    proposal = _proposal(viewer, proposal_id)
    language = _language(request)
    current = selectors.current_text(proposal, language)
    initial = {"language": language}
    if current is not None and current.language == language:
        initial.update(title=current.title, summary=current.summary, body=current.body)
    form = ProposalTextForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.revise_text(member=viewer.member, proposal=proposal, **form.cleaned_data)
        except DeliberationError as error:
            form.add_error(None, error.message)
        else:
            return redirect(f"{_url(viewer, proposal)}?lang={form.cleaned_data['language']}")
    return render(
        request,
        "deliberation/proposal_form.html",
        {**viewer.context(), "form": form, "proposal": proposal},
        status=400 if request.method == "POST" else 200,
    )


def _url(viewer: Viewer, proposal: Proposal) -> str:
    from django.urls import reverse

    return reverse(
        "deliberation:proposal", kwargs={"slug": viewer.convention.slug, "proposal_id": proposal.pk}
    )


@require_POST
@members_only
def proposal_support(request: HttpRequest, viewer: Viewer, proposal_id: int) -> HttpResponse:
    proposal = _proposal(viewer, proposal_id)
    services.support(
        member=viewer.member, proposal=proposal, supporting=request.POST.get("do") != "withdraw"
    )
    return redirect(_url(viewer, proposal))


@require_http_methods(["GET", "POST"])
@members_only
def amendment_new(request: HttpRequest, viewer: Viewer, proposal_id: int) -> HttpResponse:
    proposal = _proposal(viewer, proposal_id)
    language = _language(request)
    current = selectors.current_text(proposal, language)
    initial = {"language": language}
    if current is not None:
        initial.update(
            language=current.language,
            title=current.title,
            summary=current.summary,
            body=current.body,
        )
    form = AmendmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.propose_amendment(member=viewer.member, proposal=proposal, **form.cleaned_data)
        except DeliberationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your amendment is sent to the proposal's author."))
            return redirect(_url(viewer, proposal))
    return render(
        request,
        "deliberation/proposal_form.html",
        {**viewer.context(), "form": form, "proposal": proposal, "amending": True},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@members_only
def amendment_decide(request: HttpRequest, viewer: Viewer, amendment_id: int) -> HttpResponse:
    amendment = get_object_or_404(
        Amendment.objects.select_related("proposal"),
        pk=amendment_id,
        proposal__convention=viewer.convention,
        status=AmendmentStatus.OPEN,
    )
    services.decide_amendment(
        member=viewer.member, amendment=amendment, accept=request.POST.get("do") == "accept"
    )
    return redirect(_url(viewer, amendment.proposal))


@require_POST
@members_only
def proposal_ballot(request: HttpRequest, viewer: Viewer, proposal_id: int) -> HttpResponse:
    proposal = _proposal(viewer, proposal_id)
    raw = request.POST.get("question", "")
    question = next(
        (q for q in services.ballot_questions(viewer.convention) if str(q.pk) == raw), None
    )
    if question is None:
        raise (
            services.BallotUnavailable()
            if not raw
            else InvalidInput(_("Choose a question of a draft election."))
        )
    services.place_on_ballot(organizer=viewer.member, proposal=proposal, question=question)
    messages.success(request, _("The proposal is now an answer option of the election."))
    return redirect(_url(viewer, proposal))
