"""The board monitor against a live server: an honest board passes pass after pass and through
closing; a server that drops a ballot, swaps a voter's two re-votes or shows two monitors two
different boards — re-signing every head with its board key, which the verifier alone accepts —
is caught with two signed heads as evidence (exit 3)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.voting.dishonest import rewrite_board
from tests.voting.world import World
from voting.models import ElectionState
from voting.monitor.__main__ import main
from voting.monitor.evidence import check_evidence
from voting.selectors import record_lines
from voting.verify.record import verify_record

CHOICE = [[0], [1, 2], [2, 0, 1]]
OTHER = [[1], [], [0, 1, 2]]


@pytest.fixture
def poll(transactional_db):
    world = World(voters=4)
    world.open_poll()
    return world


def cast(world: World, voter: int, choice=CHOICE, head: dict | None = None) -> dict:
    """Cast a ballot naming ``head`` (default: the current head, fetched as a ballot page does).
    Voters who loaded their page at the same moment name the same head; then no later ballot's
    board reference pins the entries cast after it, and the verifier cannot see them dropped
    or reordered (docs/elections.md §4)."""
    ballot, _ = world.voters[voter].ballot(choice, head or world.head())
    response = world.cast(ballot)
    assert response.status_code == 201, response.content
    return response.json()


def verifies(world: World) -> bool:
    world.close_and_tally()
    world.move(ElectionState.PUBLISHED)
    report = verify_record([line.decode() for line in record_lines(world.refresh())], workers=1)
    return report.ok


def run(capsys, *args) -> tuple[int, str]:
    code = main([str(a) for a in args])
    return code, capsys.readouterr().out


def evidence_of(out: str, state) -> dict:
    files = sorted(state.glob("evidence-*.json"))
    assert len(files) == 1, out
    document = json.loads(files[0].read_text())
    assert check_evidence(document) is None, document
    assert document["proof"] is True
    assert len(document["heads"]) == 2
    assert json.dumps(document["heads"][1], indent=1, sort_keys=True).splitlines()[1] in out
    return document


def test_monitor_follows_an_honest_board_through_closing(live_server, poll, tmp_path, capsys):
    url = f"{live_server.url}/elections/{poll.election.uuid}/"
    state = tmp_path / "state"
    cast(poll, 0)
    cast(poll, 1)
    code, out = run(capsys, url, "--once", "--state", state)
    assert code == 0, out
    assert "head 2" in out
    cast(poll, 2)
    assert poll.cast(poll.voters[3].audit(OTHER), path="audit").status_code == 201
    cast(poll, 0, OTHER)  # a re-vote
    code, out = run(capsys, url, "--once", "--state", state)
    assert code == 0, out
    assert "head 5" in out and "3 new entries" in out
    code, out = run(capsys, url, "--once", "--state", state)  # nothing new
    assert code == 0 and "0 new entries" in out
    heads = (state / "heads.jsonl").read_text().splitlines()
    entries = (state / "entries.jsonl").read_text().splitlines()
    assert [json.loads(h)["head"]["count"] for h in heads] == [2, 5]
    assert [json.loads(e)["entry"]["position"] for e in entries] == [1, 2, 3, 4, 5]
    assert all("ballot" not in json.loads(line)["entry"] for line in entries)
    poll.close_and_tally()
    command = [sys.executable, "-m", "voting.monitor", url, "--state", state, "--interval", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)  # stops by itself
    assert done.returncode == 0, done.stdout + done.stderr
    assert "final" in done.stdout and "poll is closed" in done.stdout


@pytest.mark.parametrize(("new_ballots", "kind"), [(0, "shrunk"), (1, "equivocation"), (2, "fork")])
def test_monitor_catches_a_dropped_ballot(live_server, poll, tmp_path, capsys, new_ballots, kind):
    url = f"{live_server.url}/elections/{poll.election.uuid}/"
    state = tmp_path / "state"
    start = poll.head()
    receipts = [cast(poll, voter, head=start) for voter in range(4)]
    assert run(capsys, url, "--once", "--state", state)[0] == 0
    rewrite_board(poll.election, [1, 3, 4])  # the ballot at position 2 disappears
    for voter in range(new_ballots):
        cast(poll, voter, OTHER, head=start)
    code, out = run(capsys, url, "--once", "--state", state)
    assert code == 3, out
    assert f"MISBEHAVIOUR ({kind})" in out
    document = evidence_of(out, state)
    assert document["kind"] == kind
    assert document["heads"][0] == receipts[3]["head"]  # the head signed for count 4
    assert document["dropped"] == [{"tracker": receipts[1]["tracker"], "position": 2}]
    assert "the boards part at position 2" in out
    assert verifies(poll)  # the verifier alone sees nothing


def test_monitor_catches_the_last_ballot_dropped_at_closing(live_server, poll, tmp_path, capsys):
    """No later ballot names a head past the last one: only a head signed for it shows it."""
    url = f"{live_server.url}/elections/{poll.election.uuid}/"
    state = tmp_path / "state"
    receipts = [cast(poll, voter) for voter in range(4)]
    assert run(capsys, url, "--once", "--state", state)[0] == 0
    rewrite_board(poll.election, [1, 2, 3])
    assert verifies(poll)
    code, out = run(capsys, url, "--once", "--state", state)
    assert code == 3, out
    assert "the final board drops the entries after position 3" in out
    document = evidence_of(out, state)
    assert document["kind"] == "shrunk"
    assert document["heads"][1]["final"] is True
    assert document["dropped"] == [{"tracker": receipts[3]["tracker"], "position": 4}]


def test_monitor_catches_swapped_revotes(live_server, poll, tmp_path, capsys):
    """A voter re-votes; the server swaps the two ballots so the first one counts."""
    url = f"{live_server.url}/elections/{poll.election.uuid}/"
    state = tmp_path / "state"
    start = poll.head()  # the re-vote is made on a device that had the same head
    first = cast(poll, 0, CHOICE, start)
    cast(poll, 1, CHOICE, start)
    second = cast(poll, 0, OTHER, start)
    assert run(capsys, url, "--once", "--state", state)[0] == 0
    rewrite_board(poll.election, [3, 2, 1])
    code, out = run(capsys, url, "--once", "--state", state)
    assert code == 3, out
    document = evidence_of(out, state)
    assert document["kind"] == "equivocation"
    assert {(m["tracker"], m["seen"], m["published"]) for m in document["moved"]} == {
        (first["tracker"], 1, 3),
        (second["tracker"], 3, 1),
    }
    # Without a monitor nothing shows it: the rewritten, re-signed record verifies.
    assert verifies(poll)


def test_monitors_compare_and_find_a_split_view(live_server, poll, tmp_path, capsys):
    url = f"{live_server.url}/elections/{poll.election.uuid}/"
    one, two = tmp_path / "one", tmp_path / "two"
    start = poll.head()
    for voter in range(3):
        cast(poll, voter, head=start)
    assert run(capsys, url, "--once", "--state", one)[0] == 0
    rewrite_board(poll.election, [2, 1, 3])  # what the server shows the second monitor
    assert run(capsys, url, "--once", "--state", two)[0] == 0  # each view is consistent alone
    code, out = run(capsys, "compare", one, two)
    assert code == 3, out
    assert "split view: the board key signed count 3" in out
    cast(poll, 3)
    code, out = run(capsys, url, "--once", "--state", two, "--peer", one / "heads.jsonl")
    assert code == 3, out
    document = evidence_of(out, two)
    assert document["kind"] == "split_view"
    # One monitor's heads alone suffice against another's entries (a shared heads file).
    shared = tmp_path / "one-heads.jsonl"
    shared.write_text((one / "heads.jsonl").read_text())
    code, out = run(capsys, "compare", two, shared, "--evidence", tmp_path / "split.json")
    assert code == 3
    assert "has hash" in out and "saw, signed at count 4" in out  # not a prefix of two's board
    documents = json.loads((tmp_path / "split.json").read_text())
    assert len(documents) == 2
    assert all(check_evidence(document) is None for document in documents)


def test_monitor_usage_and_network_errors(capsys, tmp_path):
    assert run(capsys, "not-a-url", "--once")[0] == 2
    assert run(capsys, "http://127.0.0.1:9/elections/x/", "--once")[0] == 2
    uuid = "5f0c6e1e-9d2a-4f0e-8f1b-2c3d4e5f6a7b"
    code = main(["http://127.0.0.1:9", uuid, "--once", "--state", str(tmp_path / "s")])
    assert code == 2
    assert run(capsys, "compare", tmp_path)[0] == 2


def test_monitor_imports_no_django():
    code = (
        "import sys, voting.monitor.__main__\n"
        "assert not any(m.startswith('django') for m in sys.modules), 'django imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
