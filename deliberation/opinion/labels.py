"""Stable group labels: a group keeps the label of the previous group it most resembles.

New groups are matched to the previous map's groups greedily, pair by pair, by the number of
participants they share (most first); groups left unmatched — or all of them when the previous
map kept no membership — are then matched by the distance between centres (nearest first, within
``_NEAR``). A group with no match takes the smallest label that neither the previous map nor
another new group uses, so a colour is never handed to a different group in one step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

_NEAR = 0.5  # map units (the map spans [-1, 1]); farther than this is not the same group


def stable_labels(
    members: Sequence[Sequence[int]],
    centres: Sequence[tuple[float, float]],
    *,
    previous_membership: Mapping[int, int],
    previous_centres: Mapping[int, tuple[float, float]],
) -> list[int]:
    """A label per new group, in the order given."""
    labels: list[int | None] = [None] * len(members)
    free_old = set(previous_centres)
    overlaps = []
    for new, group in enumerate(members):
        shared: dict[int, int] = {}
        for participant in group:
            old = previous_membership.get(participant)
            if old is not None and old in free_old:
                shared[old] = shared.get(old, 0) + 1
        overlaps.extend((-count, new, old) for old, count in shared.items())
    for _, new, old in sorted(overlaps):
        if labels[new] is None and old in free_old:
            labels[new] = old
            free_old.discard(old)
    pairs = []
    for new, centre in enumerate(centres):
        if labels[new] is not None:
            continue
        for old in free_old:
            ox, oy = previous_centres[old]
            distance = ((centre[0] - ox) ** 2 + (centre[1] - oy) ** 2) ** 0.5
            if distance <= _NEAR:
                pairs.append((distance, new, old))
    for _, new, old in sorted(pairs):
        if labels[new] is None and old in free_old:
            labels[new] = old
            free_old.discard(old)
    taken = set(previous_centres) | {label for label in labels if label is not None}
    next_label = 0
    for new in range(len(labels)):
        if labels[new] is None:
            while next_label in taken:
                next_label += 1
            labels[new] = next_label
            taken.add(next_label)
    return [int(label) for label in labels]
