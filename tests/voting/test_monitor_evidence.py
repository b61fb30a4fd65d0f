"""The monitor's checks on a synthetic board served by a fake source (no server): what counts as
proof, what is only reported, and the checks after closing. Needs no database."""

from __future__ import annotations

import hashlib
import secrets

import pytest

from voting.crypto import board_key
from voting.monitor.evidence import Misbehaviour, check_evidence
from voting.monitor.watch import Held, check_closed_board, observe
from voting.verify import board
from voting.verify.canonical import dumps
from voting.verify.entries import chain_hash

FINGERPRINT = bytes(range(32))
SEED = bytes(32 * [7])
KEY = board_key.public_key(SEED)


def make_board(ballots: list[dict], hide: bool = True) -> list[dict]:
    entries, previous = [], board.genesis(FINGERPRINT)
    for position, ballot in enumerate(ballots, start=1):
        entry = {
            "position": position,
            "kind": "ballot",
            "hour": "2026-03-03T10:00:00Z",
            "tracker": hashlib.sha256(dumps(ballot) + b"t").hexdigest(),
            "digest": hashlib.sha256(dumps(ballot)).hexdigest(),
            "ballot": None if hide else ballot,
            "reveal": None,
            "previous": previous.hex(),
        }
        previous = chain_hash(previous, entry)
        entry["hash"] = previous.hex()
        entries.append(entry)
    return entries


def head_of(entries: list[dict], final: bool = False, seed: bytes = SEED) -> dict:
    last = bytes.fromhex(entries[-1]["hash"]) if entries else board.genesis(FINGERPRINT)
    return board.sign_head(seed, FINGERPRINT, len(entries), last, final)


class FakeSource:
    def __init__(self, entries: list[dict], head: dict | None = None) -> None:
        self.board, self.signed = entries, head or head_of(entries)

    def head(self) -> dict:
        return self.signed

    def entries(self, *, after: int, upto: int) -> list[dict]:
        return self.board[after:upto]


BALLOTS = [{"n": i, "pad": secrets.token_hex(4)} for i in range(6)]


def watched(entries: list[dict]) -> Held:
    held = Held(FINGERPRINT, KEY)
    observe(held, FakeSource(entries))
    return held


def document(item: Misbehaviour) -> dict:
    return item.document(election=FINGERPRINT.hex(), board_key=KEY.hex(), source="test")


def test_a_reordered_board_is_proof_and_tampered_evidence_is_not():
    held = watched(make_board(BALLOTS[:4]))
    with pytest.raises(Misbehaviour) as caught:
        observe(held, FakeSource(make_board([BALLOTS[i] for i in (0, 2, 1, 3, 4)])))
    evidence = document(caught.value)
    assert caught.value.kind == "fork" and evidence["proof"] is True
    assert [b["from"]["count"] for b in evidence["branches"]] == [1, 1]
    tampered = {**evidence, "branches": [dict(b) for b in evidence["branches"]]}
    tampered["branches"][1]["entries"] = tampered["branches"][0]["entries"] + [
        evidence["branches"][1]["entries"][-1]
    ]
    assert check_evidence(tampered) is not None
    other_key = {**evidence, "board_public_key": board_key.public_key(bytes(32)).hex()}
    assert "not valid" in check_evidence(other_key)


def test_an_older_running_head_is_reported_but_a_shorter_final_head_is_proof():
    entries = make_board(BALLOTS[:4])
    held = watched(entries)
    with pytest.raises(Misbehaviour) as caught:
        observe(held, FakeSource(entries[:3]))
    assert caught.value.kind == "shrunk"
    assert document(caught.value)["proof"] is False
    assert "an older head is served again" in caught.value.message
    with pytest.raises(Misbehaviour) as caught:
        observe(held, FakeSource(entries[:3], head_of(entries[:3], final=True)))
    assert document(caught.value)["proof"] is True
    assert "the final board drops the entries after position 3" in caught.value.message


def test_a_head_signed_by_another_key_or_not_matching_its_entries():
    entries = make_board(BALLOTS[:2])
    with pytest.raises(Misbehaviour) as caught:
        observe(Held(FINGERPRINT, KEY), FakeSource(entries, head_of(entries, seed=bytes(32))))
    assert caught.value.kind == "invalid_head"
    other = make_board(BALLOTS[2:4])
    with pytest.raises(Misbehaviour) as caught:
        observe(Held(FINGERPRINT, KEY), FakeSource(entries, head_of(other)))
    assert caught.value.kind == "inconsistent"
    assert document(caught.value)["proof"] is False


def test_after_closing_every_ballot_must_hash_to_its_digest():
    held = watched(make_board(BALLOTS[:3]))
    closed = make_board(BALLOTS[:3], hide=False)
    final = head_of(closed, final=True)
    assert observe(held, FakeSource(closed, final)).new_head
    check_closed_board(held, FakeSource(closed), final)
    forged = [dict(e) for e in closed]
    forged[1]["ballot"] = {"n": 99}
    with pytest.raises(Misbehaviour) as caught:
        check_closed_board(held, FakeSource(forged), final)
    assert caught.value.kind == "bodies"
    assert "entry 2: the ballot does not hash to its digest" in caught.value.message


def test_two_heads_for_one_count_are_proof_by_themselves():
    one, two = make_board(BALLOTS[:3]), make_board(BALLOTS[3:6])
    evidence = {
        "election": FINGERPRINT.hex(),
        "board_public_key": KEY.hex(),
        "heads": [head_of(one), head_of(two)],
    }
    assert check_evidence(evidence) is None
    evidence["heads"] = [head_of(one), head_of(one)]
    assert check_evidence(evidence) == "the two heads are the same"


def test_a_shared_heads_file_read_over_http_shows_a_split_view(tmp_path):
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from voting.monitor.compare import View, split_views, view_from_lines
    from voting.monitor.log import read_source

    mine = make_board(BALLOTS[:3])
    theirs = make_board([BALLOTS[i] for i in (1, 0, 2)])
    (tmp_path / "heads.jsonl").write_bytes(
        dumps({"type": "head", "head": head_of(theirs[:2])}) + b"\n"
    )
    handler = functools.partial(
        type("Quiet", (SimpleHTTPRequestHandler,), {"log_message": lambda *a: None}),
        directory=str(tmp_path),
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/heads.jsonl"
        name, lines, _ = read_source(url)
    finally:
        server.shutdown()
    own = View("mine", [head_of(mine)], mine)
    found, notes = split_views([own, view_from_lines(name, lines)], FINGERPRINT, KEY)
    assert not notes
    assert [item.kind for item in found] == ["split_view"]
    assert f"{url} holds a head signed for count 2" in found[0].message
    assert check_evidence(document(found[0])) is None
