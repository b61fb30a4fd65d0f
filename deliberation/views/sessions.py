"""Sessions: the session page, organizer forms, and the live-session tools (speaking queue,
agenda item, straw polls)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors
from ..access import Action, require
from ..conversation_selectors import conversations_of
from ..exceptions import InvalidInput
from ..forms import AgendaItemForm, ConversationForm, RoomForm, SessionForm, StrawPollForm
from ..models import AgendaItem, Session, SpeakingRequest, StrawPoll
from ..services import live_session, structure
from .common import Viewer, members_only


def _session(viewer: Viewer, session_id: int) -> Session:
    session = get_object_or_404(Session, pk=session_id, convention=viewer.convention)
    session.convention = viewer.convention
    return session


def _back(request: HttpRequest, session: Session) -> HttpResponse:
    """Back to the room the form was sent from, or to the session page."""
    room_id = request.POST.get("room", "")
    room = session.rooms.filter(pk=room_id).first() if room_id.isdigit() else None
    if room is not None:
        return redirect(
            reverse(
                "deliberation:room", kwargs={"slug": session.convention.slug, "room_id": room.pk}
            )
            + "#live-session"
        )
    return redirect("deliberation:session", slug=session.convention.slug, session_id=session.pk)


@require_GET
@members_only
def session_detail(request: HttpRequest, viewer: Viewer, session_id: int) -> HttpResponse:
    session = _session(viewer, session_id)
    return render(
        request,
        "deliberation/session.html",
        {
            **viewer.context(),
            **selectors.session_panel_context(session),
            "agenda": session.agenda.all(),
            "rooms": session.rooms.all(),
            "moderators": session.moderators.all(),
            "agenda_form": AgendaItemForm() if viewer.is_organizer else None,
            "poll_form": StrawPollForm() if viewer.is_moderator else None,
            "conversations": conversations_of(session),
            "conversation_form": ConversationForm() if viewer.is_moderator else None,
        },
    )


@require_http_methods(["GET", "POST"])
@members_only
def organize(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """Organizer page: new sessions and standing rooms, and the proposal threshold."""
    from ..forms import ThresholdForm

    require(viewer.member, Action.ORGANIZE_SESSIONS, viewer.convention)
    session_form = SessionForm(
        request.POST if request.POST.get("what") == "session" else None,
        convention=viewer.convention,
    )
    room_form = RoomForm(request.POST if request.POST.get("what") == "room" else None)
    threshold_form = ThresholdForm(
        request.POST if request.POST.get("what") == "threshold" else None,
        initial={"threshold": structure.settings_for(viewer.convention).proposal_support_threshold},
    )
    if request.method == "POST":
        what = request.POST.get("what")
        if what == "session" and session_form.is_valid():
            data = session_form.cleaned_data
            session = structure.create_session(
                organizer=viewer.member,
                title_en=data["title_en"],
                title_fa_af=data["title_fa_af"],
                title_ps=data["title_ps"],
                starts_at=data["starts_at"],
                languages=data["languages"],
                turn_seconds=data["turn_seconds"],
                moderators=list(data["moderators"]) or [viewer.member],
            )
            return redirect(
                "deliberation:session", slug=viewer.convention.slug, session_id=session.pk
            )
        if what == "room" and room_form.is_valid():
            room = structure.create_room(organizer=viewer.member, **room_form.cleaned_data)
            return redirect("deliberation:room", slug=viewer.convention.slug, room_id=room.pk)
        if what == "threshold" and threshold_form.is_valid():
            structure.set_support_threshold(
                organizer=viewer.member, threshold=threshold_form.cleaned_data["threshold"]
            )
            messages.success(request, _("The support threshold is saved."))
            return redirect("deliberation:organize", slug=viewer.convention.slug)
    return render(
        request,
        "deliberation/organize.html",
        {
            **viewer.context(),
            "session_form": session_form,
            "room_form": room_form,
            "threshold_form": threshold_form,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@members_only
def add_agenda_item(request: HttpRequest, viewer: Viewer, session_id: int) -> HttpResponse:
    session = _session(viewer, session_id)
    form = AgendaItemForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("An agenda item needs an English title."))
    structure.add_agenda_item(organizer=viewer.member, session=session, **form.cleaned_data)
    return redirect("deliberation:session", slug=viewer.convention.slug, session_id=session.pk)


@require_POST
@members_only
def hand(request: HttpRequest, viewer: Viewer, session_id: int) -> HttpResponse:
    session = _session(viewer, session_id)
    if request.POST.get("do") == "lower":
        live_session.lower_hand(member=viewer.member, session=session)
    else:
        live_session.raise_hand(member=viewer.member, session=session)
    return _back(request, session)


@require_POST
@members_only
def floor(request: HttpRequest, viewer: Viewer, session_id: int) -> HttpResponse:
    session = _session(viewer, session_id)
    if request.POST.get("do") == "end":
        live_session.end_turn(moderator=viewer.member, session=session)
    else:
        hand_id = request.POST.get("request", "")
        speaking = get_object_or_404(
            SpeakingRequest, pk=hand_id if hand_id.isdigit() else 0, session=session
        )
        live_session.give_floor(moderator=viewer.member, request=speaking)
    return _back(request, session)


@require_POST
@members_only
def current_item(request: HttpRequest, viewer: Viewer, session_id: int) -> HttpResponse:
    session = _session(viewer, session_id)
    raw = request.POST.get("item", "")
    item = get_object_or_404(AgendaItem, pk=raw, session=session) if raw.isdigit() else None
    live_session.set_current_agenda_item(moderator=viewer.member, session=session, item=item)
    return _back(request, session)


@require_POST
@members_only
def open_poll(request: HttpRequest, viewer: Viewer, session_id: int) -> HttpResponse:
    session = _session(viewer, session_id)
    form = StrawPollForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("A straw poll needs a question and 2 to 6 options."))
    live_session.open_straw_poll(
        moderator=viewer.member,
        session=session,
        question=form.cleaned_data["question"],
        options=form.cleaned_data["options"].splitlines(),
    )
    return _back(request, session)


@require_POST
@members_only
def poll_vote(request: HttpRequest, viewer: Viewer, session_id: int, poll_id: int) -> HttpResponse:
    session = _session(viewer, session_id)
    poll = get_object_or_404(StrawPoll, pk=poll_id, session=session)
    if request.POST.get("do") == "close":
        live_session.close_straw_poll(moderator=viewer.member, poll=poll)
    else:
        raw = request.POST.get("option", "")
        if not raw.isdigit():
            raise InvalidInput(_("Choose one of the options."))
        live_session.vote_straw_poll(member=viewer.member, poll=poll, option=int(raw))
    return _back(request, session)
