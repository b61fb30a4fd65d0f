"""The opinion map's analysis on synthetic conversations with planted opinion groups.

Each planted group has a side on every statement (agree with probability 0.8, or 0.2); a few
"common ground" statements are agreed by every group (0.85); participants skip 5–20 % of the
statements; blocs are a few accounts casting identical votes.
"""

from __future__ import annotations

import json
from math import comb

import numpy as np
import pytest

from deliberation.opinion.analysis import (
    AGREE,
    DISAGREE,
    PASS,
    InvalidVotes,
    OpinionMap,
    Params,
    analyse,
)
from deliberation.opinion.bridging import bridging_scores
from deliberation.opinion.labels import stable_labels
from deliberation.opinion.matrix import build_matrix

FIRST_STATEMENT = 500
FIRST_KEY = 7_000_000  # distinctive, so a leaked key is found in a JSON dump


def adjusted_rand_index(truth: list[int], found: list[int]) -> float:
    _, a = np.unique(truth, return_inverse=True)
    _, b = np.unique(found, return_inverse=True)
    table = np.zeros((a.max() + 1, b.max() + 1), dtype=np.int64)
    np.add.at(table, (a, b), 1)
    index = sum(comb(int(x), 2) for x in table.ravel())
    rows = sum(comb(int(x), 2) for x in table.sum(axis=1))
    cols = sum(comb(int(x), 2) for x in table.sum(axis=0))
    expected = rows * cols / comb(len(truth), 2)
    return (index - expected) / ((rows + cols) / 2 - expected)


class Conversation:
    """Planted groups voting on statements; ``truth`` maps participant key -> planted group."""

    def __init__(self, sizes, *, statements=50, common=4, lukewarm=0, missing=0.1, seed=1):
        rng = np.random.default_rng(seed)
        self.statements = [FIRST_STATEMENT + j for j in range(statements)]
        self.common = self.statements[:common]
        self.lukewarm = self.statements[common : common + lukewarm]
        groups = len(sizes)
        self.side = np.zeros((groups, statements), dtype=bool)  # True: the group agrees
        agree = np.zeros((groups, statements))
        for j in range(statements):
            if j < common:
                self.side[:, j], agree[:, j] = True, 0.85
            elif j < common + lukewarm:
                self.side[:, j], agree[:, j] = True, 0.62
            else:
                while True:  # a divisive statement: at least one group on each side
                    side = rng.random(groups) < 0.5
                    if side.any() and not side.all():
                        break
                self.side[:, j], agree[:, j] = side, np.where(side, 0.8, 0.2)
        self.votes: list[tuple[int, int, int]] = []
        self.truth: dict[int, int] = {}
        key = FIRST_KEY
        for group, size in enumerate(sizes):
            for _ in range(size):
                key += 1
                self.truth[key] = group
                for j, statement in enumerate(self.statements):
                    if rng.random() < missing:
                        continue
                    p, draw = agree[group, j], rng.random()
                    value = AGREE if draw < p else DISAGREE if draw < p + (1 - p) * 0.85 else PASS
                    self.votes.append((key, statement, value))
        self.next_key = key + 1

    def add_bloc(self, size: int, value_of) -> list[int]:
        """``size`` accounts voting identically: ``value_of(statement index)`` on every one."""
        keys = list(range(self.next_key, self.next_key + size))
        self.next_key += size
        for key in keys:
            for j, statement in enumerate(self.statements):
                self.votes.append((key, statement, value_of(j)))
        return keys

    def ari(self, opinion_map: OpinionMap) -> float:
        keys = sorted(self.truth)
        return adjusted_rand_index(
            [self.truth[k] for k in keys], [opinion_map.membership[k] for k in keys]
        )


def alternating(j: int) -> int:
    return AGREE if j % 2 else DISAGREE


@pytest.mark.parametrize("sizes", [[70, 60], [60, 50, 40], [50, 45, 40, 35]])
@pytest.mark.parametrize("missing", [0.05, 0.2])
def test_planted_groups_are_recovered_despite_missing_votes_and_a_bloc(sizes, missing):
    conversation = Conversation(sizes, missing=missing, seed=len(sizes))
    conversation.add_bloc(5, alternating)
    opinion_map = analyse(conversation.votes, statements=conversation.statements)
    assert len(opinion_map.groups) == len(sizes)
    assert conversation.ari(opinion_map) >= 0.9


