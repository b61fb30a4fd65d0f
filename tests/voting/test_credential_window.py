"""Credential issuance and casting never interleave, and the roll feed shows no issuance as it
happens (audit, issue 10 item 2).

A seized PostgreSQL database orders every row by the id of the transaction that wrote it
(``xmin``): were credentials still issued during the poll, each issuance (an update of a roll
entry) would sit between two ballots (inserts on the board) and link that roll entry to the
ballots around it. A roll feed with per-entry flags, polled during the window, would show which
entry had just been issued.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from convention.models import AuditEntry
from voting import selectors
from voting.clients import Voter
from voting.models import BoardEntry, ElectionState, RollEntry
from voting.services import credentials

CHOICE = [[0], [1, 2], [2, 0, 1]]


def _request_credential(world, membership, *, language: str = "en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(membership.user)
    voter = Voter(world.election.manifest, world.election.fingerprint_bytes)
    response = client.post(
        reverse("voting:credential", args=[world.election.uuid]),
        data=json.dumps(voter.credential_request()),
        content_type="application/json",
    )
    return voter, response


def _issue(world, memberships) -> None:
    from voting.simulation import issue_credentials

    voters = [Voter(world.election.manifest, world.election.fingerprint_bytes) for _ in memberships]
    issue_credentials(world.election, list(zip(memberships, voters, strict=True)), world.issuers())
    world.voters.extend(voters)


def _roll(world) -> dict:
    response = Client().get(reverse("voting:roll_json", args=[world.election.uuid]))
    assert response.status_code == 200
    return response.json()


def _counts_table(page: str) -> str:
    return page[page.index("<table>") : page.index("</table>")]


def _roll_rows(world) -> list[tuple]:
    return list(
        RollEntry.objects.filter(election=world.election)
        .order_by("pk")
        .values_list("pk", "issued", "reissued", "blinded_hash")
    )


@pytest.mark.django_db
def test_credential_request_during_the_poll_is_refused_and_writes_nothing(world):
    world.open_credentials()
    _issue(world, world.voter_members[:2])
    world.move(ElectionState.OPEN)
    rows, audit = _roll_rows(world), AuditEntry.objects.count()

    # A voter who has no credential yet, and one who has one (not the "already issued" answer,
    # which would say that this account holds a credential).
    for membership in (world.voter_members[3], world.voter_members[0]):
        _, response = _request_credential(world, membership)
        assert response.status_code == 409
        body = response.json()
        assert body["error"] == "credential_window_closed"
        assert "closes when the poll opens" in body["message"]
    _, dari = _request_credential(world, world.voter_members[3], language="fa-af")
    assert dari.json()["error"] == "credential_window_closed"
    assert dari.json()["message"] != body["message"]  # translated

    assert _roll_rows(world) == rows
    assert AuditEntry.objects.count() == audit


@pytest.mark.django_db
def test_lost_credential_is_reissued_only_before_the_poll_opens(world):
    world.open_credentials()
    _issue(world, world.voter_members[:1])
    entry = RollEntry.objects.get(membership=world.voter_members[0])
    world.move(ElectionState.OPEN)
    client = Client()
    client.force_login(world.organizer.user)
    page = client.get(reverse("voting:detail", args=[world.election.uuid])).content.decode()
    assert reverse("voting:reissue", args=[world.election.uuid]) not in page

    response = client.post(
        reverse("voting:reissue", args=[world.election.uuid]),
        {"roll_id": entry.roll_id, "reason": "phone lost"},
        follow=True,
    )
    assert "closes when the poll opens" in response.content.decode()
    entry.refresh_from_db()
    assert not entry.reissued
    assert not AuditEntry.objects.filter(action="election.credential_reissued").exists()


@pytest.mark.django_db
def test_election_page_links_the_credential_page_only_during_the_window(world):
    world.open_credentials()
    client = Client()
    client.force_login(world.voter_members[0].user)
    url = reverse("voting:detail", args=[world.election.uuid])
    link = reverse("voting:credential_page", args=[world.election.uuid])
    assert link in client.get(url).content.decode()
    world.move(ElectionState.OPEN)
    assert link not in client.get(url).content.decode()
    page = client.get(link).content.decode()
    assert "closed when voting opened" in page
    assert 'data-can-request="false"' in page


@pytest.mark.django_db
def test_polling_the_roll_during_the_window_shows_no_issuance(world, monkeypatch):
    world.open_credentials()
    hour = selectors.current_hour()
    monkeypatch.setattr(selectors, "current_hour", lambda: hour)
    detail = reverse("voting:detail", args=[world.election.uuid])

    before = _roll(world)
    page_before = Client().get(detail).content.decode()
    voter, response = _request_credential(world, world.voter_members[2])
    assert response.status_code == 200
    after = _roll(world)

    assert after == before  # byte for byte: no flag flipped, the totals did not move
    assert before["issued"] == 0 and before["size"] == len(world.voter_members)
    assert before["as_of"] == hour.strftime("%Y-%m-%dT%H:00:00Z")
    assert all(set(entry) == {"id"} for entry in before["entries"])
    assert _counts_table(Client().get(detail).content.decode()) == _counts_table(page_before)

    # The voter still sees their own status on their own page.
    own = Client()
    own.force_login(world.voter_members[2].user)
    assert "A credential was issued for you." in own.get(detail).content.decode()

    # The next hour, the totals (only) catch up.
    monkeypatch.setattr(selectors, "current_hour", lambda: hour + timedelta(hours=1))
    later = _roll(world)
    assert later["issued"] == 1
    assert later["entries"] == before["entries"]


@pytest.mark.django_db
def test_per_entry_flags_appear_once_the_poll_opens(world):
    world.open_credentials()
    _issue(world, world.voter_members[:1])
    issued_id = RollEntry.objects.get(membership=world.voter_members[0]).roll_id
    world.move(ElectionState.OPEN)
    roll = _roll(world)
    assert "as_of" not in roll
    assert roll["issued"] == 1
    flags = {entry["id"]: entry for entry in roll["entries"]}
    assert flags[issued_id] == {"id": issued_id, "issued": True, "reissued": False}
    assert sum(entry["issued"] for entry in roll["entries"]) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="xmin is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_every_issuance_is_older_than_every_ballot_in_the_database(world):
    """The attack: a voter who asks for a credential between two ballots. Each service call
    commits on its own here, as in production, so every row keeps its writer's xid."""
    world.open_credentials()
    _issue(world, world.voter_members[:3])
    world.move(ElectionState.OPEN)
    late = world.voter_members[3]

    for index, voter in enumerate(world.voters):
        assert world.cast(voter.ballot(CHOICE, world.head())[0]).status_code == 201
        if index == 0:
            _, response = _request_credential(world, late)
            assert response.status_code == 409
            organizer = Client()
            organizer.force_login(world.organizer.user)
            organizer.post(
                reverse("voting:reissue", args=[world.election.uuid]),
                {
                    "roll_id": RollEntry.objects.get(membership=world.voter_members[0]).roll_id,
                    "reason": "lost",
                },
            )

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xmin::text::bigint FROM voting_rollentry WHERE election_id = %s",
            [world.election.pk],
        )
        roll = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT xmin::text::bigint FROM voting_boardentry WHERE election_id = %s",
            [world.election.pk],
        )
        board = [row[0] for row in cursor.fetchall()]
    assert len(roll) == 4 and len(board) == 3
    assert BoardEntry.objects.filter(election=world.election).count() == 3
    assert max(roll) < min(board)


