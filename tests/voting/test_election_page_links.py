"""The election page links the pages that take part in the election — ballot, credential,
trustee — according to the election's state and what the visitor may do."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from convention.models import Phase
from voting.models import ElectionState


def _links(world, membership=None) -> dict[str, bool]:
    client = Client()
    if membership is not None:
        client.force_login(membership.user)
    response = client.get(reverse("voting:detail", args=[world.election.uuid]))
    assert response.status_code == 200
    html = response.content.decode()
    uuid = world.election.uuid
    return {
        name: f'href="{reverse(f"voting:{name}", args=[uuid])}"' in html
        for name in ("ballot", "credential_page", "trustee_page")
    }


NONE = {"ballot": False, "credential_page": False, "trustee_page": False}


def test_links_follow_the_state_and_the_visitors_permissions(world):
    from tests.voting.world import member

    trustee, voter = world.trustee_members[0], world.voter_members[0]

    world.run_ceremony()  # stays in the key ceremony
    assert world.election.state == ElectionState.KEY_CEREMONY
    assert _links(world) == NONE
    assert _links(world, voter) == NONE
    assert _links(world, trustee) == dict(NONE, trustee_page=True)

    world.move(ElectionState.CREDENTIALS)
    assert _links(world) == NONE
    assert _links(world, voter) == dict(NONE, credential_page=True)
    assert _links(world, trustee) == NONE

    # convention.permissions decides: outside the voting phase nobody may vote.
    world.convention.phase = Phase.DELIBERATION
    world.convention.save(update_fields=["phase"])
    world.election.convention.refresh_from_db()
    assert _links(world, voter) == NONE
    world.convention.phase = Phase.VOTING
    world.convention.save(update_fields=["phase"])
    world.election.convention.refresh_from_db()

    world.obtain_credentials()
    world.move(ElectionState.OPEN)
    late = member(world.convention, "Latecomer", "participant")  # not on the roll
    assert _links(world) == dict(NONE, ballot=True)
    assert _links(world, late) == dict(NONE, ballot=True)
    # The credential window closed when the poll opened.
    assert _links(world, voter) == dict(NONE, ballot=True)
    assert (
        world.cast(world.voters[0].ballot([[0], [1], [0, 1, 2]], world.head())[0]).status_code
        == 201
    )
    world.move(ElectionState.CLOSED)  # one ballot to decrypt: stays closed
    assert world.refresh().state == ElectionState.CLOSED
    assert _links(world) == NONE
    assert _links(world, voter) == NONE
    assert _links(world, trustee) == dict(NONE, trustee_page=True)
