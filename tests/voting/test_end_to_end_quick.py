"""Smoke: one small election through services and the ballot box, tally and verification."""

from __future__ import annotations

from voting.models import ElectionState
from voting.selectors import record_lines
from voting.verify.record import verify_record


def test_small_election_tallies_and_verifies(world):
    world.open_poll()
    choices = [
        [[0], [0, 1], [0, 1, 2]],
        [[1], [2], [2, 1, 0]],
        [[], [0, 4], [1, 0, 2]],
        [[0], [], [0, 2, 1]],
    ]
    for voter, choice in zip(world.voters, choices, strict=True):
        ballot, _ = voter.ballot(choice, world.head())
        response = world.cast(ballot)
        assert response.status_code == 201, response.content
    election = world.close_and_tally()
    assert election.state == ElectionState.TALLIED
    results = election.results
    assert results["counted"] == 4
    assert results["questions"][0] == {"type": "single", "counts": [2, 1], "blank": 1}
    assert results["questions"][1] == {"type": "approval", "counts": [2, 1, 1, 0, 1]}
    ranked = results["questions"][2]
    assert ranked["pairwise"][0][1] == 2  # Federal above Unitary on ballots 1 and 4
    world.move(ElectionState.PUBLISHED)
    lines = [line.decode() for line in record_lines(world.refresh())]
    report = verify_record(lines, workers=1)
    assert report.ok, "\n".join(report.lines())
