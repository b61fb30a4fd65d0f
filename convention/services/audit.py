"""The audit log: append an entry to a convention's hash chain, and check the chain.

Each convention has its own chain (entries without a convention form the platform's chain). An
entry's digest is SHA-256 over the previous entry's digest and a canonical JSON of the entry, so
editing or removing an entry breaks every digest after it, and anyone with the published entries
can recompute the chain. The first entry's ``previous_digest`` is a genesis value derived from
the convention's id, so two chains never share a start.

Writers serialise on the convention's row (``select_for_update``); on SQLite the whole write
transaction is already exclusive. ``previous_digest`` is unique in the database, so even a writer
that slipped past the lock could not fork the chain: its insert would fail.

Names are recorded as text, as they are when the entry is written: ``actor`` is the acting
member's pseudonym (a rename's entry has the old pseudonym as actor and the new one as target),
``target`` names what was acted on, usually with the pseudonym concerned. Both are in the
canonical JSON, so the digest covers the names, and a later change of pseudonym changes no entry.

Removing the *newest* entries leaves a shorter chain that still verifies; observers guard against
that by writing down the chain head (shown on the audit page) and checking it is still there.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction

from ..models import AuditEntry, Convention, Membership, current_hour

GENESIS_LABEL = "mashwara-audit-genesis"


def genesis_digest(convention: Convention | None) -> str:
    scope = f"convention:{convention.pk}" if convention is not None else "platform"
    return hashlib.sha256(f"{GENESIS_LABEL}:{scope}".encode()).hexdigest()


def _hour_text(at_hour: datetime) -> str:
    return at_hour.astimezone(UTC).strftime("%Y-%m-%dT%H:00Z")


def canonical_json(
    *,
    convention_id: int | None,
    actor: str,
    action: str,
    target: str,
    detail: dict,
    at_hour: datetime,
) -> str:
    """The bytes an entry's digest covers, as text: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        {
            "convention": convention_id,
            "actor": actor,
            "action": action,
            "target": target,
            "detail": detail,
            "at_hour": _hour_text(at_hour),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def compute_digest(previous_digest: str, canonical: str) -> str:
    return hashlib.sha256(f"{previous_digest}\n{canonical}".encode()).hexdigest()


def entry_digest(entry: AuditEntry) -> str:
    """Recompute ``entry``'s digest from its stored fields."""
    return compute_digest(
        entry.previous_digest,
        canonical_json(
            convention_id=entry.convention_id,
            actor=entry.actor,
            action=entry.action,
            target=entry.target,
            detail=entry.detail,
            at_hour=entry.at_hour,
        ),
    )


def _chain(convention: Convention | None):
    if convention is None:
        return AuditEntry.objects.filter(convention__isnull=True)
    return AuditEntry.objects.filter(convention=convention)


def record(
    *,
    convention: Convention | None,
    actor: Membership | str,
    action: str,
    target: str = "",
    detail: dict | None = None,
) -> AuditEntry:
    """Append an entry to ``convention``'s chain; ``actor`` is a membership or a label.

    Call it inside the transaction of the change it records, so the entry and the change are
    committed together or not at all.
    """
    actor_name = actor.pseudonym if isinstance(actor, Membership) else str(actor)
    detail = json.loads(json.dumps(detail or {}))  # exactly what the JSON field will return
    with transaction.atomic():
        if convention is not None:
            Convention.objects.select_for_update().only("pk").get(pk=convention.pk)
        last = _chain(convention).select_for_update().order_by("-id").first()
        previous = last.digest if last is not None else genesis_digest(convention)
        at_hour = current_hour()
        entry = AuditEntry(
            convention=convention,
            actor=actor_name[:60],
            action=action,
            target=target[:200],
            detail=detail,
            at_hour=at_hour,
            previous_digest=previous,
        )
        entry.digest = entry_digest(entry)
        # The model's convention field is not blank=True, yet platform entries have none.
        entry.full_clean(exclude=["convention"] if convention is None else None)
        entry.save()
    return entry


@dataclass(frozen=True)
class ChainStatus:
    intact: bool
    entries: int
    head: str
    broken_at: int | None = None  # id of the first entry that does not fit
    problem: str = ""  # "edited", "missing_or_reordered"


def verify_chain(convention: Convention | None) -> ChainStatus:
    """Recompute ``convention``'s chain from its first entry. A selector: it writes nothing."""
    expected_previous = genesis_digest(convention)
    count = 0
    rows = _chain(convention).order_by("id").iterator(chunk_size=500)
    for entry in rows:
        count += 1
        if entry.previous_digest != expected_previous:
            return ChainStatus(False, count, expected_previous, entry.pk, "missing_or_reordered")
        if entry_digest(entry) != entry.digest:
            return ChainStatus(False, count, expected_previous, entry.pk, "edited")
        expected_previous = entry.digest
    return ChainStatus(True, count, expected_previous)
