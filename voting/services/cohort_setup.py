"""Setting up cohort dimensions (docs/protocol.md §12.1): the organizer defines a convention's
dimensions, registrars attest values when they issue invitation codes, and the member who
redeems a code inherits them. Elections copy the dimensions into their definition when their
key ceremony starts, and the attested values onto the roll when it freezes.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from convention.models import Convention, Invitation, Membership, Role
from convention.services.audit import record
from voting.exceptions import InvalidElection, NotAllowed
from voting.models import AttestedCohort, ConventionCohorts, InvitationCohort
from voting.verify.cohorts import InvalidCohorts, parse_definition


def dimensions_of(convention: Convention) -> dict[str, Any] | None:
    found = ConventionCohorts.objects.filter(convention=convention).first()
    return found.definition if found else None


def define_cohorts(*, convention: Convention, actor: Membership, definition: Any) -> None:
    """Set the convention's dimensions. Refused once a registrar has attested a value: the
    values are numbered, and renumbering them would change what was attested."""
    if actor.convention_id != convention.pk or not actor.has_role(Role.ORGANIZER):
        raise NotAllowed()
    try:
        parse_definition({"cohorts": definition})
    except InvalidCohorts as exc:
        raise InvalidElection(str(exc)) from None
    with transaction.atomic():
        if InvitationCohort.objects.filter(invitation__convention=convention).exists():
            raise InvalidElection(
                "registrars have already attested values: the dimensions can no longer change"
            )
        ConventionCohorts.objects.update_or_create(
            convention=convention, defaults={"definition": definition}
        )
        record(
            convention=convention,
            actor=actor.pseudonym,
            action="convention.cohorts_defined",
            target=convention.slug,
            detail={"dimensions": len(definition["dimensions"]), "minimum": definition["minimum"]},
        )


def attested_dimensions(convention: Convention) -> list[tuple[int, dict[str, Any]]]:
    definition = dimensions_of(convention)
    if definition is None:
        return []
    return [
        (d, dimension)
        for d, dimension in enumerate(definition["dimensions"], start=1)
        if dimension["kind"] == "attested"
    ]


def attest_invitations(invitations: list[Invitation], values: dict[int, int]) -> None:
    """The values a registrar attested for a batch of codes (0 = not stated: nothing stored)."""
    if not invitations:
        return
    allowed = dict(attested_dimensions(invitations[0].convention))
    rows = []
    for d, v in values.items():
        if d not in allowed or not 0 <= v <= len(allowed[d]["values"]):
            raise InvalidElection(f"dimension {d} has no attested value {v}")
        if v:
            rows += [InvitationCohort(invitation=i, dimension=d, value=v) for i in invitations]
    InvitationCohort.objects.bulk_create(rows)


def inherit_attested(invitation: Invitation, membership: Membership) -> None:
    """The member who redeemed ``invitation`` carries the values attested for it."""
    AttestedCohort.objects.bulk_create(
        AttestedCohort(membership=membership, dimension=d, value=v)
        for d, v in InvitationCohort.objects.filter(invitation=invitation).values_list(
            "dimension", "value"
        )
    )


def issue_attested_invitations(
    *, registrar: Membership, count: int, batch_token: str, values: dict[int, int]
) -> list:
    """Issue a batch of codes and attest ``values`` for every one of them, in one transaction
    (a batch never exists half attested)."""
    from convention.models import hash_invitation_code
    from convention.services import invitations as invitation_services

    with transaction.atomic():
        issued = invitation_services.issue_invitations(
            registrar=registrar, count=count, batch_token=batch_token
        )
        hashes = [hash_invitation_code(item.code) for item in issued]
        attest_invitations(list(Invitation.objects.filter(code_hash__in=hashes)), values)
    return issued


def attested_labels(convention: Convention, values: dict[int, int], language: str) -> list:
    """``[(dimension name, value name)]`` of a batch, for the issued sheet (not the cards)."""
    out = []
    for d, dimension in attested_dimensions(convention):
        v = values.get(d, 0)
        if v:
            names = [x.get(language) or x["en"] for x in dimension["values"]]
            out.append((dimension["name"].get(language) or dimension["name"]["en"], names[v - 1]))
    return out
