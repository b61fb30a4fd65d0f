"""The election code (docs/elections.md §1) reproduces the fixed vectors that the browser's
``electionCode`` also checks (``frontend/tests/election_code.test.mjs``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voting.verify.canonical import sha256f
from voting.verify.election import election_code

VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "election-code.json").read_text(encoding="utf-8")
)["vectors"]


@pytest.mark.parametrize("item", VECTORS, ids=[item["case"] for item in VECTORS])
def test_election_code_vectors_are_reproduced(item):
    fingerprint = bytes.fromhex(item["fingerprint"])
    assert sha256f("election-code", fingerprint).hex() == item["hash"]
    assert election_code(fingerprint) == item["code"]
    eastern = item["code"].translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert item["eastern"] == eastern


def test_the_code_is_24_digits_in_six_groups_and_changes_with_the_fingerprint():
    codes = {election_code(bytes([i]) * 32) for i in range(50)}
    assert len(codes) == 50
    for code in codes:
        groups = code.split(" ")
        assert [len(g) for g in groups] == [4] * 6 and "".join(groups).isdigit()


def test_a_fingerprint_of_the_wrong_length_has_no_code():
    with pytest.raises(ValueError):
        election_code(bytes(31))
