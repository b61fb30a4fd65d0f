"""Faults under load: ballots cast over HTTP while PostgreSQL, Redis, gunicorn workers and the
Celery worker fail; then close, tally, publish and verify the record with every voter's receipt.

Run ``.venv/bin/python bench/faults.py [--ballots N]`` (PostgreSQL on 127.0.0.1 with trust auth,
Redis on 127.0.0.1:6379). The bench creates its own database ``mashwara_faults``
(``BENCH_DATABASE``) and flushes its own Redis database, ``BENCH_REDIS_URL`` (default
``redis://127.0.0.1:6379/15``). It starts gunicorn with the ``ballot`` service's options from
docker-compose.yml (``--service web`` for the web service's) and a Celery worker with the
``worker`` service's, both reaching PostgreSQL and Redis through ``tests.faultproxy`` proxies, and
casts N ballots per scenario (real ballots, encrypted before the timed part) from ``--clients``
threads that behave like the ballot page (frontend/src/voting/api.js): each keeps its ballot,
sends the same bytes again after a 5xx, 408/425/429 or a lost connection, waiting 2, 4, 8 … 30 s
or the Retry-After, whichever is longer, and stops only at a receipt or a refusal by the
ballot's own checks. The scenarios:

1. the link to PostgreSQL cut (connections reset, new ones refused) for a few seconds;
2. the link dropped right after PostgreSQL's COMMIT of a cast (the ballot is stored, the worker
   never hears so), for one cast in 25;
3. Redis down (cache and broker), still down while the election is closed: the close commits and
   the tally is left to the beat sweep;
4. gunicorn workers killed -9 mid-run;
5. the Celery worker killed -9 (the whole worker) during the tally that the sweep started: its
   message is delivered again after the visibility timeout (``CELERY_VISIBILITY_TIMEOUT``, 10 s
   here, 300 s deployed) to a new worker;
6. PostgreSQL blackholed (nothing flows, TCP holds it) for a few seconds.

For each casting scenario it prints ballots attempted, receipted, on the board and lost (receipted
but not on the board, or on the board under another tracker, or sent but never receipted), then
the trustees decrypt, the election is published, and ``python -m voting.verify`` checks the
record and every receipt. The goal: 0 lost, every voter holds a receipt, the record verifies.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import election as cast_bench  # noqa: E402  (gunicorn command, ballots, HTTP)
from bench.database import database_name, migrated_django  # noqa: E402
from tests.faultproxy import POSTGRES_COMMIT, FaultProxy  # noqa: E402

DATABASE = database_name("mashwara_faults")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
VISIBILITY_TIMEOUT = 10
KILL_AFTER = 0.1  # seconds between the worker taking the tally's task and its kill
GIVE_UP = 180.0  # seconds a client keeps resending one ballot before the bench calls it lost


@dataclass
class Vote:
    """One voter's ballot and what its client went through."""

    body: bytes
    key: str
    attempts: int = 0
    unavailable: int = 0  # 5xx, 408, 425, 429 answers
    dropped: int = 0  # connections lost or cut short
    status: int = 0  # of the receipt: 201 appended, 200 already on the board
    receipt: dict | None = None
    refusal: str = ""
    seconds: float = 0.0


def _backoff(attempt: int) -> float:
    return min(2**attempt * 2, 30)  # the ballot page's (frontend/src/voting/api.js)


def _retry_after(head: bytes) -> float:
    found = re.search(rb"(?im)^retry-after:\s*(\d+)", head)
    return min(int(found[1]), 30) if found else 0


def _vote(port: int, path: str, vote: Vote) -> None:
    """Send the ballot until a receipt or a refusal by its own checks, as the ballot page does."""
    request = cast_bench._request(port, path, vote.body)
    started = time.monotonic()
    for attempt in itertools.count():
        vote.attempts += 1
        try:
            status, head, body = cast_bench._exchange(port, request, timeout=120)
        except OSError:  # refused, reset, cut short, timed out
            vote.dropped += 1
            wait = _backoff(attempt)
        else:
            if status in (200, 201):
                vote.status, vote.receipt = status, json.loads(body)
                break
            if not (status >= 500 or status in (408, 425, 429)):
                vote.refusal = f"{status} {body[:120]!r}"
                break
            vote.unavailable += 1
            wait = max(_backoff(attempt), _retry_after(head))
        if time.monotonic() - started + wait > GIVE_UP:
            break
        time.sleep(wait)
    vote.seconds = time.monotonic() - started


