"""The demo that ``make run`` starts is complete: ``seed_demo`` keeps the demo trustees' key files
under var/ (mode 0600), ``run_demo_issuers`` (the command line of the Makefile's run target)
starts their issuer daemons, and a demo voter who asks for a credential over HTTP has it signed
by k of the n issuers within seconds."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from convention.management.commands.seed_demo import DEMO_PASSWORD
from tests.voting.conftest import cached_issuer_key
from voting.clients import Voter, obtain_credential
from voting.demo import VOTING_SLUG, issuers_dir
from voting.models import Election, ElectionState
from voting.trustee.client import ServerClient

ROOT = Path(__file__).resolve().parents[2]
MAKE_RUN = "manage.py run_demo_issuers --url http://$(HOST):$(PORT)"


def start_demo_issuers(url: str, var_dir: Path) -> subprocess.Popen:
    """``run_demo_issuers`` as the Makefile's run target starts it, against ``url``."""
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, *MAKE_RUN.split()[:3], url],
        cwd=ROOT,
        env={**os.environ, "MASHWARA_VAR_DIR": str(var_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_make_run_issuers_sign_a_demo_voters_credential_within_seconds(
    live_server, settings, tmp_path, monkeypatch
):
    monkeypatch.setattr("voting.clients.new_issuer_key", cached_issuer_key)
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "demo-trustee-c.key" in out.getvalue()  # the newcomer is told where the key file is
    directory = issuers_dir()
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    files = sorted(p.name for p in directory.iterdir())
    assert "demo-trustee-a.key" in files and "passphrase" in files, files
    for path in directory.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert MAKE_RUN in (ROOT / "Makefile").read_text(encoding="utf-8")

    runner = start_demo_issuers(live_server.url, tmp_path)
    try:
        election = Election.objects.get(
            convention__slug=VOTING_SLUG, state=ElectionState.CREDENTIALS
        )
        client = ServerClient(live_server.url, str(election.uuid))
        client.login("demo-participant-c", DEMO_PASSWORD)
        voter = Voter(election.manifest, election.fingerprint_bytes)
        started = time.monotonic()
        credential = obtain_credential(
            voter,
            lambda body: client.post_json("credential", body),
            lambda: client.get_json("credential"),
            timeout=60,
            interval=0.5,
        )
        seconds = time.monotonic() - started
    finally:
        runner.send_signal(signal.SIGTERM)
        output = runner.communicate(timeout=30)[0]
    assert [s["issuer"] for s in credential["signatures"]] == [1, 2], output
    assert seconds < 20, (seconds, output)
    assert "demo-trustee-a, demo-trustee-b sign the credential requests" in output, output
    assert runner.returncode == 0, output
    assert "stopped" not in output, output  # both signed in at the first try
    # Each daemon wrote the signed roll id into its ledger before posting the signature.
    assert (directory / "ledger-1.jsonl").read_text().count("roll_id") == 1
