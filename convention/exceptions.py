"""Domain errors of conventions, roles, invitations and the audit log.

Each carries a message meant for the person who acted, and the HTTP status a view answers with.
Services raise them before writing anything (or inside a transaction that they roll back), so a
refusal never leaves a half-done change behind. Views turn them into a form error or a message.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """The base of every part's domain errors (here, ``deliberation.exceptions`` and
    ``voting.exceptions``): ``message`` for the person who acted (the class's
    ``default_message`` when none is given), ``status`` for the view's answer, and keyword
    ``details`` a view may use (a retry delay, the item at fault)."""

    status = 400
    default_message = _("This cannot be done.")

    def __init__(self, message=None, **details) -> None:
        self.message = message if message is not None else self.default_message
        self.details = details
        super().__init__(str(self.message))


class ConventionError(DomainError):
    """Its keyword details also fill the message's ``%(name)s`` placeholders."""

    def __init__(self, message=None, **params) -> None:
        text = message if message is not None else self.default_message
        super().__init__(text % params if params else text, **params)


class InvalidPhaseChange(ConventionError):
    default_message = _("The convention cannot move to that phase from where it is now.")


class MemberNotFound(ConventionError):
    status = 404
    default_message = _("No member of this convention has that pseudonym.")


class RoleAlreadyHeld(ConventionError):
    status = 409
    default_message = _("This member already holds that role.")


class RoleNotHeld(ConventionError):
    status = 409
    default_message = _("This member does not hold that role.")


class MemberSuspended(ConventionError):
    status = 409
    default_message = _("This member is suspended and cannot be given a role.")


class LastOrganizer(ConventionError):
    status = 409
    default_message = _(
        "This is the convention's last organizer. Appoint another organizer first, "
        "so that someone can still run the convention."
    )


class NotARegistrar(ConventionError):
    status = 409
    default_message = _("This member is not a registrar of this convention.")


class InvalidQuota(ConventionError):
    default_message = _("Enter a whole number of invitation codes between 0 and %(maximum)d.")


class QuotaBelowIssued(ConventionError):
    status = 409
    default_message = _(
        "The quota cannot be lower than the %(issued)d codes this registrar has already "
        "issued and not revoked. Revoke unused codes first."
    )


class QuotaExceeded(ConventionError):
    status = 409
    default_message = _(
        "This would exceed your invitation quota: you can issue %(remaining)d more code(s)."
    )


class InvalidCodeCount(ConventionError):
    default_message = _("Enter a number of codes between 1 and %(maximum)d.")


class BatchAlreadyIssued(ConventionError):
    status = 409
    default_message = _(
        "These codes were already issued when the form was first sent; they are never shown "
        "twice. If you did not print them, revoke the unused codes below and issue new ones."
    )


class InvitationNotRevocable(ConventionError):
    status = 409
    default_message = _("Only unused codes can be revoked; this one has been used or revoked.")


class NotYourInvitation(ConventionError):
    status = 403
    default_message = _("You can revoke only the codes that you issued yourself.")
