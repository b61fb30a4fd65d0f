"""The K rules of protocol §12.5, on label vectors alone (no cryptography): what may be
published of each cohort dimension."""

from __future__ import annotations

import pytest

from voting.verify.cohorts import (
    Cohorts,
    Dimension,
    InvalidCohorts,
    parse_definition,
    parse_labels,
    release_plan,
    roll_merges,
)


def _cohorts(k: int, *values: int, kinds=None) -> Cohorts:
    kinds = kinds or ["attested"] * len(values)
    return Cohorts(k, tuple(Dimension(d, kinds[d - 1], m) for d, m in enumerate(values, 1)))


def test_a_value_under_k_is_merged_into_not_stated_with_the_figures_it_would_expose():
    # 60 women, 3 men, 40 not stated: "man" (3 < K) joins not stated; 43 ≥ K.
    vectors = [(1,)] * 60 + [(2,)] * 3 + [(0,)] * 40
    (release,) = release_plan(_cohorts(10, 2), vectors)
    assert release.groups == ((0, 2), (1,))


def test_not_stated_under_k_takes_the_smallest_value_so_no_figure_comes_by_subtraction():
    # Every stated value ≥ K but only 4 not stated: overall − women − men would give those 4.
    vectors = [(1,)] * 30 + [(2,)] * 20 + [(0,)] * 4
    (release,) = release_plan(_cohorts(10, 2), vectors)
    assert release.groups == ((0, 2), (1,))
    assert all(sum(1 for v in vectors if v[0] in g) >= 10 for g in release.groups)


def test_a_dimension_with_only_not_stated_left_is_withheld_as_short():
    vectors = [(1,)] * 5 + [(2,)] * 5 + [(0,)] * 5
    (release,) = release_plan(_cohorts(10, 2), vectors)
    assert release.groups is None and release.reason == "short"


def test_a_dimension_whose_crossing_with_a_published_one_has_a_small_cell_is_withheld():
    # Residence and gender both fine alone, but only 2 women live outside: publishing both
    # marginals together with the labelled board would single them out.
    vectors = [(1, 1)] * 40 + [(1, 2)] * 30 + [(2, 1)] * 2 + [(2, 2)] * 40
    residence, gender = release_plan(_cohorts(10, 2, 2), vectors)
    assert residence.groups == ((0,), (1,), (2,))
    assert gender.groups is None and gender.reason == "crossing"


def test_crossed_cells_all_at_least_k_publish_both_dimensions():
    vectors = [(1, 1)] * 20 + [(1, 2)] * 20 + [(2, 1)] * 20 + [(2, 2)] * 20
    plan = release_plan(_cohorts(10, 2, 2), vectors)
    assert [r.groups for r in plan] == [((0,), (1,), (2,))] * 2


def test_roll_merges_take_every_value_held_by_fewer_than_k():
    cohorts = _cohorts(50, 4)
    assert roll_merges(cohorts, {(1, 1): 300, (1, 2): 50, (1, 3): 49}) == {(1, 3), (1, 4)}


def test_a_definition_needs_k_of_at_least_two_and_at_most_three_dimensions():
    dimension = {"name": {"en": "Gender"}, "kind": "self-declared", "values": [{"en": "Woman"}]}
    assert parse_definition({}) is None
    assert parse_definition({"cohorts": {"minimum": 50, "dimensions": [dimension]}}).minimum == 50
    with pytest.raises(InvalidCohorts):
        parse_definition({"cohorts": {"minimum": 1, "dimensions": [dimension]}})
    with pytest.raises(InvalidCohorts):
        parse_definition({"cohorts": {"minimum": 50, "dimensions": [dimension] * 4}})


def test_labels_must_name_distinct_dimensions_in_order_with_stated_values():
    signature = {"issuer": 1, "prefix": "00" * 32, "signature": "11" * 384}
    ok = [{"dimension": 1, "value": 2, "signatures": [signature]}]
    assert parse_labels(ok)[0][:2] == (1, 2)
    for bad in (
        [{"dimension": 1, "value": 0, "signatures": [signature]}],
        ok + ok,
        [{"dimension": 2, "value": 1, "signatures": [signature]}, *ok],
    ):
        with pytest.raises(InvalidCohorts):
            parse_labels(bad)


def test_roll_merges_hold_not_stated_to_k_so_a_merged_value_is_not_the_roll_less_the_rest():
    # The outside review's roll: 40 entries, three regions of 13 and one person from a fourth.
    # Merging that person alone left not stated at 1 = 40 − 3 × 13: their region by subtraction.
    cohorts = _cohorts(5, 4)
    counts = {(1, 1): 13, (1, 2): 13, (1, 3): 13, (1, 4): 1}
    merged = roll_merges(cohorts, counts, {1: 40})
    assert merged == {(1, 1), (1, 4)}  # not stated: 14, each kept value 13
    assert 40 - sum(n for k, n in counts.items() if k not in merged) >= 5
    # Not stated already at K or above (or at 0) needs nothing more.
    assert roll_merges(cohorts, counts, {1: 44}) == {(1, 4)}
    assert roll_merges(cohorts, {(1, 1): 20, (1, 2): 20}, {1: 40}) == {(1, 3), (1, 4)}
