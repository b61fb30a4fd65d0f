"""The verifier's tally check from the workers' sums (docs/elections.md §11): each worker adds up
the ballots of its chunk that the count may take, and the main process subtracts the ballots the
selection passed over, instead of adding every counted ballot again after the board. The
checklist must be the one the counted rows added one by one give, with one process or several.
"""

from __future__ import annotations

import json

import pytest

from tests.voting.test_revoting_and_audits import open_world, stale_record  # noqa: F401
from tests.voting.test_verifier import _entries
from voting.crypto.group import IDENTITY_BYTES
from voting.verify.ballots import parse_ballot
from voting.verify.canonical import dumps
from voting.verify.election import shapes
from voting.verify.record import verify_record
from voting.verify.results import aggregate

pytestmark = pytest.mark.sqlite


def _rows(record: list[str]) -> list[bytes]:
    """Every cast ballot's ciphertext row (A‖B per ciphertext), in board order."""
    shape_list = shapes(json.loads(record[0])["manifest"])
    rows = []
    for i in _entries(record):
        entry = json.loads(record[i])
        if entry["kind"] == "ballot":
            ballot = parse_ballot(entry["ballot"], shape_list)
            rows.append(b"".join(ct.a.encoding + ct.b.encoding for ct in ballot.ciphertexts()))
    return rows


def _with_tally(record: list[str], flat: list[tuple[bytes, bytes]]) -> list[str]:
    lines = record[:]
    at = next(i for i, line in enumerate(lines) if json.loads(line)["type"] == "tally")
    item = json.loads(lines[at])
    questions, start = [], 0
    for question in item["tally"]["questions"]:
        part = flat[start : start + len(question)]
        questions.append([{"a": a.hex(), "b": b.hex()} for a, b in part])
        start += len(question)
    item["tally"]["questions"] = questions
    lines[at] = dumps(item).decode() + "\n"
    return lines


@pytest.mark.parametrize("rule", ["honest", "last_appended"])
def test_a_revoting_record_gives_the_same_checklist_with_one_or_two_processes(
    stale_record,  # noqa: F811
    rule,
):
    record = stale_record(rule)
    one, two = verify_record(record, workers=1), verify_record(record, workers=2)
    assert one.lines() == two.lines()
    assert one.ok is (rule == "honest"), "\n".join(one.lines())


def test_a_tally_that_also_adds_the_passed_over_ballots_is_named(stale_record):  # noqa: F811
    record = stale_record()
    rows = _rows(record)
    assert len(rows) == 4  # the coerced ballot, the bystander's, the re-vote, the stale one
    width = len(rows[0]) // 64
    every_ballot = _with_tally(record, aggregate(rows, width))
    for workers in (1, 2):
        report = verify_record(every_ballot, workers=workers)
        assert not report.checks["aggregate"].ok, "\n".join(report.lines())
    # The counted ones (the bystander's and the re-vote) are exactly the published tally.
    assert _with_tally(record, aggregate([rows[1], rows[2]], width)) == record
    identity = _with_tally(record, [(IDENTITY_BYTES, IDENTITY_BYTES)] * width)
    assert not verify_record(identity, workers=2).checks["aggregate"].ok
