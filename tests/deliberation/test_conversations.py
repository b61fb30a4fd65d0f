"""Opinion map over HTTP: votes (agree, disagree, pass, changed), statements moderated as
posts, translations approved in the moderation log, the privacy rules of pages and exports,
the live event after the analysis, common ground to a proposal, and erasure."""

from __future__ import annotations

import json

import pytest

from convention.models import Role
from deliberation import live
from deliberation.exceptions import AlreadyDecided, InvalidInput, NotAllowed
from deliberation.models import (
    ConversationAnalysis,
    ModerationAction,
    OpinionVote,
    PostStatus,
    Proposal,
    Statement,
    StatementTranslation,
)
from deliberation.services import conversations, moderation, posts, proposals, structure

from .conftest import client_for, make_member
from .opinion_data import plant, statements_for

pytestmark = pytest.mark.django_db

BASE = "/c/loya/deliberation"


@pytest.fixture
def conversation(session, moderator):
    return conversations.open_conversation(
        member=moderator,
        session=session,
        question_en="How should governors be chosen?",
        question_ps="والیان باید څنګه وټاکل شي؟",
    )


@pytest.fixture
def statement(conversation, participant, moderator):
    return statements_for(conversation, participant, moderator, 1)[0]


def page(member, url, **headers):
    return client_for(member).get(url, **headers)


def test_vote_agree_then_change_then_pass_over_http(conversation, statement, other):
    client = client_for(other)
    url = f"{BASE}/conversations/{conversation.pk}/"
    assert "Planted statement 0" in client.get(url).content.decode()
    for choice, value in (("agree", 1), ("disagree", -1), ("pass", 0)):
        response = client.post(f"{url}vote/", {"statement": statement.pk, "choice": choice})
        assert response.status_code == 302
        vote = OpinionVote.objects.get()
        assert vote.value == value
    # The next statement page says so, and the reader may change the vote again.
    again = client.get(f"{url}?statement={statement.pk}").content.decode()
    assert "Your vote:" in again and "Pass / unsure" in again


def test_a_vote_is_stored_under_a_per_conversation_key_not_the_member(
    conversation, statement, other, moderator, session
):
    conversations.record_vote(member=other, statement=statement, choice="agree")
    vote = OpinionVote.objects.get()
    assert vote.participant not in (other.pk, other.user_id)
    second = conversations.open_conversation(member=moderator, session=session, question_en="Q2")
    assert (
        conversations.participant_key(conversation_id=second.pk, membership_id=other.pk)
        != vote.participant
    )
    assert {f.name for f in OpinionVote._meta.get_fields()} == {
        "id",
        "conversation",
        "statement",
        "participant",
        "value",
    }


def test_bad_vote_input_is_refused_and_nothing_written(conversation, statement, other):
    url = f"{BASE}/conversations/{conversation.pk}/vote/"
    assert (
        client_for(other).post(url, {"statement": statement.pk, "choice": "maybe"}).status_code
        == 400
    )
    assert client_for(other).post(url, {"statement": 999999, "choice": "agree"}).status_code == 404
    assert not OpinionVote.objects.exists()


def test_statements_wait_for_a_moderator_and_enter_the_public_log(
    conversation, participant, other, moderator
):
    url = f"{BASE}/conversations/{conversation.pk}/"
    response = client_for(participant).post(
        f"{url}statements/",
        {"text": "Governors are elected by each province", "language": "en"},
        follow=True,
    )
    assert "waits for a moderator" in response.content.decode()
    statement = Statement.objects.get()
    assert statement.post.status == PostStatus.PENDING
    assert "elected by each province" not in page(other, url).content.decode()
    with pytest.raises(InvalidInput):
        conversations.record_vote(member=other, statement=statement, choice="agree")
    # The review queue and the post moderation form are the rooms' own.
    assert "elected by each province" in page(moderator, f"{BASE}/moderation/").content.decode()
    client_for(moderator).post(
        f"{BASE}/posts/{statement.post.pk}/moderate/", {"action": "approve", "back": "queue"}
    )
    assert "elected by each province" in page(other, url).content.decode()
    moderation.hide_post(moderator=moderator, post=statement.post, reason="off_topic")
    assert "elected by each province" not in page(other, url).content.decode()
    log = page(other, f"{BASE}/moderation/log/").content.decode()
    assert "approved a post" in log and "hid a post" in log
    kinds = set(ModerationAction.objects.values_list("kind", flat=True))
    assert {"approve", "hide"} <= kinds


def test_a_statement_is_one_idea_of_at_most_280_characters(conversation, participant):
    response = client_for(participant).post(
        f"{BASE}/conversations/{conversation.pk}/statements/",
        {"text": "x" * 281, "language": "en"},
    )
    assert response.status_code == 400 and not Statement.objects.exists()


