"""Live-session tools: speaking queue with timed turns, pinned agenda item, straw polls."""

from __future__ import annotations

import time

import pytest

from deliberation.exceptions import AlreadyDecided, InvalidInput, NotAllowed
from deliberation.models import AgendaItem, SpeakingRequest
from deliberation.services import live_session, structure

from .conftest import client_for

pytestmark = pytest.mark.django_db


def room_page(session, member):
    room = session.rooms.first()
    return client_for(member).get(f"/c/loya/deliberation/rooms/{room.pk}/").content.decode()


def test_raise_hand_then_moderator_gives_a_timed_turn(session, participant, other, moderator):
    live_session.raise_hand(member=participant, session=session)
    live_session.raise_hand(member=participant, session=session)  # twice is once
    live_session.raise_hand(member=other, session=session)
    assert SpeakingRequest.objects.count() == 2
    hand = SpeakingRequest.objects.get(member=participant)
    with pytest.raises(NotAllowed):
        live_session.give_floor(moderator=other, request=hand)
    live_session.give_floor(moderator=moderator, request=hand)
    ends = live_session.turn_ends_at(session)
    assert session.turn_seconds - 2 <= ends - time.time() <= session.turn_seconds
    page = room_page(session, other)
    assert "<bdi>Nargis</bdi> has the floor." in page
    assert f'data-countdown-ends="{int(ends)}"' in page and "seconds left" in page
    # Giving the floor to the next hand ends the previous turn; no record of it remains.
    live_session.give_floor(moderator=moderator, request=SpeakingRequest.objects.get(member=other))
    assert not SpeakingRequest.objects.filter(member=participant).exists()
    live_session.end_turn(moderator=moderator, session=session)
    assert not SpeakingRequest.objects.exists() and live_session.turn_ends_at(session) is None


def test_hand_over_http_without_javascript(session, participant):
    room = session.rooms.first()
    client = client_for(participant)
    response = client.post(
        f"/c/loya/deliberation/sessions/{session.pk}/hand/", {"do": "raise", "room": str(room.pk)}
    )
    assert response.status_code == 302 and f"rooms/{room.pk}/" in response["Location"]
    assert SpeakingRequest.objects.filter(member=participant).exists()
    client.post(f"/c/loya/deliberation/sessions/{session.pk}/hand/", {"do": "lower"})
    assert not SpeakingRequest.objects.exists()


def test_current_agenda_item_is_pinned_at_the_top(session, participant, moderator, organizer):
    first = structure.add_agenda_item(
        organizer=organizer, session=session, title_en="Opening", title_fa_af="افتتاح"
    )
    second = structure.add_agenda_item(
        organizer=organizer, session=session, title_en="The judiciary"
    )
    live_session.set_current_agenda_item(moderator=moderator, session=session, item=second)
    assert "Now on the agenda:" in room_page(session, participant)
    assert "The judiciary" in room_page(session, participant)
    live_session.set_current_agenda_item(moderator=moderator, session=session, item=first)
    assert list(AgendaItem.objects.filter(is_current=True)) == [first]


def test_straw_poll_is_labelled_not_a_ballot_and_counts_one_choice_each(
    session, participant, other, moderator
):
    poll = live_session.open_straw_poll(
        moderator=moderator,
        session=session,
        question="Break for prayer now?",
        options=["Yes", "In 15 minutes", ""],
    )
    assert poll.options == ["Yes", "In 15 minutes"]
    live_session.vote_straw_poll(member=participant, poll=poll, option=0)
    live_session.vote_straw_poll(member=participant, poll=poll, option=1)  # changes, not adds
    live_session.vote_straw_poll(member=other, poll=poll, option=1)
    page = room_page(session, other)
    assert "Straw poll: not a ballot" in page and "It is not secret" in page
    assert '<span class="count">2</span>' in page
    with pytest.raises(InvalidInput):
        live_session.vote_straw_poll(member=other, poll=poll, option=7)
    live_session.close_straw_poll(moderator=moderator, poll=poll)
    poll.refresh_from_db()
    with pytest.raises(AlreadyDecided):
        live_session.vote_straw_poll(member=other, poll=poll, option=0)


def test_straw_poll_needs_two_to_six_options(session, moderator):
    with pytest.raises(InvalidInput):
        live_session.open_straw_poll(
            moderator=moderator, session=session, question="?", options=["only one"]
        )


def test_organizer_creates_a_session_with_its_room(organizer, moderator):
    session = structure.create_session(
        organizer=organizer,
        title_en="Second sitting",
        languages=["fa-af", "ps", "xx"],
        moderators=[moderator],
    )
    assert session.languages == ["fa-af", "ps"]
    assert session.rooms.get().kind == "session"
    assert list(session.moderators.all()) == [moderator]
    response = client_for(organizer).post(
        "/c/loya/deliberation/organize/",
        {"what": "room", "title_en": "Economy", "is_premoderated": "on"},
    )
    assert response.status_code == 302


def test_organizer_assigns_the_sessions_moderators(organizer, moderator, second_moderator):
    from deliberation.models import Session

    response = client_for(organizer).post(
        "/c/loya/deliberation/organize/",
        {
            "what": "session",
            "title_en": "Third sitting",
            "turn_seconds": "90",
            "moderators": [str(moderator.pk), str(second_moderator.pk)],
        },
    )
    assert response.status_code == 302
    session = Session.objects.get(title_en="Third sitting")
    assert set(session.moderators.all()) == {moderator, second_moderator}
    page = client_for(organizer).get(f"/c/loya/deliberation/sessions/{session.pk}/")
    assert "Moderator Zarmina" in page.content.decode()
