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
