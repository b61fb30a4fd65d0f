"""Which statement a voter is offered next: the least voted one they have not voted on, votes
counted less where the groups' consensus is uncertain, ties broken by an order drawn per
request; and the vote counts that choice reads, kept exact by votes and erasure."""

from __future__ import annotations

import random
import re
from collections import Counter

import numpy as np
import pytest
from django.db.models import F

from deliberation import conversation_selectors as selectors
from deliberation.models import Conversation, OpinionVote, Statement
from deliberation.opinion.repness import GroupCounts, consensus_uncertainty
from deliberation.services import conversations

from .conftest import client_for
from .opinion_data import count_votes, plant, quick_member, statements_for

pytestmark = pytest.mark.django_db

BASE = "/c/loya/deliberation"
OFFERED = re.compile(r'name="statement" value="(\d+)"')


@pytest.fixture
def conversation(session, moderator):
    return conversations.open_conversation(
        member=moderator, session=session, question_en="How should governors be chosen?"
    )


def offered(client, conversation) -> int:
    html = client.get(f"{BASE}/conversations/{conversation.pk}/").content.decode()
    return int(OFFERED.search(html).group(1))


def vote_by_new_members(statement: Statement, count: int) -> None:
    convention = statement.conversation.room.convention
    for _ in range(count):
        conversations.record_vote(
            member=quick_member(convention), statement=statement, choice="pass"
        )


def test_the_least_voted_statement_not_yet_voted_on_is_offered(
    conversation, participant, moderator, other
):
    oldest, middle, newest, own = statements_for(conversation, participant, moderator, 4)
    vote_by_new_members(oldest, 1)
    vote_by_new_members(middle, 2)
    vote_by_new_members(newest, 3)
    conversations.record_vote(member=other, statement=own, choice="agree")  # 1 vote, but voted
    client = client_for(other)
    assert {offered(client, conversation) for _ in range(5)} == {oldest.pk}
    vote_by_new_members(oldest, 2)  # now 3: the middle one has fewest
    assert offered(client, conversation) == middle.pk
    conversations.record_vote(member=other, statement=middle, choice="disagree")
    assert {offered(client, conversation) for _ in range(5)} <= {oldest.pk, newest.pk}


def test_tied_statements_are_each_offered_over_many_requests(
    conversation, participant, moderator, other
):
    *tied, ahead = statements_for(conversation, participant, moderator, 4)
    for statement in tied:
        vote_by_new_members(statement, 1)
    vote_by_new_members(ahead, 2)
    client = client_for(other)
    seen = Counter(offered(client, conversation) for _ in range(60))
    assert set(seen) == {s.pk for s in tied}  # never the one with more votes
    assert min(seen.values()) >= 5  # each about a third; missing one by chance: < 1e-6


def test_the_tie_break_orders_tied_statements_uniformly(conversation, participant, moderator):
    tied = statements_for(conversation, participant, moderator, 5)
    rng = random.Random(20261204)
    seen = Counter()
    for _ in range(500):
        draw = selectors.TieBreak(*(rng.randrange(selectors.TIE_PRIME) for _ in range(3)))
        chosen = selectors.next_statement(
            conversation, voted={}, language="en", wanted=None, tie_break=draw
        )
        seen[chosen.pk] += 1
    # Consecutive ids: a linear hash would favour the first and last (about 125 of 500 each).
    assert set(seen) == {s.pk for s in tied}
    assert all(75 <= n <= 125 for n in seen.values()), seen
    same = selectors.TieBreak(1, 2, 3)
    first = selectors.next_statement(
        conversation, voted={}, language="en", wanted=None, tie_break=same
    )
    again = selectors.next_statement(
        conversation, voted={}, language="en", wanted=None, tie_break=same
    )
    assert first.pk == again.pk  # deterministic for one draw


def test_a_statement_whose_group_consensus_is_uncertain_comes_first_once_groups_exist(
    conversation, participant, moderator, other
):
    *planted, one_sided, both_sides = statements_for(conversation, participant, moderator, 10)
    groups = plant(conversation, planted)
    rows = [
        OpinionVote(conversation=conversation, statement=one_sided, participant=key, value=1)
        for key in [
            conversations.participant_key(conversation_id=conversation.pk, membership_id=m.pk)
            for m in groups["a"][:10]
        ]
    ] + [
        OpinionVote(conversation=conversation, statement=both_sides, participant=key, value=1)
        for key in [
            conversations.participant_key(conversation_id=conversation.pk, membership_id=m.pk)
            for m in groups["a"][:5] + groups["b"][:5]
        ]
    ]
    OpinionVote.objects.bulk_create(rows)
    count_votes(rows)
    Conversation.objects.filter(pk=conversation.pk).update(vote_seq=F("vote_seq") + len(rows))
    conversations.refresh_analysis(conversation.pk)
    one_sided.refresh_from_db()
    both_sides.refresh_from_db()
    assert one_sided.vote_count == both_sides.vote_count == 10
    # Group b never voted on the first: nothing is known of its consensus there.
    assert one_sided.uncertainty == 100 and 0 < both_sides.uncertainty < 100
    assert all(
        0 < s.uncertainty < 100 for s in Statement.objects.filter(pk__in=[p.pk for p in planted])
    )
    client = client_for(other)
    assert {offered(client, conversation) for _ in range(10)} == {one_sided.pk}


def test_consensus_uncertainty_is_one_before_a_group_votes_and_falls_as_it_votes():
    votes = np.array([[0, 4, 40, 40], [10, 4, 40, 40]])
    agree = np.array([[0, 4, 40, 20], [10, 4, 40, 20]])
    counts = GroupCounts(agree=agree, disagree=votes - agree, votes=votes)
    u = consensus_uncertainty(counts)
    assert u[0] == pytest.approx(1.0)
    assert 1.0 > u[1] > u[2] > 0
    assert u[3] > u[2]  # a split group is less certain than a unanimous one


def test_the_vote_count_counts_each_participants_first_vote_only(
    conversation, participant, moderator, other, django_capture_on_commit_callbacks
):
    from convention.services.accounts import delete_account

    statement = statements_for(conversation, participant, moderator, 1)[0]
    for choice in ("agree", "disagree", "pass"):
        conversations.record_vote(member=other, statement=statement, choice=choice)
    statement.refresh_from_db()
    assert statement.vote_count == 1
    conversations.record_vote(member=participant, statement=statement, choice="agree")
    statement.refresh_from_db()
    assert statement.vote_count == 2 == OpinionVote.objects.filter(statement=statement).count()
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user=other.user, keep_contributions=True)
    statement.refresh_from_db()
    assert statement.vote_count == 1 == OpinionVote.objects.filter(statement=statement).count()
