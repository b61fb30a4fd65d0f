"""Opinion-map pages: the question with one statement at a time (plain forms: agree, disagree,
pass), writing and translating statements, the map, the aggregate export, and the moderators'
acts (translations, common ground to a proposal, closing and reopening). Pre-moderation of
statements is the rooms' own: the review queue and the post moderation form.

A vote or a statement may also come as JSON (``Content-Type: application/json``, the form's
fields as an object) or ask for JSON (``Accept``); it is then answered in JSON, refusals
included (``{"error": code, "message": text in the reader's language}``)."""

from __future__ import annotations

import csv
import io
import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .. import conversation_selectors as selectors
from ..access import Action, require
from ..exceptions import ConversationClosed, InvalidInput
from ..forms import (
    ConversationForm,
    DecideTranslationForm,
    OpinionVoteForm,
    StatementForm,
    TranslationForm,
)
from ..models import Conversation, Session, Statement, StatementTranslation
from ..services import conversations as services
from .common import Viewer, members_only, refuse, wants_json


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


def _posted(request: HttpRequest):
    """The POSTed fields: the form's, or those of a JSON object (strings and numbers only)."""
    if request.content_type != "application/json":
        return request.POST
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise InvalidInput(_("Send the fields as one JSON object."))
    return {
        name: value
        for name, value in data.items()
        if isinstance(value, str | int) and not isinstance(value, bool)
    }


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
    current = None
    if conversation.is_open:
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
    if not conversation.is_open:  # the final map, for everyone, in place of the statements
        context.update(_map_context(request, viewer, conversation))
    if viewer.is_moderator:
        context["pending"] = selectors.pending_statements(conversation)
        context["pending_translations"] = selectors.pending_translations(conversation)
    return render(request, "deliberation/conversation.html", context)


@require_POST
@members_only
def vote(request: HttpRequest, viewer: Viewer, conversation_id: int) -> HttpResponse:
    form = OpinionVoteForm(_posted(request))
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
    choice = form.cleaned_data["choice"]
    try:
        services.record_vote(member=viewer.member, statement=statement, choice=choice)
    except ConversationClosed as error:  # the page behind the link now shows the final map
        back = _url("conversation", viewer, conversation_id=conversation_id)
        return refuse(request, viewer, error, back=back)
    if wants_json(request):
        return JsonResponse({"statement": statement.pk, "choice": choice})
    return redirect(_url("conversation", viewer, conversation_id=conversation_id) + "#statement")


@require_POST
@members_only
def statement_new(request: HttpRequest, viewer: Viewer, conversation_id: int) -> HttpResponse:
    conversation = _conversation(viewer, conversation_id)
    form = StatementForm(_posted(request))
    if not form.is_valid():
        raise InvalidInput(_("A statement is one idea of at most 280 characters."))
    try:
        statement = services.submit_statement(
            member=viewer.member,
            conversation=conversation,
            text=form.cleaned_data["text"],
            language=form.cleaned_data["language"],
        )
    except ConversationClosed as error:
        back = _url("conversation", viewer, conversation_id=conversation.pk)
        return refuse(request, viewer, error, back=back)
    if wants_json(request):
        return JsonResponse(
            {"statement": statement.pk, "status": statement.post.status}, status=201
        )
    if statement.post.status == "pending":
        messages.success(request, _("Thank you. Your statement waits for a moderator."))
    else:
        messages.success(request, _("Thank you. Your statement is open for votes."))
    return redirect(_url("conversation", viewer, conversation_id=conversation.pk) + "#messages")


@require_POST
@members_only
def conversation_close(request: HttpRequest, viewer: Viewer, conversation_id: int) -> HttpResponse:
    """Close, after a confirmation page (the page's button sends no ``confirm``)."""
    return _open_or_close(request, viewer, conversation_id, is_open=False)


@require_POST
@members_only
def conversation_reopen(request: HttpRequest, viewer: Viewer, conversation_id: int) -> HttpResponse:
    return _open_or_close(request, viewer, conversation_id, is_open=True)


def _open_or_close(
    request: HttpRequest, viewer: Viewer, conversation_id: int, *, is_open: bool
) -> HttpResponse:
    conversation = _conversation(viewer, conversation_id)
    back = _url("conversation", viewer, conversation_id=conversation.pk)
    name = "conversation_reopen" if is_open else "conversation_close"
    if request.POST.get("confirm") != "on":
        # Asked before anything is shown: a participant gets the refusal, not the question.
        require(viewer.member, Action.MODERATE, viewer.convention)
        if is_open:
            heading = _("Reopen the conversation")
            question = _(
                "Reopen “%(question)s”? Participants can add statements and vote again, and "
                "the map changes with their votes."
            )
            label = _("Yes, reopen it")
        else:
            heading = _("Close the conversation")
            question = _(
                "Close “%(question)s”? No more statements or votes are taken. The map is "
                "computed a last time, and that final map and its common ground stay for "
                "everyone to read. You can reopen it later."
            )
            label = _("Yes, close it")
        return render(
            request,
            "convention/confirm.html",
            {
                **viewer.context(),
                "heading": heading,
                "question": question % {"question": conversation.title},
                "fields": {"confirm": "on"},
                "action_url": _url(name, viewer, conversation_id=conversation.pk),
                "confirm_label": label,
                "cancel_url": back,
            },
        )
    if is_open:
        services.reopen_conversation(moderator=viewer.member, conversation=conversation)
        messages.success(request, _("The conversation is open again."))
    else:
        services.close_conversation(moderator=viewer.member, conversation=conversation)
        messages.success(
            request,
            _("The conversation is closed. The final map appears as soon as it is computed."),
        )
    return redirect(back + "#messages")


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
    view = selectors.map_view(conversation, member=viewer.member, language=_language(request))
    final = services.map_is_final(conversation)
    if not conversation.is_open and not final:
        services.ensure_final_analysis(conversation.pk)
    return {
        **viewer.context(),
        "conversation": conversation,
        "map": view,
        "map_token": _map_token(conversation, view.version),
        "map_final": final,
        "min_group_size": services.PARAMS.min_group_size,
        "scale": selectors.SCALE,
    }


def _map_token(conversation: Conversation, version: int) -> str:
    """What an open page's map shows: the map's version, and whether the conversation is
    closed (closing changes the page even when no vote changed the map)."""
    return str(version) if conversation.is_open else f"{version}-closed"


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
    if request.GET.get("v") == _map_token(conversation, version):
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
