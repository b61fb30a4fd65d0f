"""Planted opinion data for the opinion-map tests: two groups that disagree on most statements
and agree on one, written straight into the vote table (as many HTTP votes would)."""

from __future__ import annotations

import itertools
from collections import Counter

from django.db.models import F

from convention.models import Membership, MembershipRole, Role, User
from deliberation.models import Conversation, OpinionVote, Statement
from deliberation.services import conversations, moderation

DIVIDING = 6
_numbers = itertools.count(1)


def quick_member(convention) -> Membership:
    """A participant without a password (hashing one costs a second; these never log in)."""
    n = next(_numbers)
    user = User.objects.create(username=f"planted{n}")
    member = Membership.objects.create(convention=convention, user=user, pseudonym=f"Voter{n}")
    MembershipRole.objects.create(membership=member, role=Role.PARTICIPANT)
    return member


def statements_for(conversation: Conversation, author, moderator, count: int) -> list[Statement]:
    """``count`` published statements, the first by ``author`` and the others by new members
    (one member may post only a few times a minute)."""
    made = []
    for n in range(count):
        writer = author if n == 0 else quick_member(conversation.room.convention)
        statement = conversations.submit_statement(
            member=writer, conversation=conversation, text=f"Planted statement {n}", language="en"
        )
        if statement.post.status == "pending":
            moderation.approve_post(moderator=moderator, post=statement.post)
            statement.post.refresh_from_db()
        made.append(statement)
    return made


def count_votes(rows: list[OpinionVote]) -> None:
    """Add votes written straight into the table to their statements' counts, as
    ``record_vote`` does for first votes."""
    for statement_id, n in Counter(row.statement_id for row in rows).items():
        Statement.objects.filter(pk=statement_id).update(vote_count=F("vote_count") + n)


def plant(conversation: Conversation, statements: list[Statement], per_group: int = 12) -> dict:
    """Members of group "a" agree with the dividing statements, of group "b" disagree; both
    agree with the last statements (the common ground); each member passes on one statement
    and some skip one. Returns the members by group."""
    convention = conversation.room.convention
    groups = {"a": [], "b": []}
    rows = []
    for name, sign in (("a", 1), ("b", -1)):
        for n in range(per_group):
            member = quick_member(convention)
            groups[name].append(member)
            key = conversations.participant_key(
                conversation_id=conversation.pk, membership_id=member.pk
            )
            for index, statement in enumerate(statements):
                value = sign if index < DIVIDING else 1
                # Each member differs a little (a pass, a missing vote), as people do: copies
                # of one vote pattern never make a group.
                if index == n % len(statements):
                    value = 0
                elif n >= len(statements) and index == (n + 1) % len(statements):
                    continue
                rows.append(
                    OpinionVote(
                        conversation=conversation, statement=statement, participant=key, value=value
                    )
                )
    OpinionVote.objects.bulk_create(rows)
    count_votes(rows)
    Conversation.objects.filter(pk=conversation.pk).update(vote_seq=F("vote_seq") + len(rows))
    conversations.refresh_analysis(conversation.pk)
    return groups