def test_the_opinion_room_takes_no_post_but_statements(conversation, statement, participant):
    room = conversation.room
    response = client_for(participant).post(
        f"{BASE}/rooms/{room.pk}/post/", {"body": "Off the map", "language": "en"}
    )
    assert response.status_code == 403
    with pytest.raises(NotAllowed):
        posts.create_post(member=participant, room=room, body="A reply", parent=statement.post)
    assert room.posts.count() == 1


def test_a_statement_cannot_be_edited_once_put_to_the_vote(statement, participant):
    with pytest.raises(NotAllowed):
        posts.edit_post(member=participant, post=statement.post, body="Other words")


def test_translation_is_shown_in_the_readers_language_once_approved(
    conversation, statement, other, moderator
):
    url = f"{BASE}/conversations/{conversation.pk}/"
    client_for(other).post(
        f"{BASE}/statements/{statement.pk}/translate/",
        {"language": "ps", "text": "ځای پر ځای شوې وینا"},
    )
    translation = StatementTranslation.objects.get()
    pashto = {"HTTP_ACCEPT_LANGUAGE": "ps"}
    assert "ځای پر ځای" not in page(other, url, **pashto).content.decode()
    assert "ځای پر ځای" in page(moderator, url).content.decode()  # waiting, for moderators
    response = client_for(moderator).post(
        f"{BASE}/translations/{translation.pk}/decide/", {"outcome": "approve"}
    )
    assert response.status_code == 302
    shown = page(other, url, **pashto).content.decode()
    assert "ځای پر ځای" in shown and 'dir="rtl"' in shown
    assert "Planted statement 0" in page(other, url).content.decode()  # English readers: original
    entry = ModerationAction.objects.get(kind="approve_translation")
    assert entry.post_id == statement.post_id and entry.subject_id == other.pk
    with pytest.raises(AlreadyDecided):
        conversations.decide_translation(moderator=moderator, translation=translation, approve=True)
    with pytest.raises(NotAllowed):
        conversations.decide_translation(moderator=other, translation=translation, approve=False)


@pytest.fixture
def planted(conversation, participant, moderator):
    statements = statements_for(conversation, participant, moderator, 8)
    groups = plant(conversation, statements)
    return statements, groups


def test_map_shows_groups_common_ground_and_only_the_readers_own_point(planted, conversation):
    statements, groups = planted
    reader = groups["a"][0]
    html = page(reader, f"{BASE}/conversations/{conversation.pk}/map/").content.decode()
    assert html.count('class="opinion-group"') == 2
    assert html.count('class="opinion-you"') == 1
    assert "your group (only you see this)" in html
    assert f'id="common-{statements[-1].pk}"' in html
    result = ConversationAnalysis.objects.get(conversation=conversation).result
    positions = [str(row[0]) for row in result["positions"]]
    others = [
        k
        for k in positions
        if k
        != str(
            conversations.participant_key(conversation_id=conversation.pk, membership_id=reader.pk)
        )
    ]
    for key in others:
        assert key not in html
    # Someone who voted on nothing sees the groups, no point and no group of their own.
    outsider = make_member(conversation.room.convention, Role.PARTICIPANT)
    html = page(outsider, f"{BASE}/conversations/{conversation.pk}/map/").content.decode()
    assert html.count('class="opinion-group"') == 2
    assert 'class="opinion-you"' not in html and "your group" not in html


def test_moderators_and_organizers_see_no_individual_vote(planted, conversation, moderator):
    organizer = make_member(conversation.room.convention, Role.ORGANIZER)
    for viewer in (moderator, organizer):
        for path in ("", "map/", "map/fragment/"):
            html = page(viewer, f"{BASE}/conversations/{conversation.pk}/{path}").content.decode()
            assert 'class="opinion-you"' not in html
            assert "Your vote:" not in html and "your group" not in html


def test_a_group_under_the_minimum_is_never_drawn(conversation, participant, moderator):
    statements = statements_for(conversation, participant, moderator, 8)
    plant(conversation, statements, per_group=6)  # two camps of 6: neither may stand apart
    html = page(participant, f"{BASE}/conversations/{conversation.pk}/map/").content.decode()
    assert html.count('class="opinion-group"') <= 1
    export = (
        client_for(participant).get(f"{BASE}/conversations/{conversation.pk}/export.json").json()
    )
    assert len(export["groups"]) <= 1
    assert all(group["size"] >= export["min_group_size"] for group in export["groups"])


