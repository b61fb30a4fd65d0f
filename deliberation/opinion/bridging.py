"""Bridging score: a statement's intercept once the main opinion factor is removed.

The ranking idea of Community Notes. Each vote (agree +1, pass 0, disagree −1) is modelled as
    vote[u, s] ≈ μ + b[u] + c[s] + f[u] · g[s]
where f · g is a one-dimensional opinion factor: the part of the vote explained by where the
participant stands on the main divide and which side the statement speaks to. The statement
intercept c[s] is what is left: support that does not depend on the side a participant is on. A
statement liked by one side only has a large |g| and a small c; a statement liked across the
divide has a large c. That intercept is the bridging score.

The model is fitted by alternating least squares, exact 2 × 2 ridge solves per participant and per
statement, all as matrix products with the dense vote matrix. Regularisation follows Community
Notes (λ = 0.03 on factors, 5 × λ on intercepts, both relative to a mean-squared-error loss), so the
intercepts are pulled towards 0 harder than the factors: a statement earns a high intercept only
when the factor cannot explain its support. In sum-of-squares form, a row's penalty is λ times the
mean number of votes per row, a column's λ times the mean number of votes per column.
"""

from __future__ import annotations

import numpy as np

FACTOR_LAMBDA = 0.03
INTERCEPT_MULTIPLIER = 5.0
_MAX_SWEEPS = 60  # a bound; starting from the first PCA axis it converges in 10–20
_TOLERANCE = 1e-4  # on intercepts in vote units; rankings need far less


def _ridge_pairs(
    count: np.ndarray,
    sum_other: np.ndarray,
    sum_other_sq: np.ndarray,
    residual: np.ndarray,
    residual_other: np.ndarray,
    lambda_intercept: float,
    lambda_factor: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Solve [[n+λi, Σx], [Σx, Σx²+λf]] [b, f] = [Σy, Σxy] for every row at once."""
    a = count + lambda_intercept
    d = sum_other_sq + lambda_factor
    det = a * d - sum_other * sum_other
    det = np.where(det > 1e-12, det, 1e-12)
    intercept = (d * residual - sum_other * residual_other) / det
    factor = (a * residual_other - sum_other * residual) / det
    return intercept, factor


def bridging_scores(
    values: np.ndarray, voted: np.ndarray, *, initial_factor: np.ndarray
) -> np.ndarray:
    """Statement intercepts (columns,) for the rows given; ``initial_factor`` seeds g (columns,)."""
    rows, columns = values.shape
    total = int(np.count_nonzero(voted))
    if total == 0 or rows == 0:
        return np.zeros(columns)
    ratings = values.astype(np.float32)
    mask = voted.astype(np.float32)
    row_count = voted.sum(axis=1, dtype=np.int64).astype(np.float64)
    column_count = voted.sum(axis=0, dtype=np.int64).astype(np.float64)
    row_sum = values.sum(axis=1, dtype=np.int64).astype(np.float64)
    column_sum = values.sum(axis=0, dtype=np.int64).astype(np.float64)

    row_factor_lambda = FACTOR_LAMBDA * total / rows
    column_factor_lambda = FACTOR_LAMBDA * total / columns
    mu = float(row_sum.sum() / total)
    row_intercept = np.zeros(rows)
    column_intercept = np.zeros(columns)
    column_factor = np.asarray(initial_factor, dtype=np.float64).copy()
    for _ in range(_MAX_SWEEPS):
        before = column_intercept.copy()
        # Participants, given the statements.
        stack = np.stack(
            [column_factor, column_factor**2, column_intercept, column_intercept * column_factor],
            axis=1,
        ).astype(np.float32)
        sums = (mask @ stack).astype(np.float64)
        rated = (ratings @ column_factor.astype(np.float32)).astype(np.float64)
        residual = row_sum - mu * row_count - sums[:, 2]
        residual_other = rated - mu * sums[:, 0] - sums[:, 3]
        row_intercept, row_factor = _ridge_pairs(
            row_count,
            sums[:, 0],
            sums[:, 1],
            residual,
            residual_other,
            INTERCEPT_MULTIPLIER * row_factor_lambda,
            row_factor_lambda,
        )
        # Statements, given the participants.
        stack = np.stack(
            [row_factor, row_factor**2, row_intercept, row_intercept * row_factor], axis=1
        ).astype(np.float32)
        sums = (mask.T @ stack).astype(np.float64)
        rated = (ratings.T @ row_factor.astype(np.float32)).astype(np.float64)
        residual = column_sum - mu * column_count - sums[:, 2]
        residual_other = rated - mu * sums[:, 0] - sums[:, 3]
        column_intercept, column_factor = _ridge_pairs(
            column_count,
            sums[:, 0],
            sums[:, 1],
            residual,
            residual_other,
            INTERCEPT_MULTIPLIER * column_factor_lambda,
            column_factor_lambda,
        )
        # The global mean, given both: Σ(r − b − c − f·g) / N; Σ f·g over votes = g · (Mᵀ f).
        mu = float(
            (
                row_sum.sum()
                - row_count @ row_intercept
                - column_count @ column_intercept
                - column_factor @ sums[:, 0]
            )
            / total
        )
        if np.max(np.abs(column_intercept - before)) < _TOLERANCE:
            break
    return column_intercept
