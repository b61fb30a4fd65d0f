"""What a person does to their own account: change a pseudonym, delete the account.

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
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _

from ..models import Invitation, InvitationStatus, Membership, User
from ..names import DELETED_PLACEHOLDER_PREFIX
from .signup import PseudonymUnavailable, SignupRefused, check_pseudonym_available


class PseudonymChangeRefused(SignupRefused):
    field = "pseudonym"
    default_message = _("This pseudonym cannot be changed.")


def change_pseudonym(*, membership: Membership, pseudonym: str) -> Membership:
    """Give ``membership`` a new pseudonym, under the same rules as at sign-up."""
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
        locked.pseudonym = check_pseudonym_available(
            convention=locked.convention, pseudonym=pseudonym, exclude=locked
        )
        try:
            with transaction.atomic():
                locked.save(update_fields=["pseudonym", "pseudonym_skeleton"])
        except IntegrityError as error:
            raise PseudonymUnavailable() from error
        return locked


def deleted_placeholder() -> str:
    """A pseudonym for a deleted participant: random, so it says nothing about the person."""
    return f"{DELETED_PLACEHOLDER_PREFIX}{secrets.token_hex(8)}"


def _scrub_membership(membership: Membership) -> None:
    # As when a registrar loses the role: codes nobody answers for must not let people in.
    Invitation.objects.filter(registrar=membership, status=InvitationStatus.ISSUED).update(
        status=InvitationStatus.REVOKED
    )
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
        for membership in memberships:
            if not keep_contributions:
                # Deliberation builds on this app; the import stays local to keep layers clear.
                from deliberation.services.erasure import erase_member_posts

                erase_member_posts(membership=membership)
            if keep_contributions or not _delete_membership(membership):
                _scrub_membership(membership)
        user_pk = locked.pk
        locked.delete()
        _end_sessions(user_pk)
