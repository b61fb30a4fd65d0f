"""Named failures of election services; views turn each into a clear message and status."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from convention.exceptions import DomainError


class ElectionError(DomainError):
    """Base class. ``code`` is the machine-readable error; ``status`` the HTTP status."""

    code = "election_error"
    default_message = _("The request could not be carried out.")


class InvalidElection(ElectionError):
    code = "invalid_election"
    default_message = _("The election is not well defined.")


class NotAllowed(ElectionError):
    code = "not_allowed"
    status = 403
    default_message = _("You may not do this in this election.")


class WrongState(ElectionError):
    code = "wrong_state"
    status = 409
    default_message = _("The election is not at the stage where this can be done.")


class CeremonyRejected(ElectionError):
    code = "ceremony_rejected"
    status = 422
    default_message = _("The key-ceremony message was refused.")


class NotOnRoll(ElectionError):
    code = "not_on_roll"
    status = 403
    default_message = _("You are not on the electoral roll of this election.")


class CredentialAlreadyIssued(ElectionError):
    code = "already_issued"
    status = 409
    default_message = _(
        "A credential was already issued for you. If you lost it, ask an organizer for the "
        "audited re-issue."
    )


class CredentialWindowClosed(ElectionError):
    """Credentials are issued (and re-issues authorised) only while the election is in its
    credential window, which closes when the poll opens: no issuance can then fall between two
    ballots, so the order of the database's writes cannot link a roll entry to a ballot."""

    code = "credential_window_closed"
    status = 409
    default_message = _(
        "Credentials are issued only during the credential window, which closes when the poll "
        "opens. The window is not open now."
    )


class InvalidCredentialRequest(ElectionError):
    code = "malformed"
    status = 400
    default_message = _("The credential request is malformed.")


class DecryptionRejected(ElectionError):
    code = "bad_decryption"
    status = 422
    default_message = _("The decryption shares were refused.")
