"""The cohort vectors (tests/crypto/vectors/cohorts.json, docs/protocol.md §12) are what the
code computes: an independent verifier can check its label messages and release plans on them."""

from __future__ import annotations

import json

from tests.crypto.make_cohort_vectors import PATH, vectors


def test_cohort_vectors_match_the_code():
    assert json.loads(PATH.read_text()) == vectors()


def test_cohort_vectors_cover_every_outcome_of_the_k_rules():
    reasons = {r["reason"] for case in vectors()["plans"] for r in case["plan"]}
    assert reasons == {None, "short", "crossing"}


def test_cohort_vectors_cover_both_steps_of_the_roll_merges_and_merged_values_in_plans():
    found = vectors()
    rolls = {(tuple(case["counts"]), case["total"]): case["merged"] for case in found["rolls"]}
    assert rolls[((13, 13, 13, 1), 44)] == [4]  # first step only
    assert rolls[((13, 13, 13, 1), 40)] == [1, 4]  # second step: not stated held to K
    assert any(case.get("merged") for case in found["plans"])
