"""HTML fragments shared by pages and live events, so a post looks the same either way."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from .models import Post, Room, Session


def interface_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def post_fragment(
    post: Post,
    *,
    language: str | None = None,
    viewer=None,
    is_moderator: bool = False,
    csrf_token: str = "",
) -> str:
    context = {
        "post": post,
        "viewer": viewer,
        "is_moderator": is_moderator,
        "csrf_token": csrf_token,
        "convention": post.room.convention,
        "excerpt": True,  # fragments are for the room page, which shows long posts shortened
    }
    if language is None:
        return render_to_string("deliberation/_post.html", context)
    with translation.override(language):
        return render_to_string("deliberation/_post.html", context)


def session_panel(session: Session, *, language: str, csrf_token: str = "") -> str:
    from .selectors import session_panel_context

    context = {**session_panel_context(session), "csrf_token": csrf_token}
    with translation.override(language):
        return render_to_string("deliberation/_session_panel.html", context)


def room_state(room: Room, languages: list[str] | None = None) -> dict:
    """A room's settings as a live event: the badges in each of ``languages`` (default: every
    interface language), and whether it takes posts (the page then disables or offers its
    composer)."""
    flags = {}
    for language in languages or interface_languages():
        with translation.override(language):
            flags[language] = render_to_string("deliberation/_room_flags.html", {"room": room})
    return {
        "type": "room",
        "room": room.pk,
        "locked": room.is_locked,
        "archived": room.is_archived,
        "html": flags,
    }
