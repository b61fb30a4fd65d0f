"""Live-session tools: the speaking queue with timed turns, the current agenda item, and
straw polls (a show of hands, not secret, and never a ballot).

The speaker's turn clock is kept in the cache, not the database: the queue itself is a list of
raised hands, each deleted when its turn ends, so no record of who spoke when remains.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from convention.models import Membership

from ..access import Action, require
from ..exceptions import AlreadyDecided, InvalidInput
from ..models import AgendaItem, Session, SpeakingRequest, StrawPoll, StrawVote
from ..text import clean_line
from .events import announce_session


def turn_key(session_id: int) -> str:
    return f"dl:turn:{session_id}"


def turn_ends_at(session: Session) -> float | None:
    """Epoch second when the current speaker's turn ends, or None if nobody has the floor."""
    return cache.get(turn_key(session.pk))


def _announce(session: Session) -> None:
    transaction.on_commit(lambda: announce_session(session.pk))


def _run_by(member: Membership, session: Session) -> None:
    require(member, Action.MODERATE, session.convention)


def raise_hand(*, member: Membership, session: Session) -> SpeakingRequest:
    require(member, Action.POST, session.convention)
    with transaction.atomic():
        request, created = SpeakingRequest.objects.get_or_create(session=session, member=member)
        if created:
            _announce(session)
    return request


def lower_hand(*, member: Membership, session: Session) -> None:
    require(member, Action.READ, session.convention)
    with transaction.atomic():
        deleted, _kinds = SpeakingRequest.objects.filter(
            session=session, member=member, has_floor=False
        ).delete()
        if deleted:
            _announce(session)


def give_floor(*, moderator: Membership, request: SpeakingRequest) -> None:
    """Give the floor to a raised hand; whoever had it before is done."""
    session = request.session
    _run_by(moderator, session)
    with transaction.atomic():
        SpeakingRequest.objects.filter(session=session, has_floor=True).delete()
        updated = SpeakingRequest.objects.filter(pk=request.pk).update(has_floor=True)
        if not updated:
            raise AlreadyDecided(_("That hand was lowered."))
        cache.set(
            turn_key(session.pk),
            time.time() + session.turn_seconds,
            timeout=session.turn_seconds + 3600,
        )
        _announce(session)


def end_turn(*, moderator: Membership, session: Session) -> None:
    _run_by(moderator, session)
    with transaction.atomic():
        SpeakingRequest.objects.filter(session=session, has_floor=True).delete()
        cache.delete(turn_key(session.pk))
        _announce(session)


def set_current_agenda_item(
    *, moderator: Membership, session: Session, item: AgendaItem | None
) -> None:
    """Pin ``item`` at the top of the session's rooms (None: no item pinned)."""
    _run_by(moderator, session)
    if item is not None and item.session_id != session.pk:
        raise InvalidInput(_("That agenda item belongs to another session."))
    with transaction.atomic():
        AgendaItem.objects.filter(session=session, is_current=True).update(is_current=False)
        if item is not None:
            AgendaItem.objects.filter(pk=item.pk).update(is_current=True)
        _announce(session)


def open_straw_poll(
    *, moderator: Membership, session: Session, question: str, options: list[str]
) -> StrawPoll:
    _run_by(moderator, session)
    question = clean_line(question, max_chars=300)
    cleaned = [clean_line(o, max_chars=100) for o in options if o and o.strip()]
    if not 2 <= len(cleaned) <= 6:
        raise InvalidInput(_("A straw poll has between 2 and 6 options."))
    with transaction.atomic():
        poll = StrawPoll.objects.create(
            session=session, question=question, options=cleaned, created_by=moderator
        )
        _announce(session)
    return poll


def vote_straw_poll(*, member: Membership, poll: StrawPoll, option: int) -> StrawVote:
    require(member, Action.POST, poll.session.convention)
    if not poll.is_open:
        raise AlreadyDecided(_("This straw poll is closed."))
    if not 0 <= option < len(poll.options):
        raise InvalidInput(_("Choose one of the options."))
    try:
        with transaction.atomic():
            vote, _created = StrawVote.objects.update_or_create(
                poll=poll, member=member, defaults={"option": option}
            )
            _announce(poll.session)
    except IntegrityError as exc:  # two clicks raced
        raise AlreadyDecided() from exc
    return vote


def close_straw_poll(*, moderator: Membership, poll: StrawPoll) -> None:
    _run_by(moderator, poll.session)
    with transaction.atomic():
        StrawPoll.objects.filter(pk=poll.pk).update(is_open=False)
        _announce(poll.session)
