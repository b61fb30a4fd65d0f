"""The public logs cannot be rewritten by changing names (issue 13, item B).

The attack, over HTTP: moderator "Ahmad Zia" hides a post by باران, renames to "Quiet River",
and باران takes the name "Ahmad Zia". The log rendered the members' current names, so the same
public row came to read "Quiet River hid Ahmad Zia's post". Now each entry keeps the pseudonyms
as they were, every change is in the audit log ("X is now Y", to the hour), a given-up name is
held for a while, and a membership changes its name at most once per period.
"""

from __future__ import annotations

import html
import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from convention.models import AuditEntry, Membership, Role
from convention.services import audit
from convention.services.accounts import delete_account
from deliberation.models import ModerationAction, Post

from .conftest import client_for, make_member

pytestmark = pytest.mark.django_db

LOG = "/c/loya/deliberation/moderation/log/"
AUDIT = "/c/loya/audit/"
# convention.names.PSEUDONYM_HOLD_DAYS and PSEUDONYM_CHANGE_INTERVAL_DAYS, as documented (the
# names are not imported, so that this module runs, and fails, on the code from before them).
PSEUDONYM_HOLD_DAYS = 30
PSEUDONYM_CHANGE_INTERVAL_DAYS = 7


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def log_row(page: str, action_id: int) -> list[str]:
    """The cells of one row of the public moderation log, as text."""
    row = re.search(rf'<tr id="action-{action_id}">(.*?)</tr>', page, re.S)
    assert row is not None, f"no row for action {action_id}"
    return [text_of(cell) for cell in re.findall(r"<td>(.*?)</td>", row[1], re.S)]


def travel(monkeypatch, *, days: int) -> None:
    """Move the clock the services read (``django.utils.timezone.now``) ``days`` ahead."""
    later = timezone.now() + timedelta(days=days)
    monkeypatch.setattr(timezone, "now", lambda: later)


def rename(member: Membership, pseudonym: str):
    url = reverse("account_pseudonym_change", args=[member.pk])
    return client_for(member).post(url, {"pseudonym": pseudonym})


def pseudonym_of(member: Membership) -> str:
    return Membership.objects.get(pk=member.pk).pseudonym


@pytest.fixture
def scene(convention, room):
    """Ahmad Zia, a moderator, hides باران's post, over HTTP."""
    moderator = make_member(convention, Role.MODERATOR, pseudonym="Ahmad Zia")
    baran = make_member(convention, Role.PARTICIPANT, pseudonym="باران")
    response = client_for(baran).post(
        reverse("deliberation:post_create", args=[convention.slug, room.pk]),
        {"body": "The council should meet in every province.", "language": "en"},
    )
    assert response.status_code == 302
    post = Post.objects.get(author=baran)
    hidden = client_for(moderator).post(
        reverse("deliberation:post_moderate", args=[convention.slug, post.pk]),
        {"action": "hide", "reason": "abuse"},
    )
    assert hidden.status_code == 302
    action = ModerationAction.objects.get(post=post, kind="hide")
    return moderator, baran, post, action


def assert_row_says_ahmad_zia_hid_barans_post(action: ModerationAction) -> None:
    page = Client().get(LOG).content.decode()  # public, no account needed
    moderator_cell, what, target, _reason = log_row(page, action.pk)[1:]
    assert moderator_cell == "Ahmad Zia"
    assert what.startswith("hid a post")
    assert target.startswith(f"post #{action.post_id} by باران")
    assert "Quiet River" not in moderator_cell + target
    assert "Ahmad Zia" not in target


def test_renames_do_not_rewrite_who_hid_whose_post(scene, convention):
    moderator, baran, post, action = scene
    assert_row_says_ahmad_zia_hid_barans_post(action)

    # The moderator takes another name...
    assert rename(moderator, "Quiet River").status_code == 302
    assert pseudonym_of(moderator) == "Quiet River"

    # ...and باران cannot take the name given up, nor a look-alike of it.
    for attempt in ("Ahmad Zia", "AHMAD ZIA", "Ahmad-Zia"):
        refused = rename(baran, attempt)
        assert refused.status_code == 400
        assert "was given up by another member" in refused.content.decode()
        assert f"held for {PSEUDONYM_HOLD_DAYS} days" in refused.content.decode()
    assert pseudonym_of(baran) == "باران"

    # The public row still says Ahmad Zia hid باران's post.
    assert_row_says_ahmad_zia_hid_barans_post(action)

    # The change itself is public in the audit log, to the hour.
    audit_page = client_for(baran).get(AUDIT).content.decode()
    assert "Ahmad Zia is now Quiet River" in text_of(audit_page)
    entry = AuditEntry.objects.get(convention=convention, action="member.renamed")
    assert (entry.actor, entry.target) == ("Ahmad Zia", "Quiet River")
    assert (entry.at_hour.minute, entry.at_hour.second, entry.at_hour.microsecond) == (0, 0, 0)
    assert f"{entry.at_hour:%Y-%m-%d %H:00}" in audit_page
    assert audit.verify_chain(convention).intact


