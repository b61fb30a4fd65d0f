"""Results by cohort end to end with real cryptography (docs/protocol.md §12): three
dimensions (residence and region attested, gender self-declared), one region held by nobody
merged before issuance, gender's short not-stated group merged, region withheld because its
crossing with the others has cells under K. The record verifies; a tampered cohort label, a
forbidden figure and a cohort sum that does not add up each fail it."""

from __future__ import annotations

import json
import random

import pytest

from voting.selectors import record_lines
from voting.simulation import board_head, cast_all, demo_cohorts, finish, prepare
from voting.verify.ballots import BallotRejected
from voting.verify.canonical import dumps
from voting.verify.record import verify_record

K = 4


@pytest.fixture
def cohort_election(db):
    sim = prepare(24, trustees=3, threshold=2, cohorts=demo_cohorts(K))
    cast_all(sim, random.Random(7))
    election = finish(sim)
    return sim, election, [line.decode() for line in record_lines(election)]


def _failures(lines: list[str]) -> dict[str, list[str]]:
    report = verify_record(lines, workers=1)
    return {key: check.failures for key, check in report.checks.items() if not check.ok}


def _replace(lines: list[str], kind: str, change) -> list[str]:
    out = []
    for line in lines:
        item = json.loads(line)
        if item["type"] == kind:
            change(item)
            line = dumps(item).decode() + "\n"
        out.append(line)
    return out


def test_cohort_record_verifies_with_merges_and_a_withheld_dimension(cohort_election):
    _, election, lines = cohort_election
    assert _failures(lines) == {}
    # Nobody in the fourth region (rule 1); gender: 12 women, 10 men of 24 credentials leave 2
    # not stated < K, so the smaller kept value, men, is merged as well (rule 2).
    assert election.cohort_merges["merged"] == [[2, 2], [3, 4]]
    residence, gender, region = election.cohort_results
    assert residence["status"] == gender["status"] == "published"
    assert [g["values"] for g in gender["groups"]] == [[0, 2], [1]]  # men: in not stated
    assert region == {"dimension": 3, "kind": "attested", "status": "withheld",
                      "reason": "crossing"}  # fmt: skip
    counted = election.results["counted"]
    for found in (residence, gender):
        assert sum(g["counted"] for g in found["groups"]) == counted
        assert all(g["counted"] == 0 or g["counted"] >= K for g in found["groups"])
        single = [g["questions"][0]["counts"] for g in found["groups"]]
        assert [sum(c) for c in zip(*single, strict=True)] == (
            election.results["questions"][0]["counts"]
        )
    kinds = [json.loads(line)["type"] for line in lines]
    assert kinds.count("cohort_decryption") == 2 and kinds[-1] == "cohort_results"


def relabelled(lines: list[str]) -> list[str]:
    """The record with the first ballot labelled in dimension 1 moved inside ↔ outside."""
    changed = []

    def relabel(entry):
        labels = entry["ballot"]["credential"]["cohorts"] if entry["ballot"] else []
        if labels and not changed and labels[0]["dimension"] == 1:
            labels[0]["value"] = 3 - labels[0]["value"]
            changed.append(entry["position"])

    out = _replace(lines, "entry", relabel)
    assert changed
    return out


def test_a_tampered_cohort_label_fails_the_ballot_check(cohort_election):
    _, _, lines = cohort_election
    failures = _failures(relabelled(lines))
    assert any("cohort label" in f and "does not verify" in f for f in failures["ballots"])


def test_a_forbidden_figure_fails_the_cohort_check(cohort_election):
    _, election, lines = cohort_election
    groups = [dict(g, values=[v]) for v, g in enumerate(election.cohort_results[0]["groups"])]

    def publish_region(item):
        item["results"][2] = {"dimension": 3, "kind": "attested", "status": "published",
                              "groups": groups}  # fmt: skip

    failures = _failures(_replace(lines, "cohort_results", publish_region))
    assert any("dimension 3 is published, but the rules withhold it" in f
               for f in failures["cohorts"])  # fmt: skip


