"""The two main opinion axes of the vote matrix and each participant's place on them (Pol.is-style).

A missing vote is imputed with the statement's mean vote, then every column is centred on that
mean, so a missing vote contributes exactly zero. The top two principal components are found by
subspace iteration (a few matrix products with the centred matrix, never the m × m covariance),
which stays fast when the statement count grows. A participant who voted on few statements sits
near the centre only because of the imputed means, so their projection is scaled up by
sqrt(statements voted on by anyone / statements this participant voted on), as Pol.is does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_BLOCK = 10  # vectors iterated together: up to 4 wanted, the rest speed convergence
_MAX_ITERATIONS = 40  # a bound for near-equal axes; well-separated ones settle in under 10
_TOLERANCE = 1e-8  # 1 - cos(angle) between steps: an angle under 1.5e-4 rad


@dataclass(frozen=True, eq=False)
class Projection:
    points: np.ndarray  # float64 (rows × dimensions), sparsity-scaled projections
    components: np.ndarray  # float64 (columns × dimensions), unit statement loadings per axis
    column_means: np.ndarray  # float64 (columns,), mean vote per statement (0 if nobody voted)
    centred: np.ndarray  # float32 (rows × columns): vote minus column mean, 0 where missing


def centre_votes(values: np.ndarray, voted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    counts = voted.sum(axis=0, dtype=np.int64)
    sums = values.sum(axis=0, dtype=np.int64)
    means = np.divide(sums, counts, out=np.zeros(values.shape[1]), where=counts > 0)
    centred = values.astype(np.float32)
    centred -= means.astype(np.float32)
    centred *= voted
    return centred, means


def top_components(centred: np.ndarray, *, seed: int, count: int = 2) -> np.ndarray:
    """Unit vectors of the ``count`` largest principal axes, oriented deterministically."""
    rows, columns = centred.shape
    if columns == 0:
        return np.zeros((0, count))
    block = min(max(_BLOCK, count + 4), columns)
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((columns, block)).astype(np.float32))
    previous = None
    for _ in range(_MAX_ITERATIONS):
        image = centred @ basis
        # Rayleigh–Ritz: the best ``count`` directions within the current subspace.
        gram = image.T.astype(np.float64) @ image.astype(np.float64)
        eigenvalues, vectors = np.linalg.eigh(gram)
        order = np.argsort(eigenvalues)[::-1][:count]
        components = basis.astype(np.float64) @ vectors[:, order]
        components /= np.maximum(np.linalg.norm(components, axis=0), 1e-12)
        if previous is not None:
            # Converged when the two drawn axes moved less than the tolerance (sign aside); the
            # further axes only help k-means and may be noise that never settles.
            alignment = np.abs(np.sum(components[:, :2] * previous[:, :2], axis=0))
            if np.all(1.0 - alignment < _TOLERANCE):
                break
        previous = components
        basis, _ = np.linalg.qr(centred.T @ image)
    if components.shape[1] < count:
        components = np.pad(components, ((0, 0), (0, count - components.shape[1])))
    # A component's sign is arbitrary. Fix it so that its loadings sum to a positive number
    # (agreeing with more statements moves a participant right / up): a sum over all statements
    # barely moves when a few votes arrive, so the map does not flip between computations.
    # Only when the sum vanishes does the largest loading decide.
    sums = components.sum(axis=0)
    strongest = components[np.argmax(np.abs(components), axis=0), np.arange(count)]
    signs = np.where(np.abs(sums) > 1e-9, np.sign(sums), np.sign(strongest))
    return components * np.where(signs == 0, 1.0, signs)


def project(values: np.ndarray, voted: np.ndarray, *, seed: int, dimensions: int = 2) -> Projection:
    """Project each row (already restricted to the participants to place) on the main axes."""
    centred, means = centre_votes(values, voted)
    components = top_components(centred, seed=seed, count=dimensions)
    raw = (centred @ components.astype(np.float32)).astype(np.float64)
    active = int(np.count_nonzero(voted.any(axis=0)))
    votes = np.maximum(voted.sum(axis=1, dtype=np.int64), 1)
    points = raw * np.sqrt(active / votes)[:, None]
    return Projection(points=points, components=components, column_means=means, centred=centred)
