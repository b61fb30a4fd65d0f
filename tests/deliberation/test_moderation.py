"""Moderation: flags, the review queue, every action, the public log, and appeals."""

from __future__ import annotations

import pytest

from convention.dates import format_moment
from convention.models import AuditEntry
from deliberation.exceptions import AlreadyDecided, InvalidInput, NotAllowed
from deliberation.models import (
    Appeal,
    ModerationAction,
    Mute,
    Post,
    PostStatus,
    Room,
)
from deliberation.services import moderation, posts

from .conftest import client_for, make_member

pytestmark = pytest.mark.django_db

LOG = "/c/loya/deliberation/moderation/log/"
QUEUE = "/c/loya/deliberation/moderation/"


@pytest.fixture
def post(room, participant):
    return posts.create_post(member=participant, room=room, body="A contested claim")


def test_reporter_is_never_revealed(post, other, participant, moderator):
    posts.flag_post(member=other, post=post, reason="misinformation", note="see the census")
    queue = client_for(moderator).get(QUEUE).content.decode()
    assert "A contested claim" in queue and "see the census" in queue
    assert "Baryalai" not in queue  # the reporter's pseudonym appears nowhere
    moderation.hide_post(moderator=moderator, post=post, reason="misinformation")
    for page in (client_for(participant).get(LOG), client_for(moderator).get(LOG)):
        assert "Baryalai" not in page.content.decode()
    thread = client_for(participant).get(f"/c/loya/deliberation/posts/{post.pk}/")
    assert "Baryalai" not in thread.content.decode()


def test_a_member_flags_a_post_once_and_not_their_own(post, other, participant):
    posts.flag_post(member=other, post=post, reason="spam")
    posts.flag_post(member=other, post=post, reason="abuse")
    assert post.flags.count() == 1 and post.flags.get().reason == "abuse"
    with pytest.raises(InvalidInput):
        posts.flag_post(member=participant, post=post, reason="spam")


def test_flag_over_http_thanks_without_naming(post, other):
    response = client_for(other).post(
        f"/c/loya/deliberation/posts/{post.pk}/flag/",
        {"reason": "abuse", "note": ""},
        follow=True,
    )
    assert "Nobody, including its author, will be told who reported it" in (
        response.content.decode()
    )


def test_hide_shows_the_reason_in_place_and_in_the_public_log(post, moderator, other):
    posts.flag_post(member=other, post=post, reason="abuse")
    moderation.hide_post(moderator=moderator, post=post, reason="abuse", note="private note")
    page = client_for(other).get(f"/c/loya/deliberation/rooms/{post.room_id}/").content.decode()
    assert "A contested claim" not in page
    assert "Hidden by a moderator: Insults or harassment." in page
    assert not post.flags.filter(is_open=True).exists()
    log = client_for(other).get(LOG).content.decode()
    assert "Moderator Ahmad" in log and "hid a post" in log and "Insults or harassment" in log
    assert "private note" not in log


def test_public_log_shows_the_hour_only(post, moderator, client):
    action = moderation.hide_post(moderator=moderator, post=post, reason="spam")
    assert (action.at_hour.minute, action.at_hour.second, action.at_hour.microsecond) == (0, 0, 0)
    log = client.get(LOG).content.decode()  # public, even without an account
    assert format_moment(action.at_hour, "hour", "en") in log


def test_restore_approve_pin_lock_and_their_log_entries(room, participant, moderator):
    post = posts.create_post(member=participant, room=room, body="Worth pinning")
    moderation.hide_post(moderator=moderator, post=post, reason="spam")
    moderation.restore_post(moderator=moderator, post=post)
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED and post.hidden_reason == ""
    moderation.set_pinned(moderator=moderator, post=post, pinned=True)
    page = client_for(participant).get(f"/c/loya/deliberation/rooms/{room.pk}/").content.decode()
    assert "Pinned" in page
    moderation.set_thread_locked(moderator=moderator, post=post, locked=True)
    with pytest.raises(AlreadyDecided):
        moderation.set_thread_locked(moderator=moderator, post=post, locked=True)
    kinds = list(ModerationAction.objects.values_list("kind", flat=True).order_by("id"))
    assert kinds == ["hide", "restore", "pin", "lock_thread"]


def test_move_takes_the_whole_thread_to_another_room(
    room, participant, other, moderator, convention
):
    root = posts.create_post(member=participant, room=room, body="Off topic here")
    posts.create_post(member=other, room=room, body="Reply too", parent=root)
    target = Room.objects.create(convention=convention, title_en="Economy")
    moderation.move_thread(moderator=moderator, post=root, to_room=target, reason="off_topic")
    assert set(Post.objects.values_list("room_id", flat=True)) == {target.pk}
    log = client_for(other).get(LOG).content.decode()
    assert "moved a thread" in log and "Economy" in log


