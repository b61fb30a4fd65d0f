"""Live updates: services publish events, the server-sent-events view fans them out.

With ``REDIS_URL`` set, events go through Redis pub/sub, so every web process (and a Celery
worker) reaches every listener; each process holds one pattern subscription and hands events to
its own listeners' queues. Without Redis (development, tests) a process-local hub does the same
within one process. Events never carry more than what the room page already shows publicly, and
Redis is only a pipe: posts are in the database, and a listener that reconnects is sent what it
missed from there (see ``selectors.events_since``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache

from django.conf import settings

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "mashwara:live:"
QUEUE_SIZE = 256


def room_channel(room_id: int) -> str:
    return f"{CHANNEL_PREFIX}room:{room_id}"


def session_channel(session_id: int) -> str:
    return f"{CHANNEL_PREFIX}session:{session_id}"


class Subscription:
    """One listener's inbox, living on the event loop that serves the listener."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.overflowed = False

    def _put(self, payload: str) -> None:
        try:
            self.queue.put_nowait(payload)
        except asyncio.QueueFull:
            # A listener too slow to keep up is told to reload rather than given a gap.
            self.overflowed = True

    def deliver(self, payload: str) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self._put(payload)
        elif not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._put, payload)

    async def next(self, timeout: float) -> str | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None


class LocalHub:
    """Fan-out inside one process; publishers may be on any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Subscription]] = {}

    def publish(self, channel: str, payload: str) -> None:
        with self._lock:
            targets = list(self._subscribers.get(channel, ()))
        for subscription in targets:
            subscription.deliver(payload)

    def listener_count(self, channel: str) -> int:
        with self._lock:
            return len(self._subscribers.get(channel, ()))

    @asynccontextmanager
    async def subscribe(self, channels: list[str]) -> AsyncIterator[Subscription]:
        subscription = Subscription(asyncio.get_running_loop())
        with self._lock:
            for channel in channels:
                self._subscribers.setdefault(channel, set()).add(subscription)
        try:
            yield subscription
        finally:
            with self._lock:
                for channel in channels:
                    members = self._subscribers.get(channel)
                    if members is not None:
                        members.discard(subscription)
                        if not members:
                            del self._subscribers[channel]


class RedisHub:
    """Publish to Redis; per event loop, one pattern subscription feeds a ``LocalHub``."""

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self._publisher = redis.Redis.from_url(url)
        self.local = LocalHub()
        self._readers: dict[asyncio.AbstractEventLoop, asyncio.Event] = {}

    def publish(self, channel: str, payload: str) -> None:
        self._publisher.publish(channel, payload)

    async def _read(self, ready: asyncio.Event) -> None:
        import redis.asyncio as aioredis

        backoff = 0.5
        while True:
            client = aioredis.Redis.from_url(self.url)
            try:
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                await pubsub.psubscribe(CHANNEL_PREFIX + "*")
                ready.set()
                backoff = 0.5
                while True:
                    message = await pubsub.get_message(timeout=30.0)
                    if message is None or message.get("type") != "pmessage":
                        continue
                    self.local.publish(message["channel"].decode(), message["data"].decode())
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis restarted or unreachable: listeners reconnect and replay
                log.warning("live updates: Redis subscription lost, retrying")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                await client.aclose()

    @asynccontextmanager
    async def subscribe(self, channels: list[str]) -> AsyncIterator[Subscription]:
        loop = asyncio.get_running_loop()
        ready = self._readers.get(loop)
        if ready is None:
            ready = self._readers[loop] = asyncio.Event()
            task = loop.create_task(self._read(ready))
            task.add_done_callback(lambda _t: self._readers.pop(loop, None))
        try:
            await asyncio.wait_for(ready.wait(), 5.0)
        except TimeoutError:
            log.warning("live updates: Redis subscription not ready")
        async with self.local.subscribe(channels) as subscription:
            yield subscription


_hub: LocalHub | RedisHub | None = None
_hub_lock = threading.Lock()


def hub() -> LocalHub | RedisHub:
    global _hub
    with _hub_lock:
        if _hub is None:
            _hub = RedisHub(settings.REDIS_URL) if settings.REDIS_URL else LocalHub()
        return _hub


def publish(channel: str, event: dict) -> None:
    """Send ``event`` to every listener of ``channel``; never lets a failure reach the caller."""
    payload = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    try:
        hub().publish(channel, payload)
    except Exception:  # the post is saved; listeners catch up on reconnect or reload
        log.warning("live updates: could not publish an event")


@lru_cache(maxsize=64)
def sse_frame(payload: str, language: str) -> bytes:
    """The server-sent-events frame of ``payload`` for a listener reading in ``language``.

    Every listener of a room receives the same payload string, so the frame is built once per
    language and event, not once per listener.
    """
    event = json.loads(payload)
    html = event.pop("html", None)
    if isinstance(html, dict):
        event["html"] = html.get(language) or html.get("en", "")
    lines = []
    if event.get("seq"):
        lines.append(f"id: {event['seq']}")
    lines.append(f"event: {event.get('type', 'message')}")
    lines.append("data: " + json.dumps(event, ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode("utf-8")
