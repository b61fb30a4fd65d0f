"""Pages read in Dari and Pashto: audit actions in words, no raw codes, the password-reset
page in Pashto, the back arrow pointing back in right-to-left pages, lists with "،"."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from convention.services.audit import ACTION_LABELS
from deliberation.models import ModerationKind
from voting.models import ElectionState


def visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S))


def test_every_audit_action_has_a_label():
    for state in ElectionState:
        assert f"election.{state.value}" in ACTION_LABELS
    for kind in ModerationKind:
        assert f"moderation.{kind.value}" in ACTION_LABELS
    for action in ("election.created", "election.question_added", "election.trustees_set"):
        assert action in ACTION_LABELS


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fa-af", "ps"])
def test_the_audit_log_shows_no_raw_action_codes(world, language):
    world.run_ceremony()
    world.move(ElectionState.CREDENTIALS)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(world.organizer.user)
    response = client.get(reverse("convention:audit", args=[world.convention.slug]))
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert not re.search(r"\b(election|moderation|phase|role)\.[a-z_]+", text), re.search(
        r"\b(election|moderation|phase|role)\.[a-z_]+", text
    )


@pytest.mark.django_db
def test_the_password_reset_page_speaks_pashto():
    response = Client(HTTP_ACCEPT_LANGUAGE="ps").get(reverse("account_reset_password"))
    html = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S)[1]
    assert "Password" not in title and "Reset" not in html
    assert "پټنوم" in title


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fa-af", "ps"])
def test_question_kinds_are_listed_with_the_arabic_comma(world, language):
    world.move(ElectionState.KEY_CEREMONY)
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get(
        reverse("voting:detail", args=[world.election.uuid])
    )
    text = visible_text(response.content.decode())
    assert "،" in text
    assert not re.search(r"[\u0600-\u06ff]\s*,\s", text)
