"""The election code (docs/elections.md §1) on the pages observers read — the public election
page, the board and the verification page — and in the verifier's header: the same code,
computed from the frozen fingerprint, in Western digits in English and Eastern Arabic-Indic
digits in Dari and Pashto, always isolated left to right."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from voting.verify.__main__ import main as verify_main
from voting.verify.election import election_code

EASTERN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
PAGES = ("detail", "board", "verify")


def _page(world, name: str, language: str) -> str:
    client = Client(headers={"accept-language": language})
    response = client.get(reverse(f"voting:{name}", args=[world.election.uuid]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_observer_pages_show_the_election_code_in_each_language(world, name):
    world.open_credentials()
    code = election_code(world.election.fingerprint_bytes)
    shown = {
        language: re.findall(r'<bdi dir="ltr" class="election-code">([^<]*)</bdi>', html)
        for language, html in ((lang, _page(world, name, lang)) for lang in ("en", "fa-af", "ps"))
    }
    assert shown["en"] == [code]
    assert shown["fa-af"] == shown["ps"] == [code.translate(EASTERN)]


def test_the_election_page_has_no_code_before_the_manifest_is_frozen(world):
    client = Client()
    client.force_login(world.organizer.user)
    html = client.get(reverse("voting:detail", args=[world.election.uuid])).content.decode()
    assert 'class="election-code"' not in html


def test_the_verifier_prints_the_election_code_of_the_manifest_it_checked(world, tmp_path, capsys):
    world.run_ceremony()
    manifest = world.election.manifest
    line = {"type": "manifest", "manifest": manifest, "fingerprint": world.election.fingerprint}
    path = tmp_path / "record.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    verify_main([str(path), "--workers", "1"])  # a record with only its manifest fails
    out = capsys.readouterr().out
    assert f"election code: {election_code(world.election.fingerprint_bytes)}\n" in out
