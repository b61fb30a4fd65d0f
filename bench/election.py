"""Benchmark of an election: cast through gunicorn on loopback with PostgreSQL, tally, verify.

Run ``.venv/bin/python bench/election.py --voters N`` (PostgreSQL on 127.0.0.1, trust auth; the
benchmark creates and migrates its own database ``mashwara_bench``). The ballot is the target
one: a single 5-option approval question (bounds 0..5). Steps:

1. create the election, run the ceremony (3 trustees, threshold 2) and issue N credentials;
2. encrypt N ballots with the Python client, in parallel processes (not timed: browsers do it);
3. start gunicorn on 127.0.0.1 with the command of the ``ballot`` service in docker-compose.yml
   (where deployers route ``/ballot-box/``: the ballot box alone, config/ballot_settings.py;
   ``--service web`` takes the web service's, every page and the whole middleware;
   ``--workers``/``--threads`` override them) and cast every ballot with
   ``--clients`` concurrent HTTP clients (threads of this process sending prepared requests, one
   connection each as gunicorn's sync workers close them, light on CPU):
   ballots/s, p50, p99 latency, and the CPU time per ballot of gunicorn, of the PostgreSQL
   backends and of the client, read from /proc: they share the machine's cores, and on a loaded
   machine the CPU per ballot is the figure that carries over;
4. close; time the encrypted tally (selection + homomorphic sum) and the trustees' decryption
   (partial decryptions, checking every share's proof, Lagrange, discrete logs);
5. export the record and time ``voting.verify`` with one process and with all cores.

With ``--cohorts`` the election has the three cohort dimensions of ``simulate_election
--cohorts`` (docs/protocol.md §12): it also prints the extra cost per ballot of checking its
cohort labels (k signatures per stated dimension) and the part of the tally and of the
decryption that the per-cohort sums take.

Printed figures are measured at N and, for the tally, extrapolated linearly to 100 000 ballots
(the per-ballot part is the sum over the ballots; decryption does not depend on N).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import database_name, migrated_django  # noqa: E402

DATABASE = database_name("mashwara_bench")
QUESTION = [
    {
        "type": "approval",
        "title": {"en": "Principles"},
        "min": 0,
        "max": 5,
        "options": [{"label": {"en": f"Option {i}"}} for i in range(5)],
    }
]


def _encrypt(args) -> bytes:
    manifest, fingerprint, secret_hex, credential, head, seed = args
    from voting.clients import Voter
    from voting.crypto.group import Scalar

    voter = Voter(manifest, fingerprint, Scalar.from_hex(secret_hex), credential)
    rng = random.Random(seed)
    ballot, _ = voter.ballot([rng.sample(range(5), rng.randrange(6))], head)
    return json.dumps(ballot).encode()


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids) -> float:
    """User + system CPU time of processes (from /proc), 0 for any that has gone."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / _TICKS


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(child) for child in handle.read().split()]
    except OSError:
        return []


def _postgres_backends() -> list[int]:
    import psycopg

    url = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(url, autocommit=True) as db:
        rows = db.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (DATABASE,),
        ).fetchall()
    return [pid for (pid,) in rows]


def _gunicorn_command(
    port: int, workers: int | None = None, threads: int | None = None, service: str = "ballot"
) -> list[str]:
    """A service's gunicorn command from docker-compose.yml (``ballot``: where deployers route
    ``/ballot-box/``; ``web``: every page), bound to ``port``."""
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"][service]["command"]
    assert command[0] == "gunicorn", command
    options = [o for o in command[2:] if not o.startswith("--bind=")]
    for name, value in (("--workers", workers), ("--threads", threads)):
        if value is not None:
            options = [o for o in options if not o.startswith(name + "=")] + [f"{name}={value}"]
    return [sys.executable, "-m", "gunicorn", command[1], f"--bind=127.0.0.1:{port}", *options]


def _option(command: list[str], name: str, default: str) -> str:
    values = [o.split("=", 1)[1] for o in command if o.startswith(name + "=")]
    return values[-1] if values else default


