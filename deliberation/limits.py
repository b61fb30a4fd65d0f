"""Flood limits kept in the cache: per member, per room, and each room's slow mode.

Counters are keyed by membership and room ids, never by address, and expire on their own; the
cache (Redis in production) keeps nothing on disk, so no posting times end up stored.

Whoever reads the cache's memory should not learn when someone acted, nor who. Key names are
keyed hashes (``salted_hmac`` under ``SECRET_KEY``) of the member, room or post they count, so a
copy of the cache alone names nobody. A key's lifetime would give away the second it was made:
a counter expires when its clock-aligned window (a minute, an hour) ends, and an edit window at a
10-minute boundary (so it lasts between ``edit_window_seconds`` and ten minutes more). The one
exception is slow mode, which must know when the member's last post in that room was: its key
lives ``slow_mode_seconds`` after that post (docs/threat-model.md says so).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .exceptions import RateLimited

DEFAULT_LIMITS = {
    "member_per_minute": 6,
    "member_per_hour": 80,
    "room_per_minute": 60,
    "edit_window_seconds": 15 * 60,
    "reactions_per_minute": 30,
    "flags_per_hour": 20,
    "opinion_votes_per_minute": 60,
}


def limit(name: str) -> int:
    return {**DEFAULT_LIMITS, **getattr(settings, "DELIBERATION_LIMITS", {})}[name]


EDIT_WINDOW_STEP = 600


def _key(kind: str, name: str) -> str:
    digest = salted_hmac("mashwara/deliberation-limits", name, algorithm="sha256").hexdigest()
    return f"dl:{kind}:{digest[:32]}"


def _until_boundary(now: int, step: int) -> int:
    """Seconds from ``now`` to the next multiple of ``step`` (1 to ``step``): a key that lives
    that long expires at a moment that says nothing about ``now`` within its step."""
    return step - now % step


def _count(key: str, window: int) -> tuple[int, int]:
    now = int(time.time())
    bucket = _key("rl", f"{key}:{window}:{now // window}")
    remaining = _until_boundary(now, window)
    cache.add(bucket, 0, timeout=remaining)
    try:
        used = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=remaining)
        used = 1
    return used, remaining


def _wait_message(seconds: int) -> str:
    return ngettext(
        "Please wait %(n)d second and try again.",
        "Please wait %(n)d seconds and try again.",
        seconds,
    ) % {"n": seconds}


def check_posting(*, member_id: int, room_id: int, slow_mode_seconds: int) -> None:
    """Count one post; raise ``RateLimited`` with a clear message when a limit is passed."""
    if slow_mode_seconds:
        key = _key("slow", f"{room_id}:{member_id}")
        now = time.time()
        if not cache.add(key, now + slow_mode_seconds, timeout=slow_mode_seconds):
            remaining = max(1, int((cache.get(key) or now + 1) - now + 0.999))
            raise RateLimited(
                _("This room is in slow mode: one post every %(n)d seconds. ")
                % {"n": slow_mode_seconds}
                + _wait_message(remaining),
                retry_after=remaining,
            )
    for key, window, name in (
        (f"m{member_id}", 60, "member_per_minute"),
        (f"m{member_id}", 3600, "member_per_hour"),
    ):
        used, retry = _count(key, window)
        if used > limit(name):
            raise RateLimited(
                _("You are posting too fast. ") + _wait_message(retry), retry_after=retry
            )
    used, retry = _count(f"r{room_id}", 60)
    if used > limit("room_per_minute"):
        raise RateLimited(
            _("This room is receiving too many posts right now. ") + _wait_message(retry),
            retry_after=retry,
        )


def open_edit_window(post_id: int) -> None:
    """Open for at least ``edit_window_seconds``, closing at the next 10-minute boundary."""
    now = int(time.time())
    lasts = limit("edit_window_seconds")
    cache.set(
        _key("edit", str(post_id)),
        1,
        timeout=lasts + _until_boundary(now + lasts, EDIT_WINDOW_STEP) % EDIT_WINDOW_STEP,
    )


def edit_window_open(post_id: int) -> bool:
    return cache.get(_key("edit", str(post_id))) is not None


def close_edit_window(post_id: int) -> None:
    cache.delete(_key("edit", str(post_id)))


def check_member_action(*, member_id: int, action: str, limit_name: str, window: int) -> None:
    """A flood limit on lighter acts (reactions, flags): each reaction is also a live event
    sent to every listener of the room, so toggling in a loop must not be free."""
    used, retry = _count(f"{action}{member_id}", window)
    if used > limit(limit_name):
        raise RateLimited(
            _("You are doing this too often. ") + _wait_message(retry), retry_after=retry
        )
