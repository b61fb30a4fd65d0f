"""Live updates: the hub's fan-out, the event stream (ASGI and WSGI forms), replay after a
reconnect, and the polling fallback."""

from __future__ import annotations

import asyncio
import json
import os
import threading

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import AsyncClient

from deliberation import live
from deliberation.services import live_session, moderation, posts

from .conftest import client_for

EVENTS = "/c/loya/deliberation/rooms/{}/events/"
UPDATES = "/c/loya/deliberation/rooms/{}/updates/"


def test_local_hub_delivers_from_other_threads_to_each_listener():
    hub = live.LocalHub()

    async def scenario():
        async with hub.subscribe(["a"]) as first, hub.subscribe(["a", "b"]) as second:
            thread = threading.Thread(target=lambda: (hub.publish("a", "x"), hub.publish("b", "y")))
            thread.start()
            thread.join()
            assert await first.next(1) == "x"
            assert await second.next(1) == "x"
            assert await second.next(1) == "y"
            assert await first.next(0.05) is None
        assert hub.listener_count("a") == 0

    asyncio.run(scenario())


def test_slow_listener_is_told_to_reload_instead_of_silently_missing_events():
    hub = live.LocalHub()

    async def scenario():
        async with hub.subscribe(["a"]) as slow:
            for n in range(live.QUEUE_SIZE + 5):
                hub.publish("a", str(n))
            assert slow.overflowed

    asyncio.run(scenario())


def test_frames_are_built_once_per_language():
    payload = json.dumps(
        {"type": "post", "seq": 7, "post": 3, "html": {"en": "<p>hi</p>", "fa-af": "<p>سلام</p>"}}
    )
    frame = live.sse_frame(payload, "fa-af").decode()
    assert frame.startswith("id: 7\nevent: post\ndata: ") and "سلام" in frame
    assert live.sse_frame(payload, "fa-af") is live.sse_frame(payload, "fa-af")