def _request(port: int, path: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


def _exchange(port: int, request: bytes, timeout: float = 60) -> tuple[int, bytes, bytes]:
    """Send one prepared request and read the response to the end (the request says
    ``Connection: close``): its status, head and body; ``ConnectionError`` if it was cut short.
    (http.client parses headers with the email package: as a load generator it cost the server
    a tenth of the CPU.)"""
    chunks = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, separator, body = b"".join(chunks).partition(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    if not separator or length is None or len(body) != int(length[1]):
        raise ConnectionError("the server closed the connection mid-response")
    return int(head.split(b" ", 2)[1]), head, body


def _post(port: int, request: bytes) -> int:
    """The status of one prepared request (``_exchange``)."""
    return _exchange(port, request)[0]


def _cast_worker(port: int, path: str, bodies: list[bytes], latencies: list[float], errors: list):
    requests = [_request(port, path, body) for body in bodies]
    for request in requests:
        started = time.perf_counter()
        status = _post(port, request)
        latencies.append(time.perf_counter() - started)
        if status != 201:
            errors.append(status)


def _check_baseline(election, bodies: list[bytes]) -> float:
    """Median CPU seconds to parse and verify one ballot in-process (no HTTP, no database)."""
    from voting.services import board
    from voting.verify.ballots import parse_ballot, verify_ballot
    from voting.verify.canonical import loads_for_strict_parser

    keys = board.election_keys(election)
    samples = []
    for body in bodies:
        started = time.process_time()
        ballot = parse_ballot(loads_for_strict_parser(body), keys.shapes)
        verify_ballot(ballot, keys.shapes, keys.fingerprint, keys.joint_key, keys.issuers)
        samples.append(time.process_time() - started)
    return statistics.median(samples)


def _label_cost(election, bodies: list[bytes]) -> tuple[float, float]:
    """Median CPU seconds to check one ballot's cohort labels, and the mean number of labels."""
    from voting.services import board
    from voting.verify.ballots import parse_ballot
    from voting.verify.canonical import loads_for_strict_parser
    from voting.verify.cohorts import verify_labels

    keys = board.election_keys(election)
    samples, labels = [], 0
    for body in bodies:
        ballot = parse_ballot(loads_for_strict_parser(body), keys.shapes)
        started = time.process_time()
        verify_labels(
            keys.issuers.cohorts,
            keys.issuers.threshold,
            keys.fingerprint,
            ballot.credential_key.encoding,
            ballot.cohort_labels,
        )
        samples.append(time.process_time() - started)
        labels += len(ballot.cohort_labels)
    return statistics.median(samples), labels / len(bodies)


def _verdict(value: float, target: float) -> str:
    return f"target ≥ {target:.0f}: {'met' if value >= target else 'MISSED'}"


def _run_clients(port: int, path: str, bodies: list[bytes], clients: int, latencies, errors):
    threads = [
        threading.Thread(
            target=_cast_worker, args=(port, path, bodies[i::clients], latencies, errors)
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--workers", type=int, help="default: the web service's in docker-compose")
    parser.add_argument("--threads", type=int, help="default: the web service's in docker-compose")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument(
        "--service",
        choices=("ballot", "web"),
        default="ballot",
        help="the docker-compose service whose gunicorn command casts (default: ballot)",
    )
    parser.add_argument("--cohorts", action="store_true", help="three cohort dimensions")
    parser.add_argument("--cohort-minimum", type=int, default=50, help="K")
    args = parser.parse_args()

    if not args.port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    migrated_django(DATABASE)
    from voting import simulation
    from voting.models import ElectionState
    from voting.selectors import record_lines
    from voting.services import lifecycle, tally

    n = args.voters
    print(f"voters: {n}; ballot: one 5-option approval question; cores: {os.cpu_count()}")
    from voting.crypto.group import GENERATOR_BYTES, var_mul

    samples = []
    for _ in range(200):
        started = time.perf_counter()
        var_mul(2**250 + 12345, GENERATOR_BYTES)
        samples.append(time.perf_counter() - started)
    print(
        f"machine now: variable-base multiplication {statistics.median(samples) * 1e6:.0f} µs "
        f"(49 µs on an idle machine, docs/…/crypto-choices); load average {os.getloadavg()[0]:.1f}"
    )
    started = time.perf_counter()
    cohorts = simulation.demo_cohorts(args.cohort_minimum) if args.cohorts else None
    sim = simulation.prepare(n, questions=QUESTION, cohorts=cohorts)
    election = sim.election
    merged = (election.cohort_merges or {}).get("merged", [])
    for voter in sim.voters:  # as the ballot page does: merged labels are dropped
        if "cohorts" in voter.credential:
            voter.credential["cohorts"] = [
                x for x in voter.credential["cohorts"] if [x["dimension"], x["value"]] not in merged
            ]
    print(f"setup (ceremony + {n} blind-signed credentials): {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    # Every ballot names the empty board (the genesis), as if all were made before the first
    # was cast: a valid board reference at any time, and the cast path checks it the same way.
    head = simulation.board_head(election)
    jobs = [
        (election.manifest, election.fingerprint_bytes, v.secret.hex(), v.credential, head, i)
        for i, v in enumerate(sim.voters)
    ]
    with ProcessPoolExecutor() as pool:
        bodies = list(pool.map(_encrypt, jobs, chunksize=50))
    print(f"ballots encrypted by the Python client: {time.perf_counter() - started:.1f} s")
    print(f"ballot size: {len(bodies[0])} bytes")
    baseline = _check_baseline(election, bodies[:300])
    print(
        f"baseline in this run: parsing + checking one ballot in this process takes "
        f"{baseline * 1e3:.2f} ms (the cryptographic floor of both cast and verify)"
    )
    if cohorts:
        label_cost, labels = _label_cost(election, bodies[:300])
        print(
            f"cohort labels: {labels:.2f} per ballot on average, checking them takes "
            f"{label_cost * 1e3:.2f} ms of the baseline ({label_cost / baseline:.0%}); "
            f"merged into not stated: {merged}"
        )

    command = _gunicorn_command(args.port, args.workers, args.threads, args.service)
    workers = int(_option(command, "--workers", "1"))
    server_label = (
        f"{args.service} service: {workers} workers × "
        f"{_option(command, '--threads', '1')} threads, "
        f"{_option(command, '--worker-class', 'sync')}"
    )
    print("server: " + " ".join(command[2:]))
    # Connections live for the whole run (the deployment recycles them every 60 s): the CPU of a
    # PostgreSQL backend that ends mid-run could no longer be read from /proc.
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "DB_CONN_MAX_AGE": "86400"})
    try:
        for _ in range(100):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        path = f"/ballot-box/{election.uuid}/cast"
        latencies: list[float] = []
        errors: list = []
        # Warm the workers (imports, keys cached per process, DB connections) with a few ballots
        # from every client at once, so the timed part measures the steady state; they are
        # cast, so they count in n.
        warm = bodies[: max(workers, args.clients) * 3]
        _run_clients(args.port, path, warm, args.clients, [], errors)
        timed = bodies[len(warm) :]
        children = _children(server.pid)
        backends = _postgres_backends()
        server_cpu = _cpu_seconds([server.pid, *children])
        db_cpu = _cpu_seconds(backends)
        client_cpu = time.process_time()
        load = os.getloadavg()[0]
        started = time.perf_counter()
        _run_clients(args.port, path, timed, args.clients, latencies, errors)
        elapsed = time.perf_counter() - started
        client_cpu = time.process_time() - client_cpu
        server_cpu = _cpu_seconds([server.pid, *children]) - server_cpu
        # Threads open their database connections as their first request arrives: backends
        # started during the run count whole (their CPU before it is the connection set-up).
        db_cpu = _cpu_seconds(set(backends) | set(_postgres_backends())) - db_cpu
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000
    cast = len(timed)
    print(
        f"cast: {cast / elapsed:.0f} ballots/s through gunicorn ({server_label}; "
        f"{args.clients} clients) ({_verdict(cast / elapsed, 300)}); p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms; errors: {len(errors)}; load average {load:.1f}"
    )
    print(
        f"cast CPU per ballot: gunicorn {server_cpu / cast * 1e3:.2f} ms "
        f"({server_cpu / cast / baseline:.2f}× the baseline), PostgreSQL "
        f"{db_cpu / cast * 1e3:.2f} ms, bench client {client_cpu / cast * 1e3:.2f} ms; "
        f"{cast / (server_cpu + db_cpu + client_cpu):.0f} ballots per CPU-second of all three "
        f"(×{os.cpu_count()} cores = ceiling on an idle machine)"
    )

    election = lifecycle.transition(election, ElectionState.CLOSED, actor=sim.organizer)
    # Closing already ran the (eager) tally task; undo it to time the task itself.
    type(election).objects.filter(pk=election.pk).update(encrypted_tally=None)
    started, cpu_started = time.perf_counter(), time.process_time()
    tally.compute_encrypted_tally(election.pk)
    aggregate = time.perf_counter() - started
    aggregate_cpu = time.process_time() - cpu_started
    election.refresh_from_db()
    if cohorts:
        from voting.services import cohorts as cohort_service

        started = time.perf_counter()
        cohort_service.compute_cohort_tally(election, set(tally.counted_positions(election)))
        cohort_part = time.perf_counter() - started
        plan = [(r["dimension"], r["groups"] or r["reason"]) for r in election.cohort_tally["plan"]]
        print(
            f"per-cohort sums (included in the aggregate below): {cohort_part:.2f} s "
            f"({cohort_part / n * 1e6:.0f} µs/ballot); release plan {plan}"
        )
        election.refresh_from_db()
    started = time.perf_counter()
    messages = simulation.trustee_decryptions(sim, election)
    partial = time.perf_counter() - started
    started = time.perf_counter()
    for row, message in messages:
        tally.submit_decryption(election=election, trustee=row, message=message)
    tally.combine_decryptions(election.pk)
    combine = time.perf_counter() - started
    election.refresh_from_db()
    assert election.state == ElectionState.TALLIED, election.state
    per_ballot = aggregate / n
    print(
        f"tally: aggregate {aggregate:.2f} s ({per_ballot * 1e6:.0f} µs/ballot; CPU "
        f"{aggregate_cpu / n * 1e6:.0f} µs/ballot in this process), trustees' "
        f"partial decryptions {partial:.2f} s, share checks + Lagrange + dlog {combine:.2f} s"
    )
    # With cohorts each trustee first rebuilds the per-cohort sums from the board: that part of
    # the partial decryptions grows with N, so it is extrapolated linearly (conservatively, the
    # whole of it; the trustees run one after another here, in parallel on their own devices).
    decryption = partial * 100_000 / n if cohorts else partial
    print(
        f"tally + decryption extrapolated to 100 000 ballots: "
        f"{per_ballot * 100_000 + decryption + combine:.1f} s (target ≤ 60 s)"
    )
    election = lifecycle.transition(election, ElectionState.PUBLISHED, actor=sim.organizer)
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as handle:
        for line in record_lines(election):
            handle.write(line)
        record = handle.name
    for processes in (1, os.cpu_count() or 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "voting.verify", record, "--workers", str(processes)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        status = "passed" if result.returncode == 0 else "FAILED\n" + result.stdout
        print(
            f"verify with {processes} process(es): {elapsed:.1f} s, {n / elapsed:.0f} ballots/s, "
            f"{n / elapsed / processes:.0f} ballots/s/core (wall; "
            f"{_verdict(n / elapsed / processes, 400)}); CPU {cpu:.1f} s, {n / cpu:.0f} ballots "
            f"per CPU-second, {cpu / n / baseline:.2f}× the baseline (start-up included); "
            f"load average {os.getloadavg()[0]:.1f} — {status}"
        )
    os.unlink(record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
