"""Keep the map's orientation from one computation to the next.

Principal axes have no intrinsic sign, and two axes of nearly equal weight can trade places when a
few votes arrive; the map would then show everyone mirrored or turned, although nothing changed.
Given the previous map, the new one is turned by whichever of the eight sign flips and swaps of the
two axes leaves the participants present in both nearest to where they were. It is a choice of
frame only: distances, groups and every statistic are unchanged by it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

_FRAMES = tuple(
    np.array(matrix, dtype=np.float64)
    for matrix in (
        [[1, 0], [0, 1]], [[-1, 0], [0, 1]], [[1, 0], [0, -1]], [[-1, 0], [0, -1]],
        [[0, 1], [1, 0]], [[0, -1], [1, 0]], [[0, 1], [-1, 0]], [[0, -1], [-1, 0]],
    )
)  # fmt: skip


def nearest_frame(
    keys: np.ndarray, points: np.ndarray, previous: Mapping[int, tuple[float, float]]
) -> np.ndarray:
    """The 2 × 2 signed permutation F minimising Σ |points @ F − previous|² over shared keys."""
    if not previous:
        return _FRAMES[0]
    shared = [(i, previous[k]) for i, k in enumerate(keys.tolist()) if k in previous]
    if not shared:
        return _FRAMES[0]
    rows = np.array([i for i, _ in shared])
    before = np.array([p for _, p in shared], dtype=np.float64)
    now = points[rows]
    costs = [float(np.square(now @ frame - before).sum()) for frame in _FRAMES]
    return _FRAMES[int(np.argmin(costs))]  # ties: the first, so identity wins when all equal
