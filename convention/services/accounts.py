"""What a person does to their own account: change a pseudonym, delete the account.

A pseudonym change is limited to one every ``PSEUDONYM_CHANGE_INTERVAL_DAYS`` per membership,
written to the convention's audit log ("X is now Y", to the hour), and the old name is held for
``PSEUDONYM_HOLD_DAYS`` (``PseudonymHold``) so that nobody else can take it and pass for the
member in the logs, which show names as they were (convention.names explains why).

Deleting an account erases what identifies the person: the account row (username, email,
password hash), its email addresses and second factors (they cascade with it) and its sessions.
Each membership is then either deleted or, when the person keeps their public contributions or
other rows still refer to it (codes the member issued as registrar, members they invited), kept
as a "deleted participant": no account, no roles, no link to who invited it, and a random
placeholder instead of the pseudonym, so the row cannot be traced back to the person. Codes
the member issued and nobody used yet are revoked, as when a registrar loses the role.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import (
    Convention,
    Invitation,
    InvitationStatus,
    Membership,
    PseudonymHold,
    User,
    current_hour,
)
from ..names import DELETED_PLACEHOLDER_PREFIX, PSEUDONYM_CHANGE_INTERVAL_DAYS, PSEUDONYM_HOLD_DAYS
from . import audit
from .signup import PseudonymUnavailable, SignupRefused, check_pseudonym_available

PSEUDONYM_CHANGE_INTERVAL = timedelta(days=PSEUDONYM_CHANGE_INTERVAL_DAYS)
PSEUDONYM_HOLD = timedelta(days=PSEUDONYM_HOLD_DAYS)
RENAME_ACTION = "member.renamed"


class PseudonymChangeRefused(SignupRefused):
    field = "pseudonym"
    default_message = _("This pseudonym cannot be changed.")


class PseudonymChangedRecently(PseudonymChangeRefused):
    def __init__(self, allowed_from: datetime) -> None:
        super().__init__(
            ngettext(
                "A pseudonym can be changed once every %(days)d day. You can change this one "
                "again from %(when)s UTC.",
                "A pseudonym can be changed once every %(days)d days. You can change this one "
                "again from %(when)s UTC.",
                PSEUDONYM_CHANGE_INTERVAL_DAYS,
            )
            % {
                "days": PSEUDONYM_CHANGE_INTERVAL_DAYS,
                "when": allowed_from.strftime("%Y-%m-%d %H:00"),
            }
        )


def pseudonym_change_allowed_from(membership: Membership) -> datetime | None:
    """When ``membership`` may change its pseudonym next, or None if it may now."""
    if membership.pseudonym_changed_at is None:
        return None
    allowed_from = membership.pseudonym_changed_at + PSEUDONYM_CHANGE_INTERVAL
    return allowed_from if allowed_from > timezone.now() else None


def _hold(*, convention: Convention, pseudonym: str, membership: Membership | None) -> None:
    """Keep ``pseudonym`` from others for ``PSEUDONYM_HOLD``; ``membership`` may take it back."""
    PseudonymHold.objects.filter(convention=convention, held_until__lte=timezone.now()).delete()
    PseudonymHold.objects.create(
        convention=convention,
        pseudonym=pseudonym,
        membership=membership,
        held_until=current_hour() + PSEUDONYM_HOLD,
    )


def change_pseudonym(*, membership: Membership, pseudonym: str) -> Membership:
    """Give ``membership`` a new pseudonym, under the same rules as at sign-up, at most once
    every ``PSEUDONYM_CHANGE_INTERVAL``; audit the change and hold the old name."""
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update()
            .select_related("convention")
            .get(pk=membership.pk)
        )
        if locked.is_deleted or locked.user_id is None:
            raise PseudonymChangeRefused()
        if locked.is_suspended:
            raise PseudonymChangeRefused(
                _("A suspended member cannot change their pseudonym. Ask the moderators.")
            )
        name = check_pseudonym_available(
            convention=locked.convention, pseudonym=pseudonym, exclude=locked
        )
        if name == locked.pseudonym:
            return locked  # nothing changes, nothing to log or limit
        allowed_from = pseudonym_change_allowed_from(locked)
        if allowed_from is not None:
            raise PseudonymChangedRecently(allowed_from)
        old_name, old_skeleton = locked.pseudonym, locked.pseudonym_skeleton
        locked.pseudonym = name
        locked.pseudonym_changed_at = current_hour()
        try:
            with transaction.atomic():
                locked.save(
                    update_fields=["pseudonym", "pseudonym_skeleton", "pseudonym_changed_at"]
                )
        except IntegrityError as error:
            raise PseudonymUnavailable() from error
        if locked.pseudonym_skeleton != old_skeleton:
            _hold(convention=locked.convention, pseudonym=old_name, membership=locked)
        audit.record(
            convention=locked.convention, actor=old_name, action=RENAME_ACTION, target=name
        )
        return locked


def deleted_placeholder() -> str:
    """A pseudonym for a deleted participant: random, so it says nothing about the person."""
    return f"{DELETED_PLACEHOLDER_PREFIX}{secrets.token_hex(8)}"


def _scrub_membership(membership: Membership) -> None:
    # As when a registrar loses the role: codes nobody answers for must not let people in.
    Invitation.objects.filter(registrar=membership, status=InvitationStatus.ISSUED).update(
        status=InvitationStatus.REVOKED
    )
    # Holds of names this member gave up stay, but no longer lead to the kept row.
    PseudonymHold.objects.filter(membership=membership).update(membership=None)
    membership.roles.all().delete()
    membership.user = None
    membership.is_deleted = True
    membership.pseudonym = deleted_placeholder()
    membership.invited_by = None
    membership.invitation_quota = 0
    membership.save()


def _delete_membership(membership: Membership) -> bool:
    """Delete the membership if no other row protects it; say whether it was deleted."""
    try:
        with transaction.atomic():
            membership.delete()
    except (ProtectedError, RestrictedError):
        return False
    return True


def _end_sessions(user_pk: int) -> None:
    """Delete every stored session of the account (the database session store is searchable).

    With other stores the sessions die anyway: they name an account that no longer exists.
    """
    from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
    from django.contrib.sessions.models import Session

    engine = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(engine, DatabaseSessionStore):
        return

    marker = str(user_pk)
    for session in Session.objects.iterator():
        if str(session.get_decoded().get("_auth_user_id", "")) == marker:
            session.delete()


def delete_account(*, user: User, keep_contributions: bool) -> None:
    """Erase the account of ``user``; see the module docstring for what remains."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        memberships = list(
            Membership.objects.select_for_update().filter(user=locked).order_by("pk")
        )
        # Deliberation builds on this app; the import stays local to keep layers clear.
        from deliberation.services.erasure import (
            erase_member_posts,
            erase_opinion_votes,
            forget_member_names,
        )

        for membership in memberships:
            if not keep_contributions:
                erase_member_posts(membership=membership)
            forget_member_names(membership=membership)
            erase_opinion_votes(membership=membership)
            # The name is given up: held, leading to no one, so nobody passes for the member in
            # the audit log, which keeps the names people acted under.
            _hold(convention=membership.convention, pseudonym=membership.pseudonym, membership=None)
            if keep_contributions or not _delete_membership(membership):
                _scrub_membership(membership)
        user_pk = locked.pk
        locked.delete()
        _end_sessions(user_pk)
