"""Creating a convention, editing its texts, moving it through its phases. All audited.

The creator becomes the convention's first organizer under a pseudonym of their choice. Phases
move one step at a time, forward or back, so a slip of the hand can be undone; a closed
convention stays closed, because its results have been published.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..exceptions import InvalidPhaseChange
from ..models import PHASE_ORDER, Convention, Membership, MembershipRole, Phase, Role, User
from ..names import skeleton
from ..permissions import Action, require
from . import audit

TEXT_FIELDS = (
    "title_en",
    "title_fa_af",
    "title_ps",
    "description_en",
    "description_fa_af",
    "description_ps",
)
# Paths under /c/ that a slug would shadow.
RESERVED_SLUGS = frozenset({"new", "admin", "static", "accounts"})


def validate_slug(slug: str) -> None:
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": ValidationError(_("This address is reserved."))})


@transaction.atomic
def create_convention(
    *,
    creator: User,
    slug: str,
    pseudonym: str,
    title_en: str,
    title_fa_af: str = "",
    title_ps: str = "",
    description_en: str = "",
    description_fa_af: str = "",
    description_ps: str = "",
    require_staff_mfa: bool = True,
) -> Convention:
    """Create a convention in its registration phase; ``creator`` becomes its organizer."""
    from .signup import PseudonymUnavailable, check_pseudonym_available

    require(action=Action.CREATE_CONVENTION, membership=None, user=creator)
    validate_slug(slug)
    convention = Convention(
        slug=slug,
        title_en=title_en,
        title_fa_af=title_fa_af,
        title_ps=title_ps,
        description_en=description_en,
        description_fa_af=description_fa_af,
        description_ps=description_ps,
        require_staff_mfa=require_staff_mfa,
        phase=Phase.REGISTRATION,
    )
    convention.full_clean()
    convention.save()
    try:
        name = check_pseudonym_available(convention=convention, pseudonym=pseudonym)
    except PseudonymUnavailable as refusal:
        raise ValidationError({"pseudonym": ValidationError(str(refusal.message))}) from refusal
    organizer = Membership(
        convention=convention, user=creator, pseudonym=name, pseudonym_skeleton=skeleton(name)
    )
    organizer.full_clean()
    organizer.save()
    MembershipRole.objects.create(membership=organizer, role=Role.ORGANIZER)
    audit.record(
        convention=convention,
        actor=organizer,
        action="convention.created",
        target=convention.slug,
        detail={"require_staff_mfa": convention.require_staff_mfa},
    )
    return convention


@transaction.atomic
def update_convention(*, actor: Membership, convention: Convention, **changes) -> Convention:
    """Change texts and the two-factor requirement; the log says which fields changed."""
    require(action=Action.MANAGE_CONVENTION, membership=actor, convention=convention)
    allowed = set(TEXT_FIELDS) | {"require_staff_mfa"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"update_convention() got unexpected fields: {sorted(unknown)}")
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    changed = sorted(name for name, value in changes.items() if getattr(convention, name) != value)
    if not changed:
        return convention
    for name in changed:
        setattr(convention, name, changes[name])
    convention.full_clean()
    convention.save(update_fields=changed)
    detail: dict = {"fields": changed}
    if "require_staff_mfa" in changed:
        detail["require_staff_mfa"] = convention.require_staff_mfa
    audit.record(
        convention=convention,
        actor=actor,
        action="convention.updated",
        target=convention.slug,
        detail=detail,
    )
    return convention


def adjacent_phases(phase: str) -> list[str]:
    """The phases a convention in ``phase`` may move to: one step back or forward, never out
    of ``closed``."""
    if phase == Phase.CLOSED:
        return []
    index = PHASE_ORDER.index(phase)
    return [PHASE_ORDER[i] for i in (index - 1, index + 1) if 0 <= i < len(PHASE_ORDER)]


@transaction.atomic
def move_phase(*, actor: Membership, convention: Convention, to_phase: str) -> Convention:
    require(action=Action.MOVE_PHASE, membership=actor, convention=convention)
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if to_phase not in adjacent_phases(convention.phase):
        raise InvalidPhaseChange()
    from_phase = convention.phase
    convention.phase = to_phase
    convention.full_clean()
    convention.save(update_fields=["phase"])
    audit.record(
        convention=convention,
        actor=actor,
        action="phase.moved",
        target=convention.slug,
        detail={"from": from_phase, "to": to_phase},
    )
    return convention
