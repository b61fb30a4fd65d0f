"""Issuing and revoking invitation codes, within each registrar's quota.

A code is 16 characters from an alphabet without look-alikes (no 0/O, no 1/I), written as four
groups of four: 80 random bits from ``secrets``, easy to read aloud and to type on a phone. Only
its SHA-256 (``hash_invitation_code``) and a card number are stored. The card number (the
``hint``) is drawn separately from the code, so it tells codes apart on the registrar's desk and
on the printed card without revealing any of the code's 80 bits. The clear codes are returned
once, to be shown and printed on the response that issued them, and are never written anywhere.

Issuance locks the registrar's membership row, so two requests from the same registrar cannot
both pass the quota check. A quota counts live codes (unused or used); revoked codes do not
count, so a registrar can replace codes printed by mistake.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from ..exceptions import (
    BatchAlreadyIssued,
    InvalidCodeCount,
    InvitationNotRevocable,
    NotYourInvitation,
    QuotaExceeded,
)
from ..models import Invitation, InvitationStatus, Membership, hash_invitation_code
from ..permissions import Action, require
from . import audit
from .roles import live_invitation_count

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_GROUPS = 4
CODE_GROUP_LENGTH = 4
HINT_LENGTH = 4
MAX_CODES_PER_BATCH = 50
BATCH_MEMORY_SECONDS = 24 * 3600


@dataclass(frozen=True)
class IssuedCode:
    code: str
    hint: str


def generate_code() -> str:
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )
    return "-".join(groups)


def _batch_memory_timeout() -> int:
    """At least ``BATCH_MEMORY_SECONDS``, ending on a whole hour: the key's lifetime in the
    cache must not tell the second the batch was issued."""
    now = int(time.time())
    return BATCH_MEMORY_SECONDS + (-(now + BATCH_MEMORY_SECONDS)) % 3600


def _batch_key(registrar: Membership, token: str) -> str:
    digest = hashlib.sha256(f"{registrar.pk}:{token}".encode()).hexdigest()
    return f"invitation-batch:{digest}"


@transaction.atomic
def issue_invitations(
    *, registrar: Membership, count: int, batch_token: str = ""
) -> list[IssuedCode]:
    """Issue ``count`` new codes by ``registrar``; return them in clear, once.

    ``batch_token`` comes from the form: a form sent twice (a reload, a retry over a bad link)
    issues its codes once, and the second attempt raises ``BatchAlreadyIssued``.
    """
    require(action=Action.ISSUE_INVITATIONS, membership=registrar)
    if isinstance(count, bool) or not isinstance(count, int):
        raise InvalidCodeCount(maximum=MAX_CODES_PER_BATCH)
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        raise InvalidCodeCount(maximum=MAX_CODES_PER_BATCH)
    batch_key = _batch_key(registrar, batch_token) if batch_token else ""
    if batch_key and not cache.add(batch_key, 1, _batch_memory_timeout()):
        raise BatchAlreadyIssued()
    try:
        return _issue(registrar=registrar, count=count)
    except Exception:
        if batch_key:  # nothing was issued: the same form may be sent again
            cache.delete(batch_key)
        raise


def _issue(*, registrar: Membership, count: int) -> list[IssuedCode]:
    locked = Membership.objects.select_for_update().get(pk=registrar.pk)
    remaining = locked.invitation_quota - live_invitation_count(locked)
    if count > remaining:
        raise QuotaExceeded(remaining=max(remaining, 0))
    issued: list[IssuedCode] = []
    for _ in range(count):
        code = generate_code()
        hint = "".join(secrets.choice(CODE_ALPHABET) for _ in range(HINT_LENGTH))
        invitation = Invitation(
            convention_id=locked.convention_id,
            registrar=locked,
            code_hash=hash_invitation_code(code),
            hint=hint,
        )
        invitation.full_clean()
        invitation.save()
        issued.append(IssuedCode(code=code, hint=hint))
    audit.record(
        convention=locked.convention,
        actor=locked,
        action="invitations.issued",
        target=locked.pseudonym,
        detail={"count": count},
    )
    return issued


@transaction.atomic
def revoke_invitation(*, registrar: Membership, invitation_id: int) -> Invitation:
    """Revoke one of ``registrar``'s unused codes, so that it can no longer be redeemed."""
    require(action=Action.REVOKE_INVITATION, membership=registrar)
    invitation = (
        Invitation.objects.select_for_update()
        .filter(pk=invitation_id, convention_id=registrar.convention_id)
        .first()
    )
    if invitation is None or invitation.registrar_id != registrar.pk:
        raise NotYourInvitation()
    if invitation.status != InvitationStatus.ISSUED:
        raise InvitationNotRevocable()
    invitation.status = InvitationStatus.REVOKED
    invitation.full_clean()
    invitation.save(update_fields=["status"])
    audit.record(
        convention=invitation.convention,
        actor=registrar,
        action="invitation.revoked",
        target=registrar.pseudonym,
        detail={"hint": invitation.hint},
    )
    return invitation
