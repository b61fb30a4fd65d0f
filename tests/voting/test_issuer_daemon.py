"""Credentials from the 2 issuers (trustees 1 and 2 of 3) over HTTP with a live server: both
run ``python -m voting.issuer`` (real subprocesses, their own key files), the voters use the
Python client;
the record verifies, and a ledger shorter than its issuer's counted signatures, or one naming an
id off the roll, is caught by the verifier."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.voting.test_trustee_cli import PASSPHRASE, _run, _session
from voting.clients import Voter, obtain_credential
from voting.models import ElectionState
from voting.selectors import record_lines
from voting.trustee import keyfile
from voting.trustee.client import ServerClient
from voting.verify.canonical import dumps
from voting.verify.issuers import ledger_document, sign_ledger
from voting.verify.record import verify_record

ROOT = Path(__file__).resolve().parents[2]
CHOICES = [[[0], [0, 1], [0, 1, 2]], [[1], [2], [2, 1, 0]], [[0], [1], [1, 2, 0]]]


def _daemon(live_server, election, session: str, key_file: Path, ledger: Path):
    return subprocess.Popen(  # noqa: S603 (our own module)
        [
            sys.executable,
            "-m",
            "voting.issuer",
            "--url",
            live_server.url,
            "--election",
            str(election.uuid),
            "--session",
            session,
            "--key-file",
            str(key_file),
            "--ledger",
            str(ledger),
            "--interval",
            "0.5",
        ],  # fmt: skip
        cwd=ROOT,
        env={"MASHWARA_PASSPHRASE": PASSPHRASE, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _voter_client(live_server, election, membership) -> ServerClient:
    return ServerClient(live_server.url, str(election.uuid), session=_session(membership))


@pytest.mark.django_db(transaction=True)
def test_two_issuer_daemons_and_python_voters_make_a_verified_election(
    live_server, tmp_path, monkeypatch, capsys
):
    from tests.voting.world import World

    world = World(voters=3, trustees=3, threshold=2)
    world.move(ElectionState.KEY_CEREMONY)
    election = world.election
    sessions = {m.pk: _session(m) for m in world.trustee_members}
    files = {m.pk: tmp_path / f"{m.pk}.key" for m in world.trustee_members}
    for step in ("generate", "ceremony", "ceremony"):
        for member in world.trustee_members:
            code, out = _run(
                live_server, election, sessions[member.pk], step, "--key-file",
                str(files[member.pk]), monkeypatch=monkeypatch, capsys=capsys,
            )  # fmt: skip
            assert code == 0, out
    election = world.refresh()
    assert election.fingerprint
    world.move(ElectionState.CREDENTIALS)

    issuers = [world.trustee_members[0], world.trustee_members[1]]  # trustee 3 is no issuer
    ledgers = {m.pk: tmp_path / f"ledger-{m.pk}.jsonl" for m in issuers}
    daemons = [
        _daemon(live_server, election, sessions[m.pk], files[m.pk], ledgers[m.pk]) for m in issuers
    ]
    try:
        voters = []
        for membership in world.voter_members:
            client = _voter_client(live_server, election, membership)
            voter = Voter(election.manifest, election.fingerprint_bytes)
            obtain_credential(
                voter,
                lambda body, c=client: c.post_json("credential", body),
                lambda c=client: c.get_json("credential"),
                timeout=60,
                interval=0.5,
            )
            assert [s["issuer"] for s in voter.credential["signatures"]] == [1, 2]
            voters.append(voter)
        world.voters = voters
        world.move(ElectionState.OPEN)
        outputs = [d.communicate(timeout=60)[0] for d in daemons]
    finally:
        for daemon in daemons:
            if daemon.poll() is None:
                daemon.kill()
    for daemon, out in zip(daemons, outputs, strict=True):
        assert daemon.returncode == 0, out
        assert "ledger of 3 entries published" in out, out
    for member in issuers:
        lines = ledgers[member.pk].read_text().splitlines()
        assert len(lines) == 3

    for voter, choice in zip(voters, CHOICES, strict=True):
        assert world.cast(voter.ballot(choice, world.head())[0]).status_code == 201
    world.move(ElectionState.CLOSED)
    for member in (world.trustee_members[0], world.trustee_members[1]):
        code, out = _run(
            live_server, election, sessions[member.pk], "decrypt", "--key-file",
            str(files[member.pk]), monkeypatch=monkeypatch, capsys=capsys,
        )  # fmt: skip
        assert code == 0, out
    world.move(ElectionState.PUBLISHED)
    record = [line.decode() for line in record_lines(world.refresh())]
    report = verify_record(record, workers=1)
    assert report.ok, "\n".join(report.lines())
    issuers_line = json.loads(record[3])
    assert [item["issuer"] for item in issuers_line["ledgers"]] == [1, 2]

    # Issuer 2 signed 3 credentials but publishes a ledger of 2 (signing off the books).
    key3 = keyfile.open_keyfile(
        keyfile.loads_keyfile(files[issuers[1].pk].read_bytes()), PASSPHRASE
    )
    roll_ids = [e["id"] for e in json.loads(record[2])["entries"]]

    def with_ledger(entries: list[str]) -> list[str]:
        signed = sign_ledger(
            key3.issuer_key, ledger_document(election.fingerprint_bytes, 2, entries)
        )
        line = {"type": "issuers", "ledgers": [issuers_line["ledgers"][0], {"issuer": 2, **signed}]}
        return [*record[:3], dumps(line).decode() + "\n", *record[4:]]

    short = verify_record(with_ledger(roll_ids[:2]), workers=1)
    assert not short.ok
    assert any(
        "3 counted credentials carry issuer 2's signature" in f
        for f in short.checks["ledgers"].failures
    ), short.lines()
    off_roll = verify_record(with_ledger([*roll_ids, "ab" * 32]), workers=1)
    assert any("not on the roll" in f for f in off_roll.checks["ledgers"].failures)
    tampered = with_ledger(roll_ids)
    line = json.loads(tampered[3])
    line["ledgers"][1]["ledger"]["entries"] = sorted([*roll_ids[:2], roll_ids[0]])
    tampered[3] = dumps(line).decode() + "\n"
    unsigned = verify_record(tampered, workers=1)
    assert any("not signed by issuer 2" in f for f in unsigned.checks["ledgers"].failures)


def test_the_issuer_daemon_runs_without_django():
    script = (
        "import sys, runpy\n"
        "sys.argv = ['voting.issuer', '--help']\n"
        "try:\n    runpy.run_module('voting.issuer', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert "--key-file" in result.stdout
