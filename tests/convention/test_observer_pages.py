"""Transparency pages (audit log, its data, per-registrar counts) and the convention home."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from convention.models import AuditEntry, Phase, Role
from convention.services.audit import record
from convention.services.invitations import issue_invitations
from convention.services.roles import appoint_role

from .convention_factories import make_convention, make_member, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    return make_convention(phase=Phase.DELIBERATION)


@pytest.fixture
def organizer(convention):
    return make_member(convention, Role.ORGANIZER, pseudonym="Mirwais")


@pytest.fixture
def observer(convention):
    return make_member(convention, Role.OBSERVER, pseudonym="Sahar")


def logged_in(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def url(name, convention) -> str:
    return reverse(f"convention:{name}", args=[convention.slug])


def test_audit_log_shows_who_did_what_to_the_hour_and_an_intact_chain(
    convention, organizer, observer
):
    member = make_member(convention, pseudonym="شبنم")
    appoint_role(actor=organizer, convention=convention, member=member, role=Role.MODERATOR)
    response = logged_in(observer).get(url("audit", convention))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-chain="intact"' in page
    assert "Mirwais" in page and "شبنم" in page and "appointed a role" in page
    assert "role: Moderator" in page
    # Hours only (convention/dates.py): "3 December 2026, 17:00 UTC".
    times = re.findall(r"<time[^>]*><bdi>([^<]+) <bdi", page)
    assert times and all(re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:00", t) for t in times)
    assert AuditEntry.objects.get().digest in page  # the chain head


def test_tampering_shows_on_the_audit_page(convention, organizer, observer):
    for name in ("Ahmad", "Baheer", "Cheragh"):
        record(convention=convention, actor=organizer, action="role.appointed", target=name)
    middle = AuditEntry.objects.order_by("id")[1]
    AuditEntry.objects.filter(pk=middle.pk).update(target="Someone else")
    page = logged_in(observer).get(url("audit", convention)).content.decode()
    assert 'data-chain="broken"' in page
    assert f"entry #{middle.pk} was changed" in page


def test_audit_log_is_paginated(convention, organizer, observer):
    for i in range(60):
        record(convention=convention, actor=organizer, action="quota.set", detail={"quota": i})
    client = logged_in(observer)
    first = client.get(url("audit", convention)).content.decode()
    assert "Page 1 of 2" in first and first.count('class="audit-entry"') == 50
    second = client.get(url("audit", convention) + "?page=2").content.decode()
    assert second.count('class="audit-entry"') == 10
    for junk in ("999", "-1", "abc", "<script>"):
        assert client.get(url("audit", convention), {"page": junk}).status_code == 200


def test_audit_data_lets_anyone_recompute_the_chain(convention, organizer, observer):
    for name in ("ستاره", "Laila"):
        record(convention=convention, actor=organizer, action="role.appointed", target=name)
    data = logged_in(observer).get(url("audit_export", convention)).json()
    previous = data["genesis"]
    for entry in data["entries"]:
        assert entry["previous_digest"] == previous
        digest = hashlib.sha256(f"{previous}\n{entry['canonical']}".encode()).hexdigest()
        assert digest == entry["digest"]
        previous = digest
    assert len(data["entries"]) == 2 and "ستاره" in data["entries"][0]["canonical"]


def test_every_member_may_read_the_log_but_not_visitors_or_strangers(convention, organizer):
    participant = make_member(convention)
    suspended = make_member(convention, suspended=True)
    for member in (participant, suspended):
        assert logged_in(member).get(url("audit", convention)).status_code == 200
    stranger = Client()
    stranger.force_login(make_user())
    refused = stranger.get(url("audit", convention))
    assert refused.status_code == 403
    assert "not a member of this convention" in refused.content.decode()
    visitor = Client().get(url("audit", convention))
    assert visitor.status_code == 302 and reverse("account_login") in visitor["Location"]
    assert Client().get(url("audit_export", convention)).status_code == 302


def test_counts_per_registrar(convention, organizer, observer):
    nazanin = make_member(convention, Role.REGISTRAR, pseudonym="Nazanin", quota=10)
    palwasha = make_member(convention, Role.REGISTRAR, pseudonym="پلوشه", quota=5)
    issue_invitations(registrar=nazanin, count=4)
    issue_invitations(registrar=palwasha, count=1)
    response = logged_in(observer).get(url("invitation_counts", convention))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nazanin" in page and "پلوشه" in page
    assert re.search(r"Nazanin</bdi></td><td>10</td><td>4</td><td>0</td><td>4</td><td>0", page)
    assert re.search(r"All registrars</th><td></td><td>5</td>", page)


# --- The convention's home page -------------------------------------------------------


LINKS = {
    "edit": Role.ORGANIZER,
    "roles": Role.ORGANIZER,
    "quotas": Role.ORGANIZER,
    "phase": Role.ORGANIZER,
    "registrar": Role.REGISTRAR,
}


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.REGISTRAR, Role.ORGANIZER, Role.OBSERVER])
def test_home_shows_the_members_roles_and_only_the_pages_they_may_use(convention, role):
    member = make_member(convention, role, pseudonym="Zarghuna")
    page = logged_in(member).get(url("detail", convention)).content.decode()
    assert "Zarghuna" in page and str(Role(role).label) in page
    for name, needed in LINKS.items():
        assert (url(name, convention) in page) == (role == needed), name
    assert url("audit", convention) in page and url("invitation_counts", convention) in page


def test_home_for_visitors_shows_no_member_links(convention):
    page = Client().get(url("detail", convention)).content.decode()
    assert url("audit", convention) not in page and url("registrar", convention) not in page
    assert reverse("account_login") in page
