"""Closing an opinion-map conversation: who may, the confirmation, the public log, the final
analysis run at once, the closed page in three languages, live pages told, and votes or
statements sent afterwards refused (form and JSON) with nothing stored."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.db.models import F

from convention.dates import date_text
from convention.models import AuditEntry
from deliberation import live
from deliberation.exceptions import AlreadyDecided, ConversationClosed, NotAllowed
from deliberation.models import (
    Conversation,
    ConversationAnalysis,
    ModerationAction,
    OpinionVote,
    Post,
    Statement,
)
from deliberation.services import conversations

from .conftest import client_for
from .opinion_data import count_votes, plant, statements_for

pytestmark = pytest.mark.django_db

BASE = "/c/loya/deliberation"
DARI = {"HTTP_ACCEPT_LANGUAGE": "fa-af"}
PASHTO = {"HTTP_ACCEPT_LANGUAGE": "ps"}
JSON = {"content_type": "application/json", "HTTP_ACCEPT": "application/json"}


@pytest.fixture
def conversation(session, moderator):
    return conversations.open_conversation(
        member=moderator,
        session=session,
        question_en="How should governors be chosen?",
        question_fa_af="والیان چگونه انتخاب شوند؟",
        question_ps="والیان باید څنګه وټاکل شي؟",
    )


@pytest.fixture
def statement(conversation, participant, moderator):
    return statements_for(conversation, participant, moderator, 1)[0]


def url(conversation, path: str = "") -> str:
    return f"{BASE}/conversations/{conversation.pk}/{path}"


def close(member, conversation, **extra):
    return client_for(member).post(url(conversation, "close/"), {"confirm": "on"}, **extra)


def test_a_participant_cannot_close_or_reopen(conversation, participant, moderator):
    assert close(participant, conversation).status_code == 403
    asked = client_for(participant).post(url(conversation, "close/"))
    assert asked.status_code == 403 and "Yes, close it" not in asked.content.decode()
    conversation.refresh_from_db()
    assert conversation.is_open and conversation.closed_hour is None
    with pytest.raises(NotAllowed):
        conversations.close_conversation(moderator=participant, conversation=conversation)
    conversations.close_conversation(moderator=moderator, conversation=conversation)
    response = client_for(participant).post(url(conversation, "reopen/"), {"confirm": "on"})
    assert response.status_code == 403
    conversation.refresh_from_db()
    assert not conversation.is_open
    assert list(ModerationAction.objects.values_list("kind", flat=True)) == ["close_conversation"]
    # Participants are not offered the forms.
    html = client_for(participant).get(url(conversation)).content.decode()
    assert url(conversation, "reopen/") not in html


def test_a_moderator_closes_after_confirming_and_may_reopen_each_act_logged(
    conversation, statement, moderator, organizer, participant
):
    page = client_for(moderator).get(url(conversation)).content.decode()
    assert f'action="{url(conversation, "close/")}"' in page
    asked = client_for(moderator).post(url(conversation, "close/"))
    text = asked.content.decode()
    assert asked.status_code == 200 and "Yes, close it" in text
    assert 'name="confirm" value="on"' in text and "csrfmiddlewaretoken" in text
    conversation.refresh_from_db()
    assert conversation.is_open  # only asked so far

    response = close(moderator, conversation)
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert not conversation.is_open
    hour = conversation.closed_hour
    assert hour is not None and (hour.minute, hour.second, hour.microsecond) == (0, 0, 0)
    entry = ModerationAction.objects.get(kind="close_conversation")
    assert entry.moderator_id == moderator.pk and entry.room_id == conversation.room_id
    assert entry.subject_id is None and entry.post_id is None and entry.detail == ""
    assert AuditEntry.objects.filter(action="moderation.close_conversation").exists()
    log = client_for(participant).get(f"{BASE}/moderation/log/").content.decode()
    assert "closed a conversation" in log and "How should governors be chosen?" in log
    with pytest.raises(AlreadyDecided):
        conversations.close_conversation(moderator=moderator, conversation=conversation)

    # An organizer, with the same permission as the conversation's other moderation acts,
    # reopens it: statements and votes are taken again.
    response = client_for(organizer).post(url(conversation, "reopen/"), {"confirm": "on"})
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.is_open and conversation.closed_hour is None
    assert ModerationAction.objects.filter(kind="reopen_conversation", moderator=organizer).exists()
    conversations.record_vote(member=participant, statement=statement, choice="agree")
    assert OpinionVote.objects.count() == 1


def test_a_vote_after_closing_is_refused_in_the_readers_language_and_nothing_stored(
    conversation, statement, moderator, other
):
    close(moderator, conversation)
    conversation.refresh_from_db()
    seq = conversation.vote_seq
    vote = {"statement": statement.pk, "choice": "agree"}

    form = client_for(other).post(url(conversation, "vote/"), vote)
    assert form.status_code == 409
    assert "This conversation is closed" in form.content.decode()
    assert f'href="{url(conversation)}"' in form.content.decode()  # back to the final map

    sent = client_for(other).post(url(conversation, "vote/"), json.dumps(vote), **JSON)
    assert sent.status_code == 409 and sent["Content-Type"] == "application/json"
    assert sent.json()["error"] == "conversation_closed"
    assert sent.json()["message"].startswith("This conversation is closed")

    dari = client_for(other).post(url(conversation, "vote/"), json.dumps(vote), **JSON, **DARI)
    pashto = client_for(other).post(url(conversation, "vote/"), vote, **PASHTO)
    assert "این گفتگو بسته شده است" in dari.json()["message"]
    assert "دا بحث تړل شوی دی" in pashto.content.decode()

    assert not OpinionVote.objects.exists()
    statement.refresh_from_db()
    conversation.refresh_from_db()
    assert statement.vote_count == 0 and conversation.vote_seq == seq


def test_a_statement_after_closing_is_refused_and_nothing_stored(conversation, moderator, other):
    close(moderator, conversation)
    posts = Post.objects.count()
    text = {"text": "Governors are elected by each province", "language": "en"}
    form = client_for(other).post(url(conversation, "statements/"), text)
    assert form.status_code == 409 and "This conversation is closed" in form.content.decode()
    sent = client_for(other).post(url(conversation, "statements/"), json.dumps(text), **JSON)
    assert sent.status_code == 409 and sent.json()["error"] == "conversation_closed"
    assert Post.objects.count() == posts and not Statement.objects.exists()


def test_a_vote_that_passed_the_check_before_the_close_committed_is_refused(
    conversation, statement, moderator, other
):
    """The vote's own copy of the conversation still says open (it was read before the close
    committed): the vote's transaction looks again under the row's lock."""
    stale = Statement.objects.select_related("conversation__room", "post").get(pk=statement.pk)
    stale_conversation = Conversation.objects.select_related("room").get(pk=conversation.pk)
    conversations.close_conversation(moderator=moderator, conversation=conversation)
    assert stale.conversation.is_open and stale_conversation.is_open
    with pytest.raises(ConversationClosed):
        conversations.record_vote(member=other, statement=stale, choice="agree")
    with pytest.raises(ConversationClosed):
        conversations.submit_statement(
            member=other, conversation=stale_conversation, text="Too late", language="en"
        )
    assert not OpinionVote.objects.exists()
    assert Statement.objects.count() == 1 and Post.objects.count() == 1
    statement.refresh_from_db()
    assert statement.vote_count == 0


@pytest.fixture
def planted(conversation, participant, moderator):
    statements = statements_for(conversation, participant, moderator, 8)
    groups = plant(conversation, statements)
    return statements, groups


def test_closing_runs_the_final_analysis_at_once_not_after_the_debounce(
    planted, conversation, moderator, django_capture_on_commit_callbacks
):
    statements, groups = planted
    before = ConversationAnalysis.objects.get(conversation=conversation)
    # Votes since the cached map (written straight into the table: no analysis ran), and a
    # debounced run already pending, which would make a vote's scheduling do nothing.
    late = [
        OpinionVote(
            conversation=conversation,
            statement=statements[-2],
            participant=900_000 + n,
            value=1,
        )
        for n in range(3)
    ]
    OpinionVote.objects.bulk_create(late)
    count_votes(late)
    Conversation.objects.filter(pk=conversation.pk).update(vote_seq=F("vote_seq") + 3)
    cache.add(f"opinion:analysis-due:{conversation.pk}", 1, timeout=60)
    conversation.refresh_from_db()
    assert not conversations.map_is_final(conversation)

    with django_capture_on_commit_callbacks(execute=True):
        conversations.close_conversation(moderator=moderator, conversation=conversation)

    after = ConversationAnalysis.objects.get(conversation=conversation)
    conversation.refresh_from_db()
    assert after.version == before.version + 1
    assert after.vote_seq == conversation.vote_seq
    assert after.result["participants"] == before.result["participants"] + 3
    assert conversations.map_is_final(conversation)
    html = client_for(groups["a"][0]).get(url(conversation)).content.decode()
    assert "This is its final map." in html
    assert f'id="common-{statements[-1].pk}"' in html  # the common ground, under the notice
    assert html.count('class="opinion-group"') == 2


def test_live_pages_are_told_and_their_fragment_shows_the_closed_state(
    planted, conversation, moderator, monkeypatch, django_capture_on_commit_callbacks
):
    _statements, groups = planted
    reader = client_for(groups["b"][0])
    version = ConversationAnalysis.objects.get(conversation=conversation).version
    fragment = url(conversation, "map/fragment/")
    assert reader.get(fragment, {"v": str(version)}).status_code == 204
    sent = []
    monkeypatch.setattr(live, "publish", lambda channel, event: sent.append((channel, event)))
    with django_capture_on_commit_callbacks(execute=True):
        conversations.close_conversation(moderator=moderator, conversation=conversation)
    assert (
        live.room_channel(conversation.room_id),
        {"type": "opinion", "conversation": conversation.pk, "version": version, "open": False},
    ) in sent
    # Nothing new to analyse, so the same version: the page's token still changes.
    shown = reader.get(fragment, {"v": str(version)})
    assert shown.status_code == 200
    assert "This conversation was closed on" in shown.content.decode()
    assert f'data-version="{version}-closed"' in shown.content.decode()
    assert reader.get(fragment, {"v": f"{version}-closed"}).status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        conversations.reopen_conversation(moderator=moderator, conversation=conversation)
    assert sent[-1][1]["open"] is True
    assert "was closed on" not in reader.get(fragment, {"v": f"{version}-closed"}).content.decode()


@pytest.mark.parametrize(
    ("headers", "language", "closed_on", "final"),
    [
        ({}, "en", "This conversation was closed on", "This is its final map."),
        (DARI, "fa-af", "این گفتگو به تاریخ", "این نقشهٔ نهایی آن است."),
        (PASHTO, "ps", "دا بحث په", "دا یې وروستۍ نقشه ده."),
    ],
)
def test_the_closed_page_shows_the_date_in_the_readers_calendar_and_no_voting(
    planted, conversation, moderator, headers, language, closed_on, final
):
    statements, groups = planted
    conversations.close_conversation(moderator=moderator, conversation=conversation)
    conversation.refresh_from_db()
    html = client_for(groups["a"][1]).get(url(conversation), **headers).content.decode()
    assert closed_on in html and final in html
    assert date_text(conversation.closed_hour.date(), language) in html
    assert url(conversation, "vote/") not in html and 'name="choice"' not in html
    assert url(conversation, "statements/") not in html
    assert f'id="common-{statements[-1].pk}"' in html
    assert html.count('class="opinion-group"') == 2


def test_a_lost_final_analysis_is_sent_again_by_the_page_after_the_grace_period(
    planted, conversation, moderator, monkeypatch, django_capture_on_commit_callbacks
):
    from deliberation.tasks import analyse_conversation

    statements, groups = planted
    late = [OpinionVote(conversation=conversation, statement=statements[0], participant=7, value=1)]
    OpinionVote.objects.bulk_create(late)
    count_votes(late)
    Conversation.objects.filter(pk=conversation.pk).update(vote_seq=F("vote_seq") + 1)
    real = analyse_conversation.apply_async
    monkeypatch.setattr(
        analyse_conversation, "apply_async", lambda *a, **k: (_ for _ in ()).throw(OSError())
    )
    with django_capture_on_commit_callbacks(execute=True):
        conversations.close_conversation(moderator=moderator, conversation=conversation)
    monkeypatch.setattr(analyse_conversation, "apply_async", real)
    reader = client_for(groups["a"][0])
    assert "is being computed" in reader.get(url(conversation)).content.decode()
    conversation.refresh_from_db()
    assert not conversations.map_is_final(conversation)  # within the grace period: waits
    cache.delete(f"opinion:final-analysis-sent:{conversation.pk}")  # the grace period is over
    reader.get(url(conversation))
    assert conversations.map_is_final(conversation)
    assert "This is its final map." in reader.get(url(conversation)).content.decode()
