"""The permission matrix: each role × action, phases, suspension, and staff two-factor rule."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from convention.models import Phase, Role
from convention.permissions import (
    RULES,
    Action,
    PermissionRefused,
    Refusal,
    can,
    decide,
    permitted_actions,
    require,
)

from .convention_factories import enable_mfa, make_convention, make_member, make_user

pytestmark = pytest.mark.django_db

P, M, OB, R, T, G = (
    Role.PARTICIPANT,
    Role.MODERATOR,
    Role.OBSERVER,
    Role.REGISTRAR,
    Role.TRUSTEE,
    Role.ORGANIZER,
)
EVERY_ROLE = {P, M, OB, R, T, G}

# Who may take each action (in a phase where it is possible). Written out, not derived from
# RULES, so that a change to the rules must be a change to this table too.
EXPECTED = {
    Action.VIEW_CONVENTION: EVERY_ROLE,
    Action.MANAGE_CONVENTION: {G},
    Action.APPOINT_ROLES: {G},
    Action.SET_QUOTAS: {G},
    Action.MOVE_PHASE: {G},
    Action.ISSUE_INVITATIONS: {R},
    Action.REVOKE_INVITATION: {R},
    Action.VIEW_OWN_INVITATIONS: {R},
    Action.VIEW_AUDIT: EVERY_ROLE,
    Action.VIEW_INVITATION_COUNTS: EVERY_ROLE,
    Action.OBSERVE: {OB},
    Action.READ: EVERY_ROLE,
    Action.POST: {P, M, G},
    Action.PROPOSE: {P, M, G},
    Action.MODERATE: {M, G},
    Action.SUSPEND_MEMBERS: {G},
    Action.ORGANIZE_SESSIONS: {G},
    Action.VOTE: {P},
    Action.ACT_AS_TRUSTEE: {T},
    Action.MANAGE_ELECTIONS: {G},
}
# A phase in which each action is possible.
OPEN_PHASE = {
    Action.POST: Phase.DELIBERATION,
    Action.PROPOSE: Phase.DELIBERATION,
    Action.VOTE: Phase.VOTING,
}
# Actions a suspended member keeps: reading.
WHILE_SUSPENDED = {
    Action.VIEW_CONVENTION,
    Action.VIEW_AUDIT,
    Action.VIEW_INVITATION_COUNTS,
    Action.READ,
}
CONVENTION_ACTIONS = [a for a in Action if not RULES[a].platform_permission]


def test_every_action_is_in_the_expected_matrix():
    assert set(EXPECTED) == set(CONVENTION_ACTIONS)


@pytest.mark.parametrize("role", sorted(EVERY_ROLE))
@pytest.mark.parametrize("action", CONVENTION_ACTIONS)
def test_role_may_take_exactly_its_actions(role, action):
    convention = make_convention(phase=OPEN_PHASE.get(action, Phase.DELIBERATION))
    member = make_member(convention, role)
    decision = decide(action=action, convention=convention, membership=member)
    assert decision.allowed == (role in EXPECTED[action]), decision.message
    if not decision.allowed:
        assert decision.refusal == Refusal.ROLE
        assert decision.message


@pytest.mark.parametrize("action", CONVENTION_ACTIONS)
def test_suspended_member_keeps_only_reading(action):
    convention = make_convention(phase=OPEN_PHASE.get(action, Phase.DELIBERATION))
    member = make_member(convention, *EVERY_ROLE, suspended=True)
    decision = decide(action=action, convention=convention, membership=member)
    assert decision.allowed == (action in WHILE_SUSPENDED)
    if not decision.allowed:
        assert decision.refusal == Refusal.SUSPENDED
        assert "suspended" in decision.message


@pytest.mark.parametrize("action", CONVENTION_ACTIONS)
def test_visitors_and_other_conventions_members_may_only_view_the_convention(action):
    convention = make_convention(phase=OPEN_PHASE.get(action, Phase.DELIBERATION))
    elsewhere = make_member(make_convention("elsewhere"), *EVERY_ROLE)
    from django.contrib.auth.models import AnonymousUser

    visitor = decide(action=action, convention=convention, membership=None, user=AnonymousUser())
    outsider = decide(action=action, convention=convention, membership=elsewhere)
    assert visitor.allowed == outsider.allowed == (action == Action.VIEW_CONVENTION)
    if action != Action.VIEW_CONVENTION:
        assert visitor.refusal == Refusal.LOGIN_REQUIRED
        assert outsider.refusal == Refusal.NOT_MEMBER
        assert "not a member" in outsider.message


def test_deleted_membership_is_no_membership():
    convention = make_convention()
    member = make_member(convention, Role.ORGANIZER)
    member.is_deleted = True
    assert not can(action=Action.VIEW_AUDIT, convention=convention, membership=member)


@pytest.mark.parametrize(
    ("action", "allowed_phases"),
    [
        (Action.ISSUE_INVITATIONS, {Phase.REGISTRATION, Phase.DELIBERATION}),
        (Action.SET_QUOTAS, {Phase.REGISTRATION, Phase.DELIBERATION}),
        (Action.APPOINT_ROLES, {Phase.REGISTRATION, Phase.DELIBERATION, Phase.VOTING}),
        (Action.POST, {Phase.DELIBERATION, Phase.VOTING}),
        (Action.PROPOSE, {Phase.DELIBERATION}),
        (Action.VOTE, {Phase.VOTING}),
        (Action.REVOKE_INVITATION, set(Phase.values)),
        (Action.MOVE_PHASE, set(Phase.values)),
        (Action.VIEW_AUDIT, set(Phase.values)),
    ],
)
def test_actions_are_possible_only_in_their_phases(action, allowed_phases):
    for phase in Phase.values:
        convention = make_convention(f"c-{phase}", phase=phase)
        member = make_member(convention, *EVERY_ROLE)
        decision = decide(action=action, convention=convention, membership=member)
        assert decision.allowed == (phase in allowed_phases), (phase, decision.message)
        if not decision.allowed:
            assert decision.refusal == Refusal.PHASE
            assert str(Phase(phase).label) in decision.message


STAFF_ACTIONS = [
    a for a in CONVENTION_ACTIONS if EXPECTED[a] != EVERY_ROLE and EXPECTED[a] <= {M, R, T, G}
]


@pytest.mark.parametrize("action", STAFF_ACTIONS)
def test_staff_action_refused_without_mfa_until_it_is_enabled(action):
    convention = make_convention(
        phase=OPEN_PHASE.get(action, Phase.DELIBERATION), require_staff_mfa=True
    )
    member = make_member(convention, *EXPECTED[action])
    refused = decide(action=action, convention=convention, membership=member)
    assert not refused.allowed
    assert refused.refusal == Refusal.MFA_REQUIRED
    assert "two-factor" in refused.message
    enable_mfa(member.user)
    member = type(member).objects.get(pk=member.pk)
    assert decide(action=action, convention=convention, membership=member).allowed


def test_staff_without_mfa_still_acts_through_a_non_staff_role():
    convention = make_convention(phase=Phase.DELIBERATION, require_staff_mfa=True)
    moderator = make_member(convention, Role.MODERATOR, Role.PARTICIPANT)
    assert can(action=Action.POST, convention=convention, membership=moderator)
    assert not can(action=Action.MODERATE, convention=convention, membership=moderator)
    observer = make_member(convention, Role.OBSERVER)
    assert can(action=Action.OBSERVE, convention=convention, membership=observer)


def test_mfa_not_required_when_the_convention_does_not_ask():
    convention = make_convention(require_staff_mfa=False)
    organizer = make_member(convention, Role.ORGANIZER)
    assert can(action=Action.MANAGE_CONVENTION, convention=convention, membership=organizer)


def test_require_raises_permission_refused_with_reason():
    convention = make_convention()
    participant = make_member(convention, Role.PARTICIPANT)
    with pytest.raises(PermissionRefused) as refused:
        require(action=Action.ISSUE_INVITATIONS, membership=participant)
    assert "registrars" in str(refused.value)


def test_create_convention_needs_the_platform_permission():
    from django.contrib.auth.models import Permission

    user = make_user()
    assert not can(action=Action.CREATE_CONVENTION, convention=None, membership=None, user=user)
    user.user_permissions.add(Permission.objects.get(codename="add_convention"))
    user = type(user).objects.get(pk=user.pk)
    assert can(action=Action.CREATE_CONVENTION, convention=None, membership=None, user=user)


def test_permitted_actions_names_every_convention_action():
    convention = make_convention()
    registrar = make_member(convention, Role.REGISTRAR)
    may = permitted_actions(convention=convention, membership=registrar)
    assert may["ISSUE_INVITATIONS"] and not may["MANAGE_CONVENTION"]
    assert set(may) == {a.name for a in CONVENTION_ACTIONS}


# --- Every view under a convention goes through require_permission -----------------------

# Namespaces whose views must carry a required action. Later apps add theirs here.
GUARDED_NAMESPACES = ["convention", "deliberation"]


def _patterns(resolver, namespace=None, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, entry.namespace or namespace, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield namespace, prefix + str(entry.pattern), entry.callback


@pytest.mark.parametrize("namespace", GUARDED_NAMESPACES)
def test_every_view_goes_through_require_permission(namespace):
    views = [(route, view) for ns, route, view in _patterns(get_resolver()) if ns == namespace]
    assert views
    unguarded = [route for route, view in views if not hasattr(view, "required_action")]
    assert not unguarded, f"views without require_permission: {unguarded}"


def test_refusal_page_says_why_and_links_to_two_factor_settings(client):
    convention = make_convention(require_staff_mfa=True)
    organizer = make_member(convention, Role.ORGANIZER)
    client.force_login(organizer.user)
    response = client.get(reverse("convention:edit", args=[convention.slug]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "requires two-factor authentication" in page
    assert reverse("mfa_index") in page
    enable_mfa(organizer.user)
    assert client.get(reverse("convention:edit", args=[convention.slug])).status_code == 200


def test_visitor_is_sent_to_log_in_and_unknown_convention_is_404(client):
    convention = make_convention()
    response = client.get(reverse("convention:audit", args=[convention.slug]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert client.get(reverse("convention:audit", args=["no-such"])).status_code == 404
    assert client.get(reverse("convention:detail", args=[convention.slug])).status_code == 200
