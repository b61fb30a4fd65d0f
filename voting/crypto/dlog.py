"""Discrete logarithms of small totals by baby-step giant-step (protocol §8).

A ``DiscreteLogTable`` holds the baby steps ``{jG : j}`` for ``0 ≤ j < table_size`` and answers
``solve(M)`` with the ``m ∈ [0, bound]`` such that ``M = mG`` by walking giant steps
``M − i·(table_size·G)``. The table is built once per object and reused, so a tally keeps one
table for all its totals (there is no module-level cache). Each baby or giant step is one
libsodium point addition; the default table size (about ``2·√bound``, a power of two) balances a
one-off build of a few tenths of a second against a worst-case search of a few milliseconds.
"""

from __future__ import annotations

import math

from voting.crypto.errors import DiscreteLogNotFound
from voting.crypto.group import (
    GENERATOR_BYTES,
    IDENTITY_BYTES,
    Point,
    base_mul,
    point_add,
    point_sub,
)

DEFAULT_BOUND = 10**7


def default_table_size(bound: int) -> int:
    return max(1, 1 << math.ceil(math.log2(2 * math.isqrt(bound + 1) + 1)))


class DiscreteLogTable:
    """Baby-step giant-step solver for ``0 ≤ m ≤ bound``."""

    def __init__(self, bound: int = DEFAULT_BOUND, table_size: int | None = None) -> None:
        if bound < 0:
            raise ValueError("the bound must be non-negative")
        self.bound = bound
        self.table_size = min(table_size or default_table_size(bound), bound + 1)
        baby: dict[bytes, int] = {}
        point = IDENTITY_BYTES
        for j in range(self.table_size):
            baby[point] = j
            point = point_add(point, GENERATOR_BYTES)
        self._baby = baby
        self._giant = base_mul(self.table_size)

    def solve(self, point: Point) -> int:
        """``m`` with ``point = mG`` and ``0 ≤ m ≤ bound``; else ``DiscreteLogNotFound``."""
        current = point.encoding
        baby = self._baby
        giant = self._giant
        steps = self.bound // self.table_size + 1
        for i in range(steps):
            j = baby.get(current)
            if j is not None:
                m = i * self.table_size + j
                if m <= self.bound:
                    return m
                break
            current = point_sub(current, giant)
        raise DiscreteLogNotFound(f"the point is not m·G for any 0 ≤ m ≤ {self.bound}")
