"""The opinion map's actions: opening and closing a conversation, statements, translations,
votes, the analysis run, and common ground becoming a proposal.

A statement is a post of the conversation's own room, written through ``posts.create_post``:
rate limits, duplicates, mutes, suspension and pre-moderation apply as to any post, and
moderators approve or hide it with the room moderation services and their public log.

Votes are kept under ``participant_key``: a keyed hash (HMAC-SHA-256 under the server's
``SECRET_KEY``, which is not in the database) of the conversation and the membership. The key
lets a participant find and change their own votes and lets an account deletion find and
delete them, while the table itself does not name anyone; see docs/threat-model.md.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from convention.models import Membership, current_hour
from convention.services import audit

from .. import limits, live
from ..access import Action, require
from ..exceptions import AlreadyDecided, ConversationClosed, InvalidInput, NotAllowed
from ..models import (
    STATEMENT_MAX_CHARS,
    TEXT_LANGUAGES,
    Conversation,
    ConversationAnalysis,
    ModerationKind,
    OpinionVote,
    PostStatus,
    ReasonCategory,
    Room,
    RoomKind,
    Session,
    Statement,
    StatementTranslation,
    TranslationStatus,
)
from ..opinion.analysis import OpinionMap, Params, analyse
from ..text import clean_line

log = logging.getLogger(__name__)

CHOICES = {"agree": 1, "disagree": -1, "pass": 0}
DEBOUNCE_SECONDS = 5
# How long the final analysis of a closed conversation may take before a page asks again.
FINAL_GRACE_SECONDS = 300
PARAMS = Params()


def participant_key(*, conversation_id: int, membership_id: int) -> int:
    """The participant's pseudonymous key in one conversation: 63 bits of
    HMAC-SHA-256(SECRET_KEY-derived key, "<conversation>:<membership>")."""
    mac = salted_hmac(
        "mashwara/opinion-participant",
        f"{conversation_id}:{membership_id}",
        algorithm="sha256",
    ).digest()
    return int.from_bytes(mac[:8], "big") >> 1


def _question(text: str, *, required: bool) -> str:
    if not required and not (text or "").strip():
        return ""
    return clean_line(text, max_chars=200)


def open_conversation(
    *,
    member: Membership,
    session: Session,
    question_en: str,
    question_fa_af: str = "",
    question_ps: str = "",
    premoderated: bool = True,
) -> Conversation:
    """A moderator or organizer puts a question to the session; statements are held for a
    moderator unless ``premoderated`` is turned off."""
    require(member, Action.MODERATE, session.convention)
    if session.convention_id != member.convention_id:
        raise NotAllowed()
    titles = {
        "title_en": _question(question_en, required=True),
        "title_fa_af": _question(question_fa_af, required=False),
        "title_ps": _question(question_ps, required=False),
    }
    with transaction.atomic():
        room = Room.objects.create(
            convention=session.convention,
            kind=RoomKind.OPINION,
            is_premoderated=premoderated,
            **titles,
        )
        conversation = Conversation(session=session, room=room, **titles)
        conversation.full_clean()
        conversation.save()
    return conversation


def _language(language: str) -> str:
    if language not in TEXT_LANGUAGES:
        raise InvalidInput(_("Choose English, Dari or Pashto."))
    return language


def submit_statement(
    *, member: Membership, conversation: Conversation, text: str, language: str
) -> Statement:
    """One idea, at most 280 characters, as a post of the conversation's room."""
    from .posts import create_post

    if not conversation.is_open:
        raise ConversationClosed()
    text = clean_line(text, max_chars=STATEMENT_MAX_CHARS)
    with transaction.atomic():
        _lock_open(conversation)
        post = create_post(
            member=member,
            room=conversation.room,
            body=text,
            language=_language(language),
            as_statement=True,
        )
        statement = Statement.objects.create(conversation=conversation, post=post)
    return statement


def translate_statement(
    *, member: Membership, statement: Statement, language: str, text: str
) -> StatementTranslation:
    """Offer a translation; readers see it once a moderator approves it."""
    require(member, Action.POST, statement.post.room.convention)
    if statement.post.status != PostStatus.PUBLISHED:
        raise InvalidInput(_("This statement cannot be translated."))
    if _language(language) == statement.post.language:
        raise InvalidInput(_("The statement is already in that language."))
    translation = StatementTranslation(
        statement=statement,
        language=language,
        text=clean_line(text, max_chars=STATEMENT_MAX_CHARS),
        author=member,
    )
    translation.full_clean()
    translation.save()
    return translation