@pytest.mark.parametrize("groups", [2, 3, 4])
def test_planted_common_ground_ranks_first_and_partisan_statements_never_appear(groups):
    conversation = Conversation([50] * groups, common=4, lukewarm=3, missing=0.15, seed=groups)
    opinion_map = analyse(conversation.votes, statements=conversation.statements)
    ranked = [item.statement for item in opinion_map.common_ground]
    assert set(ranked[:4]) == set(conversation.common)
    assert set(ranked) <= set(conversation.common) | set(conversation.lukewarm)
    for item in opinion_map.common_ground:
        assert len(item.group_agree) == len(opinion_map.groups)
        assert all(p > 0.5 for p in item.group_agree)
    scores = [item.score for item in opinion_map.common_ground]
    assert scores == sorted(scores, reverse=True)


def test_a_bloc_under_the_minimum_size_is_not_a_group_but_is_counted():
    conversation = Conversation([60, 50], missing=0.1, seed=5)
    bloc = conversation.add_bloc(6, lambda j: AGREE if j % 3 else DISAGREE)
    loose = analyse(
        conversation.votes, statements=conversation.statements, params=Params(min_group_size=1)
    )
    assert any(group.size == 6 for group in loose.groups)  # what the minimum size prevents

    opinion_map = analyse(conversation.votes, statements=conversation.statements)
    assert len(opinion_map.groups) == 2
    assert min(group.size for group in opinion_map.groups) >= Params().min_group_size
    assert opinion_map.participants == 116 and opinion_map.clustered == 116
    assert all(key in opinion_map.membership for key in bloc)
    assert sum(group.size for group in opinion_map.groups) == 116


def test_copies_of_one_voter_cannot_form_a_group_and_veto_the_common_ground():
    conversation = Conversation([60, 60], missing=0.1, seed=21)
    bloc = conversation.add_bloc(12, lambda j: DISAGREE)  # above min_group_size, all identical
    opinion_map = analyse(conversation.votes, statements=conversation.statements)
    assert len(opinion_map.groups) == 2
    assert sorted(item.statement for item in opinion_map.common_ground) == conversation.common
    assert all(key in opinion_map.membership for key in bloc)  # placed and counted all the same


def test_a_statement_needs_votes_from_every_group_to_be_common_ground():
    conversation = Conversation([50, 50], missing=0.05, seed=6)
    first = [k for k, g in conversation.truth.items() if g == 0]
    second = [k for k, g in conversation.truth.items() if g == 1]
    thin, broad = 900, 901
    conversation.votes += [(k, thin, AGREE) for k in first + second[:3]]
    conversation.votes += [(k, broad, AGREE) for k in first + second[:6]]
    statements = conversation.statements + [thin, broad]
    ranked = {
        item.statement for item in analyse(conversation.votes, statements=statements).common_ground
    }
    assert broad in ranked and thin not in ranked


def test_sparse_voters_are_counted_but_not_placed():
    conversation = Conversation([40, 40], missing=0.1, seed=7)
    sparse = list(range(9_000_000, 9_000_020))
    conversation.votes += [
        (key, conversation.statements[j], AGREE) for key in sparse for j in range(3)
    ]
    opinion_map = analyse(conversation.votes, statements=conversation.statements)
    assert opinion_map.participants == 100
    assert opinion_map.clustered == 80
    assert not set(sparse) & (set(opinion_map.positions) | set(opinion_map.membership))


def test_group_labels_stay_when_a_few_votes_are_added():
    conversation = Conversation([50, 45, 40], missing=0.1, seed=8)
    before = analyse(conversation.votes, statements=conversation.statements)
    newcomer = conversation.next_key
    more = conversation.votes + [(newcomer, s, AGREE) for s in conversation.statements[:10]]
    after = analyse(more, statements=conversation.statements, previous=before)
    for key, group in conversation.truth.items():
        assert after.membership[key] == before.membership[key], (key, group)
    assert [g.label for g in after.groups] == [g.label for g in before.groups]


@pytest.mark.parametrize("seed", [2, 8, 18])  # with seed 2, the second axis's sign flips
def test_the_map_does_not_flip_when_a_few_votes_are_added(seed):
    conversation = Conversation([50, 45, 40], statements=40, missing=0.1, seed=seed)
    before = analyse(conversation.votes, statements=conversation.statements)
    newcomers = range(conversation.next_key, conversation.next_key + 3)
    more = conversation.votes + [
        (key, s, AGREE if i % 3 else DISAGREE)
        for key in newcomers
        for i, s in enumerate(conversation.statements[:12])
    ]
    after = analyse(more, statements=conversation.statements, previous=before)
    moved = [
        np.hypot(*np.subtract(after.positions[key], before.positions[key]))
        for key in conversation.truth
    ]
    assert max(moved) < 0.1