def test_slow_mode_lock_and_premoderation_are_logged(room, moderator, participant):
    moderation.update_room(
        moderator=moderator, room=room, slow_mode_seconds=30, is_locked=True, is_premoderated=True
    )
    room.refresh_from_db()
    assert room.slow_mode_seconds == 30 and room.is_locked and room.is_premoderated
    assert set(ModerationAction.objects.values_list("kind", flat=True)) == {
        "slow_mode",
        "lock_room",
        "premoderate",
    }
    response = client_for(moderator).post(
        f"/c/loya/deliberation/rooms/{room.pk}/settings/",
        {"slow_mode_seconds": "0", "is_locked": "", "is_premoderated": ""},
    )
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.slow_mode_seconds == 0 and not room.is_locked


def test_mute_ends_on_the_hour_and_only_in_that_room(room, participant, moderator, convention):
    action = moderation.mute_member(
        moderator=moderator, room=room, member=participant, hours=1, reason="spam"
    )
    mute = Mute.objects.get(action=action)
    assert (mute.until.minute, mute.until.second) == (0, 0)
    assert "muted a member in a room (1 hour)" in client_for(participant).get(LOG).content.decode()
    other_room = Room.objects.create(convention=convention, title_en="Elsewhere")
    posts.create_post(member=participant, room=other_room, body="still allowed here")
    with pytest.raises(InvalidInput):
        moderation.mute_member(
            moderator=moderator, room=room, member=participant, hours=5, reason="spam"
        )


def test_suspension_stops_writing_but_not_reading_or_appealing(room, participant, organizer):
    action = moderation.suspend_member(organizer=organizer, member=participant, reason="threat")
    participant.refresh_from_db()
    with pytest.raises(NotAllowed):
        posts.create_post(member=participant, room=room, body="hello")
    client = client_for(participant)
    assert client.get(f"/c/loya/deliberation/rooms/{room.pk}/").status_code == 200
    moderation.file_appeal(member=participant, action=action, statement="I made no threat")


def test_appeal_is_decided_by_a_different_moderator_and_overturning_restores(
    post, participant, moderator, second_moderator
):
    action = moderation.hide_post(moderator=moderator, post=post, reason="spam")
    appeal = moderation.file_appeal(member=participant, action=action, statement="It is not spam")
    with pytest.raises(AlreadyDecided):
        moderation.file_appeal(member=participant, action=action, statement="again")
    with pytest.raises(NotAllowed):
        moderation.decide_appeal(moderator=moderator, appeal=appeal, overturn=True)
    moderation.decide_appeal(moderator=second_moderator, appeal=appeal, overturn=True)
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert Appeal.objects.get().status == "overturned"
    log = client_for(participant).get(LOG).content.decode()
    assert "overturned an action on appeal" in log and "Moderator Zarmina" in log


def test_upheld_mute_stays_and_overturned_mute_is_lifted(
    room, participant, moderator, second_moderator
):
    action = moderation.mute_member(
        moderator=moderator, room=room, member=participant, hours=24, reason="spam"
    )
    appeal = moderation.file_appeal(member=participant, action=action, statement="please")
    moderation.decide_appeal(moderator=second_moderator, appeal=appeal, overturn=False)
    assert Mute.objects.filter(member=participant).exists()
    third = make_member(room.convention, "moderator")
    action2 = moderation.mute_member(
        moderator=third, room=room, member=participant, hours=1, reason="spam"
    )
    appeal2 = moderation.file_appeal(member=participant, action=action2, statement="please")
    moderation.decide_appeal(moderator=moderator, appeal=appeal2, overturn=True)
    assert not Mute.objects.filter(action=action2).exists()


def test_review_queue_lists_flags_pending_posts_and_appeals(
    room, post, other, participant, moderator, second_moderator
):
    posts.flag_post(member=other, post=post, reason="spam")
    room.is_premoderated = True
    room.save()
    posts.create_post(member=other, room=room, body="Waiting in line")
    action = moderation.mute_member(
        moderator=second_moderator, room=room, member=participant, hours=1, reason="spam"
    )
    moderation.file_appeal(member=participant, action=action, statement="My appeal text")
    queue = client_for(moderator).get(QUEUE).content.decode()
    assert "A contested claim" in queue and "Waiting in line" in queue
    assert "My appeal text" in queue
    assert client_for(participant).get(QUEUE).status_code == 403


def test_every_moderation_act_is_in_the_audit_chain(post, moderator):
    from convention.services.audit import verify_chain

    moderation.hide_post(moderator=moderator, post=post, reason="spam")
    entry = AuditEntry.objects.get(action="moderation.hide")
    assert entry.actor == "Moderator Ahmad" and f"post {post.pk}" in entry.target
    assert verify_chain(post.room.convention).intact
