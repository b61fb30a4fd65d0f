"""Every deliberation page renders for the roles that use it, without JavaScript."""

from __future__ import annotations

import pytest

from deliberation.models import AgendaItem
from deliberation.services import live_session, moderation, posts, proposals

from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(convention, room, session, participant, other, moderator, organizer):
    first = posts.create_post(member=participant, room=room, body="First thought", language="en")
    reply = posts.create_post(
        member=other, room=room, body="یک پاسخ", language="fa-af", parent=first, quote=first
    )
    posts.flag_post(member=other, post=first, reason="spam")
    action = moderation.hide_post(moderator=moderator, post=first, reason="spam")
    proposal = proposals.submit_proposal(
        member=participant,
        language="en",
        title="Federalism",
        summary="Provinces elect governors.",
        body="Full *text*.",
    )
    AgendaItem.objects.create(session=session, title_en="Opening", is_current=True)
    live_session.raise_hand(member=other, session=session)
    live_session.open_straw_poll(
        moderator=moderator, session=session, question="Break now?", options=["Yes", "No"]
    )
    return {"first": first, "reply": reply, "action": action, "proposal": proposal}


def pages(convention, room, session, busy):
    base = f"/c/{convention.slug}/deliberation"
    return [
        f"{base}/",
        f"{base}/rooms/{room.pk}/",
        f"{base}/rooms/{session.rooms.first().pk}/",
        f"{base}/posts/{busy['reply'].pk}/",
        f"{base}/posts/{busy['reply'].pk}/?quote={busy['reply'].pk}",
        f"{base}/moderation/log/",
        f"{base}/moderation/mine/",
        f"{base}/sessions/{session.pk}/",
        f"{base}/proposals/",
        f"{base}/proposals/{busy['proposal'].pk}/",
        f"{base}/proposals/{busy['proposal'].pk}/?lang=fa-af",
        f"{base}/proposals/{busy['proposal'].pk}/amend/",
        f"{base}/proposals/new/",
        f"{base}/search/?q=thought",
        f"{base}/leaving/?to=https%3A%2F%2Fexample.org%2F",
    ]


@pytest.mark.parametrize("who", ["participant", "moderator", "organizer", "observer"])
def test_pages_render_for_each_role(request, who, convention, room, session, busy):
    member = request.getfixturevalue(who)
    client = client_for(member)
    for path in pages(convention, room, session, busy):
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:3000])


def test_moderator_pages_render(convention, room, session, busy, moderator, organizer, participant):
    base = f"/c/{convention.slug}/deliberation"
    assert client_for(moderator).get(f"{base}/moderation/").status_code == 200
    assert client_for(organizer).get(f"{base}/organize/").status_code == 200
    author = client_for(participant)
    assert author.get(f"{base}/moderation/actions/{busy['action'].pk}/appeal/").status_code == 200
    assert author.get(f"{base}/proposals/{busy['proposal'].pk}/text/?lang=ps").status_code == 200


def test_pages_are_refused_to_non_members(client, convention, room, busy):
    response = client.get(f"/c/{convention.slug}/deliberation/rooms/{room.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # The moderation log is public: observers outside the convention can check fairness.
    assert client.get(f"/c/{convention.slug}/deliberation/moderation/log/").status_code == 200
