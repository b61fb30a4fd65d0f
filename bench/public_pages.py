"""Benchmark of the anonymous election pages at a large board: every public page ≤ 50 ms.

Run ``.venv/bin/python bench/public_pages.py [--entries 100000]`` (PostgreSQL on 127.0.0.1,
trust auth; the benchmark creates and migrates its own database ``mashwara_bench_pages``). It
prepares a small election (ceremony, a few credentials, poll open), then fills its board with
``--entries`` synthetic entries written directly in PostgreSQL (one ``INSERT … SELECT
generate_series``: realistic row sizes, 1 in 50 an audit; the chain is not a valid one, which no
page checks), sets the head to match, and times each anonymous GET in this process through
Django's test client (server time: middleware, views, templates, queries; no network): the
median and the worst of ``--repeat`` requests, while the poll is open and again once it has
closed (the encrypted tally stubbed with its count: the tally of synthetic entries is not
computed). The record download is timed to its first line and in full, with the process's peak
memory before and after.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import database_name, migrated_django  # noqa: E402

DATABASE = database_name("mashwara_bench_pages")
TARGET_MS = 50.0


FILL = """
INSERT INTO voting_boardentry (election_id, position, kind, hour, tracker, credential_key,
    board_count, digest, ballot, reveal, ciphertexts, previous, hash)
SELECT %(election)s, %(offset)s + i,
    CASE WHEN i %% 50 = 0 THEN 'audited' ELSE 'ballot' END,
    date_trunc('hour', now()),
    md5('t' || i) || md5('u' || i),
    CASE WHEN i %% 50 = 0 THEN '' ELSE md5('c' || (i %% 90000)) || md5('d' || (i %% 90000)) END,
    CASE WHEN i %% 50 = 0 THEN NULL ELSE i - 1 END,
    md5('g' || i) || md5('h' || i),
    '{"b":"' || repeat(md5('b' || i), 40) || '"}',
    CASE WHEN i %% 50 = 0 THEN '{"r":"' || repeat('0', 200) || '"}' ELSE '' END,
    decode(repeat(md5('x' || i), 10), 'hex'),
    md5('p' || i) || md5('q' || i),
    md5('p' || (i + 1)) || md5('q' || (i + 1))
FROM generate_series(1, %(entries)s) AS i
"""


def _time(client, url: str, repeat: int) -> tuple[float, float, int]:
    samples = []
    status = 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        if getattr(response, "streaming", False):
            for _chunk in response.streaming_content:
                pass
        samples.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    return statistics.median(samples), max(samples), status


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    os.environ["ALLOWED_HOSTS"] = "testserver"
    migrated_django(DATABASE)
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from voting import simulation
    from voting.models import BoardEntry, BoardHead, Election, ElectionState

    started = time.perf_counter()
    sim = simulation.prepare(4)
    election = sim.election
    print(f"setup (small election, poll open): {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(FILL, {"election": election.pk, "offset": 0, "entries": args.entries})
        cursor.execute("ANALYZE voting_boardentry")
    last = BoardEntry.objects.get(election=election, position=args.entries)
    audits = BoardEntry.objects.filter(election=election, kind="audited").count()
    BoardHead.objects.filter(election=election).update(
        count=args.entries, hash=last.hash, audits=audits
    )
    print(
        f"board filled: {args.entries} entries ({audits} audits) in "
        f"{time.perf_counter() - started:.1f} s"
    )

    uid = election.uuid
    tracker = BoardEntry.objects.get(election=election, position=args.entries // 2).tracker
    pages = [
        ("election page", reverse("voting:detail", args=[uid])),
        ("results page", reverse("voting:results", args=[uid])),
        ("board page 1", reverse("voting:board", args=[uid])),
        ("board last page", reverse("voting:board", args=[uid]) + "?page=last"),
        ("board page 500", reverse("voting:board", args=[uid]) + "?page=500"),
        ("board.json first", reverse("voting:board_json", args=[uid]) + "?limit=500"),
        (
            "board.json deep",
            reverse("voting:board_json", args=[uid]) + f"?after={args.entries - 500}&limit=500",
        ),
        ("head.json", reverse("voting:head_json", args=[uid])),
        ("tracker page", reverse("voting:tracker", args=[uid]) + f"?t={tracker}"),
        ("tracker.json", reverse("voting:tracker_json", args=[uid]) + f"?t={tracker}"),
        ("tracker.json missing", reverse("voting:tracker_json", args=[uid]) + "?t=" + "0" * 64),
        ("manifest.json", reverse("voting:manifest_json", args=[uid])),
        ("roll.json", reverse("voting:roll_json", args=[uid])),
        ("trustees.json", reverse("voting:trustees_json", args=[uid])),
        ("verify page", reverse("voting:verify", args=[uid])),
        ("election list", reverse("voting:list")),
    ]
    client = Client()
    worst = 0.0
    for phase in ("open", "closed"):
        if phase == "closed":
            # Closed, with the encrypted tally's count stubbed (no tally of synthetic entries).
            Election.objects.filter(pk=election.pk).update(
                state=ElectionState.CLOSED,
                encrypted_tally={"counted": args.entries - audits, "questions": []},
            )
        print(f"\nanonymous GETs, poll {phase}, {args.entries} entries (median / worst of "
              f"{args.repeat}, ms):")  # fmt: skip
        for name, url in pages:
            median, high, status = _time(client, url, args.repeat)
            worst = max(worst, median)
            verdict = "ok" if median <= TARGET_MS else "OVER"
            print(f"  {name:<22} {median:7.1f} {high:7.1f}  HTTP {status}  {verdict}")

    Election.objects.filter(pk=election.pk).update(state=ElectionState.PUBLISHED, results={})
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    response = client.get(reverse("voting:record", args=[uid]))
    stream = iter(response.streaming_content)
    first = next(stream)
    first_ms = (time.perf_counter() - started) * 1000
    size = len(first) + sum(len(chunk) for chunk in stream)
    total = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nrecord.jsonl (streamed): first line {first_ms:.0f} ms, all {size / 1e6:.0f} MB in "
        f"{total:.1f} s; peak memory of this process {rss_before:.0f} → {rss_after:.0f} MiB"
    )
    print(f"\nslowest median page: {worst:.1f} ms (target ≤ {TARGET_MS:.0f} ms)")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
