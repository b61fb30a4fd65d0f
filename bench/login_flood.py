"""Benchmark: what a flood of bogus logins does to casting (goal: cast p99 ≤ 200 ms).

Run ``.venv/bin/python bench/login_flood.py`` (PostgreSQL on 127.0.0.1, trust auth; its own
database ``mashwara_bench_login``). It prepares an election (``--voters`` credentials) and
encrypts a ballot per voter (not timed), starts gunicorn with the ``web`` service's options
from docker-compose.yml, and casts ballots with ``--clients`` clients three ways: alone; while
``--flood`` threads log in with random usernames and passwords as fast as the server answers
(each a real login: GET the form for its CSRF token, POST it), with the password hashing
bounded as deployed (``PASSWORD_HASHING_SLOTS``, default 1); and the same flood with the bound
lifted (64 slots: every worker may hash at once, as before). Prints cast p50/p99 and what the
logins got (200 = refused as wrong, 503 = busy, try again).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("BENCH_DATABASE", "mashwara_bench_login")
import election as cast_bench  # noqa: E402  (bench/election.py: shared set-up and HTTP helpers)

from bench.database import migrated_django  # noqa: E402

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def _login_flood(port: int, stop: threading.Event, statuses: list[int]) -> None:
    while not stop.is_set():
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/accounts/login/")
            response = conn.getresponse()
            page = response.read()
            cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
            token = TOKEN.search(page)
            conn.close()
            if not token:
                statuses.append(response.status)
                continue
            body = (
                f"csrfmiddlewaretoken={token[1].decode()}&login=nobody-{secrets.token_hex(4)}"
                f"&password={secrets.token_hex(8)}"
            )
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(
                "POST",
                "/accounts/login/",
                body=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": cookie,
                    "Origin": f"http://127.0.0.1:{port}",
                    "Referer": f"http://127.0.0.1:{port}/accounts/login/",
                },
            )
            answer = conn.getresponse()
            answer.read()
            statuses.append(answer.status)
            conn.close()
        except OSError:
            statuses.append(0)


def _serve(port: int, slots: int, command: list[str] | None = None) -> subprocess.Popen:
    command = command or cast_bench._gunicorn_command(port, service="web")
    env = {**os.environ, "DB_CONN_MAX_AGE": "86400", "PASSWORD_HASHING_SLOTS": str(slots)}
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return server
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _cast(port: int, path: str, bodies: list[bytes], clients: int) -> tuple[float, float, int]:
    latencies: list[float] = []
    errors: list = []
    cast_bench._run_clients(port, path, bodies, clients, latencies, errors)
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000
    return p50, p99, len(errors)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=600)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--flood", type=int, default=50, help="concurrent bogus-login clients")
    parser.add_argument("--slots", type=int, default=1, help="PASSWORD_HASHING_SLOTS as deployed")
    parser.add_argument(
        "--runs",
        default="alone,flood,pool-alone,pool-flood",
        help="alone/flood: casts and logins on the web service's workers; unbounded: the flood "
        "with 64 slots; pool-alone/pool-flood: casts on the ballot service's own workers",
    )
    args = parser.parse_args()
    ports = []
    for _ in range(2):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    port, ballot_port = ports
    migrated_django(cast_bench.DATABASE)
    from voting import simulation

    sim = simulation.prepare(args.voters, questions=cast_bench.QUESTION)
    election = sim.election
    head = simulation.board_head(election)
    jobs = [
        (election.manifest, election.fingerprint_bytes, v.secret.hex(), v.credential, head, i)
        for i, v in enumerate(sim.voters)
    ]
    with ProcessPoolExecutor() as pool:
        bodies = list(pool.map(cast_bench._encrypt, jobs, chunksize=50))
    path = f"/ballot-box/{election.uuid}/cast"
    print(
        f"{args.voters} ballots, {args.clients} cast clients, {args.flood} bogus-login clients; "
        f"cores: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}"
    )
    known = {
        "alone": ("web workers, no flood", args.slots, 0, False),
        "flood": (f"web workers, flood, {args.slots} slot(s)", args.slots, args.flood, False),
        "unbounded": ("web workers, flood, 64 slots", 64, args.flood, False),
        "pool-alone": ("ballot service, no flood", args.slots, 0, True),
        "pool-flood": (
            f"ballot service, flood, {args.slots} slot(s)",
            args.slots,
            args.flood,
            True,
        ),
    }
    runs = [known[name] for name in args.runs.split(",")]
    part_size = len(bodies) // len(runs)
    worst = 0.0
    for index, (label, slots, flood, pool) in enumerate(runs):
        part = bodies[index * part_size : (index + 1) * part_size]
        server = _serve(port, slots)
        ballot_command = cast_bench._gunicorn_command(ballot_port)
        ballot = _serve(ballot_port, slots, ballot_command) if pool else None
        cast_port = ballot_port if pool else port
        stop = threading.Event()
        statuses: list[int] = []
        try:
            cast_bench._run_clients(cast_port, path, part[:20], args.clients, [], [])  # warm up
            threads = [
                threading.Thread(target=_login_flood, args=(port, stop, statuses), daemon=True)
                for _ in range(flood)
            ]
            for thread in threads:
                thread.start()
            time.sleep(2 if flood else 0)  # let the flood fill the workers
            started = time.perf_counter()
            p50, p99, errors = _cast(cast_port, path, part[20:], args.clients)
            elapsed = time.perf_counter() - started
        finally:
            stop.set()
            for process in (server, ballot):
                if process is not None:
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=60)
        logins = {status: statuses.count(status) for status in sorted(set(statuses))}
        print(
            f"{label:<36} cast p50 {p50:6.1f} ms, p99 {p99:6.1f} ms ({len(part) - 20} ballots "
            f"in {elapsed:.1f} s, errors {errors}); logins answered: {logins}; load average "
            f"{os.getloadavg()[0]:.1f}",
            flush=True,
        )
        if pool and flood:
            worst = max(worst, p99)
    print(f"cast p99 on the ballot service during the flood: {worst:.0f} ms (goal ≤ 200 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
