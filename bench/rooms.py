"""Benchmark of live rooms: uvicorn on loopback with PostgreSQL and Redis.

Run ``.venv/bin/python bench/rooms.py`` (PostgreSQL on 127.0.0.1 with trust auth, Redis on
127.0.0.1:6379). The benchmark creates and migrates its own database ``mashwara_bench_rooms``
and uses Redis database 15 for its cache. Steps:

1. seed a deliberating convention: ``--listeners`` members (default 200), ten posting members, a
   live room, and a second room holding ``--page-posts`` posts (default 500, in threads of five);
2. start uvicorn (``--workers``, default 2) serving ``config.asgi:application`` on 127.0.0.1,
   with live updates fanned out through Redis pub/sub;
3. open one server-sent-events stream per listener on the live room and keep them all open;
4. post ``--posts`` posts over HTTP at ``--rate`` posts a second (default 0.9/s, inside the
   room's own flood limit of 60 a minute), each carrying a token, and time from sending each
   post to each listener receiving it: p50, p95, max delivery latency, and lost deliveries;
5. time ``--page-requests`` loads of the busy room's page (last page, as a member): p50, p95.

Targets on a 2-core machine: p95 delivery <= 1 s with 200 listeners; room page p50 <= 50 ms.
Everything stays on the loopback interface and every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import fresh_database_url  # noqa: E402

DATABASE = "mashwara_bench_rooms"
HOST = "127.0.0.1"
TOKEN = re.compile(rb"bench-token-(\d+)")


# --- Set-up --------------------------------------------------------------------------------


def seed(listeners: int, page_posts: int) -> dict:
    """Create the convention, members, rooms and posts; return ids and session cookies."""
    import django
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.core.cache import cache

    cache.clear()
    from convention.models import Convention, Membership, MembershipRole, Phase, Role, User
    from deliberation.models import Post, Room
    from deliberation.services.posts import leaving_url
    from deliberation.text import digest, render_markdown

    convention = Convention.objects.create(
        slug="bench", title_en="Bench", phase=Phase.DELIBERATION, require_staff_mfa=False
    )
    live_room = Room.objects.create(convention=convention, title_en="Live room")
    page_room = Room.objects.create(convention=convention, title_en="Busy room")

    def member(name: str) -> tuple[Membership, str]:
        user = User(username=name)
        user.set_unusable_password()
        user.save()
        membership = Membership.objects.create(convention=convention, user=user, pseudonym=name)
        MembershipRole.objects.create(membership=membership, role=Role.PARTICIPANT)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return membership, session.session_key

    listening = [member(f"listener{n}")[1] for n in range(listeners)]
    posting = [member(f"poster{n}") for n in range(10)]
    # The busy room: threads of five posts of ordinary length, written straight to the table.
    text = (
        "The provinces should elect their own governors, and the national assembly should "
        "review every appointment in public. **Accountability** matters more than speed."
    )
    leaving = leaving_url(page_room)
    seq = 0
    authors = [m for m, _ in posting]
    batch: list[Post] = []
    roots: list[Post] = []
    for n in range(page_posts):
        body = f"{text} ({n})"
        seq += 1
        post = Post(
            room=page_room,
            author=authors[n % len(authors)],
            body=body,
            body_html=render_markdown(body, leaving_url=leaving),
            body_digest=digest(body),
            language="en",
            seq=seq,
        )
        if n % 5 == 0:
            post.save()
            roots.append(post)
        else:
            post.thread = post.parent = roots[-1]
            batch.append(post)
    Post.objects.bulk_create(batch)
    Room.objects.filter(pk=page_room.pk).update(seq=seq)
    return {
        "live_room": live_room.pk,
        "page_room": page_room.pk,
        "listeners": listening,
        "posters": [key for _, key in posting],
        "page_posts": Post.objects.filter(room=page_room).count(),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(port: int, workers: int, env: dict) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "uvicorn"),
            "config.asgi:application",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "2",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("uvicorn did not start within 30 s")


# --- A small HTTP/1.1 client on asyncio streams (loopback only) ----------------------------


async def http(
    port: int,
    method: str,
    path: str,
    *,
    cookies: dict,
    form: dict | None = None,
    timeout: float = 30.0,
) -> tuple[int, dict, bytes]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    body = urlencode(form).encode() if form is not None else b""
    head = [
        f"{method} {path} HTTP/1.1",
        f"Host: {HOST}:{port}",
        "Connection: close",
        "Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()),
    ]
    if form is not None:
        head += [
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(body)}",
            "Sec-Fetch-Site: same-origin",
        ]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), timeout)
    writer.close()
    header_blob, _, payload = raw.partition(b"\r\n\r\n")
    lines = header_blob.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    if "chunked" in ",".join(headers.get("transfer-encoding", [])):
        payload = dechunk(payload)
    return status, headers, payload


def dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return bytes(out)


class Listener:
    """One member's event stream; records when each post token arrives."""

    def __init__(self, port: int, room: int, session: str) -> None:
        self.port, self.room, self.session = port, room, session
        self.received: dict[int, float] = {}
        self.connected = asyncio.Event()
        self.writer: asyncio.StreamWriter | None = None

    async def run(self, stop: asyncio.Event) -> None:
        reader, writer = await asyncio.open_connection(HOST, self.port)
        self.writer = writer
        path = f"/c/bench/deliberation/rooms/{self.room}/events/"
        writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
                f"Cookie: sessionid={self.session}\r\nAccept: text/event-stream\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 30)
        if b" 200 " not in status_line:
            raise RuntimeError(f"event stream refused: {status_line!r}")
        while (await asyncio.wait_for(reader.readline(), 30)) not in (b"\r\n", b""):
            pass
        self.connected.set()
        buffer = b""
        while not stop.is_set():
            try:
                size_line = await asyncio.wait_for(reader.readline(), 1.0)
            except TimeoutError:
                continue
            if not size_line:
                return
            size = int(size_line.strip().split(b";")[0] or b"0", 16)
            if size == 0:
                return
            chunk = await reader.readexactly(size + 2)
            now = time.perf_counter()
            buffer += chunk[:-2]
            while b"\n\n" in buffer:
                frame, buffer = buffer.split(b"\n\n", 1)
                for match in TOKEN.finditer(frame):
                    self.received.setdefault(int(match.group(1)), now)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def csrf_for(port: int, room: int, session: str) -> tuple[str, str]:
    status, headers, body = await http(
        port, "GET", f"/c/bench/deliberation/rooms/{room}/", cookies={"sessionid": session}
    )
    if status != 200:
        raise RuntimeError(f"room page answered {status}")
    cookie = next(c for c in headers.get("set-cookie", []) if c.startswith("csrftoken="))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    return cookie.split(";")[0].split("=", 1)[1], token


