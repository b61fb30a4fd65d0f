"""Drafting services: every rule, hostile text, nothing written on refusal, frozen after the
key ceremony starts, proposals as options, and a full draft into the key ceremony."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from convention.models import AuditEntry, Convention, Phase, Role
from deliberation.models import Proposal, ProposalStatus
from deliberation.services import proposals, structure
from tests.voting.world import member
from voting.exceptions import InvalidElection, NotAllowed, WrongState
from voting.models import Election, ElectionState, Option, Question, Trustee
from voting.services import drafting, lifecycle

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)
SCHEDULE = {
    "credentials_at": NOW + timedelta(days=1),
    "opens_at": NOW + timedelta(days=2),
    "closes_at": NOW + timedelta(days=3),
}

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "tag": "Vote <b>here</b>",
    "js_url": "javascript:alert(1)",
    "bidi_override": "Republic \u202eciloper",
    "bidi_isolate": "abc\u2067def",
    "nul": "Repub\x00lic",
    "control": "Republic\x07",
    "ten_kb": "x" * 10_240,
}


@pytest.fixture
def convention(db) -> Convention:
    return Convention.objects.create(
        slug="loya", title_en="Loya Jirga", phase=Phase.DELIBERATION, require_staff_mfa=False
    )


@pytest.fixture
def organizer(convention):
    return member(convention, "Organizer", Role.ORGANIZER)


@pytest.fixture
def trustees(convention):
    return [member(convention, f"Trustee {i}", Role.TRUSTEE) for i in range(1, 4)]


@pytest.fixture
def draft(convention, organizer):
    return drafting.create_draft(
        convention=convention,
        actor=organizer,
        title={"en": "Constitution", "fa-af": "قانون اساسی", "ps": "اساسي قانون"},
        description={"en": "Choose the principles.\nSecond line."},
        **SCHEDULE,
    )


def approval(draft, organizer, *, options=3, low=1, high=2):
    question = drafting.add_question(
        election=draft,
        actor=organizer,
        kind="approval",
        text={"en": "Principles"},
        min_selections=low,
        max_selections=high,
    )
    for i in range(options):
        drafting.add_option(question=question, actor=organizer, text={"en": f"Principle {i}"})
    return question


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


# --- the election --------------------------------------------------------------------------


def test_draft_has_texts_schedule_and_an_audit_entry(draft):
    assert draft.state == ElectionState.DRAFT
    assert draft.title_fa_af == "قانون اساسی" and draft.description_en.endswith("Second line.")
    assert draft.opens_at == SCHEDULE["opens_at"]
    assert audit_actions() == ["election.created"]


def test_only_organizers_of_this_convention_draft(convention, organizer):
    participant = member(convention, "Voter", Role.PARTICIPANT)
    trustee = member(convention, "Trustee", Role.TRUSTEE)
    other = Convention.objects.create(slug="other", title_en="Other", phase=Phase.DELIBERATION)
    foreign = member(other, "Foreign organizer", Role.ORGANIZER)
    for actor in (participant, trustee, foreign, None):
        with pytest.raises(NotAllowed):
            drafting.create_draft(
                convention=convention, actor=actor, title={"en": "Mine"}, **SCHEDULE
            )
    assert not Election.objects.exists() and not AuditEntry.objects.exists()


def test_closed_convention_cannot_draft(convention, organizer):
    convention.phase = Phase.CLOSED
    convention.save()
    with pytest.raises(NotAllowed):
        drafting.create_draft(convention=convention, actor=organizer, title={"en": "x"}, **SCHEDULE)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_titles_are_refused_and_nothing_is_written(convention, organizer, name):
    for language in ("en", "fa-af", "ps"):
        title = {"en": "Fine", language: HOSTILE[name]}
        with pytest.raises(InvalidElection):
            drafting.create_draft(convention=convention, actor=organizer, title=title, **SCHEDULE)
    assert not Election.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_question_and_option_texts_are_refused(draft, organizer, name):
    with pytest.raises(InvalidElection):
        drafting.add_question(
            election=draft, actor=organizer, kind="single", text={"en": HOSTILE[name]}
        )
    question = drafting.add_question(
        election=draft, actor=organizer, kind="single", text={"en": "Fine"}
    )
    with pytest.raises(InvalidElection):
        drafting.add_option(question=question, actor=organizer, text={"ps": HOSTILE[name]})
    with pytest.raises(InvalidElection):
        drafting.update_question(
            question=question, actor=organizer, kind="single", text={"en": HOSTILE[name]}
        )
    question.refresh_from_db()
    assert question.text_en == "Fine" and not question.options.exists()


def test_zero_width_non_joiner_of_dari_spelling_is_kept(draft, organizer):
    question = drafting.add_question(
        election=draft, actor=organizer, kind="single", text={"en": "Q", "fa-af": "می\u200cخواهم"}
    )
    assert question.text_fa_af == "می\u200cخواهم"


def test_english_is_required_and_unknown_languages_refused(convention, organizer):
    for title in ({"en": "  "}, {"fa-af": "عنوان"}, {"en": "x", "de": "y"}, "plain", {"en": 3}):
        with pytest.raises(InvalidElection):
            drafting.create_draft(convention=convention, actor=organizer, title=title, **SCHEDULE)
    assert not Election.objects.exists()


def test_schedule_must_be_in_order(convention, organizer, draft):
    bad = [
        {**SCHEDULE, "credentials_at": SCHEDULE["opens_at"] + timedelta(minutes=1)},
        {**SCHEDULE, "closes_at": SCHEDULE["opens_at"]},
        {**SCHEDULE, "opens_at": None},
        {**SCHEDULE, "opens_at": SCHEDULE["opens_at"].replace(tzinfo=None)},
    ]
    for schedule in bad:
        with pytest.raises(InvalidElection):
            drafting.create_draft(
                convention=convention, actor=organizer, title={"en": "x"}, **schedule
            )
        with pytest.raises(InvalidElection):
            drafting.update_draft(election=draft, actor=organizer, title={"en": "y"}, **schedule)
    draft.refresh_from_db()
    assert Election.objects.count() == 1 and draft.title_en == "Constitution"


# --- questions and options ------------------------------------------------------------------


def test_approval_bounds(draft, organizer):
    for low, high in ((2, 1), (-1, 2), (0, 0), (0, 21), (None, 2), (0, True)):
        with pytest.raises(InvalidElection):
            drafting.add_question(
                election=draft,
                actor=organizer,
                kind="approval",
                text={"en": "Q"},
                min_selections=low,
                max_selections=high,
            )
    assert not Question.objects.exists()
    question = approval(draft, organizer, options=3, low=1, high=3)
    with pytest.raises(InvalidElection, match="cannot exceed the number of options"):
        drafting.update_question(
            question=question,
            actor=organizer,
            kind="approval",
            text={"en": "Q"},
            min_selections=0,
            max_selections=4,
        )
    # Removing an option below the maximum leaves a problem that blocks the ceremony.
    drafting.remove_option(option=question.options.last(), actor=organizer)
    assert any("0 ≤ least ≤ most" in p for p in drafting.problems(draft))


def test_unknown_kind_refused(draft, organizer):
    with pytest.raises(InvalidElection):
        drafting.add_question(election=draft, actor=organizer, kind="plurality", text={"en": "Q"})


def test_single_choice_keeps_blank_and_ranked_has_at_most_ten_options(draft, organizer):
    single = drafting.add_question(
        election=draft, actor=organizer, kind="single", text={"en": "S"}, allow_blank=True
    )
    assert single.allow_blank and single.max_selections == 1
    ranked = drafting.add_question(election=draft, actor=organizer, kind="ranked", text={"en": "R"})
    for i in range(10):
        drafting.add_option(question=ranked, actor=organizer, text={"en": f"O{i}"})
    with pytest.raises(InvalidElection, match="most options"):
        drafting.add_option(question=ranked, actor=organizer, text={"en": "one too many"})
    assert ranked.options.count() == 10


def test_at_most_ten_questions(draft, organizer):
    for i in range(10):
        drafting.add_question(election=draft, actor=organizer, kind="ranked", text={"en": f"Q{i}"})
    with pytest.raises(InvalidElection):
        drafting.add_question(election=draft, actor=organizer, kind="ranked", text={"en": "Q"})


def test_reorder_and_remove_keep_positions_dense(draft, organizer):
    first = drafting.add_question(election=draft, actor=organizer, kind="ranked", text={"en": "A"})
    second = drafting.add_question(election=draft, actor=organizer, kind="ranked", text={"en": "B"})
    third = drafting.add_question(election=draft, actor=organizer, kind="ranked", text={"en": "C"})
    drafting.move_question(question=third, actor=organizer, direction="up")
    assert list(draft.questions.values_list("text_en", flat=True)) == ["A", "C", "B"]
    drafting.move_question(question=first, actor=organizer, direction="up")  # already first
    drafting.remove_question(question=first, actor=organizer)
    assert list(draft.questions.values_list("text_en", "position")) == [("C", 0), ("B", 1)]
    with pytest.raises(InvalidElection):
        drafting.move_question(question=second, actor=organizer, direction="sideways")
    options = [
        drafting.add_option(question=second, actor=organizer, text={"en": name})
        for name in ("x", "y", "z")
    ]
    drafting.move_option(option=options[0], actor=organizer, direction="down")
    drafting.remove_option(option=options[2], actor=organizer)
    assert list(second.options.values_list("text_en", "position")) == [("y", 0), ("x", 1)]
    drafting.update_option(option=options[1], actor=organizer, text={"en": "why", "ps": "ولې"})
    assert second.options.get(position=0).text_ps == "ولې"


def test_objects_of_another_election_are_refused(convention, organizer, draft):
    other = drafting.create_draft(
        convention=convention, actor=organizer, title={"en": "Other"}, **SCHEDULE
    )
    question = drafting.add_question(
        election=other, actor=organizer, kind="ranked", text={"en": "Q"}
    )
    question.election = draft  # a caller mixing up elections
    with pytest.raises(InvalidElection):
        drafting.add_option(question=question, actor=organizer, text={"en": "O"})


def test_a_participant_cannot_change_a_draft(convention, organizer, draft):
    participant = member(convention, "Voter", Role.PARTICIPANT)
    question = approval(draft, organizer)
    calls = [
        lambda: drafting.update_draft(
            election=draft, actor=participant, title={"en": "Hijacked"}, **SCHEDULE
        ),
        lambda: drafting.add_question(
            election=draft, actor=participant, kind="ranked", text={"en": "Q"}
        ),
        lambda: drafting.add_option(question=question, actor=participant, text={"en": "O"}),
        lambda: drafting.remove_question(question=question, actor=participant),
        lambda: drafting.remove_option(option=question.options.first(), actor=participant),
        lambda: drafting.set_trustees(election=draft, actor=participant, trustees=[], threshold=1),
        lambda: drafting.start_key_ceremony(election=draft, actor=participant),
    ]
    before = audit_actions()
    for call in calls:
        with pytest.raises(NotAllowed):
            call()
    assert audit_actions() == before
    assert draft.questions.count() == 1 and question.options.count() == 3


# --- trustees -------------------------------------------------------------------------------


def test_trustees_and_threshold(convention, organizer, draft, trustees):
    participant = member(convention, "Voter", Role.PARTICIPANT)
    other = Convention.objects.create(slug="other", title_en="Other", phase=Phase.DELIBERATION)
    foreign = member(other, "Foreign trustee", Role.TRUSTEE)
    suspended = member(convention, "Suspended trustee", Role.TRUSTEE)
    suspended.is_suspended = True
    suspended.save()
    refused = [
        ([], 1),
        (trustees, 4),
        (trustees, 0),
        (trustees, "2"),
        (trustees, True),
        ([trustees[0], trustees[0]], 1),
        ([trustees[0], participant], 1),
        ([trustees[0], foreign], 1),
        ([trustees[0], suspended], 1),
    ]
    for chosen, k in refused:
        with pytest.raises(InvalidElection):
            drafting.set_trustees(election=draft, actor=organizer, trustees=chosen, threshold=k)
    assert not Trustee.objects.exists()
    drafting.set_trustees(election=draft, actor=organizer, trustees=trustees, threshold=2)
    drafting.set_trustees(election=draft, actor=organizer, trustees=trustees[1:], threshold=2)
    draft.refresh_from_db()
    assert draft.threshold == 2
    assert list(draft.trustees.values_list("index", "name")) == [(1, "Trustee 2"), (2, "Trustee 3")]


# --- readiness and the key ceremony ---------------------------------------------------------


def test_problems_block_the_key_ceremony(organizer, draft, trustees):
    assert len(drafting.problems(draft)) == 2  # no question, no trustee
    question = drafting.add_question(
        election=draft, actor=organizer, kind="single", text={"en": "Q"}
    )
    drafting.add_option(question=question, actor=organizer, text={"en": "only one"})
    drafting.set_trustees(election=draft, actor=organizer, trustees=trustees, threshold=2)
    assert drafting.problems(draft) == ["Question 1 needs at least 2 options (it has 1)."]
    with pytest.raises(InvalidElection, match="at least 2 options"):
        drafting.start_key_ceremony(election=draft, actor=organizer)
    # The lifecycle's own transition (the public page's button) refuses too.
    with pytest.raises(WrongState, match="at least 2 options"):
        lifecycle.transition(draft, ElectionState.KEY_CEREMONY, actor=organizer)
    draft.refresh_from_db()
    assert draft.state == ElectionState.DRAFT and draft.definition is None


def test_no_edits_once_the_key_ceremony_started(organizer, draft, trustees):
    question = approval(draft, organizer)
    option = question.options.first()
    drafting.set_trustees(election=draft, actor=organizer, trustees=trustees, threshold=2)
    drafting.start_key_ceremony(election=draft, actor=organizer)
    calls = [
        lambda: drafting.update_draft(
            election=draft, actor=organizer, title={"en": "Changed"}, **SCHEDULE
        ),
        lambda: drafting.add_question(
            election=draft, actor=organizer, kind="ranked", text={"en": "Q"}
        ),
        lambda: drafting.update_question(
            question=question, actor=organizer, kind="ranked", text={"en": "Q"}
        ),
        lambda: drafting.move_question(question=question, actor=organizer, direction="down"),
        lambda: drafting.remove_question(question=question, actor=organizer),
        lambda: drafting.add_option(question=question, actor=organizer, text={"en": "O"}),
        lambda: drafting.update_option(option=option, actor=organizer, text={"en": "O"}),
        lambda: drafting.move_option(option=option, actor=organizer, direction="down"),
        lambda: drafting.remove_option(option=option, actor=organizer),
        lambda: drafting.set_trustees(
            election=draft, actor=organizer, trustees=trustees[:1], threshold=1
        ),
        lambda: drafting.start_key_ceremony(election=draft, actor=organizer),
    ]
    before = audit_actions()
    for call in calls:
        with pytest.raises(WrongState):
            call()
    assert audit_actions() == before
    draft.refresh_from_db()
    assert draft.title_en == "Constitution" and draft.trustees.count() == 3
    assert question.options.count() == 3
    # Back to draft (discarding the ceremony), edits are possible again.
    lifecycle.transition(draft, ElectionState.DRAFT, actor=organizer)
    drafting.update_draft(election=draft, actor=organizer, title={"en": "Changed"}, **SCHEDULE)


# --- proposals as options -------------------------------------------------------------------


@pytest.fixture
def supported(convention, organizer):
    author = member(convention, "Author", Role.PARTICIPANT)
    proposal = proposals.submit_proposal(
        member=author,
        language="en",
        title="Federal provinces",
        summary="Provinces elect their governors.",
        body="Each province elects.",
    )
    structure.set_support_threshold(organizer=organizer, threshold=1)
    proposals.support(member=author, proposal=proposal)
    return proposal


def test_a_supported_proposal_becomes_an_option(draft, organizer, supported):
    question = approval(draft, organizer, options=1, low=0, high=1)
    option = drafting.add_proposal_option(
        question=question, actor=organizer, proposal_id=supported.pk
    )
    assert option.proposal_id == supported.pk and option.text_en == "Federal provinces"
    assert option.position == 1
    supported.refresh_from_db()
    assert supported.status == ProposalStatus.ON_BALLOT
    with pytest.raises(InvalidElection):  # already on a ballot
        drafting.add_proposal_option(question=question, actor=organizer, proposal_id=supported.pk)


def test_removing_a_proposals_option_opens_the_proposal_again(draft, organizer, supported):
    question = approval(draft, organizer, options=1, low=0, high=1)
    option = drafting.add_proposal_option(
        question=question, actor=organizer, proposal_id=supported.pk
    )
    drafting.remove_option(option=option, actor=organizer)
    supported.refresh_from_db()
    assert supported.status == ProposalStatus.OPEN and supported.ballot_reference == ""
    assert "proposal.taken_off_ballot" in audit_actions()
    # It can be placed again, and removing its whole question releases it too.
    drafting.add_proposal_option(question=question, actor=organizer, proposal_id=supported.pk)
    assert Proposal.objects.get(pk=supported.pk).status == ProposalStatus.ON_BALLOT
    drafting.remove_question(question=question, actor=organizer)
    assert Proposal.objects.get(pk=supported.pk).status == ProposalStatus.OPEN


def test_removing_a_plain_option_leaves_proposals_alone(draft, organizer, supported):
    question = approval(draft, organizer, options=1, low=0, high=1)
    drafting.add_proposal_option(question=question, actor=organizer, proposal_id=supported.pk)
    plain = question.options.get(proposal_id=None)
    drafting.remove_option(option=plain, actor=organizer)
    assert Proposal.objects.get(pk=supported.pk).status == ProposalStatus.ON_BALLOT
    assert "proposal.taken_off_ballot" not in audit_actions()


def test_proposals_below_threshold_or_foreign_are_refused(convention, draft, organizer, supported):
    question = approval(draft, organizer, options=1, low=0, high=1)
    structure.set_support_threshold(organizer=organizer, threshold=5)
    with pytest.raises(InvalidElection, match="enough supporters"):
        drafting.add_proposal_option(question=question, actor=organizer, proposal_id=supported.pk)
    other = Convention.objects.create(slug="other", title_en="Other", phase=Phase.DELIBERATION)
    author = member(other, "Elsewhere", Role.PARTICIPANT)
    foreign = proposals.submit_proposal(
        member=author, language="en", title="Elsewhere", summary="s", body="b"
    )
    for proposal_id in (foreign.pk, 999_999, "1", None, True):
        with pytest.raises(InvalidElection):
            drafting.add_proposal_option(
                question=question, actor=organizer, proposal_id=proposal_id
            )
    assert question.options.count() == 1
    assert Proposal.objects.get(pk=supported.pk).status == ProposalStatus.OPEN


# --- the whole draft ------------------------------------------------------------------------


def test_full_draft_into_the_key_ceremony(organizer, draft, trustees, supported):
    question = drafting.add_question(
        election=draft,
        actor=organizer,
        kind="approval",
        text={"en": "Which models?", "fa-af": "کدام مدل‌ها؟"},
        min_selections=0,
        max_selections=2,
    )
    drafting.add_option(question=question, actor=organizer, text={"en": "Status quo"})
    drafting.add_proposal_option(question=question, actor=organizer, proposal_id=supported.pk)
    drafting.set_trustees(election=draft, actor=organizer, trustees=trustees, threshold=2)
    assert drafting.problems(draft) == []
    election = drafting.start_key_ceremony(election=draft, actor=organizer)
    assert election.state == ElectionState.KEY_CEREMONY
    definition = election.definition
    assert definition["trustees"] == {
        "threshold": 2,
        "names": ["Trustee 1", "Trustee 2", "Trustee 3"],
    }
    options = definition["questions"][0]["options"]
    assert [o["proposal"] for o in options] == [None, supported.pk]
    assert definition["questions"][0]["max"] == 2
    actions = audit_actions()
    for action in (
        "election.created",
        "election.question_added",
        "election.option_added",
        "proposal.placed_on_ballot",
        "election.trustees_set",
        "election.key_ceremony",
    ):
        assert action in actions
    assert Option.objects.filter(question__election=election).count() == 2


def test_seed_demo_drafts_one_election_once(settings, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    settings.VAR_DIR = tmp_path  # the voting demo saves its credential codes there

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    election = Election.objects.get(convention__slug="demo")
    assert election.state == ElectionState.DRAFT
    question = election.questions.get()
    assert question.kind == "approval" and question.options.count() >= 2
    assert election.trustees.count() == 3 and election.threshold == 2
    assert drafting.problems(election) == []


def test_the_election_page_links_an_option_back_to_its_proposal(
    client, draft, organizer, supported
):
    from django.urls import reverse

    question = approval(draft, organizer, options=1, low=0, high=1)
    drafting.add_proposal_option(question=question, actor=organizer, proposal_id=supported.pk)
    client.force_login(organizer.user)  # a draft is shown to its organizers only
    page = client.get(reverse("voting:detail", args=[draft.uuid])).content.decode()
    proposal_url = reverse("deliberation:proposal", args=[draft.convention.slug, supported.pk])
    assert f'href="{proposal_url}"' in page
