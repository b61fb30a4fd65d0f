"""STAND-IN for the real analysis (written by the analysis helper on its own branch): the same
public interface, a crude method (PCA by SVD, k-means with k=2), enough to build the web part."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

AGREE, DISAGREE, PASS = 1, -1, 0


@dataclass(frozen=True)
class Params:
    min_votes_to_cluster: int = 7
    min_group_size: int = 10
    max_groups: int = 5
    min_votes_per_group: int = 5
    common_ground_agree: float = 0.5
    seed: int = 0


@dataclass(frozen=True)
class StatementScore:
    statement: int
    agree: float
    disagree: float
    votes: int
    score: float


@dataclass(frozen=True)
class Group:
    label: int
    size: int
    centre: tuple[float, float]
    radius: float
    representative: tuple[StatementScore, ...]


@dataclass(frozen=True)
class CommonGround:
    statement: int
    score: float
    group_agree: tuple[float, ...]


@dataclass(frozen=True)
class OpinionMap:
    groups: tuple[Group, ...]
    common_ground: tuple[CommonGround, ...]
    positions: dict[int, tuple[float, float]]
    membership: dict[int, int]
    participants: int
    clustered: int
    statements: int

    def public(self) -> dict:
        return {
            "groups": [asdict(g) for g in self.groups],
            "common_ground": [asdict(c) for c in self.common_ground],
            "participants": self.participants,
            "clustered": self.clustered,
            "statements": self.statements,
        }

    def to_json(self) -> dict:
        return {
            **self.public(),
            "positions": {str(k): list(v) for k, v in self.positions.items()},
            "membership": {str(k): v for k, v in self.membership.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> OpinionMap:
        groups = tuple(
            Group(
                label=g["label"],
                size=g["size"],
                centre=tuple(g["centre"]),
                radius=g["radius"],
                representative=tuple(StatementScore(**s) for s in g["representative"]),
            )
            for g in data["groups"]
        )
        return cls(
            groups=groups,
            common_ground=tuple(
                CommonGround(c["statement"], c["score"], tuple(c["group_agree"]))
                for c in data["common_ground"]
            ),
            positions={int(k): tuple(v) for k, v in data.get("positions", {}).items()},
            membership={int(k): v for k, v in data.get("membership", {}).items()},
            participants=data["participants"],
            clustered=data["clustered"],
            statements=data["statements"],
        )


def _smoothed(agree: int, disagree: int, votes: int) -> tuple[float, float]:
    return (agree + 1) / (votes + 2), (disagree + 1) / (votes + 2)


def analyse(
    votes: Iterable[tuple[int, int, int]],
    *,
    statements: Sequence[int],
    params: Params = Params(),
    previous: OpinionMap | None = None,
) -> OpinionMap:
    votes = list(votes)
    people = sorted({p for p, _s, _v in votes})
    column = {s: i for i, s in enumerate(statements)}
    row = {p: i for i, p in enumerate(people)}
    matrix = np.zeros((len(people), len(statements)))
    seen = np.zeros_like(matrix, dtype=bool)
    for p, s, v in votes:
        if s in column:
            matrix[row[p], column[s]] = v
            seen[row[p], column[s]] = True
    placed = [i for i in range(len(people)) if seen[i].sum() >= params.min_votes_to_cluster]
    positions: dict[int, tuple[float, float]] = {}
    membership: dict[int, int] = {}
    groups: list[Group] = []
    if len(placed) >= 2 * params.min_group_size:
        sub = matrix[placed] - matrix[placed].mean(axis=0)
        _u, _s, vt = np.linalg.svd(sub, full_matrices=False)
        xy = sub @ vt[:2].T if vt.shape[0] >= 2 else np.c_[sub @ vt[:1].T, np.zeros(len(placed))]
        scale = np.abs(xy).max() or 1.0
        xy = xy / scale
        side = (xy[:, 0] >= 0).astype(int)
        for label in (0, 1):
            members = [placed[i] for i in range(len(placed)) if side[i] == label]
            if len(members) < params.min_group_size:
                continue
            points = xy[side == label]
            centre = points.mean(axis=0)
            radius = float(np.sqrt(((points - centre) ** 2).sum(axis=1)).max() or 0.1)
            reps = []
            for s, j in column.items():
                col = seen[members, j]
                n = int(col.sum())
                if n < params.min_votes_per_group:
                    continue
                a = int((matrix[members, j] == 1).sum())
                d = int((matrix[members, j] == -1).sum())
                pa, pd = _smoothed(a, d, n)
                reps.append(StatementScore(s, pa, pd, n, abs(pa - pd)))
            reps.sort(key=lambda r: -r.score)
            groups.append(
                Group(
                    label,
                    len(members),
                    (float(centre[0]), float(centre[1])),
                    min(radius, 1.0),
                    tuple(reps[:5]),
                )
            )
            for i, m in enumerate(placed):
                if side[i] == label:
                    positions[people[m]] = (float(xy[i, 0]), float(xy[i, 1]))
                    membership[people[m]] = label
    common: list[CommonGround] = []
    if groups:
        for s, j in column.items():
            shares = []
            for g in groups:
                members = [row[p] for p, lab in membership.items() if lab == g.label]
                n = int(seen[members, j].sum())
                if n < params.min_votes_per_group:
                    break
                a = int((matrix[members, j] == 1).sum())
                d = int((matrix[members, j] == -1).sum())
                shares.append(_smoothed(a, d, n)[0])
            else:
                if min(shares) > params.common_ground_agree:
                    common.append(CommonGround(s, float(np.prod(shares)), tuple(shares)))
        common.sort(key=lambda c: -c.score)
    return OpinionMap(
        groups=tuple(groups),
        common_ground=tuple(common),
        positions=positions,
        membership=membership,
        participants=len(people),
        clustered=len(positions),
        statements=len(statements),
    )