def _cast(port: int, path: str, votes: list[Vote], clients: int) -> list[threading.Thread]:
    def client(mine: list[Vote]) -> None:
        for vote in mine:
            _vote(port, path, vote)

    threads = [threading.Thread(target=client, args=(votes[i::clients],)) for i in range(clients)]
    for thread in threads:
        thread.start()
    return threads


@dataclass
class Rig:
    """What the faults act on."""

    postgres: FaultProxy
    redis: FaultProxy
    server: subprocess.Popen
    ballots: int
    outage: float  # seconds of scenarios 1 and 6
    note: str = ""


def _pg_cut(rig: Rig) -> None:
    rig.postgres.cut()
    time.sleep(rig.outage)
    rig.postgres.heal()
    rig.note = f"cut for {rig.outage:g} s"


def _commit_drop(rig: Rig) -> None:
    times = max(3, rig.ballots // 25)
    before = rig.postgres.reply_cuts
    rig.postgres.cut_on_reply(POSTGRES_COMMIT, times)
    end = time.monotonic() + 20
    while rig.postgres.armed and time.monotonic() < end:
        time.sleep(0.05)
    rig.postgres.heal()
    rig.note = f"{rig.postgres.reply_cuts - before} links dropped right after COMMIT"


def _redis_down(rig: Rig) -> None:
    rig.redis.cut()  # healed after the close (see main)
    rig.note = "down from here to after the close"


def _age(pid: int) -> float:
    """Seconds since process ``pid`` started (0 if it has gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            started = int(handle.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as handle:
            uptime = float(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    return uptime - started / os.sysconf("SC_CLK_TCK")


def _owner(address: tuple, candidates: list[int]) -> int | None:
    """The process among ``candidates`` holding the TCP socket bound to ``address`` (IPv4)."""
    local = f"{bytes(reversed(socket.inet_aton(address[0]))).hex().upper()}:{address[1]:04X}"
    with open("/proc/net/tcp") as handle:
        inodes = [row.split()[9] for row in handle.readlines()[1:] if row.split()[1] == local]
    for pid in candidates:
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in descriptors:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if any(target == f"socket:[{inode}]" for inode in inodes):
                return pid
    return None


def _worker_kill(rig: Rig) -> None:
    """The first worker is killed the moment PostgreSQL's answer to its COMMIT reaches the proxy
    (the ballot is stored, its voter's connection dies unanswered); then one every second."""
    killed = []

    def kill_owner(address: tuple) -> None:
        pid = _owner(address, cast_bench._children(rig.server.pid))
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    rig.postgres.cut_on_reply(POSTGRES_COMMIT, 1, before_cut=kill_owner)
    _wait(lambda: not rig.postgres.armed, 10)
    rig.postgres.heal()
    at_commit = len(killed)
    for _ in range(2):
        time.sleep(1)
        # A worker that has served for a while (not one still booting): under this load it is
        # in the middle of a cast almost all the time.
        serving = [pid for pid in cast_bench._children(rig.server.pid) if _age(pid) > 2]
        if serving:
            os.kill(random.choice(serving), signal.SIGKILL)
            killed.append(serving)
    rig.note = (
        f"{len(killed)} workers killed -9, {at_commit} of them right after its COMMIT, "
        f"the others 1 s apart"
    )


def _pg_blackhole(rig: Rig) -> None:
    rig.postgres.blackhole()
    time.sleep(rig.outage)
    rig.postgres.heal()
    rig.note = f"blackholed for {rig.outage:g} s"


CASTING = [
    (1, "PostgreSQL link cut", _pg_cut),
    (2, "link dropped after COMMIT", _commit_drop),
    (4, "gunicorn workers killed -9", _worker_kill),
    (6, "PostgreSQL blackholed", _pg_blackhole),
    (3, "Redis down", _redis_down),  # last: Redis stays down through the close
]


def _scenario(rig: Rig, port: int, path: str, votes: list[Vote], clients: int, fault) -> float:
    """Cast ``votes``; once a quarter have receipts, inject ``fault``. Seconds taken."""
    started = time.monotonic()
    threads = _cast(port, path, votes, clients)
    while sum(v.receipt is not None for v in votes) < len(votes) // 4:
        if not any(t.is_alive() for t in threads):
            break
        time.sleep(0.02)
    fault(rig)
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def _tally(votes: list[Vote], election) -> dict[str, int]:
    """Attempted, receipted, on the board, lost (and twice on the board: a resend appended)."""
    from django.db.models import Count

    from voting.models import BoardEntry

    keys = [v.key for v in votes]
    rows = BoardEntry.objects.filter(election=election, credential_key__in=keys)
    trackers = dict(rows.values_list("credential_key", "tracker"))
    twice = rows.values("credential_key").annotate(n=Count("id")).filter(n__gt=1).count()
    attempted = [v for v in votes if v.attempts]
    receipted = [v for v in attempted if v.receipt is not None]
    lost = sum(v.receipt is None or trackers.get(v.key) != v.receipt["tracker"] for v in attempted)
    return {
        "attempted": len(attempted),
        "receipted": len(receipted),
        "board": sum(v.key in trackers for v in attempted),
        "lost": lost,
        "twice": twice,
    }


def _report(number: int, label: str, note: str, votes: list[Vote], figures, seconds) -> None:
    print(
        f"({number}) {label} ({note}): attempted {figures['attempted']}, receipted "
        f"{figures['receipted']}, on the board {figures['board']}, lost {figures['lost']}"
        f"{', TWICE on the board ' + str(figures['twice']) if figures['twice'] else ''}; "
        f"clients saw {sum(v.unavailable for v in votes)} × 503, "
        f"{sum(v.dropped for v in votes)} lost connections; "
        f"stored ballots whose receipt came on a resend: {sum(v.status == 200 for v in votes)}; "
        f"slowest receipt {max(v.seconds for v in votes):.1f} s; scenario {seconds:.0f} s"
    )
    for vote in votes:
        if vote.refusal:
            print(f"    refused: {vote.refusal}")


def _await_http(port: int) -> None:
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _worker_command() -> list[str]:
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["worker"]["command"]
    assert command[0] == "celery", command
    return [sys.executable, "-m", "celery", *command[1:]]


def _start_worker(env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        _worker_command(), cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
    )


def _wait(check: Callable[[], bool], seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.02)
    return False


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=200, help="ballots per casting scenario")
    parser.add_argument("--clients", type=int, default=8, help="concurrent voters' clients")
    parser.add_argument("--service", default="ballot", choices=["ballot", "web"])
    parser.add_argument(
        "--outage", type=float, default=3.0, help="seconds PostgreSQL is cut, then blackholed"
    )
    args = parser.parse_args()

    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    redis_db = REDIS_URL.rsplit("/", 1)[1]
    redis_port = int(re.search(r":(\d+)/", REDIS_URL)[1])
    postgres = FaultProxy("127.0.0.1", 5432, port=_free_port())
    redis_proxy = FaultProxy("127.0.0.1", redis_port, port=_free_port())
    proxied_redis = f"redis://127.0.0.1:{redis_proxy.port}/{redis_db}"
    # This process (the organizer's and trustees' side) reaches PostgreSQL directly, so what it
    # reports is not itself disturbed, and Redis through the proxy, so the close meets Redis down.
    migrated_django(DATABASE, redis_url=proxied_redis)
    from voting import simulation, tasks
    from voting.models import Election, ElectionState
    from voting.selectors import record_lines
    from voting.services import lifecycle, tally

    n = args.ballots * len(CASTING)
    print(
        f"faults: {len(CASTING)} casting scenarios × {args.ballots} ballots, {args.clients} clients"
    )
    started = time.perf_counter()
    sim = simulation.prepare(n, questions=cast_bench.QUESTION)
    election = sim.election
    head = simulation.board_head(election)
    jobs = [
        (election.manifest, election.fingerprint_bytes, v.secret.hex(), v.credential, head, i)
        for i, v in enumerate(sim.voters)
    ]
    print(f"set-up: ceremony and {n} credentials {time.perf_counter() - started:.0f} s", end="")
    started = time.perf_counter()
    with ProcessPoolExecutor() as pool:
        bodies = list(pool.map(cast_bench._encrypt, jobs, chunksize=50))
    votes = [Vote(body, v.credential["key"]) for body, v in zip(bodies, sim.voters, strict=True)]
    print(f", {n} ballots encrypted {time.perf_counter() - started:.0f} s; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip

    postgres.start()
    redis_proxy.start()
    logs = tempfile.mkdtemp(prefix="mashwara-faults-")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{postgres.port}/{DATABASE}?sslmode=disable",
        "REDIS_URL": proxied_redis,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    }
    port = _free_port()
    command = cast_bench._gunicorn_command(port, None, None, service=args.service)
    print(f"server: {args.service} service: {' '.join(command[2:])}; worker: celery "
          f"{' '.join(_worker_command()[3:])}; logs in {logs}")  # fmt: skip
    server_log = open(os.path.join(logs, "gunicorn.log"), "w")  # noqa: SIM115
    worker_log = open(os.path.join(logs, "worker.log"), "w")  # noqa: SIM115
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=server_log, stderr=server_log)
    worker = _start_worker(env, worker_log)
    rig = Rig(postgres, redis_proxy, server, args.ballots, args.outage)
    path = f"/ballot-box/{election.uuid}/cast"
    totals = {"attempted": 0, "receipted": 0, "board": 0, "lost": 0, "twice": 0}
    verified = False
    try:
        _await_http(port)
        for index, (number, label, fault) in enumerate(CASTING):
            part = votes[index * args.ballots : (index + 1) * args.ballots]
            seconds = _scenario(rig, port, path, part, args.clients, fault)
            figures = _tally(part, election)
            _report(number, label, rig.note, part, figures, seconds)
            for key in totals:
                totals[key] += figures[key]

        # (3), continued: the election closes while Redis is down.
        started = time.perf_counter()
        election = lifecycle.transition(election, ElectionState.CLOSED, actor=sim.organizer)
        closed_in = time.perf_counter() - started
        due = Election.objects.get(pk=election.pk).encrypted_tally is None
        redis_proxy.heal()
        print(
            f"(3) close with Redis down: committed in {closed_in:.1f} s, tally "
            f"{'due (the enqueue failed; left to the sweep)' if due else 'ALREADY COMPUTED'}"
        )

        # (5) beat's sweep starts the tally; the whole worker is killed -9 while it runs.
        broker = redis.Redis.from_url(REDIS_URL)
        tasks.sweep_due_tallies.delay()  # what beat sends every minute
        taken = _wait(lambda: broker.hlen("unacked") > 0, 30)  # reserved, not acknowledged
        time.sleep(KILL_AFTER)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        killed_at = time.perf_counter()
        stored = Election.objects.get(pk=election.pk).encrypted_tally is not None
        time.sleep(VISIBILITY_TIMEOUT + 1)  # a starting worker restores unacknowledged messages
        worker = _start_worker(env, worker_log)
        done = _wait(lambda: Election.objects.get(pk=election.pk).encrypted_tally is not None, 120)
        if stored:
            outcome = "the tally was stored before the kill (too few ballots to catch it)"
        elif done:
            outcome = (
                f"stored {time.perf_counter() - killed_at:.0f} s after the kill by a new worker "
                f"(message delivered again after the {VISIBILITY_TIMEOUT} s visibility timeout)"
            )
        else:
            outcome = "NEVER STORED"
        print(
            f"(5) Celery worker killed -9 {KILL_AFTER} s after it took the sweep's task"
            f"{'' if taken else ' (NOT TAKEN)'}: {outcome}"
        )
        election.refresh_from_db()
        rows = {t.index: t for t in election.trustees.all()}
        for client in sim.trustees[: election.threshold]:
            message = client.decrypt(election.encrypted_tally, election.fingerprint_bytes)
            tally.submit_decryption(election=election, trustee=rows[client.index], message=message)
        combined = _wait(
            lambda: Election.objects.get(pk=election.pk).state == ElectionState.TALLIED, 120
        )
        election.refresh_from_db()
        counted = (election.results or {}).get("counted")
        print(
            f"decryption combined by the worker: {'yes' if combined else 'NO'}; counted "
            f"{counted} ballots, receipted {totals['receipted']}"
        )
        election = lifecycle.transition(election, ElectionState.PUBLISHED, actor=sim.organizer)
        record, receipts = os.path.join(logs, "record.jsonl"), os.path.join(logs, "receipts.json")
        with open(record, "wb") as handle:
            for line in record_lines(election):
                handle.write(line)
        with open(receipts, "w") as handle:
            json.dump([v.receipt for v in votes if v.receipt is not None], handle)
        result = subprocess.run(
            [sys.executable, "-m", "voting.verify", record, "--receipts", receipts],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        receipts_ok = len(re.findall(r"(?m)^\[ok\]\s+receipt ", result.stdout))
        verified = result.returncode == 0 and receipts_ok == totals["receipted"]
        print(
            f"python -m voting.verify: {'passed' if result.returncode == 0 else 'FAILED'}; "
            f"receipts found on the published board: {receipts_ok} of {totals['receipted']}"
        )
        if result.returncode:
            print(result.stdout[-3000:])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(30)
        postgres.stop()
        redis_proxy.stop()
    every = totals["receipted"] == totals["attempted"]
    print(
        f"total: attempted {totals['attempted']}, receipted {totals['receipted']}, on the board "
        f"{totals['board']}, lost {totals['lost']}, twice on the board {totals['twice']}; every "
        f"voter who cast holds a receipt: {'yes' if every else 'NO'}; record and receipts "
        f"verified: {'yes' if verified else 'NO'}"
    )
    return 0 if every and verified and not totals["lost"] and not totals["twice"] else 1


if __name__ == "__main__":
    sys.exit(main())
