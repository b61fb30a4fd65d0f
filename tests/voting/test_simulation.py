"""``simulate_election``: single-choice, approval and ranked questions, voters who audit before
casting and voters who cast again; the record it produces verifies."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from voting.models import BoardEntry, Election


@pytest.mark.django_db
def test_simulation_with_audits_and_revotes_verifies():
    out = io.StringIO()
    call_command("simulate_election", voters=4, audits=2, revotes=2, seed=1, stdout=out)
    text = out.getvalue()
    assert "6 ballots cast (2 re-votes), 2 audited" in text
    assert "verified in total" in text and "FAILED" not in text
    election = Election.objects.get()
    assert [q["type"] for q in election.manifest["questions"]] == ["single", "approval", "ranked"]
    audits = BoardEntry.objects.filter(election=election, kind="audited")
    assert audits.count() == 2 and not audits.exclude(credential_key="").exists()
    assert election.results["counted"] == 4


@pytest.mark.django_db
def test_simulation_refuses_negative_counts():
    with pytest.raises(CommandError):
        call_command("simulate_election", voters=2, audits=-1, stdout=io.StringIO())