@pytest.mark.django_db
def test_requesting_a_credential_or_reading_pages_signed_in_writes_no_session(world):
    """A session saved at issuance (or next to a ballot) would put a time and an account into
    the session table at that moment."""
    from django.contrib.sessions.models import Session

    world.open_credentials()
    client = Client()
    client.force_login(world.voter_members[0].user)
    client.get(reverse("voting:credential_page", args=[world.election.uuid]))
    stored = list(Session.objects.values_list("session_key", "session_data", "expire_date"))
    voter = Voter(world.election.manifest, world.election.fingerprint_bytes)
    response = client.post(
        reverse("voting:credential", args=[world.election.uuid]),
        data=json.dumps(voter.credential_request()),
        content_type="application/json",
    )
    assert response.status_code == 200
    _issue(world, world.voter_members[1:])
    world.move(ElectionState.OPEN)
    for name in ("voting:detail", "voting:ballot", "voting:board"):
        assert client.get(reverse(name, args=[world.election.uuid])).status_code == 200
    assert list(Session.objects.values_list("session_key", "session_data", "expire_date")) == stored


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_opening_the_poll_waits_for_an_issuance_in_flight(world, monkeypatch):
    """The race the lock closes: an issuance that read ``credentials`` and is still signing when
    the organizer opens the poll must commit before the poll is open."""
    import threading

    from django.db import connections

    from voting.services import lifecycle

    world.open_credentials()
    signing, release, done = threading.Event(), threading.Event(), []
    real_parse = credentials.parse_requests

    def slow_parse(issuers, message):
        signing.set()
        release.wait(10)
        return real_parse(issuers, message)

    monkeypatch.setattr(credentials, "parse_requests", slow_parse)
    voter = Voter(world.election.manifest, world.election.fingerprint_bytes)
    message = voter.credential_request()

    def issue():
        try:
            credentials.request_credential(
                election=world.election, membership=world.voter_members[0], message=message
            )
            done.append("issued")
        finally:
            connections.close_all()

    def open_poll():
        try:
            lifecycle.transition(world.election, ElectionState.OPEN, actor=world.organizer)
            done.append("opened")
        finally:
            connections.close_all()

    issuing = threading.Thread(target=issue)
    issuing.start()
    assert signing.wait(10)
    opening = threading.Thread(target=open_poll)
    opening.start()
    opening.join(1.0)
    assert opening.is_alive(), "the poll opened while a credential was being issued"
    release.set()
    issuing.join(10)
    opening.join(10)
    assert done == ["issued", "opened"]
    assert RollEntry.objects.get(membership=world.voter_members[0]).issued == 1
