"""The audit log's hash chain: it verifies, and it shows any edited, removed or forked entry."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from convention.models import AuditEntry, Role
from convention.services.audit import (
    canonical_json,
    compute_digest,
    genesis_digest,
    record,
    verify_chain,
)

from .convention_factories import make_convention, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    return make_convention()


@pytest.fixture
def organizer(convention):
    return make_member(convention, Role.ORGANIZER, pseudonym="ستاره")


def write_entries(convention, organizer, n=5):
    return [
        record(
            convention=convention,
            actor=organizer,
            action="role.appointed",
            target=f"Member {chr(ord('a') + i)}",
            detail={"role": "moderator", "note": "نقش"},
        )
        for i in range(n)
    ]


def test_entries_chain_from_the_conventions_genesis(convention, organizer):
    entries = write_entries(convention, organizer)
    assert entries[0].previous_digest == genesis_digest(convention)
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.previous_digest == before.digest
    status = verify_chain(convention)
    assert status.intact and status.entries == 5 and status.head == entries[-1].digest


def test_digest_is_sha256_of_previous_digest_and_canonical_json(convention, organizer):
    entry = write_entries(convention, organizer, 1)[0]
    stored = AuditEntry.objects.get(pk=entry.pk)
    canonical = json.dumps(
        {
            "convention": convention.pk,
            "actor": "ستاره",
            "action": "role.appointed",
            "target": "Member a",
            "detail": {"role": "moderator", "note": "نقش"},
            "at_hour": stored.at_hour.strftime("%Y-%m-%dT%H:00Z"),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    expected = hashlib.sha256(f"{stored.previous_digest}\n{canonical}".encode()).hexdigest()
    assert stored.digest == expected
    assert stored.actor == "ستاره"
    assert (stored.at_hour.minute, stored.at_hour.second, stored.at_hour.microsecond) == (0, 0, 0)


def test_each_convention_has_its_own_chain(convention, organizer):
    other = make_convention("other")
    write_entries(convention, organizer, 2)
    entry = record(convention=other, actor="operator", action="convention.created")
    assert entry.previous_digest == genesis_digest(other) != genesis_digest(convention)
    assert verify_chain(convention).intact and verify_chain(other).intact
    platform = record(convention=None, actor="operator", action="platform.note")
    assert platform.previous_digest == genesis_digest(None)
    assert verify_chain(None).intact


@pytest.mark.parametrize(
    "change",
    [
        {"target": "Someone else"},
        {"actor": "Mallory"},
        {"action": "role.removed"},
        {"detail": {"role": "organizer"}},
    ],
)
def test_edited_entry_breaks_the_chain(convention, organizer, change):
    entries = write_entries(convention, organizer)
    AuditEntry.objects.filter(pk=entries[2].pk).update(**change)  # bypasses save()
    status = verify_chain(convention)
    assert not status.intact
    assert status.broken_at == entries[2].pk and status.problem == "edited"


def test_edited_hour_breaks_the_chain(convention, organizer):
    entries = write_entries(convention, organizer)
    earlier = entries[1].at_hour.replace(year=entries[1].at_hour.year - 1)
    AuditEntry.objects.filter(pk=entries[1].pk).update(at_hour=earlier)
    assert verify_chain(convention).broken_at == entries[1].pk


def test_deleted_entry_breaks_the_chain(convention, organizer):
    entries = write_entries(convention, organizer)
    AuditEntry.objects.filter(pk=entries[2].pk).delete()  # bypasses the model's delete()
    status = verify_chain(convention)
    assert not status.intact
    assert status.broken_at == entries[3].pk and status.problem == "missing_or_reordered"


def test_rewritten_entry_with_recomputed_digest_still_breaks_the_next(convention, organizer):
    entries = write_entries(convention, organizer)
    forged = AuditEntry.objects.get(pk=entries[2].pk)
    forged.target = "Someone else"
    new_digest = compute_digest(
        forged.previous_digest,
        canonical_json(
            convention_id=convention.pk,
            actor=forged.actor,
            action=forged.action,
            target=forged.target,
            detail=forged.detail,
            at_hour=forged.at_hour,
        ),
    )
    AuditEntry.objects.filter(pk=forged.pk).update(target=forged.target, digest=new_digest)
    status = verify_chain(convention)
    assert status.broken_at == entries[3].pk and status.problem == "missing_or_reordered"


def test_chain_cannot_fork(convention, organizer):
    entries = write_entries(convention, organizer, 2)
    fork = AuditEntry(
        convention=convention,
        actor="Mallory",
        action="role.appointed",
        previous_digest=entries[0].digest,  # a second successor of the first entry
        digest="f" * 64,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        fork.save()
    assert verify_chain(convention).intact


def test_entries_cannot_be_changed_or_deleted_through_the_model(convention, organizer):
    entry = write_entries(convention, organizer, 1)[0]
    entry.target = "changed"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    assert verify_chain(convention).intact


def test_empty_chain_verifies(convention):
    status = verify_chain(convention)
    assert status.intact and status.entries == 0 and status.head == genesis_digest(convention)


def test_admin_shows_audit_entries_but_cannot_change_or_delete_them(convention, organizer):
    from django.test import Client

    from .convention_factories import make_user

    entry = write_entries(convention, organizer, 1)[0]
    operator = make_user()
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client = Client()
    client.force_login(operator)
    listing = client.get("/admin/convention/auditentry/")
    assert listing.status_code == 200 and "role.appointed" in listing.content.decode()
    detail = client.get(f"/admin/convention/auditentry/{entry.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.get(f"/admin/convention/auditentry/{entry.pk}/delete/").status_code == 403
    assert client.get("/admin/convention/auditentry/add/").status_code == 403
    assert client.post(f"/admin/convention/auditentry/{entry.pk}/change/", {}).status_code == 403
    assert verify_chain(convention).intact
    for model in ("convention", "membership", "invitation", "user"):
        assert client.get(f"/admin/convention/{model}/").status_code == 200
