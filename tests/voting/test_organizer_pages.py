"""Organizer's election pages over HTTP: permissions (forged forms included), validation
messages, hostile input with nothing written, frozen after the key ceremony, the control page,
and a whole draft from the convention's page into the key ceremony."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from convention.models import AuditEntry, Convention, Phase, Role
from convention.permissions import Action
from deliberation.models import ProposalStatus
from deliberation.services import proposals, structure
from tests.voting.world import member
from voting.models import Election, ElectionState, Option, Question, Trustee
from voting.services import drafting

pytestmark = pytest.mark.django_db
DAY = (timezone.now() + timedelta(days=1)).date()


def schedule_fields(credentials="08:00", opens="09:00", closes="17:00", day=DAY) -> dict:
    return {
        "credentials_at_0": day.isoformat(),
        "credentials_at_1": credentials,
        "opens_at_0": day.isoformat(),
        "opens_at_1": opens,
        "closes_at_0": day.isoformat(),
        "closes_at_1": closes,
    }


def election_fields(**overrides) -> dict:
    data = {
        "title_en": "Constitution",
        "title_fa_af": "قانون اساسی",
        "title_ps": "",
        "description_en": "Principles of the state.",
        "description_fa_af": "",
        "description_ps": "",
        **schedule_fields(),
    }
    data.update(overrides)
    return data


def client_for(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def convention(db) -> Convention:
    return Convention.objects.create(
        slug="loya", title_en="Loya Jirga", phase=Phase.DELIBERATION, require_staff_mfa=False
    )


@pytest.fixture
def organizer(convention):
    return member(convention, "Organizer", Role.ORGANIZER)


@pytest.fixture
def participant(convention):
    return member(convention, "Voter", Role.PARTICIPANT)


@pytest.fixture
def trustees(convention):
    return [member(convention, f"Trustee {i}", Role.TRUSTEE) for i in range(1, 4)]


@pytest.fixture
def draft(convention, organizer):
    now = timezone.now()
    return drafting.create_draft(
        convention=convention,
        actor=organizer,
        title={"en": "Constitution"},
        credentials_at=now + timedelta(days=1),
        opens_at=now + timedelta(days=2),
        closes_at=now + timedelta(days=3),
    )


@pytest.fixture
def ready(draft, organizer, trustees):
    question = drafting.add_question(
        election=draft,
        actor=organizer,
        kind="approval",
        text={"en": "Principles"},
        min_selections=0,
        max_selections=2,
    )
    for name in ("Rule of law", "Shura"):
        drafting.add_option(question=question, actor=organizer, text={"en": name})
    drafting.set_trustees(election=draft, actor=organizer, trustees=trustees, threshold=2)
    return draft


def url(name: str, election=None, **kwargs) -> str:
    kwargs = {"slug": "loya", **kwargs}
    if election is not None:
        kwargs["uuid"] = election.uuid
    return reverse(f"voting:{name}", kwargs=kwargs)


def state_of(election) -> str:
    return Election.objects.get(pk=election.pk).state


def snapshot() -> tuple:
    return (
        Election.objects.count(),
        Question.objects.count(),
        Option.objects.count(),
        Trustee.objects.count(),
        AuditEntry.objects.count(),
        list(Election.objects.values_list("title_en", "threshold", "state")),
    )


# --- permissions ----------------------------------------------------------------------------


def organizer_routes():
    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "namespace", None) == "voting":
            for entry in pattern.url_patterns:
                if entry.name and entry.name.startswith("organize_"):
                    yield entry


def test_every_organizer_view_requires_managing_elections():
    routes = list(organizer_routes())
    assert len(routes) == 16
    for route in routes:
        assert getattr(route.callback, "required_action", None) == Action.MANAGE_ELECTIONS, route


def test_visitor_is_sent_to_log_in(draft):
    response = Client().get(url("organize_list"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    response = Client().post(url("organize_new"), election_fields())
    assert response.status_code == 302
    assert Election.objects.count() == 1


def test_convention_page_links_organizers_only(convention, organizer, participant):
    link = url("organize_list")
    assert link in client_for(organizer).get(f"/c/{convention.slug}/").content.decode()
    assert link not in client_for(participant).get(f"/c/{convention.slug}/").content.decode()


def test_non_organizers_are_refused_every_page_and_every_forged_form(
    convention, participant, ready, trustees
):
    trustee = trustees[0]
    question = ready.questions.get()
    option = question.options.first()
    forged = [
        (url("organize_new"), election_fields(title_en="Hijacked")),
        (url("organize_edit", ready), election_fields(title_en="Hijacked")),
        (
            url("organize_questions", ready),
            {"text_en": "Injected", "kind": "ranked"},
        ),
        (
            url("organize_question", ready, question_id=question.pk),
            {"text_en": "Changed", "kind": "ranked"},
        ),
        (url("organize_option_add", ready, question_id=question.pk), {"text_en": "Injected"}),
        (url("organize_proposal_add", ready, question_id=question.pk), {"proposal": "1"}),
        (url("organize_question_move", ready, question_id=question.pk), {"direction": "down"}),
        (url("organize_question_remove", ready, question_id=question.pk), {"confirm": "yes"}),
        (url("organize_option", ready, option_id=option.pk), {"text_en": "Changed"}),
        (url("organize_option_move", ready, option_id=option.pk), {"direction": "down"}),
        (url("organize_option_remove", ready, option_id=option.pk), {}),
        (
            url("organize_trustees", ready),
            {"trustees": [str(participant.pk)], "threshold": "1"},
        ),
        (url("organize_transition", ready), {"to": "key_ceremony", "confirm": "on"}),
    ]
    before = snapshot()
    for who in (participant, trustee):
        client = client_for(who)
        for page in (
            url("organize_list"),
            url("organize_new"),
            url("organize_control", ready),
            url("organize_review", ready),
            url("organize_trustees", ready),
        ):
            assert client.get(page).status_code == 403, page
        for target, data in forged:
            response = client.post(target, data)
            assert response.status_code == 403, target
            assert "organizers can manage elections." in (response.content.decode())
    assert snapshot() == before


def test_organizer_of_another_convention_cannot_reach_this_ones_elections(ready):
    other = Convention.objects.create(
        slug="other", title_en="Other", phase=Phase.DELIBERATION, require_staff_mfa=False
    )
    stranger = member(other, "Stranger", Role.ORGANIZER)
    client = client_for(stranger)
    before = snapshot()
    # Through this convention's address: not a member here.
    assert client.get(url("organize_control", ready)).status_code == 403
    # Through their own convention's address with this election's id: no such election there.
    own = reverse("voting:organize_control", args=["other", ready.uuid])
    assert client.get(own).status_code == 404
    forged = reverse("voting:organize_transition", args=["other", ready.uuid])
    assert client.post(forged, {"to": "key_ceremony", "confirm": "on"}).status_code == 404
    edit = reverse("voting:organize_edit", args=["other", ready.uuid])
    assert client.post(edit, election_fields(title_en="Hijacked")).status_code == 404
    assert snapshot() == before


def test_staff_mfa_rule_applies(convention, organizer):
    convention.require_staff_mfa = True
    convention.save()
    response = client_for(organizer).get(url("organize_list"))
    assert response.status_code == 403
    assert "two-factor" in response.content.decode()


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"title_en": ""}, "This field is required."),
        ({"title_en": "<script>alert(1)</script>"}, "looks like HTML or a script"),
        ({"title_fa_af": "abc\u202edef"}, "direction-changing characters"),
        ({"description_en": "line\x00"}, "NUL character"),
        ({"title_ps": "x" * 10_240}, "The text is too long"),
        ({"title_en": "a\x1bb"}, "control characters"),
        (schedule_fields(opens="07:00"), "no later than voting opens"),
        (schedule_fields(closes="09:00"), "Voting must open before it closes."),
        ({"opens_at_0": "tomorrow"}, "Enter a valid date."),
        ({"opens_at_1": "25:00"}, "Enter a valid time."),
    ],
)
def test_election_form_refuses_with_a_clear_message(organizer, draft, fields, message):
    client = client_for(organizer)
    before = snapshot()
    for target in (url("organize_new"), url("organize_edit", draft)):
        response = client.post(target, election_fields(**fields))
        assert response.status_code == 400
        assert message in response.content.decode()
    assert snapshot() == before


def test_schedule_is_read_as_utc_and_labelled(organizer):
    client = client_for(organizer)
    page = client.get(url("organize_new")).content.decode()
    assert "Voting opens (UTC)" in page and 'type="date"' in page and 'type="time"' in page
    response = client.post(url("organize_new"), election_fields())
    election = Election.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("organize_questions", election)
    assert election.opens_at.isoformat() == f"{DAY.isoformat()}T09:00:00+00:00"
    assert election.title_fa_af == "قانون اساسی"
    edit = client.get(url("organize_edit", election)).content.decode()
    assert 'value="09:00"' in edit and f'value="{DAY.isoformat()}"' in edit


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"kind": "approval", "min_selections": "3", "max_selections": "2"}, "cannot be more"),
        ({"kind": "approval", "max_selections": ""}, "needs the most number of selections"),
        ({"kind": "approval", "min_selections": "-1", "max_selections": "2"}, "greater than"),
        ({"kind": "approval", "min_selections": "0", "max_selections": "0"}, "greater than"),
        ({"kind": "plurality"}, "Select a valid choice"),
        ({"text_en": "<img src=x onerror=alert(1)>"}, "looks like HTML"),
        ({"text_en": "Q\u2066"}, "direction-changing"),
        ({"text_en": "x" * 10_240}, "too long"),
    ],
)
def test_question_form_refuses_with_a_clear_message(organizer, draft, fields, message):
    data = {"text_en": "Principles", "kind": "single", **fields}
    before = snapshot()
    response = client_for(organizer).post(url("organize_questions", draft), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_maximum_cannot_exceed_the_options_and_two_options_are_needed(organizer, ready):
    client = client_for(organizer)
    question = ready.questions.get()
    response = client.post(
        url("organize_question", ready, question_id=question.pk),
        {"text_en": "Principles", "kind": "approval", "min_selections": "0", "max_selections": "3"},
    )
    assert response.status_code == 400
    assert "cannot exceed the number of options (2)" in response.content.decode()
    option = question.options.last()
    client.post(url("organize_option_remove", ready, option_id=option.pk))
    review = client.get(url("organize_review", ready)).content.decode()
    assert "Question 1 needs at least 2 options (it has 1)." in review
    assert "Start the key ceremony…" not in review
    response = client.post(
        url("organize_transition", ready), {"to": "key_ceremony", "confirm": "on"}
    )
    assert state_of(ready) == ElectionState.DRAFT
    follow = client.get(response["Location"]).content.decode()
    assert "at least 2 options" in follow


@pytest.mark.parametrize(
    "data, message",
    [
        ({"threshold": "1"}, "This field is required."),
        ({"trustees": ["T1", "T2"], "threshold": "3"}, "k cannot be more than the 2 trustees"),
        ({"trustees": ["T1"], "threshold": "0"}, "greater than or equal to 1"),
        ({"trustees": ["T1", "PARTICIPANT"], "threshold": "1"}, "trustee role"),
        ({"trustees": ["T1", "999999"], "threshold": "1"}, "trustee role"),
        ({"trustees": ["T1", "abc"], "threshold": "1"}, "That is not a member"),
    ],
)
def test_trustees_form_refuses_with_a_clear_message(
    organizer, participant, draft, trustees, data, message
):
    names = {"T1": trustees[0].pk, "T2": trustees[1].pk, "PARTICIPANT": participant.pk}
    data = {**data, "trustees": [str(names.get(t, t)) for t in data.get("trustees", [])]}
    before = snapshot()
    response = client_for(organizer).post(url("organize_trustees", draft), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_option_text_hostile_input_refused(organizer, ready):
    question = ready.questions.get()
    before = snapshot()
    client = client_for(organizer)
    for text in ("<svg onload=alert(1)>", "a\x00b", "RLO\u202e", "x" * 10_240):
        response = client.post(
            url("organize_option_add", ready, question_id=question.pk), {"text_en": text}
        )
        assert response.status_code == 400
        option = question.options.first()
        response = client.post(
            url("organize_option", ready, option_id=option.pk), {"text_en": text}
        )
        assert response.status_code == 400
    assert snapshot() == before


def test_unknown_transition_and_unconfirmed_transition_change_nothing(organizer, ready):
    client = client_for(organizer)
    before = snapshot()
    for to in ("published", "open", "bogus", ""):
        response = client.post(url("organize_transition", ready), {"to": to, "confirm": "on"})
        assert response.status_code == 302
    page = client.post(url("organize_transition", ready), {"to": "key_ceremony"})
    assert page.status_code == 200 and "Yes, move to" in page.content.decode()
    assert snapshot() == before


# --- frozen after the ceremony started -------------------------------------------------------


def test_no_edits_after_the_key_ceremony_started(organizer, ready):
    client = client_for(organizer)
    response = client.post(
        url("organize_transition", ready), {"to": "key_ceremony", "confirm": "on"}
    )
    assert response.status_code == 302 and state_of(ready) == ElectionState.KEY_CEREMONY
    question = ready.questions.get()
    option = question.options.first()
    before = snapshot()
    for page in (
        url("organize_edit", ready),
        url("organize_questions", ready),
        url("organize_question", ready, question_id=question.pk),
        url("organize_option", ready, option_id=option.pk),
        url("organize_trustees", ready),
        url("organize_review", ready),
    ):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"] == url(
            "organize_control", ready
        )
    for target, data in (
        (url("organize_edit", ready), election_fields(title_en="Changed")),
        (url("organize_questions", ready), {"text_en": "More", "kind": "ranked"}),
        (url("organize_option_add", ready, question_id=question.pk), {"text_en": "More"}),
        (url("organize_option_remove", ready, option_id=option.pk), {}),
        (url("organize_question_remove", ready, question_id=question.pk), {"confirm": "yes"}),
    ):
        assert client.post(target, data).status_code == 302
    assert snapshot() == before
    control = client.get(url("organize_control", ready), follow=True).content.decode()
    assert "can no longer be changed" in control


def test_control_page_shows_ceremony_counts_and_next_steps(organizer, ready):
    client = client_for(organizer)
    client.post(url("organize_transition", ready), {"to": "key_ceremony", "confirm": "on"})
    page = client.get(url("organize_control", ready)).content.decode()
    assert 'data-state="key_ceremony"' in page
    assert "0 of 3 trustees have completed the ceremony." in page
    assert "Trustee 2" in page
    assert 'data-count="issued">0<' in page and 'data-count="ballots">0<' in page
    assert "Decryptions submitted: 0 (needed: 2)." in page
    assert "Move to “Draft”…" in page  # reset
    # Confirmation page, then back to draft.
    confirm = client.post(url("organize_transition", ready), {"to": "draft"}).content.decode()
    assert "key ceremony is discarded" in confirm
    client.post(url("organize_transition", ready), {"to": "draft", "confirm": "on"})
    assert state_of(ready) == ElectionState.DRAFT


# --- a whole draft through the pages ---------------------------------------------------------


def test_full_flow_from_the_convention_page_into_the_key_ceremony(convention, organizer, trustees):
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
    client = client_for(organizer)

    assert client.get(url("organize_list")).status_code == 200
    response = client.post(url("organize_new"), election_fields())
    election = Election.objects.get()
    response = client.post(
        url("organize_questions", election),
        {
            "text_en": "Which governance models?",
            "text_fa_af": "کدام مدل‌های حکومتداری؟",
            "kind": "approval",
            "min_selections": "1",
            "max_selections": "2",
        },
    )
    question = election.questions.get()
    assert response["Location"] == url("organize_question", election, question_id=question.pk)
    page = client.get(response["Location"]).content.decode()
    assert "Federal provinces (1)" in page  # the supported proposal is offered
    client.post(
        url("organize_option_add", election, question_id=question.pk),
        {"text_en": "Status quo", "text_ps": "اوسنی حالت"},
    )
    response = client.post(
        url("organize_proposal_add", election, question_id=question.pk),
        {"proposal": str(proposal.pk)},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ON_BALLOT
    response = client.post(
        url("organize_trustees", election),
        {"trustees": [str(t.pk) for t in trustees], "threshold": "2"},
    )
    assert response["Location"] == url("organize_review", election)
    review = client.get(response["Location"]).content.decode()
    assert "Any 2 of the 3 trustees" in review and "Start the key ceremony…" in review
    confirm = client.post(url("organize_transition", election), {"to": "key_ceremony"})
    assert "are frozen" in confirm.content.decode()
    assert state_of(election) == ElectionState.DRAFT
    client.post(url("organize_transition", election), {"to": "key_ceremony", "confirm": "on"})
    election.refresh_from_db()
    assert election.state == ElectionState.KEY_CEREMONY
    question_json = election.definition["questions"][0]
    assert question_json["type"] == "approval" and (question_json["min"], question_json["max"]) == (
        1,
        2,
    )
    assert [o["proposal"] for o in question_json["options"]] == [None, proposal.pk]
    assert election.definition["trustees"]["threshold"] == 2
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "election.created",
        "election.question_added",
        "election.option_added",
        "proposal.placed_on_ballot",
        "election.trustees_set",
        "election.key_ceremony",
    } <= actions
    listing = client.get(url("organize_list")).content.decode()
    assert "Constitution" in listing and "Key ceremony" in listing


def test_reorder_and_remove_through_the_pages(organizer, ready):
    client = client_for(organizer)
    question = ready.questions.get()
    first, second = question.options.all()
    client.post(url("organize_option_move", ready, option_id=first.pk), {"direction": "down"})
    assert list(question.options.values_list("text_en", flat=True)) == ["Shura", "Rule of law"]
    response = client.post(
        url("organize_option_move", ready, option_id=first.pk), {"direction": "diagonal"}
    )
    assert response.status_code == 302
    second_q = drafting.add_question(
        election=ready, actor=organizer, kind="ranked", text={"en": "Rank"}
    )
    client.post(url("organize_question_move", ready, question_id=second_q.pk), {"direction": "up"})
    assert list(ready.questions.values_list("text_en", flat=True)) == ["Rank", "Principles"]
    confirm = client.post(url("organize_question_remove", ready, question_id=second_q.pk))
    assert "Remove the question?" in confirm.content.decode()
    assert ready.questions.count() == 2
    client.post(url("organize_question_remove", ready, question_id=second_q.pk), {"confirm": "yes"})
    assert list(ready.questions.values_list("text_en", "position")) == [("Principles", 0)]
