"""The pages that run the election's cryptography in the browser: who sees them, what they say
without JavaScript, and that they carry their data in attributes, not inline scripts."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from voting.models import ElectionState


def _client(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def _no_inline_code(html: str) -> None:
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag
    assert "<style" not in html
    assert " style=" not in html
    assert " onclick=" not in html


def test_ballot_page_is_public_explains_javascript_and_has_no_inline_code(world):
    world.open_poll()
    response = Client().get(reverse("voting:ballot", args=[world.election.uuid]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<noscript>" in html and "needs JavaScript" in html
    assert f'data-cast-url="/ballot-box/{world.election.uuid}/cast"' in html
    assert 'data-open="true"' in html
    assert "voting-ballot.js" in html and "mashwara.js" not in html
    assert html.count('class="question card"') == 3
    _no_inline_code(html)


def test_ballot_page_advises_tor_while_the_poll_is_open_in_three_languages(world):
    """The live board head gives each ballot's second of arrival: a voter on a watched link is
    told to use Tor Browser (docs/threat-model.md D)."""
    url = reverse("voting:ballot", args=[world.election.uuid])
    world.open_credentials()
    assert "Tor Browser: otherwise" not in Client().get(url).content.decode()
    world.open_poll()
    for language, words in (("en", "vote in Tor Browser"), ("fa-af", "در Tor Browser رأی بدهید"),
                            ("ps", "په Tor Browser کې رایه ورکړئ")):  # fmt: skip
        assert words in Client(HTTP_ACCEPT_LANGUAGE=language).get(url).content.decode(), language


def test_ballot_page_of_a_draft_election_does_not_exist(world):
    response = Client().get(reverse("voting:ballot", args=[world.election.uuid]))
    assert response.status_code == 404


def test_credential_page_asks_to_log_in_then_offers_one_credential(world):
    world.open_credentials()
    url = reverse("voting:credential_page", args=[world.election.uuid])
    assert Client().get(url).status_code == 302
    voter = world.voter_members[0]
    html = _client(voter).get(url).content.decode()
    assert 'data-can-request="true"' in html
    assert 'id="request-button"' in html
    assert "<noscript>" in html
    assert 'data-csrf="' in html
    _no_inline_code(html)


def test_credential_page_says_when_a_member_is_not_on_the_roll(world):
    from tests.voting.world import member

    world.open_credentials()
    late = member(world.convention, "Latecomer", "participant")
    html = _client(late).get(reverse("voting:credential_page", args=[world.election.uuid]))
    assert "not on the electoral roll" in html.content.decode()
    assert 'data-can-request="false"' in html.content.decode()


def test_trustee_page_is_for_the_election_trustees_only(world):
    world.move(ElectionState.KEY_CEREMONY)
    url = reverse("voting:trustee_page", args=[world.election.uuid])
    html = _client(world.trustee_members[0]).get(url).content.decode()
    assert 'data-stage="ceremony"' in html and 'data-index="1"' in html
    assert "<noscript>" in html and "python -m voting.trustee" in html
    _no_inline_code(html)
    assert _client(world.voter_members[0]).get(url).status_code == 403


def test_every_trustee_refusal_of_the_script_has_a_translated_message_in_the_page(world):
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "frontend/src/voting/refusal.js"
    block = script.read_text().split("export const REFUSALS = {")[1].split("};")[0]
    codes = re.findall(r"^\s+(\w+): ", block, flags=re.MULTILINE)
    assert len(codes) > 20
    world.move(ElectionState.KEY_CEREMONY)
    url = reverse("voting:trustee_page", args=[world.election.uuid])
    html = _client(world.trustee_members[0]).get(url).content.decode()
    missing = [code for code in codes if f'data-key="refusal_{code}"' not in html]
    assert not missing
