"""Per-group vote counts, Pol.is representativeness, group-informed consensus and how
uncertain that consensus still is.

Probabilities are smoothed with one pseudo-vote each way, p = (agree + 1) / (votes + 2), where
votes counts passes too, so a pass weighs against a majority. Representativeness follows Pol.is:
for agreement, ra = p_in / p_out (how much likelier the group agrees than everyone else) and two
z-statistics, one that the group leans that way at all (one-proportion test against 1/2) and one
that it differs from the rest (two-proportion test); a statement represents a group only when both
pass at 90 % (z > 1.2816) and the group cast at least ``min_votes`` votes on it. Its score is
ra · rat · p · pat, for agreement or disagreement, whichever is larger.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Z_90 = 1.2816


@dataclass(frozen=True, eq=False)
class GroupCounts:
    agree: np.ndarray  # (groups × statements)
    disagree: np.ndarray
    votes: np.ndarray  # passes included

    def agree_probability(self) -> np.ndarray:
        return (self.agree + 1.0) / (self.votes + 2.0)

    def disagree_probability(self) -> np.ndarray:
        return (self.disagree + 1.0) / (self.votes + 2.0)


def group_counts(
    values: np.ndarray, voted: np.ndarray, labels: np.ndarray, groups: int
) -> GroupCounts:
    onehot = np.zeros((groups, labels.size), dtype=np.float32)
    onehot[labels, np.arange(labels.size)] = 1.0
    agree = onehot @ (values == 1).astype(np.float32)
    disagree = onehot @ (values == -1).astype(np.float32)
    votes = onehot @ voted.astype(np.float32)
    return GroupCounts(*(np.rint(a).astype(np.int64) for a in (agree, disagree, votes)))


def one_proportion_z(successes: np.ndarray, trials: np.ndarray) -> np.ndarray:
    successes, trials = successes + 1.0, trials + 1.0
    return 2.0 * np.sqrt(trials) * (successes / trials - 0.5)


def two_proportion_z(
    in_successes: np.ndarray,
    out_successes: np.ndarray,
    in_trials: np.ndarray,
    out_trials: np.ndarray,
) -> np.ndarray:
    s1, s2 = in_successes + 1.0, out_successes + 1.0
    n1, n2 = in_trials + 1.0, out_trials + 1.0
    pooled = (s1 + s2) / (n1 + n2)
    spread = np.sqrt(np.maximum(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2), 0.0))
    return np.divide(s1 / n1 - s2 / n2, spread, out=np.zeros_like(spread), where=spread > 0)


@dataclass(frozen=True, eq=False)
class Representativeness:
    score: np.ndarray  # (groups × statements), 0 where not significant
    agree_side: np.ndarray  # bool: True where the group stands out by agreeing


def representativeness(counts: GroupCounts, *, min_votes: int) -> Representativeness:
    total_agree = counts.agree.sum(axis=0)
    total_disagree = counts.disagree.sum(axis=0)
    total_votes = counts.votes.sum(axis=0)
    sides = []
    for inside, total in ((counts.agree, total_agree), (counts.disagree, total_disagree)):
        outside = total - inside
        out_votes = total_votes - counts.votes
        p_in = (inside + 1.0) / (counts.votes + 2.0)
        p_out = (outside + 1.0) / (out_votes + 2.0)
        pat = one_proportion_z(inside, counts.votes)
        rat = two_proportion_z(inside, outside, counts.votes, out_votes)
        score = (p_in / p_out) * rat * p_in * pat
        significant = (pat > Z_90) & (rat > Z_90) & (counts.votes >= min_votes)
        sides.append(np.where(significant, score, 0.0))
    agree_side = sides[0] >= sides[1]
    return Representativeness(score=np.where(agree_side, sides[0], sides[1]), agree_side=agree_side)


def group_informed_consensus(counts: GroupCounts) -> np.ndarray:
    """Product over groups of the smoothed agree probability (Pol.is), per statement."""
    return np.prod(counts.agree_probability(), axis=0)


# The posterior standard deviation of an agree probability before any vote: Beta(1, 1).
_SD_BEFORE_VOTES = float(np.sqrt(1.0 / 12.0))


def consensus_uncertainty(counts: GroupCounts) -> np.ndarray:
    """How little the votes so far say about each statement's group-informed consensus, in
    [0, 1]: over the groups, the largest posterior standard deviation of the group's agree
    probability (Beta(agree + 1, votes - agree + 1), passes counting against, as above), over
    its value before any vote. 1 where some group has not voted on the statement at all; it
    falls as every group votes, and more slowly where a group is split. The next statement a
    voter is shown favours the uncertain ones (docs/deliberation.md)."""
    p = counts.agree_probability()
    spread = np.sqrt(p * (1.0 - p) / (counts.votes + 3.0))
    return np.max(spread, axis=0) / _SD_BEFORE_VOTES
