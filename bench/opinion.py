"""Benchmark of the opinion map (issue 15): the analysis at convention scale, on one core.

Run ``.venv/bin/python bench/opinion.py`` (no database needed for the analysis part). It plants
``--groups`` opinion groups among ``--participants`` (default 10 000) voting on ``--statements``
(default 1 000) at ``--density`` (default 20 %, so about 2 million votes, passes included), hands
the votes to ``analyse`` as a list of (participant, statement, value) tuples — what the web part
reads from PostgreSQL — and prints:

- the analysis time, median of ``--repeat`` runs, wall clock and CPU (target <= 5 s on one core:
  the BLAS and OpenMP thread counts are set to 1 before numpy is imported);
- the peak memory the analysis allocates (tracemalloc, which numpy reports to) and the process's
  peak resident size (resource.getrusage; includes the input list itself) (target <= 1 GiB);
- how well the planted groups were found (adjusted Rand index) and the group sizes.

The web figures of the same issue (one vote over HTTP with PostgreSQL, p95 <= 20 ms; the map
page's first load <= 150 KB) belong in ``web_figures`` below, written by the web part.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deliberation.opinion.analysis import analyse  # noqa: E402

TIME_TARGET = 5.0  # seconds
MEMORY_TARGET = 1 << 30  # bytes


def planted_votes(
    participants: int, statements: int, density: float, groups: int, seed: int
) -> tuple[list[tuple[int, int, int]], np.ndarray]:
    """Votes of ``groups`` planted groups (agree 80 % / 20 % by the group's side), and the truth."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(groups, size=participants)
    agree_probability = np.where(rng.random((groups, statements)) < 0.5, 0.8, 0.2)
    agree_probability[:, : statements // 20] = 0.85  # 5 % common ground
    votes: list[tuple[int, int, int]] = []
    for start in range(0, participants, 1000):  # in slices, so the generator stays small
        rows = np.arange(start, min(start + 1000, participants))
        voted = rng.random((rows.size, statements)) < density
        draw = rng.random((rows.size, statements))
        p = agree_probability[truth[rows]]
        value = np.where(draw < p, 1, np.where(draw < p + (1 - p) * 0.85, -1, 0))
        r, c = np.nonzero(voted)
        votes.extend(
            zip((rows[r] + 1).tolist(), (c + 1).tolist(), value[r, c].tolist(), strict=True)
        )
    return votes, truth


def adjusted_rand_index(truth: np.ndarray, found: np.ndarray) -> float:
    _, a = np.unique(truth, return_inverse=True)
    _, b = np.unique(found, return_inverse=True)
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) / 2).sum())

    index, rows, cols, total = (
        pairs(table),
        pairs(table.sum(1)),
        pairs(table.sum(0)),
        pairs(np.array([a.size])),
    )
    expected = rows * cols / total
    return (index - expected) / ((rows + cols) / 2 - expected)


def analysis_figures(args: argparse.Namespace) -> bool:
    votes, truth = planted_votes(
        args.participants, args.statements, args.density, args.groups, args.seed
    )
    statements = list(range(1, args.statements + 1))
    print(
        f"{len(votes):,} votes: {args.participants:,} participants × {args.statements:,} "
        f"statements at {args.density:.0%}, {args.groups} planted groups"
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    times, cpu = [], []
    for _ in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        opinion_map = analyse(votes, statements=statements)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    tracemalloc.start()
    analyse(votes, statements=statements)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    keys = sorted(opinion_map.membership)
    found = np.array([opinion_map.membership[k] for k in keys])
    ari = adjusted_rand_index(truth[np.array(keys) - 1], found)
    median = statistics.median(times)
    print(
        f"analysis time: median {median:.2f} s, min {min(times):.2f} s, max {max(times):.2f} s "
        f"over {len(times)} runs (target <= {TIME_TARGET:.0f} s on one core); "
        f"CPU time median {statistics.median(cpu):.2f} s (what a busy machine does not inflate)"
    )
    print(
        f"memory: analysis allocates at most {traced_peak / 2**20:.0f} MiB (tracemalloc); "
        f"process peak RSS {rss_peak / 2**20:.0f} MiB, of which {rss_before / 2**20:.0f} MiB "
        f"before the first analysis (input list) (target <= 1024 MiB)"
    )
    print(
        f"groups: {[g.size for g in opinion_map.groups]}, clustered {opinion_map.clustered:,} "
        f"of {opinion_map.participants:,}, ARI {ari:.3f}, "
        f"common ground {len(opinion_map.common_ground)} statements"
    )
    return median <= TIME_TARGET and traced_peak <= MEMORY_TARGET and rss_peak <= MEMORY_TARGET


def web_figures(args: argparse.Namespace) -> bool:
    """One vote over HTTP with PostgreSQL (p95 <= 20 ms) and the map page size (<= 150 KB).

    The web part of the opinion map fills this in; until then it reports nothing and passes.
    """
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--statements", type=int, default=1_000)
    parser.add_argument("--density", type=float, default=0.2)
    parser.add_argument("--groups", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-web", action="store_true", help="the analysis figures only")
    args = parser.parse_args()
    ok = analysis_figures(args)
    if not args.skip_web:
        ok = web_figures(args) and ok
    print("within targets" if ok else "OUTSIDE TARGETS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
