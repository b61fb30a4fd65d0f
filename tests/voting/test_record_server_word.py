"""The record's ``roll`` and ``poll`` lines are no longer the server's word alone (outside review,
issue 11): a server that marks every roll entry issued (raising the bound "counted credentials ≤
issued") or moves the poll's hours (widening the hours its entries may carry) made a record that
passed every check. Now each roll entry marked issued must be listed by k issuers' signed ledgers
(2k listings if re-issued), and the poll must lie within the manifest's schedule; the organizer
cannot open the poll before its scheduled time, so an honest record always does."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.voting.test_verifier_rules import _index, _line
from voting.clients import Voter
from voting.exceptions import WrongState
from voting.models import ElectionState, RollEntry
from voting.selectors import record_lines
from voting.services import credentials, lifecycle
from voting.simulation import issue_credentials
from voting.verify.record import verify_record

CHOICE = [[0], [1, 2], [2, 0, 1]]


def _half_issued(world, *, unused_reissue: bool = False) -> list[str]:
    """A published record where 2 of the 4 voters on the roll obtained a credential and voted;
    with ``unused_reissue`` the organizer also authorised a re-issue the voter never claimed."""
    world.open_credentials()
    holders = [Voter(world.election.manifest, world.election.fingerprint_bytes) for _ in range(2)]
    issue_credentials(
        world.election, list(zip(world.voter_members[:2], holders, strict=True)), world.issuers()
    )
    if unused_reissue:
        entry = RollEntry.objects.get(membership=world.voter_members[0])
        credentials.authorize_reissue(
            election=world.election, actor=world.organizer, roll_id=entry.roll_id, reason="lost"
        )
    world.voters.extend(holders)
    world.open_poll()
    for voter in holders:
        assert world.cast(voter.ballot(CHOICE, world.head())[0]).status_code == 201
    world.close_and_tally()
    world.move(ElectionState.PUBLISHED)
    return [line.decode() for line in record_lines(world.refresh())]


@pytest.fixture
def half_issued(world) -> list[str]:
    return _half_issued(world)


def _failed_checks(lines: list[str]) -> dict[str, list[str]]:
    report = verify_record(lines, workers=1)
    return {key: check.failures for key, check in report.checks.items() if not check.ok}


def _rewrite(lines: list[str], kind: str, change) -> list[str]:
    lines = lines[:]
    index = _index(lines, kind)
    item = json.loads(lines[index])
    change(item)
    lines[index] = _line(item)
    return lines


def test_the_honest_record_passes(half_issued):
    assert _failed_checks(half_issued) == {}


def test_a_re_issue_authorised_but_never_claimed_leaves_the_record_valid(world):
    """The roll's ``reissued`` says a second credential was requested, not that one was
    allowed: an organizer's authorisation the voter never used made an honest record fail."""
    lines = _half_issued(world, unused_reissue=True)
    roll = json.loads(lines[_index(lines, "roll")])
    assert roll["reissued"] == 0 and not any(e["reissued"] for e in roll["entries"])
    assert _failed_checks(lines) == {}


def test_a_roll_marked_all_issued_fails_the_issued_check(half_issued):
    def all_issued(roll):
        for entry in roll["entries"]:
            entry["issued"] = True
        roll["issued"] = len(roll["entries"])

    failed = _failed_checks(_rewrite(half_issued, "roll", all_issued))
    assert set(failed) == {"issued"}, failed
    assert (
        sum("is marked issued, but 0 issuers' ledgers list it" in f for f in failed["issued"]) == 2
    )
    assert "2 roll entries marked issued are not backed by the ledgers" in failed["issued"]


def test_a_roll_entry_marked_re_issued_without_a_second_credential_fails(half_issued):
    def reissued(roll):
        entry = next(e for e in roll["entries"] if e["issued"])
        entry["reissued"] = True
        roll["reissued"] += 1

    failed = _failed_checks(_rewrite(half_issued, "roll", reissued))
    assert set(failed) == {"issued"}, failed
    assert "it needs 2 ledgers and 4 listings (re-issued)" in failed["issued"][0]


def test_a_ledger_left_out_leaves_issued_flags_unbacked(half_issued):
    def drop_one(issuers):
        issuers["ledgers"] = issuers["ledgers"][1:]

    failed = _failed_checks(_rewrite(half_issued, "issuers", drop_one))
    # The ledgers check names the counted credentials its signatures exceed; this one the flags.
    assert set(failed) == {"issued", "ledgers"}, failed
    assert "1 issuers' ledgers list it (1 times); it needs 2 ledgers" in failed["issued"][0]


def _shift(hour: str, hours: int) -> str:
    from datetime import datetime

    moment = datetime.strptime(hour, "%Y-%m-%dT%H:%M:%SZ") + timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:00:00Z")


@pytest.mark.parametrize(
    "member, hours, message",
    [
        ("opened", -72, "before the schedule's opening hour"),
        ("closed", 24 * 5, "after the schedule's closing hour"),
    ],
)
def test_poll_hours_moved_outside_the_schedule_fail_the_poll_check(
    half_issued, member, hours, message
):
    def move(poll):
        poll[member] = _shift(poll[member], hours)

    failed = _failed_checks(_rewrite(half_issued, "poll", move))
    assert set(failed) == {"poll"}, failed
    assert message in failed["poll"][0]


def test_the_schedule_bounds_the_poll_to_the_hour(half_issued):
    manifest = json.loads(half_issued[_index(half_issued, "manifest")])["manifest"]
    poll = json.loads(half_issued[_index(half_issued, "poll")])
    opens, closes = manifest["schedule"]["opens"], manifest["schedule"]["closes"]
    assert poll["opened"] >= opens[:13] + ":00:00Z"
    assert poll["closed"] <= closes[:13] + ":00:00Z"


def test_an_organizer_cannot_open_the_poll_before_its_scheduled_time(world):
    world.election.opens_at = timezone.now() + timedelta(hours=2)
    world.election.closes_at = timezone.now() + timedelta(days=2)
    world.election.save()
    world.open_credentials()
    with pytest.raises(WrongState) as refused:
        world.move(ElectionState.OPEN)
    assert "cannot open before its scheduled time" in str(refused.value.message)
    assert world.refresh().state == ElectionState.CREDENTIALS
    lifecycle.advance_scheduled(now=world.election.opens_at)
    assert world.refresh().state == ElectionState.OPEN
