"""Benchmark of credential issuance with 3 issuers (threshold 2), on this machine's PostgreSQL.

Run ``.venv/bin/python bench/issuance.py --voters N`` (PostgreSQL on 127.0.0.1, trust auth; it
recreates the database ``$BENCH_DATABASE``, default ``mashwara_bench_issuance``). Steps, through
the services the HTTP views call (docs/elections.md §3):

1. N voters prepare and blind their requests for the 3 issuers (the browser's work, timed apart)
   and post them: requests recorded per second;
2. each of the 3 issuers fetches its queue, blind-signs every request (RFC 9474 with CRT and
   ``gmpy2.powmod_sec``) and posts the signatures in batches of 500, the server checking each
   (``s^e mod n``): per issuer, signing and storing per second. Issuers run on their own
   devices, in parallel: the issuance throughput is N over (requests + the slowest issuer's
   time + collecting), and the figure with the three issuers one after another is given too;
3. every voter collects its status and finalises (verifies) the first 2 signatures;
4. the voter's wait: 3 issuer threads poll their queues every ``--interval`` seconds (as
   ``python -m voting.issuer`` does) while ``--waits`` voters, one after another, post a request
   and poll their status every ``--poll`` seconds until 2 issuers have signed: p50 and max of the
   time from request to usable credential.

Goals: ≥ 50 credentials/s; a wait of a few seconds with a 1–2 s poll.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import database_name, migrated_django  # noqa: E402

DATABASE = database_name("mashwara_bench_issuance")
BATCH = 500


def _sign_all(credentials, election, membership, client) -> tuple[float, float, int]:
    """One issuer: (seconds signing, seconds fetching and storing, requests)."""
    started = time.perf_counter()
    queue = credentials.issuer_queue(election=election, membership=membership)
    server = time.perf_counter() - started
    signing = 0.0
    items = queue["requests"]
    for start in range(0, len(items), BATCH):
        chunk = {**queue, "requests": items[start : start + BATCH]}
        began = time.perf_counter()
        message = client.sign(chunk)
        signing += time.perf_counter() - began
        began = time.perf_counter()
        credentials.submit_blind_signatures(
            election=election, membership=membership, message=message
        )
        server += time.perf_counter() - began
    return signing, server, len(items)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--waits", type=int, default=10, help="voters whose wait is measured")
    parser.add_argument("--interval", type=float, default=2.0, help="issuers' poll, seconds")
    parser.add_argument("--poll", type=float, default=1.0, help="voter page's poll, seconds")
    args = parser.parse_args()

    migrated_django(DATABASE)
    from django.db import connections

    from voting import simulation
    from voting.clients import Voter
    from voting.services import credentials

    n = args.voters
    print(f"voters: {n}; 3 trustees, threshold 2 (issuers: trustees 1, 2); cores: {os.cpu_count()}")
    print(f"load average now: {os.getloadavg()[0]:.1f}")
    sim = simulation.prepare(n + args.waits, issue=False)
    election = sim.election
    members, waiting = sim.members[:n], sim.members[n:]
    # The issuers are trustees 1..k, and every one of them signs (protocol §7).
    issuers = list(zip(sim.trustee_members, sim.trustees, strict=True))[: election.threshold]

    started = time.perf_counter()
    voters = [Voter(election.manifest, election.fingerprint_bytes) for _ in members]
    bodies = [voter.credential_request() for voter in voters]
    blinding = time.perf_counter() - started
    started = time.perf_counter()
    for membership, body in zip(members, bodies, strict=True):
        credentials.request_credential(election=election, membership=membership, message=body)
    requests = time.perf_counter() - started
    print(
        f"1. requests: blinding for {len(issuers)} issuers {blinding / n * 1e3:.2f} ms per voter "
        f"(browser); "
        f"recording {n / requests:.0f} requests/s ({requests / n * 1e3:.2f} ms each)"
    )

    per_issuer = []
    for index, (membership, client) in enumerate(issuers, start=1):
        signing, server, count = _sign_all(credentials, election, membership, client)
        per_issuer.append(signing + server)
        print(
            f"2. issuer {index}: signed {count} in {signing:.2f} s "
            f"({signing / count * 1e3:.2f} ms per blind signature), server fetch+check+store "
            f"{server:.2f} s ({server / count * 1e3:.2f} ms each)"
        )

    started = time.perf_counter()
    for membership, voter in zip(members, voters, strict=True):
        status = credentials.credential_status(election=election, membership=membership)
        assert voter.finish_credential(status) is not None
    collecting = time.perf_counter() - started
    print(f"3. collecting and finalising: {collecting / n * 1e3:.2f} ms per voter")
    parallel = requests + max(per_issuer) + collecting
    serial = requests + sum(per_issuer) + collecting
    print(
        f"issuance throughput (server side, issuers in parallel on their own devices): "
        f"{n / parallel:.0f} credentials/s; all issuers on this machine one after another: "
        f"{n / serial:.0f} credentials/s (goal ≥ 50)"
    )

    # 4. The voter's wait with issuers online, polling like the daemon.
    stop = threading.Event()

    def issuer_loop(membership, client) -> None:
        try:
            while not stop.is_set():
                queue = credentials.issuer_queue(election=election, membership=membership)
                if queue["requests"]:
                    credentials.submit_blind_signatures(
                        election=election, membership=membership, message=client.sign(queue)
                    )
                stop.wait(args.interval)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issuer_loop, args=pair) for pair in issuers]
    for thread in threads:
        thread.start()
    waits = []
    try:
        for membership in waiting:
            voter = Voter(election.manifest, election.fingerprint_bytes)
            began = time.perf_counter()
            status = credentials.request_credential(
                election=election, membership=membership, message=voter.credential_request()
            )
            while voter.finish_credential(status) is None:
                time.sleep(args.poll)
                status = credentials.credential_status(election=election, membership=membership)
            waits.append(time.perf_counter() - began)
            time.sleep(0.37)  # stagger the requests against the issuers' poll phase
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    if waits:
        print(
            f"4. voter's wait, request to usable credential (issuers poll every {args.interval} s,"
            f" the page every {args.poll} s): p50 {statistics.median(waits):.2f} s, "
            f"max {max(waits):.2f} s over {len(waits)} voters"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
