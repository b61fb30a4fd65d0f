"""What a post, a reaction and a flag leave in the cache does not tell when they happened nor,
without the server's secret key, who acted (audit, issue 10 item 3).

Whoever reads the cache's memory (Redis in production) sees each key's name and its expiry. An
expiry counted from the act ("60 s after the post") gives the act's second away; here every key
a post creates expires on a clock boundary that does not depend on it: the end of its rate
window (a minute or an hour) or, for the edit window, a 10-minute boundary.
"""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from deliberation import limits
from deliberation.services import posts


def _expiries() -> dict[str, float]:
    """Every key in the cache and the Unix time at which it expires."""
    if hasattr(cache, "_expire_info"):  # local memory (no REDIS_URL)
        return dict(cache._expire_info)
    client = cache._cache.get_client(None)
    now_ms = time.time() * 1000
    return {
        key.decode(): (now_ms + client.pttl(key)) / 1000
        for key in client.scan_iter(match=f"{cache.key_prefix}*")
    }


def _on_boundary(expiry: float, step: int) -> bool:
    # The key's lifetime is computed in whole seconds from the act: the expiry lands on the
    # boundary plus at most the act's fraction of a second.
    return 0 <= expiry - round(expiry / step) * step < 1.01


@pytest.mark.django_db
def test_keys_a_post_reaction_and_flag_leave_expire_on_clock_boundaries(room, participant, other):
    cache.clear()
    post = posts.create_post(member=participant, room=room, body="A careful first thought")
    posts.react(member=other, post=post, kind="agree")
    posts.flag_post(member=other, post=post, reason="spam")
    expiries = _expiries()
    assert len(expiries) >= 5  # member minute and hour, room minute, edit window, react, flag
    for key, expiry in expiries.items():
        assert _on_boundary(expiry, 60), (key, expiry)

    edit = [e for k, e in expiries.items() if ":dl:edit:" in k]
    assert len(edit) == 1 and _on_boundary(edit[0], limits.EDIT_WINDOW_STEP)
    lasts = edit[0] - time.time()
    assert limits.limit("edit_window_seconds") - 5 <= lasts <= 25 * 60
    assert limits.edit_window_open(post.pk)


@pytest.mark.django_db
def test_key_names_say_nothing_without_the_secret_key(room, participant):
    cache.clear()
    posts.create_post(member=participant, room=room, body="Another careful thought")
    for key in _expiries():
        name = key.split(":dl:", 1)[1]
        kind, digest = name.split(":")  # dl:<kind>:<keyed hash>, no member, room or post id
        assert kind in {"rl", "edit"} and len(digest) == 32
