"""Who may do what in deliberation, asked in one place by services and views.

The rules: every live member of a convention may read its rooms; participants, moderators and
organizers may write while the convention deliberates or votes, unless suspended; moderators and
organizers moderate; only organizers suspend, arrange sessions and set proposal thresholds.
"""

from __future__ import annotations

from enum import StrEnum

from convention.models import Convention, Membership, Phase, Role

from .exceptions import NotAllowed, Suspended


class Action(StrEnum):
    READ = "deliberation.read"
    POST = "deliberation.post"
    PROPOSE = "deliberation.propose"
    MODERATE = "deliberation.moderate"
    SUSPEND = "deliberation.suspend"
    ORGANIZE = "deliberation.organize"


WRITING_PHASES = frozenset({Phase.DELIBERATION, Phase.VOTING})
_WRITERS = frozenset({Role.PARTICIPANT, Role.MODERATOR, Role.ORGANIZER})
_MODERATORS = frozenset({Role.MODERATOR, Role.ORGANIZER})


def may(member: Membership | None, action: Action, convention: Convention) -> bool:
    try:
        require(member, action, convention)
    except NotAllowed:
        return False
    return True


def require(member: Membership | None, action: Action, convention: Convention) -> Membership:
    """Return ``member`` if it may do ``action`` in ``convention``; raise ``NotAllowed`` if not."""
    if member is None or member.is_deleted or member.convention_id != convention.pk:
        raise NotAllowed()
    if action == Action.READ:
        return member
    if member.is_suspended:
        raise Suspended()
    roles = member.role_set()
    if action == Action.POST:
        if not roles & _WRITERS:
            raise NotAllowed(_msg("Your role in this convention lets you read but not write."))
        if convention.phase not in WRITING_PHASES:
            raise NotAllowed(_msg("The convention is not deliberating at the moment."))
        return member
    if action == Action.PROPOSE:
        if not roles & _WRITERS:
            raise NotAllowed(_msg("Your role in this convention lets you read but not write."))
        if convention.phase != Phase.DELIBERATION:
            raise NotAllowed(_msg("Proposals can only be made while the convention deliberates."))
        return member
    if action == Action.MODERATE:
        if not roles & _MODERATORS:
            raise NotAllowed(_msg("Only moderators can do this."))
        return member
    if action in (Action.SUSPEND, Action.ORGANIZE):
        if Role.ORGANIZER not in roles:
            raise NotAllowed(_msg("Only organizers can do this."))
        return member
    raise NotAllowed()


def _msg(text: str):
    from django.utils.translation import gettext_lazy

    return gettext_lazy(text)