def test_a_cohort_sum_that_does_not_add_up_fails_the_cohort_check(cohort_election):
    _, _, lines = cohort_election

    def swap(item):
        inside, outside = item["tally"][0][1], item["tally"][0][2]
        inside["questions"][0][0]["b"] = outside["questions"][0][0]["b"]

    failures = _failures(_replace(lines, "cohort_tally", swap))
    assert "dimension 1: the per-cohort sums do not add up to the tally" in failures["cohorts"]


def test_a_record_that_leaves_not_stated_under_k_fails_the_cohort_check(db, monkeypatch):
    """A server that skips the second step of rules 1 and 2 (here: men kept with 10 issued
    labels, so not stated holds 24 − 22 = 2 < K, and a merged value would be the whole less the
    published counts) publishes an otherwise consistent record; the verifier refuses it."""
    from voting.services import cohorts as service

    skipping = service.roll_merges
    monkeypatch.setattr(service, "roll_merges", lambda c, counts, totals=None: skipping(c, counts))
    sim = prepare(24, trustees=3, threshold=2, cohorts=demo_cohorts(K))
    cast_all(sim, random.Random(7))
    election = finish(sim)
    assert election.cohort_merges["merged"] == [[3, 4]]
    failures = _failures([line.decode() for line in record_lines(election)])
    assert failures == {
        "cohorts": [
            "dimension 2: not stated holds 2 (24 credentials requested less the kept values' 22),"
            " fewer than K = 4: the smallest kept value had to be merged too"
        ]
    }


def test_an_election_smaller_than_k_merges_everything_and_verifies(db):
    """Outside review: 4 voters with K = 5 — every value of every dimension is merged (the whole
    is under K, nothing is left to merge), and the honest record must verify."""
    sim = prepare(4, trustees=2, threshold=1, cohorts=demo_cohorts(5))
    cast_all(sim, random.Random(3))
    election = finish(sim)
    assert len(election.cohort_merges["merged"]) == 8 and election.cohort_merges["counts"] == []
    assert _failures([line.decode() for line in record_lines(election)]) == {}
    assert all(r["status"] == "withheld" for r in election.cohort_results)


def test_a_merged_self_declared_value_is_never_the_credentials_less_the_published_counts(db):
    """Attack from the outside review: 9 women and 3 men (K = 4) of 12 credentials, nobody
    leaving gender unstated. Men are merged (3 < K); publishing women's 9 alone would give the
    men's 3 as 12 − 9. Not stated is held to K, so women are merged too."""
    from voting.clients import Voter
    from voting.models import ElectionState, RollEntry
    from voting.services import lifecycle
    from voting.services.cohorts import merged_values
    from voting.simulation import issue_credentials

    sim = prepare(12, trustees=2, threshold=1, cohorts=demo_cohorts(K), issue=False)
    election = sim.election
    entries = dict(
        RollEntry.objects.filter(election=election).values_list("membership_id", "cohorts")
    )
    voters = []
    for index, member in enumerate(sim.members):
        voter = Voter(election.manifest, election.fingerprint_bytes)
        voter.labels = {int(d): v for d, v in entries[member.pk].items()} | {2: 1 + (index < 3)}
        voters.append(voter)
    issuers = list(zip(sim.trustee_members, sim.trustees, strict=True))[:1]
    issue_credentials(election, list(zip(sim.members, voters, strict=True)), issuers)
    election = lifecycle.transition(election, ElectionState.OPEN, actor=sim.organizer)
    assert {(2, 1), (2, 2)} <= merged_values(election)
    published = sum(c["count"] for c in election.cohort_merges["counts"] if c["dimension"] == 2)
    assert published == 0