def test_export_carries_only_aggregates_of_at_least_the_minimum_cell(
    planted, conversation, participant
):
    statements, groups = planted
    loner = make_member(conversation.room.convention, Role.PARTICIPANT)
    conversations.record_vote(member=loner, statement=statements[0], choice="disagree")
    data = client_for(participant).get(f"{BASE}/conversations/{conversation.pk}/export.json").json()
    assert data["min_cell"] >= 5
    text = json.dumps(data)
    for member in groups["a"] + groups["b"] + [loner]:
        key = conversations.participant_key(
            conversation_id=conversation.pk, membership_id=member.pk
        )
        assert str(key) not in text
    for row in data["statements"]:
        for cell in [row["overall"], *row["groups"].values()]:
            assert cell is None or cell["votes"] >= data["min_cell"]
    first = next(row for row in data["statements"] if row["statement"] == statements[0].pk)
    # All 24 grouped votes are shown by group; the one unplaced vote would be the difference
    # between the overall count and the groups, so the overall count is left out.
    assert first["overall"] is None
    assert sum(cell["votes"] for cell in first["groups"].values()) == 24
    csv = client_for(participant).get(f"{BASE}/conversations/{conversation.pk}/export.csv")
    assert csv["Content-Type"].startswith("text/csv") and "min_cell" in csv.content.decode()


def test_a_vote_triggers_the_analysis_and_a_live_event_without_data(
    conversation, statement, other, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(live, "publish", lambda channel, event: sent.append((channel, event)))
    with django_capture_on_commit_callbacks(execute=True):
        client_for(other).post(
            f"{BASE}/conversations/{conversation.pk}/vote/",
            {"statement": statement.pk, "choice": "agree"},
        )
    cached = ConversationAnalysis.objects.get(conversation=conversation)
    assert cached.version == 1 and cached.result["participants"] == 1
    opinion = [(c, e) for c, e in sent if e["type"] == "opinion"]
    assert opinion == [
        (
            live.room_channel(conversation.room_id),
            {"type": "opinion", "conversation": conversation.pk, "version": 1, "open": True},
        )
    ]
    fragment = f"{BASE}/conversations/{conversation.pk}/map/fragment/"
    assert client_for(other).get(fragment, {"v": "1"}).status_code == 204
    assert client_for(other).get(fragment, {"v": "0"}).status_code == 200


def test_analysis_is_skipped_when_no_vote_came_since_the_last_run(
    conversation, statement, other, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conversations.record_vote(member=other, statement=statement, choice="agree")
    first = ConversationAnalysis.objects.get().version
    conversations.refresh_analysis(conversation.pk)
    assert ConversationAnalysis.objects.get().version == first


def test_common_ground_becomes_a_proposal_that_can_go_on_a_ballot(
    planted, conversation, moderator, organizer, other
):
    from .test_proposals import draft_election

    statements, _groups = planted
    common, dividing = statements[-1], statements[0]
    response = client_for(moderator).post(f"{BASE}/statements/{dividing.pk}/propose/")
    assert response.status_code == 400 and not Proposal.objects.exists()
    assert client_for(other).post(f"{BASE}/statements/{common.pk}/propose/").status_code == 403
    response = client_for(moderator).post(f"{BASE}/statements/{common.pk}/propose/")
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{proposal.pk}/")
    assert proposal.texts.get().title == "Planted statement 7"
    common.refresh_from_db()
    assert common.proposal_id == proposal.pk
    with pytest.raises(AlreadyDecided):
        conversations.propose_common_ground(moderator=moderator, statement=common)
    # From here the existing path: support, then an answer option of a draft election.
    structure.set_support_threshold(organizer=organizer, threshold=1)
    proposals.support(member=other, proposal=proposal)
    question = draft_election(conversation.room.convention, organizer).questions.get()
    option = proposals.place_on_ballot(organizer=organizer, proposal=proposal, question=question)
    assert option.text_en == "Planted statement 7"


def test_deleting_the_account_deletes_its_opinion_votes(
    planted, conversation, django_capture_on_commit_callbacks
):
    from convention.services.accounts import delete_account

    _statements, groups = planted
    leaving = groups["a"][0]
    key = str(
        conversations.participant_key(conversation_id=conversation.pk, membership_id=leaving.pk)
    )
    assert OpinionVote.objects.filter(participant=int(key)).count() == 8
    before = OpinionVote.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user=leaving.user, keep_contributions=True)
    assert not OpinionVote.objects.filter(participant=int(key)).exists()
    assert OpinionVote.objects.count() == before - 8
    result = ConversationAnalysis.objects.get(conversation=conversation).result
    assert int(key) not in [row[0] for row in result["positions"] + result["membership"]]
    assert result["participants"] == 23  # recomputed after the deletion


def test_the_opinion_room_is_not_listed_with_the_rooms(conversation, participant):
    html = page(
        participant, f"{BASE}/deliberation/".replace("/deliberation/deliberation", "/deliberation")
    ).content.decode()
    assert "How should governors be chosen?" not in html
    session_page = page(participant, f"{BASE}/sessions/{conversation.session_id}/").content.decode()
    assert "How should governors be chosen?" in session_page
