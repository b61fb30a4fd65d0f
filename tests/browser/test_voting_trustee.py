"""A trustee in Chromium: makes the secret key in the browser, downloads it as a passphrase-locked
key file, runs the ceremony with another trustee (the Python client), and later decrypts the
tally from the key file; the Python CLI's key-file reader opens the browser's file."""

from __future__ import annotations

import pytest
from django.test import TestCase

from tests.browser.test_voting import _cached_issuer_key, issuer_key, signed_in_context  # noqa: F401
from tests.browser.trustee_page import PASSPHRASE, load_key_file, open_and_make_key_file
from voting.clients import TrusteeClient
from voting.models import ElectionState
from voting.services import ceremony, tally
from voting.trustee import keyfile, steps

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_trustee_runs_the_ceremony_and_decrypts_in_the_browser(browser, live_server, tmp_path):
    from tests.voting.world import World

    world = World(voters=2, trustees=2, threshold=2)
    election = world.move(ElectionState.KEY_CEREMONY)
    other = TrusteeClient(2, 2, bytes.fromhex(election.ceremony_context))
    ceremony.submit_commitments(
        election=election, trustee=world.trustee(2), message=other.announce()
    )

    key_path = tmp_path / "trustee-1.key"
    context, page = open_and_make_key_file(
        browser, live_server, world.trustee_members[0], election.uuid, key_path
    )
    # Commitments, then shares at once (the other trustee had committed already).
    page.wait_for_selector("#trustee-log li:nth-child(2)")
    assert world.trustee(1).shares_sent

    # The browser's key file opens in the Python client and matches what was published.
    key = keyfile.open_keyfile(keyfile.loads_keyfile(key_path.read_bytes()), PASSPHRASE)
    assert key.index == 1 and key.election == election.uuid.hex
    steps.check_status(key, ceremony.status(world.refresh(), world.trustee(1)))

    public = ceremony.status(world.refresh(), None)["trustees"]
    ceremony.submit_shares(
        election=world.election, trustee=world.trustee(2), message=other.shares(public)
    )
    status = ceremony.status(world.refresh(), world.trustee(2))
    ceremony.submit_verification(
        election=world.election, trustee=world.trustee(2), message=other.verification(status)
    )

    # Later, with the key file: check the shares received, which completes the ceremony.
    page.goto(f"/elections/{election.uuid}/trustee/")
    load_key_file(page, key_path)
    page.wait_for_selector("#trustee-app[data-complete='true']")
    election = world.refresh()
    assert election.fingerprint and election.joint_public_key

    # The issuers: trustee 1's key is in the browser's key file, trustee 2 is the Python client.
    world.trustee_clients = [
        TrusteeClient(1, 2, bytes.fromhex(election.ceremony_context), issuer_key=key.issuer_key),
        other,
    ]
    world.open_poll()
    for voter, choice in zip(
        world.voters, [[[0], [0, 1], [0, 1, 2]], [[1], [1], [2, 1, 0]]], strict=True
    ):
        ballot, _ = voter.ballot(choice, world.head())
        assert world.cast(ballot).status_code == 201
    world.move(ElectionState.CLOSED)
    election = world.refresh()
    with TestCase.captureOnCommitCallbacks(execute=True):
        tally.submit_decryption(
            election=election,
            trustee=world.trustee(2),
            message=other.decrypt(election.encrypted_tally, election.fingerprint_bytes),
        )

    page.goto(f"/elections/{election.uuid}/trustee/")
    load_key_file(page, key_path)
    page.wait_for_selector("#trustee-app[data-decrypted='true']")
    assert "matches the board" in page.text_content("#trustee-log")
    election = world.refresh()
    assert election.state == ElectionState.TALLIED
    assert election.results["questions"][0] == {"type": "single", "counts": [1, 1], "blank": 0}
    context.close()


def test_a_trustee_beyond_k_makes_no_issuer_key_and_is_offered_no_issuing(
    browser, live_server, tmp_path
):
    """Trustee 3 of 2-of-3 is no issuer (protocol §7): its page makes no RSA key, announces
    none, does not claim the manifest holds one, and shows no issuing section."""
    from tests.voting.world import World

    world = World(voters=1, trustees=3, threshold=2)
    election = world.move(ElectionState.KEY_CEREMONY)
    cc = bytes.fromhex(election.ceremony_context)
    issuers = [TrusteeClient(i, 2, cc) for i in (1, 2)]
    for client in issuers:
        ceremony.submit_commitments(
            election=election, trustee=world.trustee(client.index), message=client.announce()
        )

    key_path = tmp_path / "trustee-3.key"
    context, page = open_and_make_key_file(
        browser, live_server, world.trustee_members[2], election.uuid, key_path
    )
    page.wait_for_selector("#trustee-log li:nth-child(2)")  # commitments, then shares
    third = world.trustee(3)
    assert third.commitments is not None and third.issuer_key == ""
    key = keyfile.open_keyfile(keyfile.loads_keyfile(key_path.read_bytes()), PASSPHRASE)
    assert key.index == 3 and key.issuer_key is None

    public = ceremony.status(world.refresh(), None)["trustees"]
    for client in issuers:
        ceremony.submit_shares(
            election=world.election,
            trustee=world.trustee(client.index),
            message=client.shares(public),
        )
    for client in issuers:
        status = ceremony.status(world.refresh(), world.trustee(client.index))
        ceremony.submit_verification(
            election=world.election,
            trustee=world.trustee(client.index),
            message=client.verification(status),
        )
    page.goto(f"/elections/{election.uuid}/trustee/")
    load_key_file(page, key_path)
    page.wait_for_selector("#trustee-app[data-manifest-checked='0']")
    assert world.refresh().fingerprint
    assert "issuer key" not in page.text_content("#trustee-log")

    page.goto(f"/elections/{election.uuid}/trustee/")
    assert "you are not one of them" in page.text_content("#ceremony-done")
    world.move(ElectionState.CREDENTIALS)
    page.goto(f"/elections/{election.uuid}/trustee/")
    page.locator("#trustee-status", has_text="nothing for trustees to do").wait_for()
    assert page.locator("#load-box").is_hidden() and page.locator("#issue-box").is_hidden()
    assert "Issue credentials" not in page.content()
    context.close()
