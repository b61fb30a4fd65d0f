"""The opinion map of a conversation: groups, what sets each apart, and the common ground.

``analyse`` takes the latest vote of each participant on each statement and returns an
``OpinionMap`` (the interface shared with the web part is /work/spec/opinion.md, the method is
docs/deliberation.md "Opinion map: the analysis"). The steps, each in its own module:
``matrix`` (checked dense vote matrix), ``pca`` (two main axes, Pol.is-style projection),
``clustering`` (k-means, k by silhouette, no group under the minimum size), ``repness`` (what sets
a group apart, group-informed consensus), ``bridging`` (Community Notes-style intercepts),
``labels`` and ``orientation`` (stable labels and frame from the previous map). Pure: no Django,
no I/O, deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .bridging import bridging_scores
from .clustering import find_groups
from .labels import stable_labels
from .matrix import AGREE, DISAGREE, PASS, InvalidVotes, build_matrix, vote_patterns
from .orientation import nearest_frame
from .pca import project
from .repness import (
    consensus_uncertainty,
    group_counts,
    group_informed_consensus,
    representativeness,
)

__all__ = [
    "AGREE",
    "DISAGREE",
    "PASS",
    "CommonGround",
    "Group",
    "InvalidVotes",
    "OpinionMap",
    "Params",
    "StatementScore",
    "analyse",
]

FORMAT = 1  # version of to_json's layout; from_json refuses any other
REPRESENTATIVE_PER_GROUP = 5
_POSITION_DIGITS = 4  # 1/10 000 of the map's half-width: finer than any screen
_SCORE_DIGITS = 6
_MIN_RADIUS = 0.05
_SCALE_PERCENTILE = 99  # the map's edge; the farthest 1 % of points are clipped onto it


@dataclass(frozen=True)
class Params:
    min_votes_to_cluster: int = 7  # participants with fewer votes are counted, not placed
    min_group_size: int = 10  # a group smaller than this is never drawn apart (privacy, anti-bloc)
    max_groups: int = 5  # k-means k in 2..max_groups chosen by silhouette
    min_votes_per_group: int = 5  # a statement needs this many votes in every group
    common_ground_agree: float = 0.5  # majority of every group agrees (smoothed)
    seed: int = 0  # deterministic

    def __post_init__(self) -> None:
        for name in ("min_votes_to_cluster", "min_group_size", "max_groups", "min_votes_per_group"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer")
        if self.max_groups < 2:
            raise ValueError("max_groups must be at least 2")
        agree = self.common_ground_agree
        if isinstance(agree, bool) or not isinstance(agree, int | float) or not 0 <= agree < 1:
            raise ValueError("common_ground_agree must be in [0, 1)")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise ValueError("seed must be a non-negative integer")


@dataclass(frozen=True)
class StatementScore:
    statement: int
    agree: float  # smoothed agree probability in the group / overall
    disagree: float
    votes: int  # votes on it in the group / overall
    score: float  # representativeness (for groups) or bridging/consensus score


@dataclass(frozen=True)
class Group:
    label: int  # stable across computations (see previous=)
    size: int
    centre: tuple[float, float]  # in map coordinates, each in [-1, 1]
    radius: float  # for drawing a region
    representative: tuple[StatementScore, ...]  # statements that set it apart, best first (<= 5)


@dataclass(frozen=True)
class CommonGround:
    statement: int
    score: float  # bridging score, higher is better
    group_agree: tuple[float, ...]  # agree probability per group, in groups order


def _score_json(item: StatementScore) -> dict:
    return {
        "statement": item.statement,
        "agree": item.agree,
        "disagree": item.disagree,
        "votes": item.votes,
        "score": item.score,
    }


def _group_json(group: Group) -> dict:
    return {
        "label": group.label,
        "size": group.size,
        "centre": list(group.centre),
        "radius": group.radius,
        "representative": [_score_json(item) for item in group.representative],
    }


def _common_json(item: CommonGround) -> dict:
    return {"statement": item.statement, "score": item.score, "group_agree": list(item.group_agree)}


@dataclass(frozen=True)
class OpinionMap:
    groups: tuple[Group, ...]  # only groups with size >= min_group_size
    common_ground: tuple[CommonGround, ...]  # ranked, best first
    positions: dict[int, tuple[float, float]]  # participant -> map point (PRIVATE)
    membership: dict[int, int]  # participant -> group label (PRIVATE: shown only to that one)
    participants: int  # everyone who voted at least once
    clustered: int  # participants placed on the map
    statements: int
    # statement -> how uncertain its group-informed consensus is, in [0, 1]; empty until
    # groups exist (repness.consensus_uncertainty). Aggregate, for choosing what to ask next.
    uncertainty: dict[int, float] = field(default_factory=dict)

    def public(self) -> dict:
        """JSON-safe aggregates only: no positions, no membership."""
        return {
            "participants": self.participants,
            "clustered": self.clustered,
            "statements": self.statements,
            "groups": [_group_json(group) for group in self.groups],
            "common_ground": [_common_json(item) for item in self.common_ground],
        }

    def to_json(self) -> dict:
        """Everything, JSON-safe, for the cache (private parts included: keep it server-side)."""
        data = self.public()
        data["format"] = FORMAT
        data["positions"] = [[key, x, y] for key, (x, y) in sorted(self.positions.items())]
        data["membership"] = [[key, label] for key, label in sorted(self.membership.items())]
        data["uncertainty"] = [[key, value] for key, value in sorted(self.uncertainty.items())]
        return data

    @classmethod
    def from_json(cls, data: dict) -> OpinionMap:
        try:
            if data["format"] != FORMAT:
                raise ValueError(f"opinion map format {data['format']!r} is not {FORMAT}")
            return cls(
                groups=tuple(
                    Group(
                        label=int(g["label"]),
                        size=int(g["size"]),
                        centre=(float(g["centre"][0]), float(g["centre"][1])),
                        radius=float(g["radius"]),
                        representative=tuple(
                            StatementScore(
                                statement=int(r["statement"]),
                                agree=float(r["agree"]),
                                disagree=float(r["disagree"]),
                                votes=int(r["votes"]),
                                score=float(r["score"]),
                            )
                            for r in g["representative"]
                        ),
                    )
                    for g in data["groups"]
                ),
                common_ground=tuple(
                    CommonGround(
                        statement=int(c["statement"]),
                        score=float(c["score"]),
                        group_agree=tuple(float(p) for p in c["group_agree"]),
                    )
                    for c in data["common_ground"]
                ),
                positions={int(k): (float(x), float(y)) for k, x, y in data["positions"]},
                membership={int(k): int(label) for k, label in data["membership"]},
                participants=int(data["participants"]),
                clustered=int(data["clustered"]),
                statements=int(data["statements"]),
                # absent from maps cached before it existed: the same layout otherwise
                uncertainty={int(k): float(u) for k, u in data.get("uncertainty", [])},
            )
        except (KeyError, TypeError, IndexError) as exc:
            raise ValueError("not an opinion map") from exc


def _map_coordinates(points: np.ndarray) -> np.ndarray:
    """Scale all axes alike so the 99th percentile of |x| and |y| on the map is 1."""
    if points.size == 0:
        return points
    drawn = np.abs(points[:, :2])
    scale = float(np.percentile(drawn, _SCALE_PERCENTILE))
    if scale <= 1e-12:
        scale = float(drawn.max()) or 1.0
    return points / scale


def _round(value: float, digits: int = _SCORE_DIGITS) -> float:
    return float(round(float(value), digits))


def analyse(
    votes: Iterable[tuple[int, int, int]],
    *,
    statements: Sequence[int],
    params: Params = Params(),  # noqa: B008 (frozen, so one shared default is safe)
    previous: OpinionMap | None = None,
) -> OpinionMap:
    """The opinion map of ``votes`` (participant key, statement id, 1/-1/0), one per pair.

    Votes on statements not listed in ``statements`` are ignored; bad input raises InvalidVotes.
    ``previous`` only keeps group labels and the map's frame (which way its axes point) stable;
    groups, memberships up to labels, and every statistic are the same with or without it.
    """
    matrix = build_matrix(votes, statements)
    counts_per_row = matrix.votes_per_participant
    placed = np.flatnonzero(counts_per_row >= params.min_votes_to_cluster)
    values, voted = matrix.values[placed], matrix.voted[placed]
    keys = matrix.participants[placed]
    ids = matrix.statements

    if placed.size == 0:
        return OpinionMap(
            groups=(),
            common_ground=(),
            positions={},
            membership={},
            participants=int(matrix.participants.size),
            clustered=0,
            statements=int(ids.size),
        )

    # k groups need k - 1 axes to lie apart; the map draws the first two (docs/deliberation.md).
    dimensions = max(2, params.max_groups - 1)
    projection = project(values, voted, seed=params.seed, dimensions=dimensions)
    scaled = _map_coordinates(projection.points)
    shown = np.clip(scaled[:, :2], -1.0, 1.0)
    if previous is not None:  # the same frame as last time: no mirrored or turned map
        shown = shown @ nearest_frame(keys, shown, previous.positions)
    shown = np.round(shown, _POSITION_DIGITS) + 0.0  # + 0.0: no negative zero
    positions = {int(k): (float(x), float(y)) for k, (x, y) in zip(keys, shown, strict=True)}

    row_group = find_groups(
        scaled,
        max_groups=params.max_groups,
        min_size=params.min_group_size,
        seed=params.seed,
        patterns=vote_patterns(values, voted),
    )
    if row_group.size == 0:
        return OpinionMap(
            groups=(),
            common_ground=(),
            positions=positions,
            membership={},
            participants=int(matrix.participants.size),
            clustered=int(placed.size),
            statements=int(ids.size),
        )

    group_total = int(row_group.max()) + 1
    # Largest group first, then by centre, so that labels without a previous map are deterministic.
    centres = np.array([shown[row_group == g].mean(axis=0) for g in range(group_total)])
    sizes = np.bincount(row_group, minlength=group_total)
    order = sorted(range(group_total), key=lambda g: (-sizes[g], centres[g][0], centres[g][1]))
    rank = np.empty(group_total, dtype=np.int64)
    rank[order] = np.arange(group_total)
    row_group = rank[row_group]
    centres, sizes = centres[order], sizes[order]

    members = [keys[row_group == g].tolist() for g in range(group_total)]
    rounded_centres = [
        (_round(x, _POSITION_DIGITS), _round(y, _POSITION_DIGITS)) for x, y in centres
    ]
    labels = stable_labels(
        members,
        rounded_centres,
        previous_membership=previous.membership if previous else {},
        previous_centres={g.label: g.centre for g in previous.groups} if previous else {},
    )

    counts = group_counts(values, voted, row_group, group_total)
    agree_p = counts.agree_probability()
    disagree_p = counts.disagree_probability()
    repness = representativeness(counts, min_votes=params.min_votes_per_group)
    bridging = bridging_scores(values, voted, initial_factor=projection.components[:, 0])
    consensus = group_informed_consensus(counts)
    uncertain = consensus_uncertainty(counts)

    groups = []
    for g in range(group_total):
        distances = np.linalg.norm(shown[row_group == g] - centres[g], axis=1)
        radius = max(float(np.percentile(distances, 90)), _MIN_RADIUS)
        representative: tuple[StatementScore, ...] = ()
        if group_total > 1:
            best = [j for j in np.lexsort((ids, -repness.score[g])) if repness.score[g, j] > 0]
            representative = tuple(
                StatementScore(
                    statement=int(ids[j]),
                    agree=_round(agree_p[g, j]),
                    disagree=_round(disagree_p[g, j]),
                    votes=int(counts.votes[g, j]),
                    score=_round(repness.score[g, j]),
                )
                for j in best[:REPRESENTATIVE_PER_GROUP]
            )
        groups.append(
            Group(
                label=labels[g],
                size=int(sizes[g]),
                centre=rounded_centres[g],
                radius=_round(radius, _POSITION_DIGITS),
                representative=representative,
            )
        )

    by_label = sorted(range(group_total), key=lambda g: labels[g])
    eligible = np.all(counts.votes >= params.min_votes_per_group, axis=0) & np.all(
        agree_p > params.common_ground_agree, axis=0
    )
    ranked = [j for j in np.lexsort((ids, -consensus, -bridging)) if eligible[j]]
    common_ground = tuple(
        CommonGround(
            statement=int(ids[j]),
            score=_round(bridging[j]),
            group_agree=tuple(_round(agree_p[g, j]) for g in by_label),
        )
        for j in ranked
    )
    label_of_row = np.asarray(labels)[row_group]
    return OpinionMap(
        groups=tuple(groups[g] for g in by_label),
        common_ground=common_ground,
        positions=positions,
        membership={int(k): int(label) for k, label in zip(keys, label_of_row, strict=True)},
        participants=int(matrix.participants.size),
        clustered=int(placed.size),
        statements=int(ids.size),
        uncertainty={int(ids[j]): _round(uncertain[j]) for j in range(ids.size)},
    )