def decide_translation(
    *, moderator: Membership, translation: StatementTranslation, approve: bool, reason: str = ""
) -> StatementTranslation:
    """Approve (replacing an earlier approved translation into that language) or reject;
    either way an entry of the public moderation log."""
    from .moderation import _reason, _record

    statement = translation.statement
    room = statement.post.room
    require(moderator, Action.MODERATE, room.convention)
    reason = "" if approve else _reason(reason or ReasonCategory.OTHER, required=True)
    with transaction.atomic():
        translation = StatementTranslation.objects.select_for_update().get(pk=translation.pk)
        if translation.status != TranslationStatus.PENDING:
            raise AlreadyDecided()
        if approve:
            StatementTranslation.objects.filter(
                statement=statement,
                language=translation.language,
                status=TranslationStatus.APPROVED,
            ).update(status=TranslationStatus.REJECTED)
        translation.status = TranslationStatus.APPROVED if approve else TranslationStatus.REJECTED
        translation.save(update_fields=["status"])
        _record(
            moderator=moderator,
            kind=ModerationKind.APPROVE_TRANSLATION
            if approve
            else ModerationKind.REJECT_TRANSLATION,
            room=room,
            post=statement.post,
            subject=translation.author,
            reason=reason,
            detail=translation.language,
        )
        if approve:
            conversation_id = statement.conversation_id
            transaction.on_commit(lambda: announce_map(conversation_id))
    return translation


def _lock_open(conversation: Conversation) -> None:
    """Inside a transaction: lock the conversation's row and refuse if it was closed meanwhile
    (closing takes the same lock, so nothing is written after the close commits)."""
    still_open = (
        Conversation.objects.select_for_update()
        .filter(pk=conversation.pk)
        .values_list("is_open", flat=True)
        .first()
    )
    if not still_open:
        raise ConversationClosed()


def record_vote(*, member: Membership, statement: Statement, choice: str) -> OpinionVote:
    """Agree, disagree or pass; voting again on the same statement replaces the vote. A first
    vote on a statement adds one to its ``vote_count``, which chooses what others see next."""
    conversation = statement.conversation
    require(member, Action.POST, conversation.room.convention)
    if choice not in CHOICES:
        raise InvalidInput(_("Choose agree, disagree or pass."))
    if not conversation.is_open:
        raise ConversationClosed()
    if statement.post.status != PostStatus.PUBLISHED:
        raise InvalidInput(_("This statement is not open for votes."))
    limits.check_member_action(
        member_id=member.pk, action="opinion", limit_name="opinion_votes_per_minute", window=60
    )
    key = participant_key(conversation_id=conversation.pk, membership_id=member.pk)
    vote = OpinionVote(
        conversation=conversation, statement=statement, participant=key, value=CHOICES[choice]
    )
    if connection.vendor == "postgresql":
        _write_vote_at_once(vote)
    else:
        _write_vote_in_steps(vote)
    transaction.on_commit(lambda: schedule_analysis(conversation.pk))
    return vote


# The busiest write of the opinion map, as one statement (one round trip, its own transaction
# when called outside one). The conversation's row first: bumping its counter locks it, which
# makes a vote that lost the race with closing wait for the close and then find it closed
# (PostgreSQL looks at the row again after the wait), and makes erasure (which takes the same
# row first) and this vote take turns. The row is held for this one statement only. Whether
# the vote is a participant's first on the statement comes from the insert itself: the unique
# index decides, even against a concurrent vote of the same key (``xmax = 0`` on the row
# version returned: inserted, not updated), so the count goes up exactly once per key.
_VOTE_SQL = """
WITH still_open AS (
    UPDATE {conversation} SET vote_seq = vote_seq + 1
    WHERE id = %(conversation)s AND is_open
    RETURNING id
), cast_vote AS (
    INSERT INTO {vote} (conversation_id, statement_id, participant, value)
    SELECT id, %(statement)s, %(participant)s, %(value)s FROM still_open
    ON CONFLICT (statement_id, participant) DO UPDATE SET value = EXCLUDED.value
    RETURNING id, xmax = 0 AS first
), counted AS (
    UPDATE {statement} SET vote_count = vote_count + 1
    WHERE id = %(statement)s AND EXISTS (SELECT 1 FROM cast_vote WHERE first)
)
SELECT id FROM cast_vote
"""


def _write_vote_at_once(vote: OpinionVote) -> None:
    sql = _VOTE_SQL.format(
        conversation=Conversation._meta.db_table,
        vote=OpinionVote._meta.db_table,
        statement=Statement._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "conversation": vote.conversation_id,
                "statement": vote.statement_id,
                "participant": vote.participant,
                "value": vote.value,
            },
        )
        row = cursor.fetchone()
    if row is None:
        raise ConversationClosed()
    vote.pk = row[0]