def test_previous_map_changes_labels_and_frame_only():
    conversation = Conversation([50, 45, 40], statements=40, missing=0.1, seed=2)
    before = analyse(conversation.votes, statements=conversation.statements)
    more = conversation.votes + [
        (conversation.next_key, s, AGREE) for s in conversation.statements[:9]
    ]
    fresh = analyse(more, statements=conversation.statements)
    kept = analyse(more, statements=conversation.statements, previous=before)
    assert kept.common_ground == fresh.common_ground
    assert sorted(g.size for g in kept.groups) == sorted(g.size for g in fresh.groups)
    relabel = {fresh.membership[k]: kept.membership[k] for k in fresh.membership}
    assert {k: relabel[v] for k, v in fresh.membership.items()} == kept.membership
    for key, (x, y) in fresh.positions.items():  # the same map, turned or mirrored
        assert sorted((abs(x), abs(y))) == sorted(map(abs, kept.positions[key]))


def test_group_labels_follow_the_previous_map_not_the_group_sizes():
    conversation = Conversation([50, 45, 40], missing=0.1, seed=9)
    first = analyse(conversation.votes, statements=conversation.statements)
    # A previous map whose labels were 7, 3, 5 (say, after groups came and went).
    renamed = {0: 7, 1: 3, 2: 5}
    data = first.to_json()
    for group in data["groups"]:
        group["label"] = renamed[group["label"]]
    data["membership"] = [[key, renamed[label]] for key, label in data["membership"]]
    previous = OpinionMap.from_json(data)
    again = analyse(conversation.votes, statements=conversation.statements, previous=previous)
    assert again.membership == previous.membership
    assert sorted(g.label for g in again.groups) == [3, 5, 7]
    without = analyse(conversation.votes, statements=conversation.statements)
    assert without == first  # previous changes the labels only


def test_a_new_group_takes_a_label_no_group_had_and_the_others_keep_theirs():
    previous_membership = {1: 4, 2: 4, 3: 0, 4: 0}
    previous_centres = {4: (0.5, 0.5), 0: (-0.5, -0.5)}
    labels = stable_labels(
        [[5, 6], [3, 4, 7], [1, 2]],  # a newcomers' group, then the two old groups
        [(0.0, 0.9), (-0.4, -0.5), (0.5, 0.4)],
        previous_membership=previous_membership,
        previous_centres=previous_centres,
    )
    assert labels == [1, 0, 4]
    by_centre = stable_labels(  # no shared participants: the nearest previous centre
        [[8], [9]], [(-0.45, -0.5), (0.9, -0.9)],
        previous_membership={}, previous_centres=previous_centres,
    )  # fmt: skip
    assert by_centre == [0, 1]


def test_the_analysis_is_deterministic_whatever_the_order_of_votes():
    conversation = Conversation([40, 35, 30], missing=0.15, seed=10)
    first = analyse(conversation.votes, statements=conversation.statements)
    shuffled = list(conversation.votes)
    np.random.default_rng(3).shuffle(shuffled)
    assert analyse(shuffled, statements=conversation.statements) == first
    assert analyse(iter(conversation.votes), statements=conversation.statements) == first


def test_participant_keys_are_opaque_any_ints_give_the_same_map():
    conversation = Conversation([40, 35], missing=0.1, seed=17)
    first = analyse(conversation.votes, statements=conversation.statements)
    rename = {key: key * 2**40 + 12_345 for key in conversation.truth}  # huge, far apart
    renamed = [(rename[k], s, v) for k, s, v in conversation.votes]
    again = analyse(renamed, statements=conversation.statements)
    assert again.membership == {rename[k]: label for k, label in first.membership.items()}
    assert again.groups == first.groups and again.common_ground == first.common_ground


def test_public_view_carries_no_position_membership_or_participant_key():
    conversation = Conversation([30, 30], missing=0.1, seed=11)
    opinion_map = analyse(conversation.votes, statements=conversation.statements)
    public = opinion_map.public()
    text = json.dumps(public)
    assert "positions" not in text and "membership" not in text
    assert not any(str(key) in text for key in conversation.truth)
    assert set(public) == {"participants", "clustered", "statements", "groups", "common_ground"}
    assert all(group["size"] >= Params().min_group_size for group in public["groups"])


