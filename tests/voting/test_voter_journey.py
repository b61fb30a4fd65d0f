"""The voter's journey from the home page to the ballot, in the voter's language: the elections
are found from the convention page and the home page, a voter is never silently blocked by the
convention's phase, and times read as the reader reads them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from convention.dates import date_text, format_moment, solar_hijri
from convention.models import Phase
from voting.exceptions import WrongState
from voting.models import ElectionState
from voting.services import lifecycle

ISO = re.compile(r"\d{4}-\d{2}-\d{2}T?\s?\d{2}:\d{2}|\d{4}-\d{2}-\d{2}")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def signed_in(membership, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(membership.user)
    return client


# -- 1. finding the election ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_convention_page_and_home_show_a_voter_the_election_and_what_to_do(world):
    world.open_credentials()
    voter = world.voter_members[0]
    client = signed_in(voter)
    for url in (reverse("convention:detail", args=[world.convention.slug]), "/"):
        page = client.get(url).content.decode()
        assert reverse("voting:detail", args=[world.election.uuid]) in page, url
        assert reverse("voting:credential_page", args=[world.election.uuid]) in page, url
        assert "Get your credential before" in page
    world.obtain_credentials()
    world.move(ElectionState.OPEN)
    page = signed_in(voter).get(reverse("convention:detail", args=[world.convention.slug]))
    html = page.content.decode()
    assert reverse("voting:ballot", args=[world.election.uuid]) in html
    assert "Voting closes" in html
    # A visitor sees the open election too, as an observer can follow it.
    visitor = Client().get(reverse("convention:detail", args=[world.convention.slug]))
    assert reverse("voting:detail", args=[world.election.uuid]) in visitor.content.decode()


@pytest.mark.django_db
def test_a_trustee_finds_the_key_ceremony_from_the_convention_page(world):
    world.move(ElectionState.KEY_CEREMONY)
    page = signed_in(world.trustee_members[0]).get(
        reverse("convention:detail", args=[world.convention.slug])
    )
    assert reverse("voting:trustee_page", args=[world.election.uuid]) in page.content.decode()


# -- 3. the convention's phase and the election's state never disagree silently ------------------


@pytest.mark.django_db
def test_the_election_cannot_open_its_credential_window_outside_the_voting_phase(world):
    world.run_ceremony()
    world.convention.phase = Phase.DELIBERATION
    world.convention.save()
    with pytest.raises(WrongState) as refused:
        world.move(ElectionState.CREDENTIALS)
    assert "voting phase" in str(refused.value.message)
    assert world.refresh().state == ElectionState.KEY_CEREMONY
    # The scheduler waits too, and the organizer's control page says why.
    lifecycle.advance_scheduled(now=world.election.opens_at)
    assert world.refresh().state == ElectionState.KEY_CEREMONY
    control = signed_in(world.organizer).get(
        reverse("voting:organize_control", args=[world.convention.slug, world.election.uuid])
    )
    assert "while the convention is not in its voting phase" in control.content.decode()


@pytest.mark.django_db
def test_a_voter_blocked_by_the_convention_phase_is_told_why(world):
    world.open_credentials()
    world.convention.phase = Phase.DELIBERATION  # moved back after the window opened
    world.convention.save()
    client = signed_in(world.voter_members[0])
    for url in (
        reverse("voting:detail", args=[world.election.uuid]),
        reverse("convention:detail", args=[world.convention.slug]),
    ):
        html = client.get(url).content.decode()
        assert "the convention must be in its voting phase" in html, url
        assert reverse("voting:credential_page", args=[world.election.uuid]) not in html
    control = signed_in(world.organizer).get(
        reverse("voting:organize_control", args=[world.convention.slug, world.election.uuid])
    )
    assert "Move the convention to its voting phase first" in control.content.decode()


# -- 5. dates as the reader reads them ------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 21), (1405, 1, 1)),  # Nowruz: 1 Hamal 1405
        (date(2025, 3, 21), (1404, 1, 1)),
        (date(2026, 12, 3), (1405, 9, 12)),  # 12 Qaws 1405
        (date(2026, 12, 22), (1405, 10, 1)),  # 1 Jadi 1405
    ],
)
def test_solar_hijri_conversions(day, expected):
    assert solar_hijri(day) == expected


def test_dates_use_afghan_month_names_and_eastern_digits():
    assert date_text(date(2026, 3, 21), "fa-af") == "۱ حمل ۱۴۰۵"
    assert date_text(date(2026, 3, 21), "ps") == "۱ وری ۱۴۰۵"
    assert date_text(date(2026, 12, 3), "ps") == "۱۲ لیندۍ ۱۴۰۵"
    assert date_text(date(2026, 12, 3), "en") == "3 December 2026"
    html = format_moment(datetime(2026, 12, 3, 15, 0, tzinfo=UTC), "deadline", "fa-af")
    assert "۱۲ قوس ۱۴۰۵، ۱۵:۰۰" in html
    assert '<bdi dir="ltr">UTC</bdi>' in html
    # the Gregorian date beside a deadline, kept on one line
    assert '<bdi dir="ltr" class="gregorian">3 Dec 2026</bdi>' in html
    assert "فروردین" not in html and "آذر" not in html  # never Iran's month names
    with translation.override("ps"):
        assert "لیندۍ" in format_moment("2026-12-03T15:00:00Z")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fa-af", "ps"])
def test_a_dari_or_pashto_schedule_shows_no_raw_iso_time(world, language):
    world.election.credentials_at = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)
    world.election.opens_at = datetime(2027, 3, 21, 15, 0, tzinfo=UTC)
    world.election.closes_at = datetime(2027, 3, 22, 15, 0, tzinfo=UTC)
    world.election.save()
    world.move(ElectionState.KEY_CEREMONY)
    for url in (
        reverse("voting:detail", args=[world.election.uuid]),
        reverse("voting:organize_control", args=[world.convention.slug, world.election.uuid]),
    ):
        response = signed_in(world.organizer, language).get(url)
        assert response.status_code == 200
        html = response.content.decode()
        text = visible_text(html)
        assert not ISO.search(text), (url, ISO.search(text))
        assert "۱ " + ("حمل" if language == "fa-af" else "وری") + " ۱۴۰۶" in text
        assert "۲۹ " + ("حوت" if language == "fa-af" else "کب") + " ۱۴۰۵" in text
        assert '<bdi dir="ltr">UTC</bdi>' in html


# -- 8. voter pages speak the voter's language -----------------------------------------------


def outside_details(html: str) -> str:
    return visible_text(re.sub(r"<details\b.*?</details>", " ", html, flags=re.S))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fa-af", "ps"])
def test_the_voters_election_page_keeps_cryptographic_detail_for_observers(world, language):
    world.open_credentials()
    html = (
        signed_in(world.voter_members[0], language)
        .get(reverse("voting:detail", args=[world.election.uuid]))
        .content.decode()
    )
    text = outside_details(html)
    assert "SHA256F" not in text
    assert not re.search(r"[0-9a-f]{32,}", text), "no hex roll id or fingerprint in plain view"
    entry = world.election.roll.get(membership=world.voter_members[0])
    assert entry.roll_id in html and "SHA256F" in html  # still there, behind "details"
    assert "<details" in html


@pytest.mark.django_db
def test_the_ballots_main_button_does_not_say_encrypt(world):
    world.open_poll()
    html = Client().get(reverse("voting:ballot", args=[world.election.uuid])).content.decode()
    button = re.search(r'<button type="submit" id="encrypt-button">(.*?)</button>', html)[1]
    assert "ncrypt" not in button


# -- 10. nothing stale -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_schedule_speaks_in_the_past_once_voting_opened_and_closed(world):
    world.open_poll()
    url = reverse("voting:detail", args=[world.election.uuid])
    text = visible_text(Client().get(url).content.decode())
    assert "Voting opened" in text and "Voting opens" not in text
    assert "Voting closes" in text
    world.move(ElectionState.CLOSED)
    text = visible_text(Client().get(url).content.decode())
    assert "Voting closed" in text and "Voting closes" not in text


@pytest.mark.django_db
def test_the_trustee_page_does_not_ask_to_continue_a_completed_ceremony(world):
    world.run_ceremony()
    assert world.election.fingerprint and world.election.state == ElectionState.KEY_CEREMONY
    html = (
        signed_in(world.trustee_members[0])
        .get(reverse("voting:trustee_page", args=[world.election.uuid]))
        .content.decode()
    )
    assert 'data-stage="idle"' in html
    assert "The key ceremony is complete" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ("issuer key", "queue", "issuer daemon")),
        ("fa-af", ("کلید صادرکنندهٔ", "صف", "برنامهٔ صادرکننده")),
        ("ps", ("صادروونکي کلی", "کتار", "صادروونکي پروګرام")),
    ],
)
def test_the_completed_ceremony_note_tells_the_trustee_about_issuing_credentials(
    world, language, words
):
    world.run_ceremony()
    html = (
        signed_in(world.trustee_members[0], language)
        .get(reverse("voting:trustee_page", args=[world.election.uuid]))
        .content.decode()
    )
    note = re.search(r'<p class="notice" id="ceremony-done">(.*?)</p>', html, re.S).group(1)
    for word in words:
        assert word in note, (word, note)
    assert '<code dir="ltr">python -m voting.issuer</code>' in note
    assert "nothing more for you to do" not in note
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    assert ("1" if language == "en" else "۱") in heading, heading


@pytest.mark.django_db
def test_run_scheduler_moves_a_due_election(world):
    from django.core.management import call_command

    world.run_ceremony()
    world.election.credentials_at = world.election.credentials_at.replace(year=2020)
    # The world may open at once (tests/voting/world.py); here only the window is due.
    world.election.opens_at = world.election.closes_at - timedelta(days=1)
    world.election.save()
    call_command("run_scheduler", "--once")
    assert world.refresh().state == ElectionState.CREDENTIALS


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "trustees"),
    [
        ("en", "the election's trustees sign it"),
        ("fa-af", "امینان انتخابات"),
        ("ps", "د ټاکنو امانت‌داران"),
    ],
)
def test_the_credential_page_says_the_trustees_sign_not_the_server(world, language, trustees):
    world.open_credentials()
    html = (
        signed_in(world.voter_members[0], language)
        .get(reverse("voting:credential_page", args=[world.election.uuid]))
        .content.decode()
    )
    text = visible_text(html)
    assert trustees in text
    for wrong in (
        "before asking the server to sign it",
        "پیش از آن که از سرور بخواهد امضایش کند",
        "له سرور یې د لاسلیک غوښتنه",
    ):
        assert wrong not in text


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fa-af", "ps"])
def test_counts_and_question_numbers_use_the_readers_digits(world, language):
    """Dari and Pashto pages wrote their dates in Eastern digits but counts, positions and
    question numbers in Western ones, side by side in the same table."""
    world.open_credentials()
    client = signed_in(world.voter_members[0], language)
    detail = client.get(reverse("voting:detail", args=[world.election.uuid])).content.decode()
    cells = re.findall(r'<th scope="row">[^<]*</th><td>([^<]*)</td>', detail)
    assert len(cells) >= 5 and all(cell.strip() for cell in cells), cells
    assert not any(re.search("[0-9]", cell) for cell in cells), cells
    assert "۴" in cells  # four voters on the roll
    ballot = client.get(reverse("voting:ballot", args=[world.election.uuid])).content.decode()
    legends = re.findall(r'<legend dir="auto">([^ ]+) ', ballot)
    assert legends[:2] == ["۱.", "۲."], legends
    assert '<option value="1">۱</option>' in ballot


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("move", "label"),
    [
        ("open_credentials", "امین: درخواست‌های اعتبارنامهٔ رأی‌دهندگان را امضا کنید"),
        ("open_poll", "امین: دفتر صادرکنندهٔ خود را نشر کنید"),
    ],
)
def test_a_trustee_finds_the_issuer_work_from_the_convention_page(world, move, label):
    """Credentials need k of the n trustees' signatures, and each issuer publishes its ledger
    once the poll opens: the convention page offered trustees nothing between the ceremony and
    the decryption."""
    getattr(world, move)()
    trustee = world.trustee_members[0]
    convention_page = reverse("convention:detail", args=[world.convention.slug])
    link = f'<a class="button" href="{reverse("voting:trustee_page", args=[world.election.uuid])}">'
    if move == "open_poll":  # every issuer published its ledger: nothing left to do until closing
        assert link not in signed_in(trustee, "fa-af").get(convention_page).content.decode()
        world.election.trustees.filter(membership=trustee).update(ledger=None)
    html = signed_in(trustee, "fa-af").get(convention_page).content.decode()
    assert f"{link}{label}</a>" in html


@pytest.mark.django_db
def test_the_results_page_counts_in_the_readers_digits(world):
    world.open_poll()
    for voter in world.voters:
        assert (
            world.cast(voter.ballot([[0], [0, 1], [2, 0, 1]], world.head())[0]).status_code == 201
        )
    world.close_and_tally()
    world.move(ElectionState.PUBLISHED)
    html = signed_in(world.voter_members[0], "fa-af").get(
        reverse("voting:results", args=[world.election.uuid])
    )
    cells = re.findall(r"<td>([^<]*)</td>", html.content.decode())
    assert len(cells) > 10 and all(cells), cells  # counts, options, blank, the pairwise matrix
    assert not any(re.search("[0-9]", cell) for cell in cells), cells


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fa-af", "ps"])
def test_commands_in_sentences_are_isolated_left_to_right(world, language):
    """A command line inside a Dari or Pashto sentence was split and reordered ('RECORD --)'
    then '(receipts FILE.'): each is an isolated left-to-right <code>, translated or not."""
    world.open_credentials()
    trustee = signed_in(world.trustee_members[0], language).get(
        reverse("voting:trustee_page", args=[world.election.uuid])
    )
    html = trustee.content.decode()
    assert '<code dir="ltr">python -m voting.issuer</code>' in html
    assert '<code dir="ltr">python -m voting.trustee</code>' in html
    tracker = signed_in(world.voter_members[0], language).get(
        reverse("voting:tracker", args=[world.election.uuid])
    )
    assert '<code dir="ltr">python -m voting.verify RECORD --receipts FILE</code>' in (
        tracker.content.decode()
    )


@pytest.mark.django_db
def test_a_trustee_who_is_no_issuer_is_not_sent_to_sign_credential_requests(world):
    """The issuers are trustees 1..k (protocol §7): trustee k+1 has no queue to sign and no
    ledger to publish, so its convention page offers it nothing until the decryption."""
    world.open_credentials()
    last = world.election.trustees.order_by("-index").first()
    assert last.index > world.election.threshold
    convention_page = reverse("convention:detail", args=[world.convention.slug])
    link = reverse("voting:trustee_page", args=[world.election.uuid])
    assert link not in signed_in(last.membership, "fa-af").get(convention_page).content.decode()
    first = world.trustee_members[0]
    assert link in signed_in(first, "fa-af").get(convention_page).content.decode()
