"""Deliberation's questions to the platform's one permission table (``convention.permissions``).

Services call ``require`` before changing anything; views call ``may`` to choose what to show.
Refusals become ``NotAllowed`` (or ``Suspended``) carrying the table's own explanation, so a
refused post comes back on deliberation's page with the writer's text intact.
"""

from __future__ import annotations

from convention.models import Convention, Membership
from convention.permissions import Action, Refusal, can, decide

from .exceptions import NotAllowed, Suspended

__all__ = ["Action", "may", "require"]


def may(member: Membership | None, action: Action, convention: Convention) -> bool:
    return can(action=action, convention=convention, membership=member)


def require(member: Membership | None, action: Action, convention: Convention) -> Membership:
    """Return ``member`` if it may take ``action`` in ``convention``; raise if not."""
    decision = decide(action=action, convention=convention, membership=member)
    if not decision.allowed:
        if decision.refusal == Refusal.SUSPENDED:
            raise Suspended(decision.message)
        raise NotAllowed(decision.message)
    return member
