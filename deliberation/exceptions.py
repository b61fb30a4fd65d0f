"""Domain errors of deliberation. Each carries a message for the person who acted and the HTTP
status a view should answer with; views turn them into a page or a message, never a crash."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from convention.exceptions import DomainError


class DeliberationError(DomainError):
    @property
    def code(self) -> str:
        """A stable name for clients that ask for JSON: the class name in snake case
        (``ConversationClosed`` → ``conversation_closed``)."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower()


class NotAllowed(DeliberationError):
    status = 403
    default_message = _("You are not allowed to do this here.")


class RoomClosed(DeliberationError):
    status = 403
    default_message = _("This room is locked: it can be read but not written to.")


class ConversationClosed(DeliberationError):
    status = 409
    default_message = _(
        "This conversation is closed: it no longer takes statements or votes. "
        "Its final map stays open to read."
    )


class ThreadLocked(DeliberationError):
    status = 403
    default_message = _("This thread is locked by a moderator: no more replies.")


class Muted(DeliberationError):
    status = 403


class Suspended(NotAllowed):
    status = 403
    default_message = _(
        "Your participation in this convention is suspended. You can still read and appeal."
    )


class RateLimited(DeliberationError):
    status = 429


class DuplicatePost(DeliberationError):
    status = 409
    default_message = _("You have already posted this text. Please write something new.")


class EditWindowClosed(DeliberationError):
    status = 403
    default_message = _("Posts can only be edited shortly after they are sent.")


class AlreadyDecided(DeliberationError):
    status = 409
    default_message = _("This has already been decided.")


class InvalidInput(DeliberationError):
    status = 400