def _write_vote_in_steps(vote: OpinionVote) -> None:
    """The same steps as ``_VOTE_SQL`` for databases without it (SQLite, whose transactions
    here take the write lock at their start, so the steps cannot interleave)."""
    with transaction.atomic():
        bumped = Conversation.objects.filter(pk=vote.conversation_id, is_open=True).update(
            vote_seq=F("vote_seq") + 1
        )
        if not bumped:
            raise ConversationClosed()
        earlier = OpinionVote.objects.filter(statement=OuterRef("pk"), participant=vote.participant)
        Statement.objects.filter(pk=vote.statement_id).exclude(Exists(earlier)).update(
            vote_count=F("vote_count") + 1
        )
        OpinionVote.objects.bulk_create(
            [vote],
            update_conflicts=True,
            unique_fields=["statement", "participant"],
            update_fields=["value"],
        )


def close_conversation(*, moderator: Membership, conversation: Conversation) -> Conversation:
    """Stop statements and votes, run the analysis once more at once so that the map shown
    from now on is the final one, tell open pages, and log the act (no voter in it)."""
    return _set_open(moderator=moderator, conversation=conversation, is_open=False)


def reopen_conversation(*, moderator: Membership, conversation: Conversation) -> Conversation:
    """Take statements and votes again; the map goes on from the votes already cast."""
    return _set_open(moderator=moderator, conversation=conversation, is_open=True)


def _set_open(*, moderator: Membership, conversation: Conversation, is_open: bool) -> Conversation:
    from .moderation import _record

    room = conversation.room
    require(moderator, Action.MODERATE, room.convention)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if conversation.is_open == is_open:
            raise AlreadyDecided(
                _("This conversation is already open.")
                if is_open
                else _("This conversation is already closed.")
            )
        conversation.is_open = is_open
        conversation.closed_hour = None if is_open else current_hour()
        conversation.save(update_fields=["is_open", "closed_hour"])
        _record(
            moderator=moderator,
            kind=ModerationKind.REOPEN_CONVERSATION
            if is_open
            else ModerationKind.CLOSE_CONVERSATION,
            room=room,
        )
        pk = conversation.pk
        if not is_open:
            transaction.on_commit(lambda: run_final_analysis(pk))
        transaction.on_commit(lambda: announce_map(pk))
    conversation.room = room
    return conversation


def run_final_analysis(conversation_id: int) -> None:
    """The analysis task, sent now instead of after the debounce delay. Called after COMMIT;
    a broker failure is logged, and ``ensure_final_analysis`` sends it again later."""
    from ..tasks import analyse_conversation

    cache.set(_final_key(conversation_id), 1, timeout=FINAL_GRACE_SECONDS)
    try:
        analyse_conversation.apply_async((conversation_id,))
    except Exception as exc:  # noqa: BLE001 - kombu and redis errors: the close is saved
        log.warning("could not send the final opinion analysis (%s)", type(exc).__name__)


def ensure_final_analysis(conversation_id: int) -> None:
    """Called by the pages of a closed conversation whose map is not final yet: once the final
    run has had ``FINAL_GRACE_SECONDS``, it was lost (a broker or worker failure), so it is sent
    again, at most once per grace period."""
    if cache.add(_final_key(conversation_id), 1, timeout=FINAL_GRACE_SECONDS):
        run_final_analysis(conversation_id)


def _final_key(conversation_id: int) -> str:
    return f"opinion:final-analysis-sent:{conversation_id}"


def map_is_final(conversation: Conversation) -> bool:
    """Closed, and its cached map has seen every vote."""
    if conversation.is_open:
        return False
    seen = (
        ConversationAnalysis.objects.filter(conversation=conversation)
        .values_list("vote_seq", flat=True)
        .first()
    )
    return seen is not None and seen >= conversation.vote_seq


def _debounce_key(conversation_id: int) -> str:
    return f"opinion:analysis-due:{conversation_id}"


def schedule_analysis(conversation_id: int) -> None:
    """Run the analysis once, ``DEBOUNCE_SECONDS`` after the first vote that finds none
    scheduled; votes in between ride along. Called after COMMIT: a broker failure is logged,
    and the next vote after the marker expires schedules again."""
    from ..tasks import analyse_conversation

    if not cache.add(_debounce_key(conversation_id), 1, timeout=DEBOUNCE_SECONDS * 12):
        return
    try:
        analyse_conversation.apply_async((conversation_id,), countdown=DEBOUNCE_SECONDS)
    except Exception as exc:  # noqa: BLE001 - kombu and redis errors: the vote is saved
        log.warning("could not schedule the opinion analysis (%s)", type(exc).__name__)