def test_a_voter_cannot_claim_another_attested_value_at_the_ballot_box(cohort_election):
    from voting.services.casting import cast_ballot

    sim, _, _ = cohort_election
    voter = sim.voters[0]  # attested inside Afghanistan
    label = voter.credential["cohorts"][0]
    assert (label["dimension"], label["value"]) == (1, 1)
    label["value"] = 2
    try:
        ballot, _ = voter.ballot([[0], [], [0, 1, 2]], board_head(sim.election))
        with pytest.raises(BallotRejected) as refused:
            cast_ballot(election_uuid=sim.election.uuid, body=json.dumps(ballot).encode())
        assert refused.value.code == "unknown_issuer"
    finally:
        label["value"] = 1


LANGUAGES = [
    ("en", "could be singled out", "Attested: set by the registrar"),
    ("fa-af", "شناسایی‌پذیر می‌شد", "تأییدشده"),
    ("ps", "پېژندل کېدای شوه", "تایید شوی"),
]


def test_results_page_shows_each_dimension_and_says_why_one_is_withheld(cohort_election):
    from django.test import Client
    from django.urls import reverse

    _, election, _ = cohort_election
    bars = sum(
        len(q["counts"]) + (1 if q["type"] == "single" and q["blank"] else 0)
        for found in election.cohort_results
        for group in found.get("groups", [])
        for q in group["questions"]
        if q["type"] != "ranked"
    )
    for language, withheld, attested in LANGUAGES:
        page = Client(HTTP_ACCEPT_LANGUAGE=language).get(
            reverse("voting:results", args=[election.uuid])
        )
        text = page.content.decode()
        assert page.status_code == 200
        assert withheld in text and attested in text, language
        assert text.count("<meter") == bars


def test_results_feed_carries_the_cohort_results_of_the_record(cohort_election):
    """results.json used to carry the overall results only, although the record's
    ``cohort_results`` line and the results page had the groups (outside review, LOW)."""
    from django.test import Client
    from django.urls import reverse

    _, election, lines = cohort_election
    response = Client().get(reverse("voting:results_json", args=[election.uuid]))
    assert response.status_code == 200
    feed = response.json()
    record = [json.loads(line) for line in lines]
    (line,) = [item for item in record if item["type"] == "cohort_results"]
    assert feed["cohorts"] == line["results"] == election.cohort_results
    assert [found["status"] for found in feed["cohorts"]] == ["published", "published", "withheld"]
    assert feed["cohorts"][2]["reason"] == "crossing"
    (results,) = [item for item in record if item["type"] == "results"]
    assert {key: value for key, value in feed.items() if key != "cohorts"} == results["results"]


def test_results_feed_of_an_election_without_dimensions_is_unchanged(db):
    from django.http import JsonResponse
    from django.test import Client
    from django.urls import reverse

    sim = prepare(3, trustees=2, threshold=1)
    cast_all(sim, random.Random(3))
    election = finish(sim)
    response = Client().get(reverse("voting:results_json", args=[election.uuid]))
    assert response.status_code == 200
    assert "cohorts" not in response.json()
    assert response.content == JsonResponse(election.results).content


def test_credential_page_shows_the_voter_what_their_credential_will_say_in_dari(db):
    from django.test import Client
    from django.urls import reverse

    from voting.models import RollEntry

    sim = prepare(30, trustees=2, threshold=1, cohorts=demo_cohorts(K), issue=False)
    member = sim.members[0]  # attested inside Afghanistan, region Kabul
    assert RollEntry.objects.get(membership=member).cohorts == {"1": 1, "3": 1}
    client = Client(HTTP_ACCEPT_LANGUAGE="fa-af")
    client.force_login(member.user)
    text = client.get(reverse("voting:credential_page", args=[sim.election.uuid])).content.decode()
    assert "آنچه اعتبارنامهٔ شما نشان خواهد داد" in text
    assert "داخل افغانستان" in text and "کابل" in text  # attested: shown, not chosen
    assert '<select name="cohort-2">' in text and "مشخص نشده" in text  # gender: the voter's choice
    assert 'data-cohorts="{&quot;1&quot;: 1, &quot;3&quot;: 1}"' in text
