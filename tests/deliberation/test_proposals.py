"""Proposals: texts in three languages, support, amendments, the threshold, and the ballot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from convention.models import Role
from deliberation import ballot
from deliberation.exceptions import AlreadyDecided, InvalidInput, NotAllowed
from deliberation.models import ProposalStatus
from deliberation.services import proposals, structure
from voting.models import Option
from voting.services import lifecycle

from .conftest import client_for, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(participant):
    return proposals.submit_proposal(
        member=participant,
        language="en",
        title="Federal provinces",
        summary="Provinces elect their governors.",
        body="1. Each province elects.",
    )


def draft_election(convention, organizer):
    trustee = make_member(convention, Role.TRUSTEE)
    now = timezone.now()
    return lifecycle.create_election(
        convention=convention,
        actor=organizer,
        title={"en": "Constitutional model"},
        questions=[
            {
                "type": "single",
                "title": {"en": "Which model?"},
                "options": [{"label": {"en": "Status quo"}}, {"label": {"en": "Other"}}],
            }
        ],
        credentials_at=now + timedelta(days=1),
        opens_at=now + timedelta(days=2),
        closes_at=now + timedelta(days=3),
        trustees=[trustee],
        threshold=1,
    )


def test_a_proposal_opens_its_own_room(proposal, participant):
    assert proposal.room.kind == "proposal"
    page = client_for(participant).get(f"/c/loya/deliberation/rooms/{proposal.room_id}/")
    assert "Read the proposal discussed in this room" in page.content.decode()


def test_versions_in_three_languages_and_revisions_are_kept(proposal, participant, other):
    proposals.revise_text(
        member=participant,
        proposal=proposal,
        language="fa-af",
        title="ولایات فدرال",
        summary="ولایات والیان خود را انتخاب می‌کنند.",
        body="متن کامل",
    )
    proposals.revise_text(
        member=participant,
        proposal=proposal,
        language="ps",
        title="فدرالي ولایتونه",
        summary="لنډیز",
        body="بشپړ متن",
    )
    proposals.revise_text(
        member=participant,
        proposal=proposal,
        language="en",
        title="Federal provinces (v2)",
        summary="Revised.",
        body="Text 2",
    )
    with pytest.raises(NotAllowed):
        proposals.revise_text(
            member=other, proposal=proposal, language="en", title="Mine", summary="x", body="y"
        )
    assert proposal.texts.count() == 4
    client = client_for(other)
    dari = client.get(f"/c/loya/deliberation/proposals/{proposal.pk}/?lang=fa-af").content
    assert "ولایات فدرال".encode() in dari and b'lang="fa-af"' in dari
    english = client.get(f"/c/loya/deliberation/proposals/{proposal.pk}/?lang=en").content
    assert b"Federal provinces (v2)" in english and b"revision 2" in english


def test_support_counts_each_member_once(proposal, other, participant):
    proposals.support(member=other, proposal=proposal)
    proposals.support(member=other, proposal=proposal)
    proposals.support(member=participant, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.support_count == 2
    proposals.support(member=other, proposal=proposal, supporting=False)
    proposal.refresh_from_db()
    assert proposal.support_count == 1


def test_amendment_accepted_by_the_author_becomes_the_new_text(proposal, participant, other):
    amendment = proposals.propose_amendment(
        member=other,
        proposal=proposal,
        language="en",
        title="Federal provinces",
        summary="Provinces elect governors and councils.",
        body="1. Each province elects.",
        rationale="Councils too",
    )
    with pytest.raises(NotAllowed):
        proposals.decide_amendment(member=other, amendment=amendment, accept=True)
    proposals.decide_amendment(member=participant, amendment=amendment, accept=True)
    current = proposal.texts.filter(language="en").order_by("-revision").first()
    assert current.revision == 2 and "councils" in current.summary
    assert current.from_amendment_id == amendment.pk
    with pytest.raises(AlreadyDecided):
        proposals.decide_amendment(member=participant, amendment=amendment, accept=False)


def test_ready_for_ballot_follows_the_organizers_threshold(proposal, organizer, other, convention):
    structure.set_support_threshold(organizer=organizer, threshold=2)
    proposals.support(member=other, proposal=proposal)
    assert proposals.proposals_ready_for_ballot(convention) == []
    proposals.support(member=organizer, proposal=proposal)
    assert proposals.proposals_ready_for_ballot(convention) == [proposal]
    with pytest.raises(NotAllowed):
        structure.set_support_threshold(organizer=other, threshold=1)


def test_supported_proposal_becomes_an_answer_option(proposal, organizer, other, convention):
    structure.set_support_threshold(organizer=organizer, threshold=1)
    election = draft_election(convention, organizer)
    question = election.questions.get()
    proposals.support(member=other, proposal=proposal)
    option = proposals.place_on_ballot(organizer=organizer, proposal=proposal, question=question)
    assert option.proposal_id == proposal.pk and option.text_en == "Federal provinces"
    assert list(question.options.values_list("position", flat=True)) == [0, 1, 2]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ON_BALLOT
    assert lifecycle.questions_json(election)[0]["options"][2]["proposal"] == proposal.pk
    with pytest.raises(AlreadyDecided):
        proposals.place_on_ballot(organizer=organizer, proposal=proposal, question=question)


def test_below_threshold_or_by_a_non_organizer_is_refused(proposal, organizer, other, convention):
    structure.set_support_threshold(organizer=organizer, threshold=5)
    question = draft_election(convention, organizer).questions.get()
    with pytest.raises(InvalidInput):
        proposals.place_on_ballot(organizer=organizer, proposal=proposal, question=question)
    with pytest.raises(NotAllowed):
        proposals.place_on_ballot(organizer=other, proposal=proposal, question=question)
    assert not Option.objects.filter(proposal_id=proposal.pk).exists()


def test_without_an_elections_app_no_question_is_offered_and_placing_is_refused(
    proposal, organizer, other, convention, monkeypatch
):
    structure.set_support_threshold(organizer=organizer, threshold=1)
    question = draft_election(convention, organizer).questions.get()
    proposals.support(member=other, proposal=proposal)
    assert proposals.ballot_questions(convention) == [question]
    monkeypatch.setattr(ballot, "_registered", None)  # as if the voting app were not installed
    assert proposals.ballot_questions(convention) == []
    with pytest.raises(proposals.BallotUnavailable):
        proposals.place_on_ballot(organizer=organizer, proposal=proposal, question=question)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN
    assert not Option.objects.filter(proposal_id=proposal.pk).exists()


def test_ballot_over_http(proposal, organizer, other, convention):
    structure.set_support_threshold(organizer=organizer, threshold=1)
    question = draft_election(convention, organizer).questions.get()
    proposals.support(member=other, proposal=proposal)
    client = client_for(organizer)
    page = client.get(f"/c/loya/deliberation/proposals/{proposal.pk}/").content.decode()
    assert "Place on the ballot" in page and "Which model?" in page
    response = client.post(
        f"/c/loya/deliberation/proposals/{proposal.pk}/ballot/", {"question": str(question.pk)}
    )
    assert response.status_code == 302
    assert Option.objects.filter(proposal_id=proposal.pk, question=question).exists()


def test_proposals_only_while_deliberating(convention, participant):
    convention.phase = "voting"
    convention.save()
    with pytest.raises(NotAllowed):
        proposals.submit_proposal(
            member=participant, language="en", title="Late", summary="s", body="b"
        )


def test_proposal_form_keeps_the_text_on_a_refusal(participant):
    response = client_for(participant).post(
        "/c/loya/deliberation/proposals/new/",
        {"language": "en", "title": "Sneaky\u202e", "summary": "s", "body": "b"},
    )
    assert response.status_code == 400
    assert "direction-changing" in response.content.decode()
