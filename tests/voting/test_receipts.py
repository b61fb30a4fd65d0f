"""Voters' receipts against the final record and on the tracker page. A server holding the board
key drops a counted ballot after giving its receipt, rebuilds the chain and re-signs: the
record verifies, but the dropped voter's receipt proves the rewrite."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.voting.dishonest import rewrite_board
from voting.models import ElectionState
from voting.selectors import record_lines
from voting.verify.__main__ import main as verify_main
from voting.verify.record import verify_record

CHOICE = [[0], [1, 2], [2, 0, 1]]


@pytest.fixture
def receipts(world) -> list[dict]:
    world.open_poll()
    start = world.head()  # four voters loaded the ballot page at the same moment
    out = []
    for voter in world.voters:
        response = world.cast(voter.ballot(CHOICE, start)[0])
        assert response.status_code == 201
        out.append(response.json())
    return out


@pytest.fixture
def dropped(world, receipts, tmp_path):
    """The ballot at position 3 is dropped after its receipt was given; the election runs to
    publication on the rewritten board."""
    rewrite_board(world.election, [1, 2, 4])
    world.close_and_tally()
    world.move(ElectionState.PUBLISHED)
    record = tmp_path / "record.jsonl"
    record.write_bytes(b"".join(record_lines(world.refresh())))
    return record


def write(tmp_path, name: str, receipt) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(receipt, indent=1))
    return str(path)


def forged(receipt: dict) -> dict:
    signature = receipt["head"]["signature"]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    return {**receipt, "head": {**receipt["head"], "signature": flipped}}


def test_receipts_prove_a_dropped_ballot(dropped, receipts, tmp_path, capsys):
    # The attack alone goes unnoticed: every check of the record passes.
    with open(dropped) as handle:
        assert verify_record(handle, workers=1).ok
    honest = [write(tmp_path, f"r{i}.json", receipts[i]) for i in (0, 1)]
    assert verify_main([str(dropped), "--workers", "1", "--receipts", *honest]) == 0
    out = capsys.readouterr().out
    assert out.count("[ok]     receipt") == 2 and "all checks passed" in out
    victim = write(tmp_path, "victim.json", receipts[2])
    assert verify_main([str(dropped), "--workers", "1", "--receipts", *honest, victim]) == 1
    out = capsys.readouterr().out
    assert (
        f"[PROOF]  receipt {victim}: the board was rewritten: signed head at count 3 has hash "
        f"{receipts[2]['head']['hash']}, the published board has "
    ) in out
    assert "VERIFICATION FAILED" in out
    # The last voter's receipt names count 4; the rewritten board has only 3 entries.
    last = write(tmp_path, "last.json", receipts[3])
    assert verify_main([str(dropped), "--workers", "1", "--receipts", last]) == 1
    assert "the published board has only 3 entries" in capsys.readouterr().out


def test_a_forged_receipt_is_not_valid_and_proves_nothing(dropped, receipts, tmp_path, capsys):
    bad_signature = write(tmp_path, "bad.json", forged(receipts[2]))
    other_tracker = write(tmp_path, "tracker.json", {**receipts[0], "tracker": "ab" * 32})
    lines = "\n".join(json.dumps(r) for r in (receipts[0], {"tracker": "x"}))
    several = tmp_path / "several.jsonl"
    several.write_text(lines)
    code = verify_main(
        [str(dropped), "--workers", "1", "--receipts", bad_signature, other_tracker, str(several)]
    )
    out = capsys.readouterr().out
    assert code == 0, out  # invalid receipts prove nothing against the board
    assert (
        f"[invalid] receipt {bad_signature}: not a valid receipt: the head is not signed by "
        "this election's board key (proves nothing)"
    ) in out
    assert f"receipt {other_tracker}: not a valid receipt: the signed head at position 1" in out
    assert f"[ok]     receipt {several}#1" in out
    assert f"[invalid] receipt {several}#2: not a valid receipt" in out


def test_tracker_page_checks_a_pasted_receipt(world, receipts):
    url = reverse("voting:tracker", args=[world.election.uuid])
    client = Client(enforce_csrf_checks=False)

    def check(receipt, language="en") -> str:
        text = receipt if isinstance(receipt, str) else json.dumps(receipt, indent=1)
        with translation.override(language):
            response = client.post(url, {"receipt": text}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        return response.content.decode()

    assert "Your ballot is still on the board at position 3" in check(receipts[2])
    rewrite_board(world.election, [1, 2, 4])
    page = check(receipts[2])
    assert "Warning: proof that the board was rewritten." in page
    assert receipts[2]["head"]["hash"] in page
    assert "(the board is shorter)" in check(receipts[3])
    assert "Your ballot is still on the board at position 1" in check(receipts[0])
    assert "This is not a valid receipt" in check(forged(receipts[0]))
    assert "This is not a receipt" in check("{not json")
    dari = check(receipts[2], "fa-af")
    assert "هشدار: اثبات اینکه تابلوی اعلانات بازنویسی شده است." in dari
    pashto = check(forged(receipts[0]), "ps")
    assert "دا معتبر رسید نه دی" in pashto
    # The form is on the page and the look-up by tracker still works.
    page = client.get(url, {"t": receipts[0]["tracker"]}).content.decode()
    assert 'name="receipt"' in page and "Found at position 1" in page
