"""The one place that answers "may this member do X here".

Every action a person can take is an ``Action``; ``RULES`` says who may take it (anyone, any
member, or the holders of some roles), in which phases of the convention, and whether a
suspended member still may. On top of the table come two rules that hold for every action:

- A suspended member may only do what is marked ``while_suspended`` (reading, mostly).
- When the convention sets ``require_staff_mfa``, a member who would act *through a staff role*
  (moderator, registrar, trustee, organizer: ``STAFF_ROLES``) is refused until their account has
  two-factor authentication. A moderator who is also a participant still posts as a participant
  without it; a moderator who moderates needs it.

How to use it:

- Views: decorate with ``require_permission(Action.X)``. The URL must capture the convention's
  ``slug``; the decorator loads the convention (404 if there is none) and the caller's live
  membership, decides, and calls the view as ``view(request, convention=..., membership=...,
  **other_url_kwargs)``. Refusals raise ``PermissionRefused`` (a ``PermissionDenied``), which
  ``convention.views.errors.permission_denied`` renders as a 403 page that says why and, for the
  two-factor rule, links to the two-factor settings. A visitor who is not logged in is sent to
  the log-in page instead. Platform actions (``CREATE_CONVENTION``) need no slug.
- Services: call ``require(membership=..., action=...)`` before changing anything, so a
  management command or a later caller cannot skip the rules the views enforce.
- Templates: views pass ``may`` (``permitted_actions(...)``), a mapping of action names to
  booleans: ``{% if may.ISSUE_INVITATIONS %}``.
- Other apps (deliberation, voting) add their actions here, to ``Action`` and ``RULES``, rather
  than deciding elsewhere; ``tests/convention/test_permissions.py`` checks the whole matrix and
  that every view under a convention's URL carries a required action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import PHASE_ORDER, STAFF_ROLES, Convention, Membership, Phase, Role


class Action(StrEnum):
    # Conventions
    VIEW_CONVENTION = "view_convention"
    CREATE_CONVENTION = "create_convention"
    MANAGE_CONVENTION = "manage_convention"
    APPOINT_ROLES = "appoint_roles"
    SET_QUOTAS = "set_quotas"
    MOVE_PHASE = "move_phase"
    # Invitations
    ISSUE_INVITATIONS = "issue_invitations"
    REVOKE_INVITATION = "revoke_invitation"
    VIEW_OWN_INVITATIONS = "view_own_invitations"
    # Transparency
    VIEW_AUDIT = "view_audit"
    VIEW_INVITATION_COUNTS = "view_invitation_counts"
    OBSERVE = "observe"
    # Deliberation
    READ = "read"
    POST = "post"
    PROPOSE = "propose"
    MODERATE = "moderate"
    SUSPEND_MEMBERS = "suspend_members"
    ORGANIZE_SESSIONS = "organize_sessions"
    # Voting
    VOTE = "vote"
    ACT_AS_TRUSTEE = "act_as_trustee"
    MANAGE_ELECTIONS = "manage_elections"


class Refusal(StrEnum):
    LOGIN_REQUIRED = "login_required"
    NOT_MEMBER = "not_member"
    SUSPENDED = "suspended"
    ROLE = "role"
    MFA_REQUIRED = "mfa_required"
    PHASE = "phase"


ALL_PHASES = frozenset(PHASE_ORDER)
OPEN_PHASES = frozenset({Phase.REGISTRATION, Phase.DELIBERATION, Phase.VOTING})
# Invitations bring in new voters: the roll closes when voting starts.
ENROLMENT_PHASES = frozenset({Phase.REGISTRATION, Phase.DELIBERATION})
WRITING_PHASES = frozenset({Phase.DELIBERATION, Phase.VOTING})

ANYONE = "anyone"
ANY_MEMBER = "any_member"


@dataclass(frozen=True)
class Rule:
    """Who may take an action, and when.

    ``roles`` is ``ANYONE`` (visitors included), ``ANY_MEMBER`` (a live membership, whatever its
    roles) or a set of roles, any one of which suffices. ``platform_permission`` instead makes
    the action platform-wide (no convention), granted by a Django permission.
    """

    roles: frozenset[str] | str
    refusal: Promise | str
    phases: frozenset[str] = ALL_PHASES
    while_suspended: bool = False
    platform_permission: str = ""


_ORGANIZERS = frozenset({Role.ORGANIZER})
_WRITERS = frozenset({Role.PARTICIPANT, Role.MODERATOR, Role.ORGANIZER})

RULES: dict[Action, Rule] = {
    Action.VIEW_CONVENTION: Rule(ANYONE, "", while_suspended=True),
    Action.CREATE_CONVENTION: Rule(
        ANYONE,
        _("Only the platform's operators can create a convention. Ask them to allow you."),
        platform_permission="convention.add_convention",
    ),
    Action.MANAGE_CONVENTION: Rule(
        _ORGANIZERS, _("Only the convention's organizers can edit the convention.")
    ),
    Action.APPOINT_ROLES: Rule(
        _ORGANIZERS,
        _("Only the convention's organizers can appoint or remove roles."),
        phases=OPEN_PHASES,
    ),
    Action.SET_QUOTAS: Rule(
        _ORGANIZERS,
        _("Only the convention's organizers can set registrars' quotas."),
        phases=ENROLMENT_PHASES,
    ),
    Action.MOVE_PHASE: Rule(
        _ORGANIZERS, _("Only the convention's organizers can move the convention to another phase.")
    ),
    Action.ISSUE_INVITATIONS: Rule(
        frozenset({Role.REGISTRAR}),
        _("Only the convention's registrars can issue invitation codes."),
        phases=ENROLMENT_PHASES,
    ),
    Action.REVOKE_INVITATION: Rule(
        frozenset({Role.REGISTRAR}), _("Only the convention's registrars can revoke codes.")
    ),
    Action.VIEW_OWN_INVITATIONS: Rule(
        frozenset({Role.REGISTRAR}), _("This page is for the convention's registrars.")
    ),
    Action.VIEW_AUDIT: Rule(
        ANY_MEMBER, _("The audit log is open to the convention's members."), while_suspended=True
    ),
    Action.VIEW_INVITATION_COUNTS: Rule(
        ANY_MEMBER,
        _("The invitation counts are open to the convention's members."),
        while_suspended=True,
    ),
    Action.OBSERVE: Rule(
        frozenset({Role.OBSERVER}), _("This page is for the convention's observers.")
    ),
    Action.READ: Rule(
        ANY_MEMBER, _("The rooms are open to the convention's members."), while_suspended=True
    ),
    Action.POST: Rule(
        _WRITERS,
        _("Your role in this convention lets you read but not write."),
        phases=WRITING_PHASES,
    ),
    Action.PROPOSE: Rule(
        _WRITERS,
        _("Your role in this convention lets you read but not make proposals."),
        phases=frozenset({Phase.DELIBERATION}),
    ),
    Action.MODERATE: Rule(
        frozenset({Role.MODERATOR, Role.ORGANIZER}), _("Only moderators can do this.")
    ),
    Action.SUSPEND_MEMBERS: Rule(_ORGANIZERS, _("Only the convention's organizers can do this.")),
    Action.ORGANIZE_SESSIONS: Rule(_ORGANIZERS, _("Only the convention's organizers can do this.")),
    Action.VOTE: Rule(
        frozenset({Role.PARTICIPANT}),
        _("Only participants of this convention can vote."),
        phases=frozenset({Phase.VOTING}),
    ),
    Action.ACT_AS_TRUSTEE: Rule(
        frozenset({Role.TRUSTEE}), _("This is for the convention's trustees.")
    ),
    Action.MANAGE_ELECTIONS: Rule(
        _ORGANIZERS, _("Only the convention's organizers can manage elections."), phases=OPEN_PHASES
    ),
}

_PHASE_REFUSAL = _(
    "This cannot be done while the convention is in its “%(phase)s” phase. "
    "It is possible during: %(phases)s."
)
_MFA_REFUSAL = _(
    "This convention requires two-factor authentication of its moderators, registrars, trustees "
    "and organizers. Set up an authenticator app in your account's two-factor settings, then "
    "come back to this page."
)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    refusal: Refusal | None = None
    message: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)


class PermissionRefused(PermissionDenied):
    """A refusal with its reason; the 403 page shows ``message``."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        super().__init__(decision.message)


