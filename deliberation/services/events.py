"""Turning saved changes into live events (called from ``transaction.on_commit``)."""

from __future__ import annotations

from .. import live
from ..models import Post, Room, Session
from ..rendering import interface_languages, post_fragment, room_state, session_panel


def announce_post(post_id: int) -> None:
    """Send a post's current public rendering (or its hidden placeholder) to the room."""
    post = (
        Post.objects.select_related("author", "room__convention", "quote__author", "parent__author")
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        return
    live.publish(live.room_channel(post.room_id), post_event(post))


def post_event(post: Post) -> dict:
    return {
        "type": "post",
        "seq": post.seq,
        "post": post.pk,
        "thread": post.thread_id,
        "html": {lang: post_fragment(post, language=lang) for lang in interface_languages()},
    }


def announce_removal(*, room_id: int, post_id: int) -> None:
    """A thread moved away: listeners of its old room drop it."""
    live.publish(live.room_channel(room_id), {"type": "remove", "post": post_id})


def announce_room(room_id: int) -> None:
    """A room's settings changed (lock, archive, slow mode, pre-moderation): send its state."""
    room = Room.objects.filter(pk=room_id).first()
    if room is not None:
        live.publish(live.room_channel(room_id), room_state(room))


def announce_session(session_id: int) -> None:
    """Speaking queue, agenda and straw polls of a session changed: send the new panel."""
    session = Session.objects.filter(pk=session_id).first()
    if session is None:
        return
    live.publish(
        live.session_channel(session_id),
        {
            "type": "session",
            "session": session_id,
            "html": {lang: session_panel(session, language=lang) for lang in interface_languages()},
        },
    )
