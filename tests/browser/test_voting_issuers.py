"""Credentials from the 2 issuers (trustees 1 and 2 of 3, threshold 2) with real keys on both
sides: trustee 1 makes its issuer key and signs the queue in its browser (the trustee page),
trustee 2 runs ``python -m voting.issuer`` (a subprocess, its own key file), trustee 3, no
issuer, only decrypts. The voter's credential
page waits for them, shows the count, and stores a credential the ballot box and the verifier
accept; both ledgers are published once the window closes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.test_voting import _cached_issuer_key, signed_in_context  # noqa: F401
from tests.browser.trustee_page import load_key_file, open_and_make_key_file
from tests.voting.test_trustee_cli import PASSPHRASE as CLI_PASSPHRASE
from tests.voting.test_trustee_cli import _run, _session
from voting.clients import Voter
from voting.crypto.group import Scalar
from voting.models import ElectionState
from voting.selectors import record_lines
from voting.verify.record import verify_record

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def test_two_of_three_issuers_one_in_the_browser_one_daemon(
    browser, live_server, tmp_path, monkeypatch, capsys
):
    from tests.voting.world import World

    world = World(voters=1, trustees=3, threshold=2)
    election = world.move(ElectionState.KEY_CEREMONY)
    uuid = election.uuid
    sessions = {i: _session(world.trustee_members[i - 1]) for i in (2, 3)}
    files = {i: tmp_path / f"trustee-{i}.key" for i in (2, 3)}
    cli = dict(monkeypatch=monkeypatch, capsys=capsys)
    for i in (2, 3):
        code, out = _run(
            live_server, election, sessions[i], "generate", "--key-file", str(files[i]), **cli
        )
        assert code == 0, out

    # Trustee 1 in the browser: the key (with its RSA issuer key) is made there.
    key_path = tmp_path / "trustee-1.key"
    context, trustee_page = open_and_make_key_file(
        browser, live_server, world.trustee_members[0], uuid, key_path
    )
    trustee_page.wait_for_selector("#trustee-log li:nth-child(2)")  # commitments, then shares
    assert world.trustee(1).issuer_key.startswith("-----BEGIN PUBLIC KEY-----")
    for i in (2, 3, 2):  # shares, then verification once every trustee has sent its shares
        code, out = _run(
            live_server, election, sessions[i], "ceremony", "--key-file", str(files[i]), **cli
        )
        assert code == 0, out
    trustee_page.goto(f"/elections/{uuid}/trustee/")
    load_key_file(trustee_page, key_path)
    trustee_page.wait_for_selector("#trustee-app[data-complete='true']")
    # (a locator, not wait_for_function: the page's CSP forbids evaluating strings)
    trustee_page.locator("#trustee-log", has_text="holds your issuer key").wait_for()
    election = world.refresh()
    assert [k["pem"] for k in election.manifest["issuers"]["keys"]][0] == world.trustee(
        1
    ).issuer_key
    world.move(ElectionState.CREDENTIALS)

    # The issuers come online: trustee 2's daemon, trustee 1's page.
    ledger = tmp_path / "ledger-2.jsonl"
    daemon = subprocess.Popen(  # noqa: S603 (our own module)
        [
            sys.executable,
            "-m",
            "voting.issuer",
            "--url",
            live_server.url,
            "--election",
            str(uuid),
            "--session",
            sessions[2],
            "--key-file",
            str(files[2]),
            "--ledger",
            str(ledger),
            "--interval",
            "1",
        ],  # fmt: skip
        cwd=ROOT,
        env={"MASHWARA_PASSPHRASE": CLI_PASSPHRASE, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        trustee_page.goto(f"/elections/{uuid}/trustee/")
        load_key_file(trustee_page, key_path)
        trustee_page.wait_for_selector("#issue-box:not([hidden])")

        # The voter asks; the page shows the wait, then stores a credential of issuers 1 and 2.
        voter_context = signed_in_context(browser, live_server, world.voter_members[0])
        page = voter_context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"/elections/{uuid}/vote/credential/")
        page.click("#request-button")
        page.wait_for_selector("#credential-code-box:not([hidden])")
        assert page.text_content("#roll-id") == world.election.roll.get().roll_id
        fp = election.fingerprint
        stored = json.loads(page.evaluate(f"localStorage.getItem('mashwara/v1/credential/{fp}')"))
        assert [s["issuer"] for s in stored["credential"]["signatures"]] == [1, 2]
        trustee_page.locator("#issued-count", has_text="1").wait_for()
        voter_context.close()

        world.move(ElectionState.OPEN)
        out = daemon.communicate(timeout=60)[0]
        assert daemon.returncode == 0, out
        assert "ledger of 1 entries published" in out
    finally:
        if daemon.poll() is None:
            daemon.kill()
    trustee_page.goto(f"/elections/{uuid}/trustee/")
    load_key_file(trustee_page, key_path)
    trustee_page.wait_for_selector("#trustee-app[data-ledger-published='true']")
    assert world.trustee(1).ledger["ledger"]["entries"] == [world.election.roll.get().roll_id]

    # The browser-made credential casts, and the record with both ledgers verifies.
    voter = Voter(election.manifest, election.fingerprint_bytes, Scalar.from_hex(stored["secret"]))
    voter.credential = stored["credential"]
    assert world.cast(voter.ballot([[0], [0, 1], [0, 1, 2]], world.head())[0]).status_code == 201
    world.move(ElectionState.CLOSED)
    for i in (2, 3):
        code, out = _run(
            live_server, election, sessions[i], "decrypt", "--key-file", str(files[i]), **cli
        )
        assert code == 0, out
    world.move(ElectionState.PUBLISHED)
    report = verify_record([line.decode() for line in record_lines(world.refresh())], workers=1)
    assert report.ok, "\n".join(report.lines())
    context.close()
