"""Cohort labels at the ballot box and in the tally (docs/protocol.md §12.5): a ballot carrying
the label of a value merged into not stated is refused (``409 merged_label``) with nothing
written, and the tally reads every counted ballot's labels on whichever database runs it —
PostgreSQL, or SQLite, the zero-setup default of ``make run`` (run this file with and without
``DATABASE_URL``)."""

from __future__ import annotations

import json
import random

from django.test import Client
from django.urls import reverse

from voting.models import BoardEntry, BoardHead, ElectionState
from voting.services import lifecycle, tally
from voting.simulation import board_head, cast_all, demo_cohorts, prepare
from voting.verify.cohorts import label_vector


def _cast(election, ballot) -> tuple[int, dict]:
    response = Client().post(
        reverse("voting:cast", args=[election.uuid]),
        data=json.dumps(ballot),
        content_type="application/json",
    )
    return response.status_code, response.json()


def test_a_ballot_carrying_a_merged_label_is_refused_and_nothing_is_written(db):
    # Six voters, K = 4: three women and three men declared themselves, both fewer than K, so
    # both values are merged into not stated when the poll opens (rule 2). The voters hold
    # the labels they were issued; the ballot page drops them, another client may not.
    sim = prepare(6, trustees=2, threshold=1, cohorts=demo_cohorts(4))
    election = sim.election
    assert [2, 1] in election.cohort_merges["merged"] and [2, 2] in election.cohort_merges["merged"]
    voter = sim.voters[0]
    labels = voter.credential["cohorts"]
    assert (2, 1) in [(x["dimension"], x["value"]) for x in labels]
    ballot, _ = voter.ballot([[0], [], [0, 1, 2]], board_head(election))
    status, body = _cast(election, ballot)
    assert status == 409, body
    assert body["error"] == "merged_label"
    assert "dimension 2 value 1" in body["detail"]
    assert not BoardEntry.objects.filter(election=election).exists()
    assert BoardHead.objects.get(election=election).count == 0
    # Without the label (as the ballot page sends it) the same voter's ballot is taken.
    voter.credential["cohorts"] = [x for x in labels if x["dimension"] != 2]
    ballot, _ = voter.ballot([[0], [], [0, 1, 2]], board_head(election))
    status, body = _cast(election, ballot)
    assert status == 201, body


def test_the_merged_label_refusal_is_translated(db):
    sim = prepare(6, trustees=2, threshold=1, cohorts=demo_cohorts(4))
    ballot, _ = sim.voters[1].ballot([[1], [], [2, 1, 0]], board_head(sim.election))
    for language, words in (("fa-af", "مشخص نشده"), ("ps", "نه دی ښودل شوی")):
        response = Client(HTTP_ACCEPT_LANGUAGE=language).post(
            reverse("voting:cast", args=[sim.election.uuid]),
            data=json.dumps(ballot),
            content_type="application/json",
        )
        assert response.status_code == 409
        assert words in response.json()["message"], language


def test_the_tally_reads_each_counted_ballots_labels_on_this_database(db):
    """Before, the labels were read with PostgreSQL's jsonb functions only: the close failed on
    SQLite. The per-value counts must be those of the ballots' own labels."""
    sim = prepare(12, trustees=2, threshold=1, cohorts=demo_cohorts(2))
    cast_all(sim, random.Random(3))
    election = lifecycle.transition(sim.election, ElectionState.CLOSED, actor=sim.organizer)
    tally.compute_encrypted_tally(election.pk)
    election.refresh_from_db()
    merged = {tuple(m) for m in election.cohort_merges["merged"]}
    expected = [[0] * (len(d["values"]) + 1) for d in election.manifest["cohorts"]["dimensions"]]
    labelled = 0
    for text in BoardEntry.objects.filter(election=election, kind="ballot").values_list(
        "ballot", flat=True
    ):
        labels = json.loads(text)["credential"]["cohorts"]
        labelled += len(labels)
        vector = label_vector(3, [(x["dimension"], x["value"]) for x in labels])
        for d, v in enumerate(vector, start=1):
            expected[d - 1][0 if (d, v) in merged else v] += 1
    assert labelled > 12  # most voters carry two or three labels
    counted = [[value["counted"] for value in per_value] for per_value in
               election.cohort_tally["sums"]]  # fmt: skip
    assert counted == expected
    assert all(sum(per_value) == 12 for per_value in counted)


def test_a_ballot_padded_with_json_whitespace_is_taken_as_it_is(db):
    """The ballot page pads the cast request with trailing spaces to the length of a ballot with
    a label in every dimension (so its size does not tell how many labels it carries): the
    ballot box takes the padded bytes, within its size limit, and stores the ballot unchanged;
    the same padded bytes again return the same receipt."""
    from voting.services import board

    sim = prepare(8, trustees=2, threshold=1, cohorts=demo_cohorts(2))
    election = sim.election
    voter = sim.voters[0]
    labels = voter.credential["cohorts"]
    ballot, _ = voter.ballot([[0], [], [0, 1, 2]], board_head(election))
    text = json.dumps(ballot, separators=(",", ":"))
    # Every label of this credential is as long as one of another dimension would be, within
    # a digit: three dimensions' worth, as the page pads an unlabelled credential.
    padded = text + " " * (3 * len(json.dumps(labels[0], separators=(",", ":"))) + 3)
    assert len(padded) <= board.election_keys(election).max_bytes
    responses = [
        Client().post(
            reverse("voting:cast", args=[election.uuid]),
            data=padded,
            content_type="application/json",
        )  # fmt: skip
        for _ in range(2)
    ]
    assert [r.status_code for r in responses] == [201, 200], responses[0].content
    assert responses[0].json()["tracker"] == responses[1].json()["tracker"]
    (entry,) = BoardEntry.objects.filter(election=election)
    assert json.loads(entry.ballot) == ballot
