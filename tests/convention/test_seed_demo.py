"""The demo data: complete, consistent, audited, and safe to load twice."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from convention.management.commands.seed_demo import DEMO_PASSWORD, DEMO_SLUG
from convention.models import (
    AuditEntry,
    Convention,
    Invitation,
    InvitationStatus,
    Membership,
    MembershipRole,
    Phase,
    Role,
    User,
)
from convention.selectors import invitation_counts_by_registrar
from convention.services.audit import verify_chain

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def issuer_keys():
    """One RSA-3072 issuer key per trustee index, made once (generation is slow)."""
    from voting.crypto import blind_rsa

    keys = {}

    def key(index: int):
        if index not in keys:
            keys[index] = blind_rsa.generate_private_key(3072)
        return keys[index]

    return key


@pytest.fixture(autouse=True)
def _quick_demo(monkeypatch, settings, tmp_path, issuer_keys):
    """seed_demo also seeds elections: reuse the trustees' issuer keys (RSA-3072 generation is
    slow) and keep the demo credential codes out of the real var/."""
    monkeypatch.setattr("voting.clients.new_issuer_key", issuer_keys)
    settings.VAR_DIR = tmp_path


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def role_count(convention, role) -> int:
    return MembershipRole.objects.filter(membership__convention=convention, role=role).count()


def test_demo_convention_has_every_role_and_twenty_invited_participants():
    output = seed()
    convention = Convention.objects.get(slug=DEMO_SLUG)
    assert convention.phase == Phase.DELIBERATION
    assert convention.title_en and convention.title_fa_af and convention.title_ps
    assert convention.require_staff_mfa is False
    assert role_count(convention, Role.ORGANIZER) == 1
    assert role_count(convention, Role.REGISTRAR) == 2
    assert role_count(convention, Role.MODERATOR) == 2
    assert role_count(convention, Role.OBSERVER) == 1
    assert role_count(convention, Role.TRUSTEE) == 3
    participants = Membership.objects.filter(
        convention=convention, user__username__startswith="demo-participant-"
    )
    assert participants.count() == 20
    registrars = set(Membership.objects.filter(convention=convention, roles__role=Role.REGISTRAR))
    assert {p.invited_by for p in participants} == registrars
    scripts = {
        "arabic" if any("\u0600" <= c <= "\u06ff" for c in p.pseudonym) else "latin"
        for p in participants
    }
    assert scripts == {"arabic", "latin"}
    for registrar in registrars:
        assert registrar.invitation_quota > 0
        assert registrar.issued.filter(status=InvitationStatus.ISSUED).count() == 3
    assert verify_chain(convention).intact
    assert AuditEntry.objects.filter(convention=convention, action="phase.moved").exists()
    # The table of accounts, the shared password and the two-factor note.
    assert "demo-organizer" in output and "demo-participant-a" in output
    assert DEMO_PASSWORD in output
    assert "require_staff_mfa=False" in output
    assert "registrar" in output and "trustee" in output


def test_demo_accounts_log_in_with_the_documented_password():
    seed()
    assert authenticate(username="demo-registrar-a", password=DEMO_PASSWORD) is not None
    assert authenticate(username="demo-registrar-a", password="wrong") is None


def test_seeding_twice_changes_nothing():
    first = seed()
    counts = (
        User.objects.count(),
        Membership.objects.count(),
        MembershipRole.objects.count(),
        Invitation.objects.count(),
        AuditEntry.objects.count(),
    )
    second = seed()
    assert counts == (
        User.objects.count(),
        Membership.objects.count(),
        MembershipRole.objects.count(),
        Invitation.objects.count(),
        AuditEntry.objects.count(),
    )
    assert "never shown twice" in second
    # Codes printed on the first run are valid codes, and are not printed again.
    printed = [line.split()[0] for line in first.splitlines() if "(registrar " in line]
    assert len(printed) == 6
    assert not any(code in second for code in printed)
    convention = Convention.objects.get(slug=DEMO_SLUG)
    assert verify_chain(convention).intact
    used = sum(row.used for row in invitation_counts_by_registrar(convention))
    assert used == Membership.objects.filter(convention=convention).count() - 1  # organizer


def test_seed_completes_a_partly_deleted_demo():
    seed()
    Membership.objects.filter(user__username="demo-participant-c").delete()
    seed()
    member = Membership.objects.get(user__username="demo-participant-c")
    assert member.has_role(Role.PARTICIPANT)
    assert verify_chain(Convention.objects.get(slug=DEMO_SLUG)).intact
