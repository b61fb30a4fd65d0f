"""Writing in rooms: threads, quotes, edits, reactions, flood limits, closed rooms."""

from __future__ import annotations

import pytest

from deliberation import limits
from deliberation.exceptions import (
    DuplicatePost,
    EditWindowClosed,
    NotAllowed,
    RateLimited,
    RoomClosed,
    ThreadLocked,
)
from deliberation.models import Post, PostRevision, PostStatus, Room
from deliberation.services import moderation, posts

from .conftest import client_for

pytestmark = pytest.mark.django_db


def url(room, tail=""):
    return f"/c/{room.convention.slug}/deliberation/rooms/{room.pk}/{tail}"


def test_reply_joins_the_thread_of_its_parent(room, participant, other):
    root = posts.create_post(member=participant, room=room, body="Root", language="en")
    reply = posts.create_post(member=other, room=room, body="Reply", parent=root)
    nested = posts.create_post(member=participant, room=room, body="Nested", parent=reply)
    assert reply.thread_id == root.pk and nested.thread_id == root.pk
    assert nested.parent_id == reply.pk
    page = client_for(other).get(url(room)).content.decode()
    assert page.index("Root") < page.index("Reply") < page.index("Nested")
    assert "replying to <bdi>Baryalai</bdi>" in page


def test_quote_shows_the_quoted_post_and_hides_it_when_the_quote_is_hidden(
    room, participant, other, moderator
):
    quoted = posts.create_post(member=participant, room=room, body="Original words")
    posts.create_post(member=other, room=room, body="I answer this", quote=quoted)
    assert client_for(other).get(url(room)).content.decode().count("Original words") == 2
    moderation.hide_post(moderator=moderator, post=quoted, reason="abuse")
    page = client_for(other).get(url(room)).content.decode()
    assert "Original words" not in page
    assert "The quoted post is not shown." in page


def test_language_tag_is_stored_and_rendered(room, participant):
    posts.create_post(member=participant, room=room, body="سلام دوستان", language="fa-af")
    page = client_for(participant).get(url(room)).content.decode()
    assert 'dir="auto" lang="fa-af"' in page


def test_author_edits_within_the_window_and_moderators_see_the_history(
    room, participant, other, moderator
):
    post = posts.create_post(member=participant, room=room, body="Frist version")
    with pytest.raises(NotAllowed):
        posts.edit_post(member=other, post=post, body="Hijacked")
    posts.edit_post(member=participant, post=post, body="First version")
    post.refresh_from_db()
    assert post.body == "First version" and post.revision == 2
    assert PostRevision.objects.get(post=post).body == "Frist version"
    detail = f"/c/loya/deliberation/posts/{post.pk}/"
    assert "Frist version" in client_for(moderator).get(detail).content.decode()
    assert "Frist version" not in client_for(other).get(detail).content.decode()
    limits.close_edit_window(post.pk)
    with pytest.raises(EditWindowClosed):
        posts.edit_post(member=participant, post=post, body="Too late")


def test_reactions_count_once_per_member_and_toggle(room, participant, other):
    post = posts.create_post(member=participant, room=room, body="Agreeable")
    posts.react(member=other, post=post, kind="agree")
    posts.react(member=other, post=post, kind="disagree")
    post.refresh_from_db()
    assert (post.agree_count, post.disagree_count) == (0, 1)
    posts.react(member=other, post=post, kind="disagree")
    post.refresh_from_db()
    assert post.disagree_count == 0


def test_same_member_cannot_post_the_same_text_twice(room, participant):
    posts.create_post(member=participant, room=room, body="We need a federal system.")
    with pytest.raises(DuplicatePost):
        posts.create_post(member=participant, room=room, body="we need a  federal system!")


def test_copy_paste_floods_by_different_members_are_refused(room, participant, other):
    text = "Everyone must support the proposal of the northern provinces right now."
    posts.create_post(member=participant, room=room, body=text)
    with pytest.raises(DuplicatePost):
        posts.create_post(member=other, room=room, body=text)
    posts.create_post(member=other, room=room, body="I agree")  # short replies may repeat
    posts.create_post(member=participant, room=room, body="I agree", parent=Post.objects.first())


def test_member_rate_limit_gives_a_clear_error(room, participant, settings):
    settings.DELIBERATION_LIMITS = {"member_per_minute": 2}
    posts.create_post(member=participant, room=room, body="one")
    posts.create_post(member=participant, room=room, body="two")
    with pytest.raises(RateLimited, match="too fast"):
        posts.create_post(member=participant, room=room, body="three")


def test_room_rate_limit_gives_a_clear_error(room, participant, other, settings):
    settings.DELIBERATION_LIMITS = {"room_per_minute": 2}
    posts.create_post(member=participant, room=room, body="one")
    posts.create_post(member=other, room=room, body="two")
    with pytest.raises(RateLimited, match="too many posts"):
        posts.create_post(member=participant, room=room, body="three")


def test_slow_mode_limits_each_member_but_not_moderators(room, participant, other, moderator):
    room.slow_mode_seconds = 60
    room.save()
    posts.create_post(member=participant, room=room, body="one")
    posts.create_post(member=other, room=room, body="other member is fine")
    with pytest.raises(RateLimited, match="slow mode"):
        posts.create_post(member=participant, room=room, body="two")
    posts.create_post(member=moderator, room=room, body="mod one")
    posts.create_post(member=moderator, room=room, body="mod two")