def _refuse(refusal: Refusal, message) -> Decision:
    return Decision(False, refusal, str(message))


def _mfa_enabled(membership: Membership) -> bool:
    cached = getattr(membership, "_mfa_enabled_cache", None)
    if cached is None:
        from allauth.mfa.utils import is_mfa_enabled

        user = membership.user
        cached = bool(user is not None and is_mfa_enabled(user))
        membership._mfa_enabled_cache = cached
    return cached


def _phase_names(phases: Iterable[str]) -> str:
    return ", ".join(str(Phase(phase).label) for phase in PHASE_ORDER if phase in phases)


def decide(
    *,
    action: Action,
    convention: Convention | None,
    membership: Membership | None,
    user=None,
) -> Decision:
    """Whether ``membership`` (or ``user``, for visitors and platform actions) may take
    ``action`` in ``convention`` now. Never raises; see ``require`` for that."""
    rule = RULES[action]
    if rule.platform_permission:
        if user is None and membership is not None:
            user = membership.user
        if user is None or not getattr(user, "is_authenticated", False):
            return _refuse(Refusal.LOGIN_REQUIRED, _("Log in to continue."))
        if not (user.is_active and user.has_perm(rule.platform_permission)):
            return _refuse(Refusal.ROLE, rule.refusal)
        return ALLOWED
    if convention is None:
        raise ValueError(f"{action} is taken in a convention; pass the convention")
    if rule.roles != ANYONE:
        if membership is None or membership.is_deleted or membership.convention_id != convention.pk:
            if user is not None and not getattr(user, "is_authenticated", False):
                return _refuse(Refusal.LOGIN_REQUIRED, _("Log in to continue."))
            return _refuse(
                Refusal.NOT_MEMBER,
                _("You are not a member of this convention. %(why)s") % {"why": rule.refusal},
            )
        if membership.is_suspended and not rule.while_suspended:
            return _refuse(
                Refusal.SUSPENDED,
                _("Your participation in this convention is suspended, so you cannot do this."),
            )
        if rule.roles != ANY_MEMBER:
            granting = membership.role_set() & rule.roles
            if not granting:
                return _refuse(Refusal.ROLE, rule.refusal)
            if (
                convention.require_staff_mfa
                and granting <= STAFF_ROLES
                and not _mfa_enabled(membership)
            ):
                return _refuse(Refusal.MFA_REQUIRED, _MFA_REFUSAL)
    if convention.phase not in rule.phases:
        return _refuse(
            Refusal.PHASE,
            _PHASE_REFUSAL
            % {"phase": convention.get_phase_display(), "phases": _phase_names(rule.phases)},
        )
    return ALLOWED


