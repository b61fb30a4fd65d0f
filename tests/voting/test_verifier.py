"""The standalone verifier on a real record: it passes, and every tampering fails naming the
item. Also: it imports no Django."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
from django.core.management import call_command

from tests.voting.test_casting import _forged_voter
from voting.clients import Voter
from voting.clients import tracker as tracker_of_ballot
from voting.models import ElectionState
from voting.selectors import record_lines
from voting.verify import board as chain
from voting.verify.canonical import dumps, loads
from voting.verify.record import verify_record

CHOICES = [
    [[0], [0, 1], [0, 1, 2]],
    [[1], [2], [2, 1, 0]],
    [[], [0, 4], [1, 0, 2]],
    [[0], [], [0, 1, 2]],
]


@pytest.fixture
def record(world) -> list[str]:
    return make_record(world)


def make_record(world) -> list[str]:
    """A published record: four ballots, an audit, a re-vote, decrypted by trustees 2 and 3."""
    world.open_poll()
    for voter, choice in zip(world.voters, CHOICES, strict=True):
        assert world.cast(voter.ballot(choice, world.head())[0]).status_code == 201
    assert world.cast(world.voters[0].audit(CHOICES[1]), path="audit").status_code == 201
    revote = world.voters[1].ballot(CHOICES[0], world.head())[0]
    assert world.cast(revote).status_code == 201
    world.close_and_tally(decrypting=[2, 3])  # any k = 2 of 3 suffice
    world.move(ElectionState.PUBLISHED)
    world.forger = _forged_voter(world)
    world.thief = Voter(world.election.manifest, world.election.fingerprint_bytes)
    world.thief.credential = world.voters[2].credential
    return [line.decode() for line in record_lines(world.refresh())]


def _failed(lines: list[str]) -> dict[str, list[str]]:
    report = verify_record(lines, workers=1)
    assert not report.ok
    return {k: c.failures for k, c in report.checks.items() if not c.ok}


def _entries(lines):
    return [i for i, line in enumerate(lines) if json.loads(line)["type"] == "entry"]


def test_genuine_record_verifies(record):
    report = verify_record(record, workers=2)
    assert report.ok, "\n".join(report.lines())
    results = json.loads(record[-1])["results"]
    assert results["counted"] == 4


def test_verifier_cli_exit_status_and_no_django(record, tmp_path):
    path = tmp_path / "record.jsonl"
    path.write_text("".join(record))
    code = (
        f"import sys, runpy; sys.argv=['voting.verify', {str(path)!r}, '--workers', '1']"
        "\ntry:\n runpy.run_module('voting.verify', run_name='__main__')\n"
        "except SystemExit as e:\n"
        " assert not any(m.startswith('django') for m in sys.modules), 'django imported'\n"
        " raise"
    )
    ok = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "all checks passed" in ok.stdout
    lines = record[:]
    entry = json.loads(lines[-1])
    entry["results"]["counted"] += 1
    lines[-1] = dumps(entry).decode() + "\n"
    path.write_text("".join(lines))
    bad = subprocess.run(
        [sys.executable, "-m", "voting.verify", str(path), "--workers", "1"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "FAILED" in bad.stdout


def test_changed_ballot_is_named(record):
    lines = record[:]
    index = _entries(lines)[1]
    entry = json.loads(lines[index])
    ct = entry["ballot"]["answers"][1]["ciphertexts"]
    ct[0], ct[1] = ct[1], ct[0]
    lines[index] = dumps(entry).decode() + "\n"
    failed = _failed(lines)
    assert any("entry 2" in f for f in failed["ballots"])


def test_dropped_ballot_breaks_chain(record):
    lines = record[:]
    del lines[_entries(lines)[2]]
    failed = _failed(lines)
    assert any("entry 3" in f for f in failed["chain"])
    assert "head" in failed


def test_reordered_ballots_break_chain(record):
    lines = record[:]
    a, b = _entries(lines)[0:2]
    lines[a], lines[b] = lines[b], lines[a]
    failed = _failed(lines)
    assert any("entry 1" in f for f in failed["chain"])


def test_altered_decryption_share_is_named(record):
    lines = record[:]
    index = next(i for i, line in enumerate(lines) if '"type":"decryption"' in line)
    item = json.loads(lines[index])
    item["shares"][0][0]["d"] = item["shares"][0][1]["d"]
    lines[index] = dumps(item).decode() + "\n"
    failed = _failed(lines)
    assert any(
        f.startswith(f"trustee {item['trustee']}, question 0, ciphertext 0")
        for f in failed["shares"]
    )


def _append_entry(lines, ballot, kind="ballot", reveal=None):
    """Append a well-chained entry holding ``ballot`` after the last entry of ``lines``."""
    index = _entries(lines)[-1]
    last = json.loads(lines[index])
    tracker = bytes.fromhex(tracker_of_ballot(ballot))
    digest = hashlib.sha256(dumps(ballot)).digest()
    position = last["position"] + 1
    reveal_bytes = dumps(reveal) if reveal is not None else b""
    entry = {
        "type": "entry",
        "position": position,
        "kind": kind,
        "hour": last["hour"],
        "tracker": tracker.hex(),
        "digest": digest.hex(),
        "ballot": ballot,
        "reveal": reveal,
        "previous": last["hash"],
        "hash": chain.entry_hash(
            bytes.fromhex(last["hash"]), position, kind, last["hour"], tracker, digest,
            reveal_bytes,
        ).hex(),
    }  # fmt: skip
    lines.insert(index + 1, dumps(entry).decode() + "\n")
    return position


def _last_head(lines) -> dict:
    last = json.loads(lines[_entries(lines)[-1]])
    return {"count": last["position"], "hash": last["hash"]}


@pytest.mark.parametrize("who, error", [("forger", "unknown_issuer"), ("thief", "bad_signature")])
def test_added_ballot_with_forged_or_stolen_credential_is_named(record, world, who, error):
    lines = record[:]
    ballot, _ = getattr(world, who).ballot(CHOICES[0], _last_head(lines))
    position = _append_entry(lines, ballot)
    failed = _failed(lines)
    assert any(f"entry {position}" in f and error in f for f in failed["ballots"])


def test_altered_result_is_named(record):
    lines = record[:]
    item = json.loads(lines[-1])
    item["results"]["questions"][1]["counts"][0] += 1
    lines[-1] = dumps(item).decode() + "\n"
    failed = _failed(lines)
    assert any("question 1, ciphertext 0" in f for f in failed["combination"])


def test_altered_schulze_ranking_is_named(record):
    lines = record[:]
    item = json.loads(lines[-1])
    item["results"]["questions"][2]["ranking"].reverse()
    lines[-1] = dumps(item).decode() + "\n"
    failed = _failed(lines)
    assert any("question 2" in f for f in failed["results"])


def test_export_command_writes_the_record(record, world, tmp_path):
    out = tmp_path / "record.jsonl"
    call_command("export_election", str(world.election.uuid), "-o", str(out))
    assert out.read_text() == "".join(record)
    assert loads(out.read_text().splitlines()[0])["type"] == "manifest"
