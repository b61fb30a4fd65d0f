"""Joining a convention with an invitation code, as a new account or an existing one.

Codes are single-use. Redeeming one locks the invitation row, checks that it is still issued,
and in the same transaction creates the account (for a newcomer), the membership with the
participant role (invited by the registrar who issued the code) and marks the code used. Any
refusal is an exception with a message for the person and the name of the form field it
concerns; nothing is written when one is raised.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import (
    Convention,
    Invitation,
    InvitationStatus,
    Membership,
    MembershipRole,
    PseudonymHold,
    Role,
    User,
    hash_invitation_code,
)
from ..names import PSEUDONYM_HOLD_DAYS, skeleton, validate_pseudonym, validate_username

INVITATION_CODE_MAX_LENGTH = 64


class SignupRefused(Exception):
    """A redemption that cannot go ahead. ``field`` is the form field the message belongs to."""

    field: str | None = None
    default_message = _("This request cannot be completed.")

    def __init__(self, message=None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))


class InvalidInvitation(SignupRefused):
    field = "invitation_code"
    default_message = _(
        "This invitation code is not valid. Check it and type it again, or ask your registrar."
    )


class InvitationAlreadyUsed(InvalidInvitation):
    default_message = _("This invitation code has already been used. Each code works only once.")


class InvitationRevoked(InvalidInvitation):
    default_message = _("This invitation code has been withdrawn by the convention.")


class AlreadyMember(SignupRefused):
    field = "invitation_code"
    default_message = _(
        "You are already a member of this convention; the code was not used. "
        "Give it back to the registrar so someone else can use it."
    )


class UsernameUnavailable(SignupRefused):
    field = "username"
    default_message = _(
        "This username is taken or looks too much like one that is. Choose another."
    )


class PseudonymUnavailable(SignupRefused):
    field = "pseudonym"
    default_message = _(
        "This pseudonym is taken in this convention, or looks too much like one that is. "
        "Choose another."
    )


class PseudonymHeld(PseudonymUnavailable):
    """The name was given up recently by someone else: held so nobody can pass for them."""

    def __init__(self, message=None) -> None:
        super().__init__(
            message
            if message is not None
            else ngettext(
                "This pseudonym, or one that looks like it, was given up by another member "
                "less than %(days)d day ago. It is held for %(days)d day so that nobody can be "
                "taken for them. Choose another.",
                "This pseudonym, or one that looks like it, was given up by another member "
                "less than %(days)d days ago. It is held for %(days)d days so that nobody can "
                "be taken for them. Choose another.",
                PSEUDONYM_HOLD_DAYS,
            )
            % {"days": PSEUDONYM_HOLD_DAYS}
        )


def _refusal_from(error: ValidationError, refusal: type[SignupRefused]) -> SignupRefused:
    return refusal(error.messages[0])


def find_invitation(code: str) -> Invitation:
    """The usable invitation for ``code`` (without locking it), or ``InvalidInvitation``.

    Forms call this to answer early; the services check again under a lock.
    """
    return _check_usable(_lookup(code))


def _lookup(code: str, *, lock: bool = False) -> Invitation | None:
    if not isinstance(code, str) or not code.strip() or len(code) > INVITATION_CODE_MAX_LENGTH:
        return None
    queryset = Invitation.objects.select_related("convention", "registrar")
    if lock:
        queryset = queryset.select_for_update()
    return queryset.filter(code_hash=hash_invitation_code(code)).first()


def _check_usable(invitation: Invitation | None) -> Invitation:
    if invitation is None:
        raise InvalidInvitation()
    if invitation.status == InvitationStatus.USED:
        raise InvitationAlreadyUsed()
    if invitation.status == InvitationStatus.REVOKED:
        raise InvitationRevoked()
    if invitation.status != InvitationStatus.ISSUED:
        raise InvalidInvitation()
    return invitation


def check_username_available(username: str) -> str:
    """The username in normal form, if valid and not confusable with an existing one."""
    try:
        name = validate_username(username)
    except ValidationError as error:
        raise _refusal_from(error, UsernameUnavailable) from error
    if User.objects.filter(username_skeleton=skeleton(name)).exists():
        raise UsernameUnavailable()
    return name


def check_pseudonym_available(
    *, convention: Convention, pseudonym: str, exclude: Membership | None = None
) -> str:
    """The pseudonym in normal form, if valid, distinguishable from the convention's others and
    not held for the member who gave it up recently (``PseudonymHold``).

    Deleted participants' placeholders never collide: they contain a character names cannot.
    """
    try:
        name = validate_pseudonym(pseudonym)
    except ValidationError as error:
        raise _refusal_from(error, PseudonymUnavailable) from error
    name_skeleton = skeleton(name)
    others = Membership.objects.filter(convention=convention, pseudonym_skeleton=name_skeleton)
    holds = PseudonymHold.objects.filter(
        convention=convention, pseudonym_skeleton=name_skeleton, held_until__gt=timezone.now()
    )
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
        holds = holds.exclude(membership=exclude)  # one's own old name can be taken back
    if others.exists():
        raise PseudonymUnavailable()
    if holds.exists():
        raise PseudonymHeld()
    return name


def _admit(*, invitation: Invitation, user: User, pseudonym: str) -> Membership:
    convention = invitation.convention
    if Membership.objects.filter(convention=convention, user=user).exists():
        raise AlreadyMember()
    name = check_pseudonym_available(convention=convention, pseudonym=pseudonym)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                convention=convention, user=user, pseudonym=name, invited_by=invitation.registrar
            )
    except IntegrityError as error:  # a concurrent sign-up took a look-alike pseudonym
        raise PseudonymUnavailable() from error
    MembershipRole.objects.create(membership=membership, role=Role.PARTICIPANT)
    invitation.status = InvitationStatus.USED
    invitation.save(update_fields=["status"])
    from voting.services.cohort_setup import inherit_attested  # cohort values on the code

    inherit_attested(invitation, membership)
    return membership


def redeem_invitation(
    *, code: str, username: str, password: str, pseudonym: str, email: str = ""
) -> Membership:
    """Create an account and its first membership from an invitation code.

    Returns the membership; ``membership.user`` is the new account.
    """
    with transaction.atomic():
        invitation = _check_usable(_lookup(code, lock=True))
        name = check_username_available(username)
        # An email address is not checked for other accounts: the answer would tell anyone
        # whether that address is registered here (settings: ACCOUNT_PREVENT_ENUMERATION).
        email = (email or "").strip().lower()
        user = User(username=name, email=email)
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as error:  # a concurrent sign-up took a look-alike username
            raise UsernameUnavailable() from error
        if email:
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
        return _admit(invitation=invitation, user=user, pseudonym=pseudonym)


def join_convention(*, user: User, code: str, pseudonym: str) -> Membership:
    """Add an existing account to the convention of an invitation code."""
    with transaction.atomic():
        invitation = _check_usable(_lookup(code, lock=True))
        return _admit(invitation=invitation, user=user, pseudonym=pseudonym)
