"""Issue 11: rules of docs/protocol.md and docs/elections.md that the verifier did not check, each
as an attack over a real record (real cryptography, exported as the server exports it).

- a ballot re-using an audited entry's ciphertexts (new nonce, new proofs: the reveal gives the
  randomness) is cast and counted; two counted ballots share ciphertexts (a copied answer kept
  under the target's nonce, the rest re-encrypted, so the tracker differs);
- a key-ceremony share left out of the record;
- non-canonical lines, lines out of the order of §8, a line type missing;
- an altered audited reveal (named as a bad reveal, apart from the chain);
- entries outside the poll's hours, or going back in time;
- malformed input anywhere gives a report, never an exception (property test).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.voting.test_verifier import _append_entry, _entries, _failed, _last_head, make_record
from voting.clients import Voter, choice_vector
from voting.clients import tracker as tracker_of_ballot
from voting.crypto.group import Point, Scalar, int8
from voting.crypto.question import encrypt_question
from voting.crypto.ranking import RankingOpening, encrypt_ranking
from voting.crypto.serialization import canonical_json, from_json, to_json
from voting.models import BoardHead, CiphertextUse, ElectionState
from voting.selectors import record_lines
from voting.verify import board as chain
from voting.verify.canonical import dumps
from voting.verify.election import ballot_context, shapes
from voting.verify.record import verify_record

CHOICE = [[0], [1, 2], [2, 0, 1]]
OTHER = [[1], [0], [0, 1, 2]]


@pytest.fixture
def record(world) -> list[str]:
    return make_record(world)


def _published(world) -> list[str]:
    world.close_and_tally()
    world.move(ElectionState.PUBLISHED)
    return [line.decode() for line in record_lines(world.refresh())]


def _line(item: dict[str, Any]) -> str:
    """A record line, canonical (integers beyond 2^53 included: the verifier must refuse them)."""
    return canonical_json(item).decode() + "\n"


def _index(lines: list[str], kind: str) -> int:
    return next(i for i, line in enumerate(lines) if json.loads(line)["type"] == kind)


class _Replaying:
    """Nonces for ``encrypt_question`` that encrypt with the given ``r_i`` (draws 0, 4, 8, …:
    each 0/1 proof draws three) and draw every proof nonce afresh."""

    def __init__(self, randomness: list[str]) -> None:
        self.randomness = [Scalar.from_hex(r) for r in randomness]
        self.count = 0

    def draw(self) -> Scalar:
        index, self.count = self.count, self.count + 1
        if index % 4 == 0 and index // 4 < len(self.randomness):
            return self.randomness[index // 4]
        return Scalar.random()


def _reencrypted(voter: Voter, sealed: dict, reveal: list, *, nonce: bytes) -> dict:
    """The audited ballot's very ciphertexts of its single and approval questions, proven anew
    under another nonce (anyone can: the reveal gives each ciphertext's randomness); a ranked
    question is ranked afresh in the order the reveal opens to."""
    joint = Point.from_hex(voter.manifest["joint_public_key"])
    context = ballot_context(voter.fingerprint, nonce)
    answers = []
    for q, (shape, revealed) in enumerate(zip(shapes(voter.manifest), reveal, strict=True)):
        if shape.kind == "ranked":
            order = from_json(RankingOpening, revealed).order()
            answers.append(to_json(encrypt_ranking(context + int8(q), joint, order)))
            continue
        part = shape.parts[0]
        encrypted = encrypt_question(
            context + part.suffix,
            joint,
            revealed["votes"],
            part.low,
            part.high,
            _Replaying(revealed["randomness"]),
        )
        answers.append(to_json(encrypted))
    return {"election": sealed["election"], "nonce": nonce.hex(), "answers": answers}


def _a_values(ballot: dict) -> set[str]:
    """The ciphertexts ``A`` of the single and approval answers."""
    found = set()
    for answer in ballot["answers"]:
        if "pairs" not in answer:
            found |= {ct["a"] for ct in answer["ciphertexts"]}
    return found


# -- ciphertexts shared with an audit or between counted ballots ---------------------------------


@pytest.mark.sqlite  # the refusal once answered 503 on SQLite only
def test_audited_ciphertexts_cast_under_a_new_nonce_and_counted_are_refused(world):
    world.open_poll()
    auditor, caster = world.voters[0], world.voters[1]
    audit = auditor.audit(CHOICE)
    assert world.cast(audit, path="audit").status_code == 201
    # The reveal is public: anyone re-proves the same ciphertexts under a fresh nonce, and a
    # credential holder casts them. The tracker differs, every proof verifies.
    sealed = _reencrypted(caster, audit["ballot"], audit["reveal"], nonce=b"\x07" * 32)
    assert tracker_of_ballot(sealed) != tracker_of_ballot(audit["ballot"])
    assert _a_values(sealed) == _a_values(audit["ballot"])
    signed = caster.sign(sealed, world.head())
    # The ballot box refuses it, writing nothing (anyone could otherwise make the record fail):
    count = BoardHead.objects.get(election=world.election).count
    refused = world.cast(signed)
    assert refused.status_code == 409 and refused.json()["error"] == "reused_ciphertext"
    assert BoardHead.objects.get(election=world.election).count == count
    assert world.election.board.count() == count
    # A server that skips that check (its table emptied) is caught by the verifier.
    CiphertextUse.objects.filter(election=world.election).delete()
    cast = world.cast(signed)
    assert cast.status_code == 201, cast.content
    world.cast(world.voters[2].ballot(OTHER, world.head())[0])
    lines = _published(world)
    failed = _failed(lines)
    assert failed.keys() == {"copies"}, failed
    assert failed["copies"] == [
        "the counted ballot at position 2 shares a ciphertext A with the audited entry at "
        "position 1"
    ]


def test_an_audited_ballot_cast_with_its_own_tracker_is_named_in_the_chain(record, world):
    # The same-tracker case (v2): the audited sealed ballot signed and appended as a cast one.
    lines = record[:]
    audited = next(json.loads(lines[i]) for i in _entries(lines) if '"audited"' in lines[i])
    position = _append_entry(lines, world.voters[3].sign(audited["ballot"], _last_head(lines)))
    failed = _failed(lines)
    assert any(
        f"entry {position}: tracker" in f and f"already at position {audited['position']}" in f
        for f in failed["chain"]
    ), failed


@pytest.mark.sqlite  # the refusal once answered 503 on SQLite only
def test_two_counted_ballots_sharing_ciphertexts_are_refused(world):
    world.open_poll()
    target, copier = world.voters[0], world.voters[1]
    ballot, _ = target.ballot(CHOICE, world.head())
    assert world.cast(ballot).status_code == 201
    # The copier keeps the target's nonce and its (approval) answer with the proofs made for it,
    # and seals its own other answers under the same nonce: a new tracker, valid proofs.
    nonce = bytes.fromhex(ballot["nonce"])
    joint = Point.from_hex(copier.manifest["joint_public_key"])
    context = ballot_context(copier.fingerprint, nonce)
    answers = []
    for q, shape in enumerate(shapes(copier.manifest)):
        if q == 1:
            answers.append(ballot["answers"][1])
            continue
        if shape.kind == "ranked":
            answers.append(to_json(encrypt_ranking(context + int8(q), joint, OTHER[q])))
            continue
        part = shape.parts[0]
        vector = choice_vector(copier.manifest, q, OTHER[q])
        answers.append(
            to_json(encrypt_question(context + part.suffix, joint, vector, part.low, part.high))
        )
    copy = {"election": ballot["election"], "nonce": ballot["nonce"], "answers": answers}
    signed = copier.sign(copy, world.head())
    refused = world.cast(signed)
    assert refused.status_code == 409 and refused.json()["error"] == "reused_ciphertext"
    # A server that skips that check (its table emptied) is caught by the verifier.
    CiphertextUse.objects.filter(election=world.election).delete()
    response = world.cast(signed)
    assert response.status_code == 201, response.content
    lines = _published(world)
    failed = _failed(lines)
    assert failed.keys() == {"copies"}, failed
    assert failed["copies"] == [
        "the counted ballot at position 2 shares a ciphertext A with the counted ballot at "
        "position 1"
    ]


# -- the key ceremony ----------------------------------------------------------------------------


def test_a_missing_ceremony_share_is_named(record):
    lines = record[:]
    index = _index(lines, "ceremony")
    ceremony = json.loads(lines[index])
    dropped = ceremony["shares"].pop(3)
    lines[index] = _line(ceremony)
    failed = _failed(lines)
    assert failed.keys() == {"ceremony"}, failed
    assert failed["ceremony"] == [
        f"the encrypted share from trustee {dropped['sender']} to trustee "
        f"{dropped['recipient']} is missing"
    ]


# -- canonical lines in order ---------------------------------------------------------------------


def _spaced(line: str) -> str:
    return json.dumps(json.loads(line), sort_keys=True, ensure_ascii=False) + "\n"


def _unsorted(line: str) -> str:
    item = json.loads(line)
    return (
        json.dumps(dict(reversed(list(item.items()))), separators=(",", ":"), ensure_ascii=False)
        + "\n"
    )


def _escaped(line: str) -> str:
    return json.dumps(json.loads(line), sort_keys=True, separators=(",", ":")) + "\n"


@pytest.mark.parametrize(
    "kind, rewrite, message",
    [
        ("manifest", _spaced, "line 1: the manifest line is not the canonical JSON"),
        ("manifest", _escaped, "line 1: the manifest line is not the canonical JSON"),
        ("roll", _unsorted, "line 3: the roll line is not the canonical JSON"),
        ("entry", _spaced, "entry 1: the line is not the canonical JSON of its entry"),
        ("entry", _unsorted, "entry 1: the line is not the canonical JSON of its entry"),
        ("results", lambda line: line[:-1], "the results line is not the canonical JSON"),
    ],
)
def test_a_non_canonical_line_is_named(record, kind, rewrite, message):
    lines = record[:]
    index = _index(lines, kind)
    lines[index] = rewrite(lines[index])
    assert lines[index] != record[index]
    failed = _failed(lines)
    assert any(message in f for f in failed["format"]), failed
    assert set(failed) == {"format"}, failed


@pytest.mark.parametrize(
    "change, message",
    [
        ("swap head and tally", "a head line after a tally line"),
        ("results before decryptions", "a decryption line after a results line"),
        ("second head", "a second head line"),
        ("entry after the head", "an entry line after the board"),
        ("no poll line", "no poll line"),
        ("poll before issuers", "issuers line after a poll line"),
        ("no issuers line", "no issuers line"),
        ("no tally line", "no tally line"),
    ],
)
def test_lines_out_of_order_or_missing_are_named(record, change, message):
    lines = record[:]
    head, tally = _index(lines, "head"), _index(lines, "tally")
    if change == "swap head and tally":
        lines[head], lines[tally] = lines[tally], lines[head]
    elif change == "results before decryptions":
        lines.insert(tally + 1, lines.pop())
    elif change == "second head":
        lines.insert(head, lines[head])
    elif change == "entry after the head":
        lines.insert(head + 1, lines.pop(_entries(lines)[-1]))
    elif change == "no poll line":
        del lines[_index(lines, "poll")]
    elif change == "poll before issuers":
        issuers, poll = _index(lines, "issuers"), _index(lines, "poll")
        lines[issuers], lines[poll] = lines[poll], lines[issuers]
    elif change == "no issuers line":
        del lines[_index(lines, "issuers")]
    else:
        del lines[tally]
    failed = _failed(lines)
    assert any(message in f for f in failed["format"]), failed


# -- reveals ------------------------------------------------------------------------------------


def _rechain(lines: list[str], start: int) -> None:
    """Recompute the hash chain from the entry at ``start`` on, as a forger would."""
    previous = None
    for index in _entries(lines):
        entry = json.loads(lines[index])
        if entry["position"] < start:
            previous = entry["hash"]
            continue
        entry["previous"] = previous = previous or entry["previous"]
        reveal = dumps(entry["reveal"]) if entry["kind"] == "audited" else b""
        entry["hash"] = chain.entry_hash(
            bytes.fromhex(previous),
            entry["position"],
            entry["kind"],
            entry["hour"],
            bytes.fromhex(entry["tracker"]),
            bytes.fromhex(entry["digest"]),
            reveal,
        ).hex()
        previous = entry["hash"]
        lines[index] = _line(entry)


@pytest.mark.parametrize("rechained", [False, True])
def test_an_altered_reveal_is_named_as_a_bad_reveal(record, rechained):
    lines = record[:]
    index = next(i for i in _entries(lines) if '"kind":"audited"' in lines[i])
    entry = json.loads(lines[index])
    votes = entry["reveal"][0]["votes"]
    votes[0], votes[1] = votes[1], votes[0]  # the auditor's single choice, moved
    lines[index] = _line(entry)
    if rechained:
        _rechain(lines, entry["position"])
    failed = _failed(lines)
    assert failed["reveals"] == [
        f"bad reveal at position {entry['position']} (question 0, part 0: "
        "the revealed choices do not match the ballot)"
    ], failed
    chain_says = [f for f in failed.get("chain", []) if f"entry {entry['position']}:" in f]
    if rechained:
        # The chain is consistent (the forger re-hashed it): only the signed head betrays it.
        assert not chain_says and "head" in failed, failed
    else:
        assert chain_says == [f"entry {entry['position']}: its hash does not match its content"]


# -- poll hours ---------------------------------------------------------------------------------


def _shift(hour: str, hours: int) -> str:
    from datetime import datetime, timedelta

    moment = datetime.strptime(hour, "%Y-%m-%dT%H:%M:%SZ") + timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:00:00Z")


def test_the_record_carries_the_poll_hours_and_entries_lie_within(record, world):
    poll = json.loads(record[_index(record, "poll")])
    election = world.refresh()
    assert poll == {
        "type": "poll",
        "opened": election.opened_hour.strftime("%Y-%m-%dT%H:00:00Z"),
        "closed": election.closed_hour.strftime("%Y-%m-%dT%H:00:00Z"),
    }
    assert verify_record(record, workers=1).ok
    # The poll "closed" an hour before the last entry was appended.
    lines = record[:]
    last = json.loads(lines[_entries(lines)[-1]])
    lines[_index(lines, "poll")] = _line(
        {**poll, "closed": _shift(last["hour"], -1), "opened": _shift(last["hour"], -2)}
    )
    failed = _failed(lines)
    assert failed.keys() == {"poll"}, failed
    assert (
        f"entry {last['position']}: its hour {last['hour']} is outside the poll"
        in (failed["poll"][-1])
    )


def test_an_entry_whose_hour_goes_back_is_named(record):
    lines = record[:]
    poll = json.loads(record[_index(record, "poll")])
    lines[_index(lines, "poll")] = _line({**poll, "closed": _shift(poll["closed"], 2)})
    first = json.loads(lines[_entries(lines)[0]])
    first["hour"] = _shift(first["hour"], 1)
    lines[_entries(lines)[0]] = _line(first)
    _rechain(lines, 1)
    failed = _failed(lines)
    assert (
        "entry 2: its hour" in failed["poll"][0]
        and "before the previous entry's" in (failed["poll"][0])
    ), failed


# -- an election with no ballot -----------------------------------------------------------------


def test_a_record_with_no_ballot_verifies(world):
    world.open_poll()
    lines = _published(world)
    kinds = [json.loads(line)["type"] for line in lines]
    assert kinds == ["manifest", "ceremony", "roll", "issuers", "poll", "head", "tally", "results"]
    head = json.loads(lines[5])["head"]
    assert head["count"] == 0
    assert head["hash"] == chain.genesis(world.election.fingerprint_bytes).hex()
    tally = json.loads(lines[6])["tally"]
    assert tally["counted"] == 0
    assert {ct["a"] for q in tally["questions"] for ct in q} == {"00" * 32}
    report = verify_record(lines, workers=1)
    assert report.ok, "\n".join(report.lines())


# -- malformed input: a report, never an exception --------------------------------------------

MALFORMED = [
    ("roll", ("issued",), lambda v: str(v), "roll", "the issued count must be an integer"),
    ("roll", ("reissued",), lambda v: False, "roll", "the re-issued count must be an integer"),
    ("head", ("head", "signature"), str.upper, "head", "signature must be lowercase hex"),
    ("head", ("head", "count"), lambda v: float(v), "format", "unreadable"),
    ("tally", ("tally", "questions", 0, 0, "a"), lambda v: "ff" * 32, "aggregate", "canonical"),
    ("tally", ("tally", "counted"), lambda v: True, "aggregate", "counted must be an integer"),
    ("decryption", ("trustee",), lambda v: str(v), "shares", "trustee must be an integer"),
    ("ceremony", ("shares", 0, "ct"), str.upper, "ceremony", "lowercase hex"),
    ("ceremony", ("complaints",), lambda v: {}, "ceremony", "complaints must be a list"),
    # true where the number 1 belongs: equal in Python, not in JSON.
    ("results", ("results", "questions", 0, "blank"), lambda v: v == 1, "results", "question 0"),
]


@pytest.mark.parametrize("kind, path, change, check, message", MALFORMED)
def test_a_malformed_member_is_a_named_failure(record, kind, path, change, message, check):
    lines = record[:]
    index = _index(lines, kind)
    item = json.loads(lines[index])
    before = _get(item, path)
    lines[index] = (
        json.dumps(_replace(item, path, change(before)), sort_keys=True, separators=(",", ":"))
        if kind == "head" and path[-1] == "count"
        else _line(_replace(item, path, change(before))).rstrip("\n")
    ) + "\n"
    failed = _failed(lines)
    assert any(message in f for f in failed[check]), failed


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _replace(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    value[path[0]] = _replace(value[path[0]], path[1:], new)
    return value


JSON_VALUES = st.one_of(
    st.integers(-(2**60), 2**60),
    st.booleans(),
    st.text(max_size=8),
    st.lists(st.integers(0, 3), max_size=3),
    st.dictionaries(st.sampled_from(["a", "b", "type"]), st.integers(0, 3), max_size=2),
    st.just("AB" * 32),
)


def _json_type(value: Any) -> str:
    return "number" if type(value) is int else type(value).__name__


def _mutated(draw, lines: list[str]) -> list[str]:
    """One mutation of one line of ``lines``: truncated, dropped, duplicated, moved, a hex string
    in upper case, a number as a string, or any member given a value of another JSON type."""
    lines = lines[:]
    index = draw(st.integers(0, len(lines) - 1))
    how = draw(
        st.sampled_from(["truncate", "drop", "duplicate", "swap", "upper", "retype", "number"])
    )
    line = lines[index]
    if how == "truncate":
        lines[index] = line[: draw(st.integers(0, len(line) - 2))] + "\n"
    elif how == "drop":
        del lines[index]
    elif how == "duplicate":
        lines.insert(index, line)
    elif how == "swap":
        other = draw(st.integers(0, len(lines) - 1))
        assume(lines[other] != line)
        lines[index], lines[other] = lines[other], line
    elif how == "upper":
        # One lowercase hex string in upper case.
        item = json.loads(line)
        hexes = [
            p
            for p in _paths(item)
            if isinstance(_get(item, p), str)
            and len(_get(item, p)) >= 64
            and all(c in "0123456789abcdef" for c in _get(item, p))
            and any(c in "abcdef" for c in _get(item, p))
        ]
        assume(hexes)
        path = draw(st.sampled_from(hexes))
        lines[index] = _line(_replace(item, path, _get(item, path).upper()))
    elif how == "number":
        # A number written as a string.
        item = json.loads(line)
        numbers = [p for p in _paths(item) if type(_get(item, p)) is int]
        assume(numbers)
        path = draw(st.sampled_from(numbers))
        lines[index] = _line(_replace(item, path, str(_get(item, path))))
    else:
        # Any member or item replaced by a value of another JSON type (never null: a registrar
        # may be null or a pseudonym).
        item = json.loads(line)
        path = draw(st.sampled_from(_paths(item)[1:]))
        new = draw(JSON_VALUES)
        assume(_json_type(new) != _json_type(_get(item, path)))
        lines[index] = _line(_replace(item, path, new))
    return lines


def _get(value: Any, path: tuple) -> Any:
    for key in path:
        value = value[key]
    return value


def test_malformed_records_give_a_failed_report_never_an_exception(record):
    assert verify_record(record, workers=1).ok

    @settings(
        max_examples=int(os.environ.get("VERIFIER_FUZZ_EXAMPLES", "60")),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=True,
    )
    @given(st.data())
    def check(data):
        lines = _mutated(data.draw, record)
        report = verify_record(lines, workers=1)
        assert not report.ok, "\n".join(report.lines())
        assert all(isinstance(line, str) for line in report.lines())

    check()


def test_a_malformed_record_exits_1_on_the_command_line(record, tmp_path, capsys):
    from voting.verify.__main__ import main

    lines = record[:]
    tally = _index(lines, "tally")
    item = json.loads(lines[tally])
    item["tally"]["questions"][0][0]["a"] = "ff" * 32  # not a canonical ristretto255 point
    lines[tally] = _line(item)
    head = _index(lines, "head")
    lines[head] = lines[head][: len(lines[head]) // 2] + "\n"  # a truncated line
    path = tmp_path / "record.jsonl"
    path.write_text("".join(lines))
    assert main([str(path), "--workers", "1"]) == 1
    out = capsys.readouterr().out
    assert "VERIFICATION FAILED" in out and "Traceback" not in out
    assert "line " in out and "unreadable" in out


def test_invalid_utf8_and_crlf_line_ends_fail_the_record_check_on_the_command_line(
    record, tmp_path, capsys
):
    """Bytes that are not UTF-8 fail like any malformed line (no traceback); CRLF line ends are
    not the record's `\n` and are not repaired into it."""
    from voting.verify.__main__ import main

    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b"\xff\n" + "".join(record[1:]).encode())
    assert main([str(broken), "--workers", "1"]) == 1
    out = capsys.readouterr().out
    assert "VERIFICATION FAILED" in out and "Traceback" not in out
    crlf = tmp_path / "crlf.jsonl"
    crlf.write_bytes("".join(record).replace("\n", "\r\n").encode())
    assert main([str(crlf), "--workers", "1"]) == 1
    assert "[FAILED] record" in capsys.readouterr().out


def test_the_documented_checklist_has_one_line_per_printed_check():
    from pathlib import Path

    from voting.verify.record import CHECKS

    text = Path(__file__).resolve().parents[2].joinpath("docs", "elections.md").read_text()
    section = text[text.index("## 8. Election record") : text.index("## 9.")]
    numbered = [line for line in section.splitlines() if line[:3].rstrip(". ").isdigit()]
    assert len(numbered) == len(CHECKS)
    assert [int(line.split(".")[0]) for line in numbered] == list(range(1, len(CHECKS) + 1))
    # Each documented line starts with the words its printed line starts with.
    for line, (_, name) in zip(numbered, CHECKS, strict=True):
        assert name.lower().startswith(line.split("**")[1].lower()), (line, name)
