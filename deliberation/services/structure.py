"""Arranging deliberation: sessions, agenda items, rooms and the proposal threshold."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from convention.models import Convention, Membership

from ..access import Action, require
from ..exceptions import InvalidInput
from ..models import (
    AgendaItem,
    DeliberationSettings,
    PostLanguage,
    Room,
    RoomKind,
    Session,
)
from ..text import clean_line


def _titles(title_en: str, title_fa_af: str = "", title_ps: str = "") -> dict:
    return {
        "title_en": clean_line(title_en, max_chars=200),
        "title_fa_af": clean_line(title_fa_af, max_chars=200) if title_fa_af.strip() else "",
        "title_ps": clean_line(title_ps, max_chars=200) if title_ps.strip() else "",
    }


def create_session(
    *,
    organizer: Membership,
    title_en: str,
    title_fa_af: str = "",
    title_ps: str = "",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    languages: list[str] | None = None,
    moderators: list[Membership] = (),
    turn_seconds: int = 120,
    with_room: bool = True,
) -> Session:
    """A session, with its own room unless ``with_room`` is false."""
    convention = organizer.convention
    require(organizer, Action.ORGANIZE_SESSIONS, convention)
    languages = [code for code in (languages or []) if code in PostLanguage.values]
    if starts_at and ends_at and ends_at <= starts_at:
        raise InvalidInput(_("A session must end after it starts."))
    if not 15 <= turn_seconds <= 1800:
        raise InvalidInput(_("A speaking turn lasts between 15 seconds and 30 minutes."))
    with transaction.atomic():
        session = Session(
            convention=convention,
            starts_at=starts_at,
            ends_at=ends_at,
            languages=languages,
            turn_seconds=turn_seconds,
            **_titles(title_en, title_fa_af, title_ps),
        )
        session.full_clean()
        session.save()
        chosen = [m for m in moderators if m.convention_id == convention.pk]
        session.moderators.set(chosen)
        if with_room:
            Room.objects.create(
                convention=convention,
                session=session,
                kind=RoomKind.SESSION,
                title_en=session.title_en,
                title_fa_af=session.title_fa_af,
                title_ps=session.title_ps,
            )
    return session


def add_agenda_item(
    *,
    organizer: Membership,
    session: Session,
    title_en: str,
    title_fa_af: str = "",
    title_ps: str = "",
) -> AgendaItem:
    require(organizer, Action.ORGANIZE_SESSIONS, session.convention)
    with transaction.atomic():
        position = session.agenda.count()
        item = AgendaItem(
            session=session, position=position, **_titles(title_en, title_fa_af, title_ps)
        )
        item.full_clean()
        item.save()
    return item


def create_room(
    *,
    organizer: Membership,
    title_en: str,
    title_fa_af: str = "",
    title_ps: str = "",
    session: Session | None = None,
    is_premoderated: bool = False,
    slow_mode_seconds: int = 0,
) -> Room:
    convention = organizer.convention
    require(organizer, Action.ORGANIZE_SESSIONS, convention)
    if session is not None and session.convention_id != convention.pk:
        raise InvalidInput(_("That session belongs to another convention."))
    with transaction.atomic():
        room = Room(
            convention=convention,
            session=session,
            kind=RoomKind.SESSION if session else RoomKind.STANDING,
            is_premoderated=is_premoderated,
            slow_mode_seconds=slow_mode_seconds,
            **_titles(title_en, title_fa_af, title_ps),
        )
        room.full_clean()
        room.save()
    return room


def settings_for(convention: Convention) -> DeliberationSettings:
    settings, _created = DeliberationSettings.objects.get_or_create(convention=convention)
    return settings


def set_support_threshold(*, organizer: Membership, threshold: int) -> DeliberationSettings:
    require(organizer, Action.ORGANIZE_SESSIONS, organizer.convention)
    if not 1 <= threshold <= 1_000_000:
        raise InvalidInput(_("The threshold is a whole number of supporters, at least 1."))
    with transaction.atomic():
        settings = settings_for(organizer.convention)
        settings.proposal_support_threshold = threshold
        settings.save(update_fields=["proposal_support_threshold"])
    return settings
