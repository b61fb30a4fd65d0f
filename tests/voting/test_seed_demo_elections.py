"""``seed_demo`` seeds a demo worth opening: rooms with posts in three languages, and a
convention in its voting phase with an election in its credential window, one open whose
credential codes work on the ballot page, and one published with real, verifiable results.
Twice in a row changes nothing."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from convention.models import AuditEntry, Convention, Phase
from deliberation.models import Post, Room
from voting.demo import VOTING_SLUG, credentials_file
from voting.models import BoardEntry, Election, ElectionState
from voting.selectors import record_lines
from voting.verify.record import verify_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_twice_gives_rooms_and_an_election_in_each_useful_state():
    started = time.perf_counter()
    first = seed()
    seconds = time.perf_counter() - started
    assert seconds < 60, seconds

    demo = Convention.objects.get(slug="demo")
    assert Room.objects.filter(convention=demo).count() >= 2
    languages = set(Post.objects.filter(room__convention=demo).values_list("language", flat=True))
    assert languages >= {"en", "fa-af", "ps"}

    voting = Convention.objects.get(slug=VOTING_SLUG)
    assert voting.phase == Phase.VOTING
    states = {e.state: e for e in Election.objects.filter(convention=voting)}
    assert set(states) == {ElectionState.CREDENTIALS, ElectionState.OPEN, ElectionState.PUBLISHED}

    published = states[ElectionState.PUBLISHED]
    assert published.results is not None
    lines = [line.decode() for line in record_lines(published)]
    assert verify_record(lines, workers=1).ok

    opened = states[ElectionState.OPEN]
    assert BoardEntry.objects.filter(election=opened).exists()
    codes = credentials_file().read_text()
    assert codes.count("mashwara-credential-2:") == 2 and str(opened.uuid) in codes
    assert "mashwara-credential-2:" in first and "What to try" in first

    # A demo voter finds the credential window from the convention page.
    client = Client()
    client.login(username="demo-participant-c", password="demo-pass-2026")
    page = client.get(reverse("convention:detail", args=[VOTING_SLUG])).content.decode()
    window = states[ElectionState.CREDENTIALS]
    assert reverse("voting:credential_page", args=[window.uuid]) in page
    assert reverse("voting:ballot", args=[opened.uuid]) in page

    counts = (Election.objects.count(), Post.objects.count(), AuditEntry.objects.count())
    second = seed()
    assert counts == (Election.objects.count(), Post.objects.count(), AuditEntry.objects.count())
    assert "mashwara-credential-2:" not in second and "saved in" in second
