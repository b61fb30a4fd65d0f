"""Hostile input over HTTP: each is refused with a clear error and a fitting status code."""

from __future__ import annotations

import pytest

from deliberation.models import ModerationAction, Post, PostStatus, Room
from deliberation.services import moderation, posts

from .conftest import client_for

pytestmark = pytest.mark.django_db


def send(client, room, body, **extra):
    return client.post(
        f"/c/loya/deliberation/rooms/{room.pk}/post/", {"body": body, "language": "en", **extra}
    )


def test_script_injection_is_stored_as_text_and_rendered_inert(room, participant, other):
    send(client_for(participant), room, '<script>alert("x")</script><b onclick=x>hi</b>')
    page = client_for(other).get(f"/c/loya/deliberation/rooms/{room.pk}/").content.decode()
    assert '<script>alert("x")' not in page and "<b onclick" not in page
    assert "&lt;script&gt;" in page


def test_bidi_override_is_refused_with_a_clear_error(room, participant):
    response = send(client_for(participant), room, "Vote \u202enoitcele\u202c now")
    assert response.status_code == 400
    assert "direction-changing characters" in response.content.decode()
    assert not Post.objects.exists()


def test_zero_width_spam_is_refused(room, participant):
    response = send(client_for(participant), room, "buy\u200b\u200b\u200b\u200bnow")
    assert response.status_code == 400
    assert "invisible characters" in response.content.decode()


def test_one_megabyte_body_is_refused(room, participant):
    response = send(client_for(participant), room, "x" * 1_000_000)
    assert response.status_code == 400
    assert "at most 10000 characters" in response.content.decode()
    assert not Post.objects.exists()


def test_nul_byte_is_refused(room, participant):
    response = send(client_for(participant), room, "hello\x00world")
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()


def test_forged_post_into_a_locked_room_is_refused(room, participant):
    room.is_locked = True
    room.save()
    response = send(client_for(participant), room, "let me in")
    assert response.status_code == 403
    assert "locked" in response.content.decode()
    assert not Post.objects.exists()


def test_forged_parent_from_another_room_is_refused(room, participant, convention):
    elsewhere = Room.objects.create(convention=convention, title_en="Elsewhere")
    foreign = posts.create_post(member=participant, room=elsewhere, body="over there")
    response = send(client_for(participant), room, "sneaky", parent=str(foreign.pk))
    assert response.status_code == 400
    assert "not in this room" in response.content.decode()


def test_forged_language_is_refused(room, participant):
    response = send(client_for(participant), room, "hello", language="xx")
    assert response.status_code == 400


def test_acting_as_moderator_without_the_role_is_refused(room, participant, other):
    post = posts.create_post(member=other, room=room, body="Perfectly fine")
    client = client_for(participant)
    for action in ("hide", "approve", "pin", "lock", "mute", "suspend"):
        response = client.post(
            f"/c/loya/deliberation/posts/{post.pk}/moderate/",
            {"action": action, "reason": "spam", "hours": "1"},
        )
        assert response.status_code == 403, action
        assert "Only moderators" in response.content.decode() or "organizers" in (
            response.content.decode()
        )
    response = client.post(
        f"/c/loya/deliberation/rooms/{room.pk}/settings/",
        {"slow_mode_seconds": "3600", "is_locked": "on"},
    )
    assert response.status_code == 403
    post.refresh_from_db()
    room.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED and not room.is_locked
    assert not ModerationAction.objects.exists()


def test_moderators_cannot_suspend_only_organizers_can(room, participant, moderator, organizer):
    post = posts.create_post(member=participant, room=room, body="text")
    response = client_for(moderator).post(
        f"/c/loya/deliberation/posts/{post.pk}/moderate/", {"action": "suspend", "reason": "abuse"}
    )
    assert response.status_code == 403
    response = client_for(organizer).post(
        f"/c/loya/deliberation/posts/{post.pk}/moderate/", {"action": "suspend", "reason": "abuse"}
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.is_suspended


def test_forged_moderation_without_a_reason_is_refused(room, participant, moderator):
    post = posts.create_post(member=participant, room=room, body="text")
    response = client_for(moderator).post(
        f"/c/loya/deliberation/posts/{post.pk}/moderate/", {"action": "hide", "reason": ""}
    )
    assert response.status_code == 400
    assert "reason" in response.content.decode()


def test_acting_moderator_cannot_decide_the_appeal_against_themselves(room, participant, moderator):
    post = posts.create_post(member=participant, room=room, body="text")
    action = moderation.hide_post(moderator=moderator, post=post, reason="spam")
    appeal = moderation.file_appeal(member=participant, action=action, statement="Not spam")
    response = client_for(moderator).post(
        f"/c/loya/deliberation/moderation/appeals/{appeal.pk}/decide/", {"outcome": "overturn"}
    )
    assert response.status_code == 403
    assert "did not take the action" in response.content.decode()


def test_appealing_someone_elses_decision_is_refused(room, participant, other, moderator):
    post = posts.create_post(member=participant, room=room, body="text")
    action = moderation.hide_post(moderator=moderator, post=post, reason="spam")
    response = client_for(other).post(
        f"/c/loya/deliberation/moderation/actions/{action.pk}/appeal/", {"statement": "unfair"}
    )
    assert response.status_code == 403


def test_muted_member_gets_a_clear_message(room, participant, moderator):
    post = posts.create_post(member=participant, room=room, body="text")
    moderation.mute_member(
        moderator=moderator, room=room, member=post.author, hours=6, reason="spam"
    )
    client = client_for(participant)
    page = client.get(f"/c/loya/deliberation/rooms/{room.pk}/").content.decode()
    assert "muted you in this room until" in page
    response = send(client, room, "can I speak?")
    assert response.status_code == 403
    assert "muted you in this room" in response.content.decode()


def test_csrf_is_required(room, participant):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(participant.user)
    assert send(client, room, "no token").status_code == 403