@pytest.mark.django_db
def test_new_posts_moderation_and_queue_changes_are_published(
    room, session, participant, moderator, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(live, "publish", lambda channel, event: sent.append((channel, event)))
    with django_capture_on_commit_callbacks(execute=True):
        post = posts.create_post(member=participant, room=room, body="Live words")
    channel, event = sent[-1]
    assert channel == live.room_channel(room.pk) and event["type"] == "post"
    assert event["seq"] == post.seq and set(event["html"]) == {"en", "fa-af", "ps"}
    assert "Live words" in event["html"]["en"] and "موافق" not in event["html"]["en"]
    with django_capture_on_commit_callbacks(execute=True):
        moderation.hide_post(moderator=moderator, post=post, reason="spam")
    assert "Live words" not in sent[-1][1]["html"]["en"]
    assert "Hidden by a moderator" in sent[-1][1]["html"]["en"]
    with django_capture_on_commit_callbacks(execute=True):
        live_session.raise_hand(member=participant, session=session)
    assert sent[-1][0] == live.session_channel(session.pk)
    assert "Nargis" in sent[-1][1]["html"]["en"]


@pytest.mark.django_db
def test_held_posts_are_not_published_until_approved(
    room, participant, moderator, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(live, "publish", lambda channel, event: sent.append(event))
    room.is_premoderated = True
    room.save()
    with django_capture_on_commit_callbacks(execute=True):
        post = posts.create_post(member=participant, room=room, body="Held back")
    assert sent == []
    with django_capture_on_commit_callbacks(execute=True):
        moderation.approve_post(moderator=moderator, post=post)
    assert "Held back" in sent[-1]["html"]["en"]


@pytest.mark.django_db
def test_room_settings_reach_open_pages(
    room, participant, moderator, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(live, "publish", lambda channel, event: sent.append((channel, event)))
    with django_capture_on_commit_callbacks(execute=True):
        moderation.update_room(moderator=moderator, room=room, is_locked=True)
    channel, event = sent[-1]
    assert channel == live.room_channel(room.pk)
    assert event["type"] == "room" and event["locked"] and not event["archived"]
    assert set(event["html"]) == {"en", "fa-af", "ps"} and "locked" in event["html"]["en"]
    with django_capture_on_commit_callbacks(execute=True):
        moderation.update_room(moderator=moderator, room=room, is_locked=True)
    assert len(sent) == 1  # nothing changed, nothing sent
    # Polling and reconnecting pages get the state with what they missed.
    body = client_for(participant).get(UPDATES.format(room.pk), {"after": 0}).json()
    assert body["room"]["locked"] is True and "locked" in body["room"]["html"]
    stream = client_for(participant).get(EVENTS.format(room.pk), {"after": 0})
    assert b"event: room\n" in stream.content and b"locked" in stream.content


@pytest.mark.django_db
def test_erased_posts_leave_open_pages_at_once(
    room, participant, other, monkeypatch, django_capture_on_commit_callbacks
):
    from convention.services.accounts import delete_account

    first = posts.create_post(member=participant, room=room, body="Words to take back")
    second = posts.create_post(member=participant, room=room, body="More of them", parent=first)
    kept = posts.create_post(member=other, room=room, body="A reply that stays", parent=first)
    cursor = kept.seq
    sent = []
    monkeypatch.setattr(live, "publish", lambda channel, event: sent.append((channel, event)))
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user=participant.user, keep_contributions=False)
    assert {event["post"] for _, event in sent} == {first.pk, second.pk}
    for channel, event in sent:
        assert channel == live.room_channel(room.pk) and event["seq"] > cursor
        assert "Removed by its author" in event["html"]["en"]
        assert "take back" not in json.dumps(event) and "More of them" not in json.dumps(event)
    # A page that reconnects (or polls) from before the deletion gets the placeholders too.
    body = client_for(other).get(UPDATES.format(room.pk), {"after": cursor}).json()
    assert body["events"] and "take back" not in json.dumps(body)
    assert "Removed by its author" in json.dumps(body)


@pytest.mark.django_db
def test_polling_fallback_returns_what_changed_since_the_cursor(room, participant, other):
    first = posts.create_post(member=participant, room=room, body="one")
    posts.create_post(member=other, room=room, body="two", parent=first)
    client = client_for(other)
    body = client.get(UPDATES.format(room.pk), {"after": first.seq}).json()
    assert [e["thread"] for e in body["events"]] == [first.pk]
    assert "two" in body["events"][0]["html"] and body["reload"] is False
    assert client.get(UPDATES.format(room.pk), {"after": 0}).json()["events"][0]["post"] == first.pk


@pytest.mark.django_db
def test_event_stream_under_wsgi_replays_and_asks_the_browser_to_reconnect(room, participant):
    post = posts.create_post(member=participant, room=room, body="Missed while away")
    response = client_for(participant).get(
        EVENTS.format(room.pk), headers={"Last-Event-ID": "0"}, data={"after": "0"}
    )
    assert response["Content-Type"].startswith("text/event-stream")
    assert response.content.startswith(b"retry: 3000")
    response = client_for(participant).get(
        EVENTS.format(room.pk), headers={"Last-Event-ID": str(post.seq - 1)}
    )
    text = response.content.decode()
    assert f"id: {post.seq}\nevent: post\n" in text and "Missed while away" in text


@pytest.mark.django_db
def test_event_stream_is_for_members_only(room, client):
    assert client.get(EVENTS.format(room.pk)).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_asgi_stream_replays_then_delivers_new_posts_live(room, participant, other):
    earlier = posts.create_post(member=participant, room=room, body="Before connecting")
    client = AsyncClient()
    client.force_login(other.user)

    async def scenario():
        response = await client.get(EVENTS.format(room.pk), {"after": str(earlier.seq - 1)})
        assert response.status_code == 200 and response.streaming
        chunks = aiter(response.streaming_content)
        assert (await anext(chunks)).startswith(b"retry:")
        assert (await anext(chunks)).startswith(b"event: room\n")  # the room's settings now
        assert b"Before connecting" in await anext(chunks)
        later = asyncio.ensure_future(anext(chunks))
        await asyncio.sleep(0.1)
        await sync_to_async(posts.create_post)(member=participant, room=room, body="Said live")
        frame = await asyncio.wait_for(later, 5)
        assert b"Said live" in frame and frame.startswith(b"id: ")
        await response.streaming_content.aclose()
        await sync_to_async(connections.close_all)()

    asyncio.run(scenario())


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
def test_redis_hub_fans_out_between_publisher_and_listeners():
    hub = live.RedisHub(os.environ["REDIS_URL"])

    async def scenario():
        async with hub.subscribe(["mashwara:live:test"]) as listener:
            await asyncio.to_thread(hub.publish, "mashwara:live:test", "hello")
            assert await listener.next(5) == "hello"

    asyncio.run(scenario())
