"""Benchmark of ranked answers (protocol §5.1): prints the cost of verifying one answer.

Run ``.venv/bin/python bench/ranking.py``. For n = 3, 5, 10 options it measures the median time
of ``verify_ranking`` (pairs, positions, places, links) and of the pairs alone (what a ranked
answer cost before §5.1, with the old bounds 0..1), counts the variable-base multiplications each
performs (by counting calls, and checks them against the formula of §5.1), and the time to encrypt
and prove one answer.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voting.crypto import proofs  # noqa: E402
from voting.crypto.elgamal import generate_keypair  # noqa: E402
from voting.crypto.question import encrypt_question, verify_question  # noqa: E402
from voting.crypto.ranking import (  # noqa: E402
    encrypt_ranking,
    pair_context,
    ranked_pairs,
    ranking_witnesses,
    verify_ranking,
)


def median_seconds(fn: Callable[[], object], *, number: int, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def counted_var_mults(fn: Callable[[], object]) -> int:
    """Variable-base multiplications ``fn`` performs in the proof verifiers."""
    original = proofs.var_mul
    count = 0

    def counting(k: int, point: bytes) -> bytes:
        nonlocal count
        count += 1
        return original(k, point)

    proofs.var_mul = counting
    try:
        fn()
    finally:
        proofs.var_mul = original
    return count


def expected_var_mults(n: int) -> int:
    return 15 * n * (n - 1) // 2 + 6 * n * n + 9 * n


def main() -> None:
    pair = generate_keypair()
    ctx = b"\x42" * 72
    header = (
        f"{'options':>7} {'encrypt+prove':>14} {'verify':>10} {'var mults':>9} "
        f"{'µs/mult':>8} {'pairs only (old)':>17} {'old mults':>9} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for n in (3, 5, 10):
        order = list(range(n))[::-1]
        encrypt_time = median_seconds(
            lambda o=order: encrypt_ranking(ctx, pair.public, o), number=1, repeat=5
        )
        answer = encrypt_ranking(ctx, pair.public, order)

        def verify(a=answer, options=n) -> None:
            verify_ranking(ctx, pair.public, a, options)

        preferences, _ = ranking_witnesses(order)
        old_pairs = [
            encrypt_question(
                pair_context(ctx, i, j), pair.public, [preferences[i][j], preferences[j][i]], 0, 1
            )
            for i, j in ranked_pairs(n)
        ]

        def verify_old(parts=old_pairs, options=n) -> None:
            for (i, j), part in zip(ranked_pairs(options), parts, strict=True):
                verify_question(pair_context(ctx, i, j), pair.public, part, 2, 0, 1)

        verify_time = median_seconds(verify, number=3, repeat=7)
        old_time = median_seconds(verify_old, number=3, repeat=7)
        mults = counted_var_mults(verify)
        old_mults = counted_var_mults(verify_old)
        assert mults == expected_var_mults(n), (mults, expected_var_mults(n))
        print(
            f"{n:>7} {encrypt_time * 1e3:11.1f} ms {verify_time * 1e6:7.0f} µs {mults:>9} "
            f"{verify_time / mults * 1e6:8.1f} {old_time * 1e6:14.0f} µs {old_mults:>9} "
            f"{verify_time / old_time:6.2f}"
        )
    print("  (verify = one ranked answer's proofs; var mults counted in voting.crypto.proofs and")
    print("   equal to 15·n(n−1)/2 + 6n² + 9n; 'pairs only' = the pre-§5.1 answer, bounds 0..1)")


if __name__ == "__main__":
    main()
