"""What one opinion vote costs, and that the cheaper write keeps its promises: the vote stored
once with an exact count, and a vote that lost the race with closing refused. The races run
two real transactions on PostgreSQL (the deployment's database)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from deliberation.exceptions import ConversationClosed
from deliberation.models import Conversation, OpinionVote, Statement
from deliberation.services import conversations

from .conftest import client_for
from .opinion_data import statements_for

BASE = "/c/loya/deliberation"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks between two PostgreSQL transactions"
)


@pytest.fixture
def conversation(session, moderator):
    return conversations.open_conversation(
        member=moderator, session=session, question_en="How should governors be chosen?"
    )


@pytest.fixture
def statement(conversation, participant, moderator):
    return statements_for(conversation, participant, moderator, 1)[0]


@pytest.mark.django_db
def test_a_vote_over_http_reads_the_member_once_and_writes_in_one_statement(
    conversation, statement, other
):
    """Session, user, membership with its convention, its roles, the statement, and the write:
    no second look at the convention or the roles (12 queries before)."""
    client = client_for(other)
    client.get("/")  # the session exists before the vote
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"{BASE}/conversations/{conversation.pk}/vote/",
            {"statement": statement.pk, "choice": "agree"},
        )
    assert response.status_code == 302
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum('FROM "convention_membershiprole"' in s for s in sql) == 1
    assert sum('FROM "convention_convention"' in s for s in sql) == 0
    # PostgreSQL: the write is one statement; elsewhere three (and the savepoint around them).
    assert len(sql) <= (6 if connection.vendor == "postgresql" else 10)
    assert OpinionVote.objects.get().value == 1


@pytest.mark.django_db(transaction=True)
def test_a_vote_changed_in_later_transactions_is_counted_once(
    conversation, statement, participant, other
):
    for choice in ("agree", "disagree", "pass", "agree"):
        conversations.record_vote(member=other, statement=statement, choice=choice)
    conversations.record_vote(member=participant, statement=statement, choice="pass")
    statement.refresh_from_db()
    assert statement.vote_count == 2 == OpinionVote.objects.filter(statement=statement).count()
    assert sorted(OpinionVote.objects.values_list("value", flat=True)) == [0, 1]


def _in_other_transaction(sql: str, params: list, *, started: threading.Event, hold: float):
    """Run ``sql`` in a transaction of another connection and commit it ``hold`` s later."""

    def work():
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                other.set_autocommit(False)
                cursor.execute(sql, params)
                started.set()
                time.sleep(hold)
                other.commit()
        finally:
            other.close()

    thread = threading.Thread(target=work)
    thread.start()
    assert started.wait(10)
    return thread


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_vote_waiting_on_a_close_that_then_commits_is_refused(conversation, statement, other):
    """The vote read "open" (its copy of the conversation says so) while the close was under
    way; it waits for the close's row lock, then finds the conversation closed."""
    stale = Statement.objects.select_related("conversation__room", "post").get(pk=statement.pk)
    closing = _in_other_transaction(
        "UPDATE deliberation_conversation SET is_open = false WHERE id = %s",
        [conversation.pk],
        started=threading.Event(),
        hold=0.5,
    )
    started = time.monotonic()
    with pytest.raises(ConversationClosed):
        conversations.record_vote(member=other, statement=stale, choice="agree")
    closing.join()
    assert time.monotonic() - started > 0.3  # it did wait for the close
    assert not OpinionVote.objects.exists()
    statement.refresh_from_db()
    assert statement.vote_count == 0


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_first_votes_of_one_participant_at_once_are_stored_and_counted_once(
    conversation, statement, other
):
    """A double submit: the first vote is still uncommitted when the second arrives. The
    second becomes a change of the first (the unique index decides), not a second count."""
    key = conversations.participant_key(conversation_id=conversation.pk, membership_id=other.pk)
    first = conversations._VOTE_SQL.format(
        conversation=Conversation._meta.db_table,
        vote=OpinionVote._meta.db_table,
        statement=Statement._meta.db_table,
    )
    params = {"conversation": conversation.pk, "statement": statement.pk, "participant": key}
    pending = _in_other_transaction(
        first, {**params, "value": 1}, started=threading.Event(), hold=0.5
    )
    conversations.record_vote(member=other, statement=statement, choice="disagree")
    pending.join()
    statement.refresh_from_db()
    assert statement.vote_count == 1
    assert list(OpinionVote.objects.values_list("participant", "value")) == [(key, -1)]
    assert Conversation.objects.get(pk=conversation.pk).vote_seq == 2
