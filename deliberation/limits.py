"""Flood limits kept in the cache: per member, per room, and each room's slow mode.

Counters are keyed by membership and room ids, never by address, and expire on their own; the
cache (Redis in production) keeps nothing on disk, so no posting times end up stored.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
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
}


def limit(name: str) -> int:
    return {**DEFAULT_LIMITS, **getattr(settings, "DELIBERATION_LIMITS", {})}[name]


def _count(key: str, window: int) -> tuple[int, int]:
    now = int(time.time())
    bucket = f"dl:rl:{key}:{now // window}"
    cache.add(bucket, 0, timeout=window + 1)
    try:
        used = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window + 1)
        used = 1
    return used, window - now % window


def _wait_message(seconds: int) -> str:
    return ngettext(
        "Please wait %(n)d second and try again.",
        "Please wait %(n)d seconds and try again.",
        seconds,
    ) % {"n": seconds}


def check_posting(*, member_id: int, room_id: int, slow_mode_seconds: int) -> None:
    """Count one post; raise ``RateLimited`` with a clear message when a limit is passed."""
    if slow_mode_seconds:
        key = f"dl:slow:{room_id}:{member_id}"
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
    cache.set(f"dl:edit:{post_id}", 1, timeout=limit("edit_window_seconds"))


def edit_window_open(post_id: int) -> bool:
    return cache.get(f"dl:edit:{post_id}") is not None


def close_edit_window(post_id: int) -> None:
    cache.delete(f"dl:edit:{post_id}")


def check_member_action(*, member_id: int, action: str, limit_name: str, window: int) -> None:
    """A flood limit on lighter acts (reactions, flags): each reaction is also a live event
    sent to every listener of the room, so toggling in a loop must not be free."""
    used, retry = _count(f"{action}{member_id}", window)
    if used > limit(limit_name):
        raise RateLimited(
            _("You are doing this too often. ") + _wait_message(retry), retry_after=retry
        )