def can(
    *,
    action: Action,
    convention: Convention | None,
    membership: Membership | None,
    user=None,
) -> bool:
    return decide(action=action, convention=convention, membership=membership, user=user).allowed


def require(
    *,
    action: Action,
    membership: Membership | None,
    convention: Convention | None = None,
    user=None,
) -> None:
    """Raise ``PermissionRefused`` unless the action is allowed. For services."""
    if convention is None and membership is not None:
        convention = membership.convention
    decision = decide(action=action, convention=convention, membership=membership, user=user)
    if not decision.allowed:
        raise PermissionRefused(decision)


def permitted_actions(
    *, convention: Convention, membership: Membership | None, user=None
) -> dict[str, bool]:
    """``{"ISSUE_INVITATIONS": True, ...}`` for templates: which links and buttons to show."""
    return {
        action.name: decide(
            action=action, convention=convention, membership=membership, user=user
        ).allowed
        for action in Action
        if not RULES[action].platform_permission
    }


def require_permission(action: Action, *, slug_kwarg: str = "slug") -> Callable:
    """Decorate a view so that it runs only when ``action`` is allowed.

    The view receives ``convention`` and ``membership`` keyword arguments in place of the slug
    (for platform actions, ``convention`` and ``membership`` are None). The decorated view
    carries ``required_action``, which the tests use to prove no view forgot it.
    """
    rule = RULES[action]

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            from .selectors import convention_and_membership

            convention = None
            membership = None
            if not rule.platform_permission:
                convention, membership = convention_and_membership(
                    request.user, kwargs.pop(slug_kwarg)
                )
                if convention is None:
                    raise Http404("No convention matches the given query.")
            decision = decide(
                action=action, convention=convention, membership=membership, user=request.user
            )
            if not decision.allowed:
                if decision.refusal == Refusal.LOGIN_REQUIRED:
                    return redirect_to_login(request.get_full_path())
                raise PermissionRefused(decision)
            request.convention = convention
            request.membership = membership
            return view(request, *args, convention=convention, membership=membership, **kwargs)

        guarded.required_action = action
        return guarded

    return decorator
