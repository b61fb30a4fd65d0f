"""Erasing what a member wrote, when they delete their account and do not keep their posts.

The post rows stay, so that replies keep their place in the thread, but their text, rendered
text, digest and every earlier revision are erased and the post shows only that its author
removed it. Proposals and amendments stay: other members supported them and may have put them
on a ballot; they remain under "deleted participant".

Whatever the choice, the member's opinion votes are deleted (``erase_opinion_votes``), and the
pseudonyms the moderation log recorded for the member are forgotten
(``forget_member_names``): the log then says "deleted participant", as every page does, and no
entry pairs the old name with the kept row or its posts. The hash-chained audit log keeps the
names people acted under; it is append-only.
"""

from __future__ import annotations

from itertools import groupby

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest

from convention.models import Membership

from ..models import (
    Conversation,
    ConversationAnalysis,
    ModerationAction,
    OpinionVote,
    Post,
    PostRevision,
    PostStatus,
    Statement,
    StatementTranslation,
)
from .events import announce_post
from .posts import _next_seq


def erase_member_posts(*, membership: Membership) -> int:
    """Erase the text of every post by ``membership``; return how many posts were erased.

    Each erased post takes a new event number in its room, and after the commit its placeholder
    replaces it on open pages (live, on reconnect and through the polling fallback), as a
    moderator's hiding does.
    """
    with transaction.atomic():
        posts = list(
            Post.objects.select_for_update().filter(author=membership).order_by("room_id", "pk")
        )
        PostRevision.objects.filter(post__in=posts).delete()
        StatementTranslation.objects.filter(author=membership).delete()
        for room_id, group in groupby(posts, key=lambda post: post.room_id):
            room_posts = list(group)
            top = _next_seq(room_id, len(room_posts))
            for seq, post in enumerate(room_posts, start=top - len(room_posts) + 1):
                post.seq = seq
        for post in posts:
            post.body = post.body_html = post.body_digest = ""
            post.status = PostStatus.ERASED
            post.is_pinned = False
        fields = ["body", "body_html", "body_digest", "status", "is_pinned", "seq"]
        Post.objects.bulk_update(posts, fields, batch_size=500)
        for post in posts:
            transaction.on_commit(lambda pk=post.pk: announce_post(pk))
        return len(posts)


def forget_member_names(*, membership: Membership) -> None:
    """Empty the pseudonyms the moderation log recorded for ``membership``."""
    ModerationAction.objects.filter(moderator=membership).update(moderator_pseudonym="")
    ModerationAction.objects.filter(subject=membership).update(subject_pseudonym="")


def erase_opinion_votes(*, membership: Membership) -> int:
    """Delete every opinion vote of ``membership`` (whatever it chose for its posts: a vote is
    not a contribution others build on), take them off the statements' vote counts, and drop
    its key from the cached maps; return how many votes went. The votes are found by
    recomputing the member's key in each conversation."""
    from .conversations import participant_key, schedule_analysis

    deleted = 0
    with transaction.atomic():
        conversations = Conversation.objects.filter(room__convention_id=membership.convention_id)
        for conversation_id in conversations.values_list("pk", flat=True):
            key = participant_key(conversation_id=conversation_id, membership_id=membership.pk)
            mine = OpinionVote.objects.filter(conversation_id=conversation_id, participant=key)
            voted = mine.exists()
            if voted:
                # The conversation's row first, as ``record_vote`` takes it, then the cached
                # map, then the votes and statements: one order for every writer, and the
                # counts stay exact.
                Conversation.objects.filter(pk=conversation_id).update(vote_seq=F("vote_seq") + 1)
            for cached in ConversationAnalysis.objects.select_for_update().filter(
                conversation_id=conversation_id
            ):
                for part in ("positions", "membership"):  # lists of [key, ...]
                    rows = cached.result.get(part, [])
                    cached.result[part] = [row for row in rows if row[0] != key]
                cached.save(update_fields=["result"])
            if voted:
                statements = list(mine.values_list("statement_id", flat=True))
                count, _kinds = mine.delete()
                Statement.objects.filter(pk__in=statements).update(
                    vote_count=Greatest(F("vote_count") - 1, Value(0))
                )
                deleted += count
                transaction.on_commit(lambda pk=conversation_id: schedule_analysis(pk))
    return deleted
