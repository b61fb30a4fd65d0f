"""Live updates of a room: a server-sent-events stream, and a polling fallback.

The stream is an async view: under the ASGI server (uvicorn) each listener costs a coroutine
and a queue, not a thread or a database connection. It subscribes first, then sends what the
listener missed (from the database, by event number), then relays events as they come. Under a
WSGI server (the development server, test live server) an endless stream would hold a thread,
so there it sends what was missed and ends, and the browser's EventSource reconnects after
``retry`` milliseconds: slower, but the same protocol.
"""

from __future__ import annotations

import asyncio
import json

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from convention.models import Convention, Membership
from convention.permissions import require_permission
from convention.selectors import membership_of

from .. import live, selectors
from ..access import Action, may
from ..models import Room
from ..rendering import post_fragment, room_state, session_panel

RETRY_MS = 3000
KEEPALIVE_SECONDS = 20.0
STREAM_SECONDS = 600.0  # then the browser reconnects: no connection is held forever


def _cursor(request: HttpRequest) -> int | None:
    """The last event the listener has (None: it has not said, so nothing is replayed)."""
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or ""
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _room_for_listener(request: HttpRequest, slug: str, room_id: int) -> Room | None:
    convention = get_object_or_404(Convention, slug=slug)
    if not may(membership_of(request.user, convention), Action.READ, convention):
        return None
    room = get_object_or_404(Room, pk=room_id, convention=convention)
    room.convention = convention
    return room


def _post_payload(post, language: str) -> dict:
    return {
        "type": "post",
        "seq": post.seq,
        "post": post.pk,
        "thread": post.thread_id,
        "html": post_fragment(post, language=language),
    }


def _room_payload(room: Room, language: str) -> dict:
    state = room_state(room, [language])
    state["html"] = state["html"][language]
    return state


def _frame(event: dict) -> bytes:
    head = f"id: {event['seq']}\n" if event.get("seq") else ""
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return f"{head}event: {event['type']}\ndata: {data}\n\n".encode()


def _replay(room: Room, after: int | None, language: str) -> list[bytes]:
    """Frames for what the listener missed: the room's settings as they are now, then the posts
    that changed since ``after``."""
    if after is None:
        return []
    state = _frame(_room_payload(room, language))
    posts, too_many = selectors.events_since(room, after)
    if too_many:
        return [state, _frame({"type": "reload"})]
    with translation.override(language):
        return [state, *(_frame(_post_payload(post, language)) for post in posts)]


def _replay_and_release(room: Room, after: int | None, language: str) -> list[bytes]:
    """The same, then give the database connection back: a listener may stay for minutes,
    and two hundred of them must not hold two hundred connections."""
    try:
        return _replay(room, after, language)
    finally:
        connections.close_all()


@never_cache
@require_GET
async def room_events(request: HttpRequest, slug: str, room_id: int) -> HttpResponse:
    room = await sync_to_async(_room_for_listener)(request, slug, room_id)
    if room is None:
        return HttpResponse(status=403)
    language = getattr(request, "LANGUAGE_CODE", "en")
    after = _cursor(request)
    channels = [live.room_channel(room.pk)]
    if room.session_id:
        channels.append(live.session_channel(room.session_id))

    if not isinstance(request, ASGIRequest):
        frames = await sync_to_async(_replay)(room, after, language)
        body = f"retry: {RETRY_MS}\n\n".encode() + b"".join(frames)
        return _event_stream_response(HttpResponse(body))

    async def stream():
        yield f"retry: {RETRY_MS}\n\n".encode()
        async with live.hub().subscribe(channels) as subscription:
            for frame in await sync_to_async(_replay_and_release)(room, after, language):
                yield frame
            loop = asyncio.get_running_loop()
            deadline = loop.time() + STREAM_SECONDS
            while loop.time() < deadline:
                payload = await subscription.next(KEEPALIVE_SECONDS)
                if subscription.overflowed:
                    yield _frame({"type": "reload"})
                    return
                if payload is None:
                    yield b": keep-alive\n\n"
                    continue
                yield live.sse_frame(payload, language)

    return _event_stream_response(StreamingHttpResponse(stream()))


# Checked inside (an async view cannot take the synchronous decorator): members may listen.
room_events.required_action = Action.READ


def _event_stream_response(response: HttpResponse) -> HttpResponse:
    response["Content-Type"] = "text/event-stream; charset=utf-8"
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response


@never_cache
@require_GET
@require_permission(Action.READ)
def room_updates(
    request: HttpRequest, room_id: int, convention: Convention, membership: Membership
) -> HttpResponse:
    """Polling fallback for browsers or networks where the stream does not get through."""
    room = get_object_or_404(Room, pk=room_id, convention=convention)
    room.convention = convention
    language = getattr(request, "LANGUAGE_CODE", "en")
    posts, too_many = selectors.events_since(room, _cursor(request) or 0)
    body: dict = {"reload": too_many, "events": [], "room": _room_payload(room, language)}
    if not too_many:
        body["events"] = [_post_payload(post, language) for post in posts]
    if room.session_id:
        body["session"] = session_panel(room.session, language=language)
    return JsonResponse(body)
