"""The verifier's per-cohort cells from the workers (docs/elections.md §11): each worker adds the
countable entries of its chunk into their cells, as it adds them into the overall sum, and the
main process takes the rows the selection passed over out of their cells after the board. The
checklist must be the one the counted rows added one by one into their cells give, with one
process or several, on an honest record with re-votes and on tampered ones.
"""

from __future__ import annotations

import random

import pytest

from tests.voting.test_cohorts import _replace, relabelled
from voting.selectors import record_lines
from voting.simulation import cast_all, demo_cohorts, finish, prepare
from voting.verify import record as record_module
from voting.verify.cohort_record import CohortRecord, RunningCells
from voting.verify.cohorts import apply_merges, cell_sums, label_vector
from voting.verify.record import verify_record

K = 4
REVOTES = 6


_RECORD: list[str] = []


@pytest.fixture
def revoted_cohort_record(db) -> list[str]:
    """A published record of a cohort election (merges, a withheld dimension) whose last voters
    voted again: their first ballots are passed over. The verifier needs only the lines, so they
    are made once for the module (each test's database is rolled back as usual)."""
    if not _RECORD:
        sim = prepare(24, trustees=3, threshold=2, cohorts=demo_cohorts(K))
        cast_all(sim, random.Random(7), revotes=REVOTES)
        _RECORD.extend(line.decode() for line in record_lines(finish(sim)))
    return _RECORD


def _checklists(lines: list[str], monkeypatch) -> dict[tuple[int, int, bool], list[str]]:
    """The checklist with 1 and 2 processes, chunks of 5 entries (several per worker) and of
    200, with the workers' cells and without them (each counted row added into its cell)."""
    out = {}
    for chunk in (5, 200):
        for parallel in (True, False):
            with monkeypatch.context() as patch:
                patch.setattr(record_module, "CHUNK", chunk)
                if not parallel:
                    patch.setattr(CohortRecord, "running_cells", lambda self, width: None)
                for workers in (1, 2):
                    out[(chunk, workers, parallel)] = verify_record(lines, workers=workers).lines()
    return out


def _same_everywhere(lines: list[str], monkeypatch) -> list[str]:
    checklists = _checklists(lines, monkeypatch)
    first = checklists[(200, 1, False)]
    for key, checklist in checklists.items():
        assert checklist == first, key
    return first


def test_the_workers_cells_less_the_passed_over_rows_are_the_counted_ballots_cells(
    revoted_cohort_record, monkeypatch
):
    found: list[tuple[dict, dict, int]] = []
    finish_as_before, counted_cells = CohortRecord.finish, RunningCells.counted

    def spying_finish(self, **kwargs):
        width = sum(shape.width for shape in kwargs["shape_list"])
        dims = len(self.cohorts.dimensions)
        expected = cell_sums(
            (
                (
                    apply_merges(label_vector(dims, self.labels.get(p, ())), self.merged),
                    kwargs["rows"][p],
                )
                for p in kwargs["counted"]
            ),
            width,
        )
        mine = counted_cells(kwargs["running"], kwargs["passed_over"], self.labels)
        found.append((mine, expected, len(kwargs["passed_over"])))
        return finish_as_before(self, **kwargs)

    monkeypatch.setattr(CohortRecord, "finish", spying_finish)
    for workers in (1, 2):
        with monkeypatch.context() as patch:
            patch.setattr(record_module, "CHUNK", 5)
            report = verify_record(revoted_cohort_record, workers=workers)
        assert report.ok, "\n".join(report.lines())
    assert len(found) == 2
    for mine, expected, passed_over in found:
        assert passed_over == REVOTES
        assert mine == expected
        assert sum(count for count, _ in expected.values()) == 24
        assert len(expected) > 1


def test_a_revoting_cohort_record_gives_the_same_checklist_with_or_without_the_workers_cells(
    revoted_cohort_record, monkeypatch
):
    checklist = _same_everywhere(revoted_cohort_record, monkeypatch)
    assert all(line.startswith("[ok]") for line in checklist), "\n".join(checklist)


def test_a_changed_cohort_sum_fails_alike_with_or_without_the_workers_cells(
    revoted_cohort_record, monkeypatch
):
    def swap_values(item):  # still adds up to the tally, but not by label
        inside, outside = item["tally"][0][1], item["tally"][0][2]
        inside["questions"], outside["questions"] = outside["questions"], inside["questions"]

    def break_one(item):  # no longer adds up
        inside, outside = item["tally"][0][1], item["tally"][0][2]
        inside["questions"][0][0]["b"] = outside["questions"][0][0]["b"]

    swapped = _same_everywhere(
        _replace(revoted_cohort_record, "cohort_tally", swap_values), monkeypatch
    )
    assert (
        "           - dimension 1: the per-cohort sums are not the sums of the counted ballots "
        "by label"
    ) in swapped
    broken = _same_everywhere(
        _replace(revoted_cohort_record, "cohort_tally", break_one), monkeypatch
    )
    assert "           - dimension 1: the per-cohort sums do not add up to the tally" in broken


def test_a_changed_cohort_label_fails_alike_with_or_without_the_workers_cells(
    revoted_cohort_record, monkeypatch
):
    checklist = _same_everywhere(relabelled(revoted_cohort_record), monkeypatch)
    assert any("cohort label" in line and "does not verify" in line for line in checklist)