def refresh_analysis(conversation_id: int) -> ConversationAnalysis | None:
    """Compute the map from the votes on published statements and cache it; then tell open
    map pages. Skipped when no vote came since the last run."""
    cache.delete(_debounce_key(conversation_id))  # votes from now on schedule a new run
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return None
    cached, _new = ConversationAnalysis.objects.get_or_create(conversation=conversation)
    seen = conversation.vote_seq
    if cached.version and cached.vote_seq >= seen:
        return cached
    statements = list(
        Statement.objects.filter(conversation=conversation, post__status=PostStatus.PUBLISHED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    votes = OpinionVote.objects.filter(statement_id__in=statements).values_list(
        "participant", "statement_id", "value"
    )
    try:
        previous = OpinionMap.from_json(cached.result) if cached.result else None
    except ValueError:  # a map of an earlier layout: labels may change once
        previous = None
    result = analyse(
        votes.iterator(chunk_size=5000), statements=statements, params=PARAMS, previous=previous
    )
    with transaction.atomic():
        cached = ConversationAnalysis.objects.select_for_update().get(pk=cached.pk)
        cached.result = result.to_json()
        cached.vote_seq = seen
        cached.version += 1
        cached.save()
        _store_uncertainty(statements, result.uncertainty)
        transaction.on_commit(lambda: announce_map(conversation_id))
    return cached


def _store_uncertainty(statements: list[int], uncertainty: dict[int, float]) -> None:
    """Each statement's consensus uncertainty in percent (0 without groups), written only
    where it changed: the rows are the ones votes add to, so the update stays short."""
    wanted = {pk: round(100 * uncertainty.get(pk, 0.0)) for pk in statements}
    changed = [
        Statement(pk=pk, uncertainty=wanted[pk])
        for pk, now in Statement.objects.filter(pk__in=statements).values_list("pk", "uncertainty")
        if now != wanted[pk]
    ]
    Statement.objects.bulk_update(changed, ["uncertainty"], batch_size=500)


def announce_map(conversation_id: int) -> None:
    """Tell open pages that the map changed, or that the conversation was closed or reopened.
    The event carries no data but whether it is open: each page fetches its own fragment,
    since only its reader may see their own position."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return
    version = (
        ConversationAnalysis.objects.filter(conversation=conversation)
        .values_list("version", flat=True)
        .first()
        or 0
    )
    live.publish(
        live.room_channel(conversation.room_id),
        {
            "type": "opinion",
            "conversation": conversation_id,
            "version": version,
            "open": conversation.is_open,
        },
    )


def common_ground_ids(conversation: Conversation) -> list[int]:
    cached = ConversationAnalysis.objects.filter(conversation=conversation).first()
    if cached is None or not cached.result:
        return []
    return [row["statement"] for row in cached.result.get("common_ground", [])]


def propose_common_ground(*, moderator: Membership, statement: Statement):
    """Turn a common-ground statement into a proposal (texts: the statement and its approved
    translations), which then follows the proposal path to a ballot."""
    from . import proposals

    conversation = statement.conversation
    require(moderator, Action.MODERATE, conversation.room.convention)
    if statement.pk not in common_ground_ids(conversation):
        raise InvalidInput(_("Only a statement on the common ground can become a proposal."))
    with transaction.atomic():
        statement = (
            Statement.objects.select_for_update().select_related("post").get(pk=statement.pk)
        )
        if statement.proposal_id is not None:
            raise AlreadyDecided(_("This statement is already a proposal."))
        texts = {statement.post.language: statement.post.body}
        for translation in statement.translations.filter(status=TranslationStatus.APPROVED):
            texts.setdefault(translation.language, translation.text)
        first, *others = sorted(texts, key=lambda lang: lang != statement.post.language)
        proposal = proposals.submit_proposal(
            member=moderator,
            language=first,
            **_proposal_fields(texts[first], conversation, first),
        )
        for language in others:
            proposals.revise_text(
                member=moderator,
                proposal=proposal,
                language=language,
                **_proposal_fields(texts[language], conversation, language),
            )
        statement.proposal = proposal
        statement.save(update_fields=["proposal"])
        audit.record(
            convention=conversation.room.convention,
            actor=moderator,
            action="conversation.common_ground_proposed",
            target=f"statement {statement.pk}",
            detail={"proposal": proposal.pk, "conversation": conversation.pk},
        )
    return proposal


def _proposal_fields(text: str, conversation: Conversation, language: str) -> dict:
    question = getattr(conversation, f"title_{language.replace('-', '_')}") or conversation.title_en
    return {"title": text[:200], "summary": text, "body": f"{text}\n\n> {question}"}