def test_rate_limited_post_over_http_keeps_the_text_and_says_when(room, participant):
    room.slow_mode_seconds = 120
    room.save()
    client = client_for(participant)
    client.post(url(room, "post/"), {"body": "first", "language": "en"})
    response = client.post(url(room, "post/"), {"body": "my careful second", "language": "en"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 100
    page = response.content.decode()
    assert "slow mode" in page and "my careful second" in page


def test_locked_and_archived_rooms_refuse_posts(room, participant):
    room.is_locked = True
    room.save()
    with pytest.raises(RoomClosed):
        posts.create_post(member=participant, room=room, body="hello")
    room.is_locked, room.is_archived = False, True
    room.save()
    with pytest.raises(RoomClosed, match="archived"):
        posts.create_post(member=participant, room=room, body="hello")


def test_locked_thread_refuses_replies(room, participant, moderator):
    root = posts.create_post(member=participant, room=room, body="root")
    moderation.set_thread_locked(moderator=moderator, post=root, locked=True)
    root.refresh_from_db()
    with pytest.raises(ThreadLocked):
        posts.create_post(member=participant, room=room, body="reply", parent=root)


def test_premoderated_room_holds_posts_until_approved(room, participant, other, moderator):
    room.is_premoderated = True
    room.save()
    post = posts.create_post(member=participant, room=room, body="Held for review")
    assert post.status == PostStatus.PENDING and post.seq == 0
    assert "Held for review" not in client_for(other).get(url(room)).content.decode()
    own = client_for(participant).get(url(room)).content.decode()
    assert "Held for review" in own and "Waiting for a moderator" in own
    assert (
        "Held for review"
        in client_for(moderator).get("/c/loya/deliberation/moderation/").content.decode()
    )
    moderation.approve_post(moderator=moderator, post=post)
    assert "Held for review" in client_for(other).get(url(room)).content.decode()
    # A moderator's own post is not held.
    assert posts.create_post(member=moderator, room=room, body="mod").status == "published"


def test_observers_read_but_cannot_post(room, observer):
    assert client_for(observer).get(url(room)).status_code == 200
    with pytest.raises(NotAllowed):
        posts.create_post(member=observer, room=room, body="hello")


def test_posting_needs_the_deliberation_or_voting_phase(room, participant, convention):
    convention.phase = "registration"
    convention.save()
    with pytest.raises(NotAllowed):
        posts.create_post(member=participant, room=room, body="hello")


def test_post_over_http_redirects_to_the_new_post(room, participant):
    response = client_for(participant).post(url(room, "post/"), {"body": "hi", "language": "ps"})
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#post-{post.pk}")
    assert post.language == "ps"


def test_posts_are_paginated_by_thread(room, participant, settings):
    settings.DELIBERATION_LIMITS = {
        "member_per_minute": 1000,
        "member_per_hour": 1000,
        "room_per_minute": 1000,
    }
    for n in range(45):
        posts.create_post(member=participant, room=room, body=f"thread number {n}")
    last = client_for(participant).get(url(room)).content.decode()
    first = client_for(participant).get(url(room) + "?page=1").content.decode()
    assert "thread number 44" in last and "thread number 0<" not in last
    assert "thread number 0<" in first and "Page 1 of 6" in first


def test_room_of_another_convention_is_not_found(room, participant):
    from convention.models import Convention

    elsewhere = Convention.objects.create(slug="other", title_en="Other", phase="deliberation")
    foreign = Room.objects.create(convention=elsewhere, title_en="Foreign")
    response = client_for(participant).get(f"/c/loya/deliberation/rooms/{foreign.pk}/")
    assert response.status_code == 404


def test_long_threads_are_paged_by_size_and_a_reply_link_opens_at_the_reply(
    room, participant, other, settings
):
    settings.DELIBERATION_LIMITS = {
        "member_per_minute": 1000,
        "member_per_hour": 1000,
        "room_per_minute": 1000,
    }
    root = posts.create_post(member=participant, room=room, body="Opening")
    words = "word " * 1500
    replies = [
        posts.create_post(member=other, room=room, body=f"reply {n} {words}", parent=root)
        for n in range(12)
    ]
    client = client_for(participant)
    first = client.get(f"/c/loya/deliberation/posts/{root.pk}/").content.decode()
    assert "reply 0 " in first and "reply 11 " not in first and "Later replies" in first
    later = client.get(f"/c/loya/deliberation/posts/{replies[10].pk}/").content.decode()
    assert "Opening" in later and "reply 10 " in later and "Earlier replies" in later
    assert "reply 0 " not in later


def test_edit_page_over_http(room, participant, other):
    post = posts.create_post(member=participant, room=room, body="Typo hree")
    url = f"/c/loya/deliberation/posts/{post.pk}/edit/"
    assert client_for(other).get(url).status_code == 403
    client = client_for(participant)
    assert "Typo hree" in client.get(url).content.decode()
    assert client.post(url, {"body": "Typo here"}).status_code == 302
    post.refresh_from_db()
    assert post.body == "Typo here" and post.revision == 2
    response = client.post(url, {"body": "bad \u202e text"})
    assert response.status_code == 400 and "direction-changing" in response.content.decode()


def test_reaction_toggling_is_limited(room, participant, other, settings):
    settings.DELIBERATION_LIMITS = {"reactions_per_minute": 3}
    post = posts.create_post(member=participant, room=room, body="Popular")
    for _ in range(3):
        posts.react(member=other, post=post, kind="agree")
    with pytest.raises(RateLimited, match="too often"):
        posts.react(member=other, post=post, kind="agree")
