"""A whole election through the HTTP endpoints with many voters, then a dump of every table:
no account is linked to a credential or a ballot, and no address is stored anywhere."""

from __future__ import annotations

import json
import random

from django.apps import apps
from django.core import serializers
from django.test import Client, TestCase
from django.urls import reverse

from tests.voting.world import World
from voting.clients import TrusteeClient, Voter
from voting.models import ElectionState
from voting.verify.record import verify_record

VOTERS = 40
CLIENT_ADDRESS = "203.0.113.77"


def _post(client: Client, url: str, body) -> dict:
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            url, data=json.dumps(body), content_type="application/json", REMOTE_ADDR=CLIENT_ADDRESS
        )
    assert response.status_code in (200, 201), response.content
    return response.json()


def test_whole_election_over_http(db):
    world = World(voters=VOTERS, trustees=3, threshold=2)
    election = world.election
    uuid = election.uuid
    url = lambda name: reverse(f"voting:{name}", args=[uuid])  # noqa: E731
    world.move(ElectionState.KEY_CEREMONY)
    cc = bytes.fromhex(world.refresh().ceremony_context)
    trustees = []
    for membership in world.trustee_members:
        client = Client()
        client.force_login(membership.user)
        index = client.get(url("ceremony_json")).json()["my_index"]
        trustees.append((client, TrusteeClient(index, 2, cc)))
    for client, trustee in trustees:
        _post(client, url("ceremony_commitments"), trustee.announce())
    for client, trustee in trustees:
        public = client.get(url("ceremony_json")).json()["trustees"]
        _post(client, url("ceremony_shares"), trustee.shares(public))
    for client, trustee in trustees:
        status = _post(
            client,
            url("ceremony_verification"),
            trustee.verification(client.get(url("ceremony_json")).json()),
        )
    assert status["complete"]
    world.move(ElectionState.CREDENTIALS)
    manifest = Client().get(url("manifest_json")).json()
    fingerprint = bytes.fromhex(manifest["fingerprint"])
    voters = []
    for membership in world.voter_members:
        client = Client()
        client.force_login(membership.user)
        voter = Voter(manifest["manifest"], fingerprint)
        status = _post(client, url("credential"), voter.credential_request())
        assert voter.finish_credential(status) is None  # no issuer has signed yet
        voters.append((client, voter))
    for client, trustee in trustees[:2]:  # issuers 1 and 2 sign; issuer 3 stays away
        queue = client.get(url("issuer_queue")).json()
        assert len(queue["requests"]) == VOTERS
        assert _post(client, url("issuer_signatures"), trustee.sign(queue))["stored"] == VOTERS
    for client, voter in voters:
        assert voter.finish_credential(client.get(url("credential")).json()) is not None
        assert [s["issuer"] for s in voter.credential["signatures"]] == [1, 2]
    voters = [voter for _, voter in voters]
    world.move(ElectionState.OPEN)
    for client, trustee in trustees[:2]:
        _post(client, url("issuer_ledger"), trustee.signed_ledger(fingerprint))
    rng = random.Random(7)
    expected_single = [0, 0]
    for number, voter in enumerate(voters):
        pick = rng.randrange(2)
        choice = [[pick], rng.sample(range(5), rng.randrange(4)), rng.sample(range(3), 3)]
        if number % 10 == 0:  # some voters audit a ballot first, and some vote twice
            audit = voter.audit([[1 - pick], [], [0, 1, 2]])
            _post(Client(), reverse("voting:audit", args=[uuid]), audit)
        if number % 7 == 0:
            first, _ = voter.ballot(
                [[1 - pick], [], [1, 2, 0]], Client().get(url("head_json")).json()
            )
            _post(Client(), reverse("voting:cast", args=[uuid]), first)
        head = Client().get(url("head_json")).json()
        receipt = _post(
            Client(), reverse("voting:cast", args=[uuid]), voter.ballot(choice, head)[0]
        )
        expected_single[pick] += 1
        found = Client().get(url("tracker_json"), {"t": receipt["tracker"]}).json()
        assert found["found"] and found["superseded"] is None  # not told during the poll
    world.move(ElectionState.CLOSED)
    tally_json = Client().get(url("tally_json")).json()
    assert tally_json["counted"] == VOTERS
    for client, trustee in trustees[1:]:
        _post(client, url("decryption"), trustee.decrypt(tally_json, fingerprint))
    election = world.refresh()
    assert election.state == ElectionState.TALLIED
    assert election.results["questions"][0]["counts"] == expected_single
    world.move(ElectionState.PUBLISHED)
    record = Client().get(url("record"))
    lines = [line.decode() + "\n" for line in b"".join(record.streaming_content).splitlines()]
    report = verify_record(lines, workers=2)
    assert report.ok, "\n".join(report.lines())
    for name in ("detail", "board", "tracker", "results", "verify"):
        assert Client().get(url(name)).status_code == 200, name

    # Every table, dumped: no credential key or tracker next to an account, and no address.
    dump = serializers.serialize("json", [o for m in apps.get_models() for o in m.objects.all()])
    assert CLIENT_ADDRESS not in dump
    rows = json.loads(dump)
    keys = {voter.public_key.hex() for voter in voters}
    for row in rows:
        text = json.dumps(row)
        fields = row["fields"]
        links_account = any(
            name in fields for name in ("user", "membership", "trustee", "invited_by")
        ) or row["model"].startswith(("convention.", "auth.", "account", "mfa", "sessions"))
        if links_account:
            assert not any(key in text for key in keys), row["model"]
    board = [r for r in rows if r["model"] == "voting.boardentry"]
    assert board and all(
        set(r["fields"]) & {"user", "membership", "roll_entry"} == set() for r in board
    )
