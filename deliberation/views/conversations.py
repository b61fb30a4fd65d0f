"""Opinion-map pages: the question with one statement at a time (plain forms: agree, disagree,
pass), writing and translating statements, the map, the aggregate export, and the moderators'
acts (translations, common ground to a proposal). Pre-moderation of statements is the rooms'
own: the review queue and the post moderation form."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .. import conversation_selectors as selectors
from ..exceptions import InvalidInput
from ..forms import (
    ConversationForm,
    DecideTranslationForm,
    OpinionVoteForm,
    StatementForm,
    TranslationForm,
)
from ..models import Conversation, Session, Statement, StatementTranslation
from ..services import conversations as services
from .common import Viewer, members_only


def _conversation(viewer: Viewer, conversation_id: int) -> Conversation:
    conversation = get_object_or_404(
        Conversation.objects.select_related("room", "session"),
        pk=conversation_id,
        room__convention=viewer.convention,
    )
    conversation.room.convention = viewer.convention
    return conversation


def _statement(viewer: Viewer, statement_id: int) -> Statement:
    statement = get_object_or_404(
        Statement.objects.select_related("conversation__room", "post__room"),
        pk=statement_id,
        conversation__room__convention=viewer.convention,
    )
    statement.post.room.convention = statement.conversation.room.convention = viewer.convention
    return statement


def _language(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", "en")


def _url(name: str, viewer: Viewer, **kwargs) -> str:
    return reverse(f"deliberation:{name}", kwargs={"slug": viewer.convention.slug, **kwargs})


@require_POST
@members_only
def conversation_open(request: HttpRequest, viewer: Viewer, session_id: int) -> HttpResponse:
    session = get_object_or_404(Session, pk=session_id, convention=viewer.convention)
    session.convention = viewer.convention
    form = ConversationForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Write the question, at least in English."))
    data = form.cleaned_data
    conversation = services.open_conversation(
        member=viewer.member,
        session=session,
        question_en=data["question_en"],
        question_fa_af=data["question_fa_af"],
        question_ps=data["question_ps"],
        premoderated=data["premoderated"],
    )
    return redirect(_url("conversation", viewer, conversation_id=conversation.pk))


@require_GET
@members_only
def conversation(request: HttpRequest, viewer: Viewer, conversation_id: int) -> HttpResponse:
    conversation = _conversation(viewer, conversation_id)
    language = _language(request)
    key = selectors.key_of(conversation, viewer.member)
    voted = selectors.own_votes(conversation, key)
    raw = request.GET.get("statement", "")
    current = selectors.next_statement(
        conversation,
        voted=voted,
        language=language,
        wanted=int(raw) if raw.isdigit() and len(raw) < 12 else None,
    )
    context = {
        **viewer.context(),
        "conversation": conversation,
        "current": selectors.shown(current, language) if current else None,
        "current_vote": voted.get(current.pk) if current else None,
        "votes_cast": len(voted),
        "map_ready": len(voted) >= selectors.VOTES_BEFORE_MAP,
        "votes_before_map": selectors.VOTES_BEFORE_MAP,
        "mine": selectors.voted_statements(conversation, voted, language),
        "statement_form": StatementForm(initial={"language": language}),
        "translation_form": TranslationForm(),
    }
    if viewer.is_moderator:
        context["pending"] = selectors.pending_statements(conversation)
        context["pending_translations"] = selectors.pending_translations(conversation)
    return render(request, "deliberation/conversation.html", context)


@require_POST
@members_only
def vote(request: HttpRequest, viewer: Viewer, conversation_id: int) -> HttpResponse:
    form = OpinionVoteForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Choose agree, disagree or pass."))
    # The busiest request of the opinion map: the statement, its post and its conversation in
    # one query.
    statement = get_object_or_404(
        Statement.objects.select_related("post", "conversation__room"),
        pk=form.cleaned_data["statement"],
        conversation_id=conversation_id,
        conversation__room__convention=viewer.convention,
    )
    statement.conversation.room.convention = viewer.convention
    services.record_vote(
        member=viewer.member, statement=statement, choice=form.cleaned_data["choice"]
    )
    return redirect(_url("conversation", viewer, conversation_id=conversation_id) + "#statement")


@require_POST
@members_only
def statement_new(request: HttpRequest, viewer: Viewer, conversation_id: int) -> HttpResponse:
    conversation = _conversation(viewer, conversation_id)
    form = StatementForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("A statement is one idea of at most 280 characters."))
    statement = services.submit_statement(
        member=viewer.member,
        conversation=conversation,
        text=form.cleaned_data["text"],
        language=form.cleaned_data["language"],
    )
    if statement.post.status == "pending":
        messages.success(request, _("Thank you. Your statement waits for a moderator."))
    else:
        messages.success(request, _("Thank you. Your statement is open for votes."))
    return redirect(_url("conversation", viewer, conversation_id=conversation.pk) + "#messages")


@require_POST
@members_only
def translate(request: HttpRequest, viewer: Viewer, statement_id: int) -> HttpResponse:
    statement = _statement(viewer, statement_id)
    form = TranslationForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("A translation is at most 280 characters, into a listed language."))
    services.translate_statement(
        member=viewer.member,
        statement=statement,
        language=form.cleaned_data["language"],
        text=form.cleaned_data["text"],
    )
    messages.success(request, _("Thank you. Your translation waits for a moderator."))
    back = _url("conversation", viewer, conversation_id=statement.conversation_id)
    return redirect(f"{back}?statement={statement.pk}#messages")


@require_POST
@members_only
def translation_decide(request: HttpRequest, viewer: Viewer, translation_id: int) -> HttpResponse:
    translation = get_object_or_404(
        StatementTranslation.objects.select_related("statement__post__room"),
        pk=translation_id,
        statement__conversation__room__convention=viewer.convention,
    )
    translation.statement.post.room.convention = viewer.convention
    form = DecideTranslationForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Choose to approve or reject."))
    services.decide_translation(
        moderator=viewer.member,
        translation=translation,
        approve=form.cleaned_data["outcome"] == "approve",
    )
    messages.success(request, _("Done. The decision is recorded in the public moderation log."))
    back = _url("conversation", viewer, conversation_id=translation.statement.conversation_id)
    return redirect(back + "#messages")


def _map_context(request: HttpRequest, viewer: Viewer, conversation: Conversation) -> dict:
    return {
        **viewer.context(),
        "conversation": conversation,
        "map": selectors.map_view(conversation, member=viewer.member, language=_language(request)),
        "min_group_size": services.PARAMS.min_group_size,
        "scale": selectors.SCALE,
    }


@require_GET
@members_only
def opinion_map(request: HttpRequest, viewer: Viewer, conversation_id: int) -> HttpResponse:
    conversation = _conversation(viewer, conversation_id)
    return render(
        request,
        "deliberation/conversation_map.html",
        _map_context(request, viewer, conversation),
    )


@never_cache
@require_GET
@members_only
def opinion_map_fragment(
    request: HttpRequest, viewer: Viewer, conversation_id: int
) -> HttpResponse:
    """The map section alone, for open pages to swap in after a live event; 204 when the page
    already shows the current version."""
    conversation = _conversation(viewer, conversation_id)
    _result, version = selectors.cached_result(conversation)
    if request.GET.get("v") == str(version):
        return HttpResponse(status=204)
    return render(
        request,
        "deliberation/_conversation_map.html",
        _map_context(request, viewer, conversation),
    )


@require_GET
@members_only
def export(request: HttpRequest, viewer: Viewer, conversation_id: int, fmt: str) -> HttpResponse:
    """Aggregates and statements for researchers; see ``export_tables`` for what is left out."""
    conversation = _conversation(viewer, conversation_id)
    tables = selectors.export_tables(conversation)
    name = f"conversation-{conversation.pk}"
    if fmt == "json":
        response = JsonResponse(tables, json_dumps_params={"ensure_ascii": False, "indent": 1})
    else:
        response = HttpResponse(_csv(tables), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _csv(tables: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["# min_cell", tables["min_cell"], "min_group_size", tables["min_group_size"]])
    writer.writerow(
        ["statement", "language", "text", "group", "votes", "agree", "disagree", "pass"]
    )
    for row in tables["statements"]:
        cells = [("all", row["overall"]), *row["groups"].items()]
        for group, cell in cells:
            figures = (
                [cell[k] for k in ("votes", "agree", "disagree", "pass")] if cell else [""] * 4
            )
            writer.writerow([row["statement"], row["language"], row["text"], group, *figures])
    return out.getvalue()


@require_POST
@members_only
def propose(request: HttpRequest, viewer: Viewer, statement_id: int) -> HttpResponse:
    statement = _statement(viewer, statement_id)
    proposal = services.propose_common_ground(moderator=viewer.member, statement=statement)
    messages.success(
        request, _("The statement is now a proposal. It follows the usual path to a ballot.")
    )
    return redirect(_url("proposal", viewer, proposal_id=proposal.pk))
