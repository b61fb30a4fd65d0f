"""Opinion groups: k-means on the projected points, k chosen by silhouette, small groups dissolved.

For each k in 2..max_groups, k-means (k-means++ starts, a few seeded restarts — on a seeded sample
of ``_RESTART_SAMPLE`` points when there are more, then refined on all — the lowest within-group
spread kept) splits the points; any group smaller than ``min_size`` is then
dissolved — its centre removed, its members given to the nearest remaining group and the
assignment refined — so a handful of accounts voting as a bloc can never become a group of their
own, only add a few members to a real one. Among the splits that remain, the one with the best
silhouette wins (ties to fewer groups). Silhouette costs one distance per pair of points, so above
``_SILHOUETTE_SAMPLE`` points it is computed on a seeded sample of that size.
"""

from __future__ import annotations

import numpy as np

_RESTARTS = 6  # k-means++ starts per k: enough that a poor start never wins, on our tests
_MAX_STEPS = 100  # Lloyd steps; they converge in 5–30 on opinion data
_SILHOUETTE_SAMPLE = 2000  # 4 million distances: exact enough to rank k, quick at any size
_RESTART_SAMPLE = 3000  # points for the restarts; the winner is then refined on all points


def _squared_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """|p - c|² for every pair, as |p|² - 2 p·c + |c|² (one matrix product, no 3-D temporary)."""
    out = points @ (-2.0 * centres.T)
    out += np.einsum("ij,ij->i", points, points)[:, None]
    out += np.einsum("ij,ij->i", centres, centres)[None, :]
    return np.maximum(out, 0.0, out=out)


def _centres_of(points: np.ndarray, labels: np.ndarray, previous: np.ndarray) -> np.ndarray:
    k = previous.shape[0]
    sizes = np.bincount(labels, minlength=k)
    sums = np.stack(
        [np.bincount(labels, weights=points[:, d], minlength=k) for d in range(points.shape[1])],
        axis=1,
    )
    empty = sizes == 0
    centres = sums / np.where(empty, 1, sizes)[:, None]
    centres[empty] = previous[empty]  # an emptied centre stays put (it may win points back)
    return centres


def _lloyd(points: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    labels = np.argmin(_squared_distances(points, centres), axis=1)
    for _ in range(_MAX_STEPS):
        centres = _centres_of(points, labels, centres)
        distances = _squared_distances(points, centres)
        new_labels = np.argmin(distances, axis=1)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
    inertia = float(distances[np.arange(points.shape[0]), labels].sum())
    return labels, centres, inertia


def _plus_plus_start(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = [points[rng.integers(points.shape[0])]]
    closest = _squared_distances(points, np.array(centres))[:, 0]
    for _ in range(1, k):
        total = closest.sum()
        if total <= 0:
            pick = rng.integers(points.shape[0])
        else:
            pick = int(np.searchsorted(np.cumsum(closest), rng.random() * total))
            pick = min(pick, points.shape[0] - 1)
        centres.append(points[pick])
        closest = np.minimum(closest, _squared_distances(points, points[pick][None, :])[:, 0])
    return np.array(centres)


def kmeans(points: np.ndarray, k: int, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Best of several seeded k-means++ runs (on a sample when large), refined on all points."""
    rng = np.random.default_rng([seed, k])
    trial = points
    if points.shape[0] > _RESTART_SAMPLE:
        trial = points[np.sort(rng.choice(points.shape[0], _RESTART_SAMPLE, replace=False))]
    best = None
    for _ in range(_RESTARTS):
        labels, centres, inertia = _lloyd(trial, _plus_plus_start(trial, k, rng))
        if best is None or inertia < best[2] - 1e-12:
            best = (labels, centres, inertia)
    if trial is points:
        return best[0], best[1]
    labels, centres, _ = _lloyd(points, best[1])
    return labels, centres


def _distinct_sizes(labels: np.ndarray, patterns: np.ndarray, k: int) -> np.ndarray:
    """Per group, how many distinct vote patterns its members have."""
    pairs = np.unique(labels.astype(np.int64) * (int(patterns.max(initial=0)) + 1) + patterns)
    return np.bincount(pairs // (int(patterns.max(initial=0)) + 1), minlength=k)


def dissolve_small(
    points: np.ndarray,
    labels: np.ndarray,
    centres: np.ndarray,
    *,
    min_size: int,
    patterns: np.ndarray,
) -> np.ndarray:
    """Remove groups under ``min_size`` one at a time, smallest first; labels renumbered.

    A group's size here is the number of distinct vote patterns among its members, so accounts
    that vote identically count once: a bloc cannot reach the minimum by adding copies.
    """
    while centres.shape[0] > 1:
        sizes = _distinct_sizes(labels, patterns, centres.shape[0])
        smallest = int(np.argmin(sizes))
        if sizes[smallest] >= min_size:
            break
        centres = np.delete(centres, smallest, axis=0)
        labels, centres, _ = _lloyd(points, centres)
    used, labels = np.unique(labels, return_inverse=True)
    return labels


def silhouette(points: np.ndarray, labels: np.ndarray, *, seed: int) -> float:
    groups = int(labels.max()) + 1
    if groups < 2:
        return -1.0
    if points.shape[0] > _SILHOUETTE_SAMPLE:
        rng = np.random.default_rng([seed, 7])
        chosen = np.sort(rng.choice(points.shape[0], _SILHOUETTE_SAMPLE, replace=False))
        points, labels = points[chosen], labels[chosen]
    distances = np.sqrt(np.maximum(_squared_distances(points, points), 0.0))
    onehot = np.eye(groups)[labels]
    sizes = onehot.sum(axis=0)
    sums = distances @ onehot  # each point's total distance to each group
    own = sizes[labels] - 1
    inside = np.divide(
        sums[np.arange(labels.size), labels], own, out=np.zeros(labels.size), where=own > 0
    )
    mean_to = np.divide(sums, sizes, out=np.full_like(sums, np.inf), where=sizes > 0)
    mean_to[np.arange(labels.size), labels] = np.inf
    nearest = mean_to.min(axis=1)
    scale = np.maximum(inside, nearest)
    values = np.divide(nearest - inside, scale, out=np.zeros(labels.size), where=scale > 0)
    values[own == 0] = 0.0
    return float(values.mean())


def find_groups(
    points: np.ndarray,
    *,
    max_groups: int,
    min_size: int,
    seed: int,
    patterns: np.ndarray | None = None,
) -> np.ndarray:
    """A group index per point (0..k-1), or all zeros when no split leaves two large groups.

    ``patterns`` gives each point's vote pattern id (equal ids: identical votes); by default
    every point is distinct. Returns an empty array when there are fewer than ``min_size``
    distinct points: no group at all.
    """
    count = points.shape[0]
    if patterns is None:
        patterns = np.arange(count)
    if np.unique(patterns).size < max(min_size, 1):
        return np.zeros(0, dtype=np.int64)
    best_labels = np.zeros(count, dtype=np.int64)
    best_score = -np.inf
    if count >= 2 * min_size and count >= 2:
        tried: set[bytes] = set()
        for k in range(2, max(2, max_groups) + 1):
            if k > count:
                break
            labels, centres = kmeans(points, k, seed=seed)
            labels = dissolve_small(points, labels, centres, min_size=min_size, patterns=patterns)
            if labels.max() < 1 or labels.tobytes() in tried:
                continue
            tried.add(labels.tobytes())
            score = silhouette(points, labels, seed=seed)
            if score > best_score + 1e-9:
                best_labels, best_score = labels.astype(np.int64), score
    return best_labels