def test_a_second_rename_within_the_period_is_refused(scene, convention, monkeypatch):
    moderator, _baran, _post, _action = scene
    assert rename(moderator, "Quiet River").status_code == 302
    entries = AuditEntry.objects.count()

    refused = rename(moderator, "Still Water")
    assert refused.status_code == 400
    text = text_of(refused.content.decode())
    assert f"A pseudonym can be changed once every {PSEUDONYM_CHANGE_INTERVAL_DAYS} days" in text
    assert pseudonym_of(moderator) == "Quiet River"
    assert AuditEntry.objects.count() == entries
    # The form says so before anyone tries.
    page = (
        client_for(moderator)
        .get(reverse("account_pseudonym_change", args=[moderator.pk]))
        .content.decode()
    )
    assert f"You can change it once every {PSEUDONYM_CHANGE_INTERVAL_DAYS} days" in page
    assert "You can change it again from" in page

    # Once the period is over, the next change goes through and is audited too.
    travel(monkeypatch, days=PSEUDONYM_CHANGE_INTERVAL_DAYS + 1)
    assert rename(moderator, "Still Water").status_code == 302
    audit_page = text_of(client_for(moderator).get(AUDIT).content.decode())
    assert "Ahmad Zia is now Quiet River" in audit_page
    assert "Quiet River is now Still Water" in audit_page


def test_the_member_who_gave_a_name_up_may_take_it_back(scene, monkeypatch):
    moderator, baran, _post, action = scene
    assert rename(moderator, "Quiet River").status_code == 302
    travel(monkeypatch, days=PSEUDONYM_CHANGE_INTERVAL_DAYS + 1)
    assert rename(moderator, "Ahmad Zia").status_code == 302
    assert pseudonym_of(moderator) == "Ahmad Zia"
    # "Quiet River" is now held for the moderator in turn.
    assert rename(baran, "Quiet River").status_code == 400


def test_after_the_hold_the_name_is_free_and_old_rows_still_say_who_acted(
    scene, convention, monkeypatch
):
    moderator, baran, _post, action = scene
    assert rename(moderator, "Quiet River").status_code == 302
    travel(monkeypatch, days=PSEUDONYM_HOLD_DAYS + 1)
    assert rename(baran, "Ahmad Zia").status_code == 302
    assert pseudonym_of(baran) == "Ahmad Zia"
    # The row keeps the names it was written with, and the audit log tells the story.
    assert_row_says_ahmad_zia_hid_barans_post(action)
    audit_page = text_of(client_for(baran).get(AUDIT).content.decode())
    assert "Ahmad Zia is now Quiet River" in audit_page
    assert "باران is now Ahmad Zia" in audit_page
    assert audit.verify_chain(convention).intact


def test_the_recorded_names_are_covered_by_the_audit_chain(scene, convention):
    moderator, _baran, _post, action = scene
    assert rename(moderator, "Quiet River").status_code == 302
    hide_entry = AuditEntry.objects.get(action="moderation.hide")
    assert hide_entry.actor == "Ahmad Zia"
    assert "باران" in hide_entry.target
    assert audit.verify_chain(convention).intact
    # Rewriting a recorded name in the chain is evident.
    rename_entry = AuditEntry.objects.get(action="member.renamed")
    AuditEntry.objects.filter(pk=rename_entry.pk).update(actor="Someone Else")
    status = audit.verify_chain(convention)
    assert not status.intact and status.broken_at == rename_entry.pk
    assert status.problem == "edited"


def test_the_appeal_and_decision_pages_show_the_name_the_moderator_acted_under(scene):
    moderator, baran, _post, action = scene
    assert rename(moderator, "Quiet River").status_code == 302
    mine = client_for(baran).get("/c/loya/deliberation/moderation/mine/").content.decode()
    assert "Ahmad Zia" in mine and "Quiet River" not in mine
    appeal = (
        client_for(baran)
        .get(f"/c/loya/deliberation/moderation/actions/{action.pk}/appeal/")
        .content.decode()
    )
    assert "Ahmad Zia" in appeal and "Quiet River" not in appeal


def test_a_deleted_account_leaves_no_name_in_the_moderation_log_and_holds_it(scene, convention):
    from convention.models import PseudonymHold

    moderator, baran, _post, action = scene
    delete_account(user=baran.user, keep_contributions=True)
    page = Client().get(LOG).content.decode()
    target = log_row(page, action.pk)[3]
    assert "باران" not in page
    assert "deleted participant" in target
    # Nobody takes the name at once (the audit log keeps the names people acted under).
    newcomer = make_member(convention, Role.PARTICIPANT, pseudonym="Newcomer")
    assert rename(newcomer, "باران").status_code == 400
    hold = PseudonymHold.objects.get(pseudonym="باران")
    assert hold.membership_id is None  # the hold leads to no one


def test_rows_written_before_get_the_current_names_best_effort(scene, convention):
    moderator, baran, _post, action = scene
    ModerationAction.objects.filter(pk=action.pk).update(
        moderator_pseudonym="", subject_pseudonym=""
    )
    gone = make_member(convention, Role.MODERATOR, pseudonym="Gone Moderator")
    Membership.objects.filter(pk=gone.pk).update(is_deleted=True, pseudonym="∅0123456789abcdef")
    old_row = ModerationAction.objects.create(
        convention=convention, kind="lock_room", moderator=gone, room=action.room
    )
    migration = importlib.import_module("deliberation.migrations.0005_fill_moderation_log_names")
    migration.fill_names(apps, None)
    action.refresh_from_db()
    old_row.refresh_from_db()
    assert (action.moderator_pseudonym, action.subject_pseudonym) == ("Ahmad Zia", "باران")
    assert old_row.moderator_pseudonym == ""
    assert old_row.moderator_name == "deleted participant"


def test_the_documented_periods_are_the_configured_ones():
    from convention import names

    assert names.PSEUDONYM_HOLD_DAYS == PSEUDONYM_HOLD_DAYS
    assert names.PSEUDONYM_CHANGE_INTERVAL_DAYS == PSEUDONYM_CHANGE_INTERVAL_DAYS