def test_json_round_trip_gives_the_same_map():
    conversation = Conversation([40, 30], missing=0.1, seed=12)
    opinion_map = analyse(conversation.votes, statements=conversation.statements)
    data = json.loads(json.dumps(opinion_map.to_json()))
    assert OpinionMap.from_json(data) == opinion_map
    assert len(data["positions"]) == opinion_map.clustered


def test_positions_and_centres_lie_on_the_map():
    conversation = Conversation([40, 30, 30], missing=0.2, seed=13)
    opinion_map = analyse(conversation.votes, statements=conversation.statements)
    points = np.array(list(opinion_map.positions.values()))
    assert np.abs(points).max() <= 1.0
    for group in opinion_map.groups:
        assert all(-1.0 <= c <= 1.0 for c in group.centre) and group.radius > 0


def test_each_group_is_represented_by_statements_on_which_it_stands_apart():
    conversation = Conversation([50, 45, 40], missing=0.1, seed=14)
    opinion_map = analyse(conversation.votes, statements=conversation.statements)
    planted_of = {}
    for key, label in opinion_map.membership.items():
        if key in conversation.truth:
            planted_of[label] = conversation.truth[key]
    for group in opinion_map.groups:
        assert 1 <= len(group.representative) <= 5
        planted = planted_of[group.label]
        for item in group.representative:
            j = conversation.statements.index(item.statement)
            agrees = item.agree > item.disagree
            assert agrees == conversation.side[planted, j]
            others = np.delete(conversation.side[:, j], planted)
            assert (others != agrees).any()  # it really sets the group apart
        scores = [item.score for item in group.representative]
        assert scores == sorted(scores, reverse=True)


def test_bridging_prefers_support_across_the_divide_over_a_larger_one_sided_majority():
    rng = np.random.default_rng(15)
    votes = []
    for key in range(200):
        big_side = key < 150
        for statement in range(30):  # divisive statements that define the two sides
            p = 0.85 if (statement % 2 == 0) == big_side else 0.15
            votes.append((key, statement, AGREE if rng.random() < p else DISAGREE))
        # 100: the big side agrees, the small side disagrees (overall agree rate 0.75)
        votes.append((key, 100, AGREE if big_side else DISAGREE))
        # 101: both sides agree at 0.7 (overall agree rate about 0.70)
        votes.append((key, 101, AGREE if rng.random() < 0.7 else DISAGREE))
    matrix = build_matrix(votes, list(range(30)) + [100, 101])
    initial = np.zeros(32)
    initial[:30:2], initial[1:30:2] = 1.0, -1.0
    scores = bridging_scores(matrix.values, matrix.voted, initial_factor=initial / np.sqrt(30))
    assert scores[31] > scores[30] + 0.1


def test_too_few_placed_participants_make_no_group_and_no_common_ground():
    votes = [(k, s, AGREE) for k in range(8) for s in range(10)]
    opinion_map = analyse(votes, statements=list(range(10)))
    assert opinion_map.groups == () and opinion_map.common_ground == ()
    assert opinion_map.participants == 8 and opinion_map.membership == {}


def test_votes_on_statements_not_listed_are_ignored():
    conversation = Conversation([30, 30], missing=0.1, seed=16)
    extra = conversation.votes + [(k, 999, AGREE) for k in conversation.truth]
    assert analyse(extra, statements=conversation.statements) == analyse(
        conversation.votes, statements=conversation.statements
    )


@pytest.mark.parametrize(
    ("votes", "statements"),
    [
        ([(1, 1, 2)], [1]),  # not agree/disagree/pass
        ([(1, 1, AGREE), (1, 1, DISAGREE)], [1]),  # two votes on one pair
        ([(1, 1)], [1]),  # not a triple
        ([(1, "a", AGREE)], [1]),  # not an int
        ([(1, 1, AGREE)], [1, 1]),  # a statement listed twice
    ],
)
def test_malformed_votes_are_refused(votes, statements):
    with pytest.raises(InvalidVotes):
        analyse(votes, statements=statements)


def test_parameters_are_checked():
    with pytest.raises(ValueError):
        Params(min_group_size=0)
    with pytest.raises(ValueError):
        Params(max_groups=1)
    with pytest.raises(ValueError):
        Params(common_ground_agree=1.5)
    with pytest.raises(ValueError):
        Params(common_ground_agree="half")