async def live_phase(port: int, data: dict, posts: int, rate: float) -> dict:
    stop = asyncio.Event()
    listeners = [Listener(port, data["live_room"], s) for s in data["listeners"]]
    tasks = []
    started = time.perf_counter()
    for start in range(0, len(listeners), 20):  # connect in waves, as a room fills up
        group = listeners[start : start + 20]
        tasks += [asyncio.create_task(listener.run(stop)) for listener in group]
        await asyncio.wait_for(asyncio.gather(*(one.connected.wait() for one in group)), 60)
    connect_seconds = time.perf_counter() - started
    posters = [(key, *(await csrf_for(port, data["live_room"], key))) for key in data["posters"]]
    sent: dict[int, float] = {}
    statuses: list[int] = []
    interval = 1.0 / rate
    next_at = time.perf_counter()
    for n in range(posts):
        next_at += interval
        key, csrf_cookie, token = posters[n % len(posters)]
        sent[n] = time.perf_counter()
        status, _, _ = await http(
            port,
            "POST",
            f"/c/bench/deliberation/rooms/{data['live_room']}/post/",
            cookies={"sessionid": key, "csrftoken": csrf_cookie},
            form={
                "csrfmiddlewaretoken": token,
                "language": "en",
                "body": f"Live point number {n}, bench-token-{n}.",
            },
        )
        statuses.append(status)
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    await asyncio.sleep(3.0)  # let the last events arrive
    stop.set()
    for listener in listeners:
        listener.close()
    await asyncio.wait(tasks, timeout=5)
    latencies = [
        listener.received[n] - sent[n]
        for listener in listeners
        for n in sent
        if n in listener.received
    ]
    expected = len(listeners) * len(sent)
    return {
        "connect_seconds": connect_seconds,
        "statuses": statuses,
        "latencies": sorted(latencies),
        "lost": expected - len(latencies),
        "expected": expected,
    }


async def page_phase(port: int, data: dict, requests: int) -> list[float]:
    session = data["listeners"][0]
    path = f"/c/bench/deliberation/rooms/{data['page_room']}/"
    times = []
    size = 0
    for _ in range(requests):
        began = time.perf_counter()
        status, _, body = await http(port, "GET", path, cookies={"sessionid": session})
        times.append(time.perf_counter() - began)
        size = len(body)
        if status != 200:
            raise RuntimeError(f"room page answered {status}")
    print(f"  room page: {size / 1024:.1f} KB of HTML")
    return sorted(times)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listeners", type=int, default=200)
    parser.add_argument("--posts", type=int, default=40)
    parser.add_argument("--rate", type=float, default=0.9, help="posts a second")
    parser.add_argument("--page-posts", type=int, default=500)
    parser.add_argument("--page-requests", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    )
    args = parser.parse_args()

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": fresh_database_url(DATABASE),
        "REDIS_URL": args.redis,
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "ALLOWED_HOSTS": HOST,
    }
    os.environ.update(env)
    print(f"seeding {args.listeners} listeners and a room of {args.page_posts} posts ...")
    data = seed(args.listeners, args.page_posts)
    from django.db import connections

    connections.close_all()
    port = free_port()
    server = start_server(port, args.workers, env)
    try:
        print(f"uvicorn: {args.workers} workers on {HOST}:{port}, PostgreSQL, Redis pub/sub")
        live = asyncio.run(live_phase(port, data, args.posts, args.rate))
        page = asyncio.run(page_phase(port, data, args.page_requests))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    latencies = live["latencies"]
    bad = [s for s in live["statuses"] if s != 302]
    print(
        f"\nlive delivery: {args.listeners} listeners connected in "
        f"{live['connect_seconds']:.1f} s; {len(live['statuses'])} posts at {args.rate}/s "
        f"({len(bad)} refused: {sorted(set(bad))})"
    )
    print(f"  deliveries: {len(latencies)} of {live['expected']} (lost {live['lost']})")
    print(
        f"  latency p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
        f"max {max(latencies, default=float('nan')) * 1000:.0f} ms  (target p95 <= 1000 ms)"
    )
    print(
        f"room page with {data['page_posts']} posts, {len(page)} loads: "
        f"p50 {percentile(page, 0.5) * 1000:.1f} ms, p95 {percentile(page, 0.95) * 1000:.1f} "
        f"ms, mean {statistics.mean(page) * 1000:.1f} ms  (target p50 <= 50 ms)"
    )


if __name__ == "__main__":
    main()
