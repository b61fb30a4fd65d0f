"""Proposals: submitted with texts in Dari, Pashto and English, discussed in their own room,
supported, amended with the author's consent, and placed on a ballot once supported enough.

Elections belong to the voting app, which depends on this one: placing a proposal on a ballot
reaches them through the ballot port (``deliberation.ballot``), never by importing ``voting``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from convention.models import Convention, Membership
from convention.services import audit

from ..access import Action, require
from ..ballot import Ballot, registered
from ..exceptions import AlreadyDecided, InvalidInput, NotAllowed
from ..models import (
    TEXT_LANGUAGES,
    Amendment,
    AmendmentStatus,
    Proposal,
    ProposalStatus,
    ProposalText,
    Room,
    RoomKind,
    Support,
)
from ..text import clean_line, clean_text, render_markdown
from .structure import settings_for


class ThresholdNotReached(InvalidInput):
    status = 409
    default_message = _("This proposal does not yet have enough supporters.")


class BallotUnavailable(InvalidInput):
    status = 409
    default_message = _("Elections are not available yet, so the proposal cannot be placed.")


def _clean_version(language: str, title: str, summary: str, body: str) -> dict:
    if language not in TEXT_LANGUAGES:
        raise InvalidInput(_("A proposal's text is in English, Dari or Pashto."))
    return {
        "title": clean_line(title, max_chars=200),
        "summary": clean_text(summary, max_chars=1000),
        "body": clean_text(body, max_chars=20_000),
    }


def _leaving(convention: Convention) -> str:
    return reverse("deliberation:leaving", kwargs={"slug": convention.slug})


def _add_text(
    proposal: Proposal, *, language: str, fields: dict, amendment: Amendment | None = None
) -> ProposalText:
    latest = proposal.texts.filter(language=language).aggregate(n=Max("revision"))["n"] or 0
    text = ProposalText(
        proposal=proposal,
        language=language,
        revision=latest + 1,
        body_html=render_markdown(fields["body"], leaving_url=_leaving(proposal.convention)),
        from_amendment=amendment,
        **fields,
    )
    text.full_clean()
    text.save()
    return text


def submit_proposal(
    *, member: Membership, language: str, title: str, summary: str, body: str
) -> Proposal:
    """A new proposal with its first text, and a room of its own to discuss it."""
    convention = member.convention
    require(member, Action.PROPOSE, convention)
    fields = _clean_version(language, title, summary, body)
    with transaction.atomic():
        titles = {"title_en": fields["title"]}
        room = Room.objects.create(convention=convention, kind=RoomKind.PROPOSAL, **titles)
        proposal = Proposal.objects.create(convention=convention, author=member, room=room)
        _add_text(proposal, language=language, fields=fields)
    return proposal


def revise_text(
    *,
    member: Membership,
    proposal: Proposal,
    language: str,
    title: str,
    summary: str,
    body: str,
) -> ProposalText:
    """The author adds a language version or a new revision of one; earlier ones stay."""
    require(member, Action.PROPOSE, proposal.convention)
    if proposal.author_id != member.pk:
        raise NotAllowed(_("Only the author can change the text of a proposal."))
    if proposal.status != ProposalStatus.OPEN:
        raise NotAllowed(_("This proposal can no longer be changed."))
    fields = _clean_version(language, title, summary, body)
    with transaction.atomic():
        return _add_text(proposal, language=language, fields=fields)


def support(*, member: Membership, proposal: Proposal, supporting: bool = True) -> Proposal:
    require(member, Action.POST, proposal.convention)
    if proposal.status != ProposalStatus.OPEN:
        raise NotAllowed(_("This proposal is not open for support."))
    with transaction.atomic():
        if supporting:
            try:
                with transaction.atomic():
                    Support.objects.create(proposal=proposal, member=member)
            except IntegrityError:
                return proposal  # already supporting: nothing changes
            Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
        else:
            deleted, _kinds = Support.objects.filter(proposal=proposal, member=member).delete()
            if deleted:
                Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") - 1)
    proposal.refresh_from_db(fields=["support_count"])
    return proposal


def propose_amendment(
    *,
    member: Membership,
    proposal: Proposal,
    language: str,
    title: str,
    summary: str,
    body: str,
    rationale: str = "",
) -> Amendment:
    require(member, Action.PROPOSE, proposal.convention)
    if proposal.status != ProposalStatus.OPEN:
        raise NotAllowed(_("This proposal can no longer be amended."))
    fields = _clean_version(language, title, summary, body)
    rationale = clean_text(rationale, max_chars=2000) if rationale.strip() else ""
    current = proposal.texts.filter(language=language).aggregate(n=Max("revision"))["n"] or 0
    with transaction.atomic():
        amendment = Amendment(
            proposal=proposal,
            author=member,
            language=language,
            rationale=rationale,
            based_on_revision=current,
            **fields,
        )
        amendment.full_clean()
        amendment.save()
    return amendment


def decide_amendment(*, member: Membership, amendment: Amendment, accept: bool) -> Amendment:
    """The proposal's author accepts (the amendment becomes the new text) or declines."""
    proposal = amendment.proposal
    require(member, Action.PROPOSE, proposal.convention)
    if proposal.author_id != member.pk:
        raise NotAllowed(_("Only the proposal's author can accept or decline amendments."))
    with transaction.atomic():
        amendment = Amendment.objects.select_for_update().get(pk=amendment.pk)
        if amendment.status != AmendmentStatus.OPEN:
            raise AlreadyDecided()
        amendment.status = AmendmentStatus.ACCEPTED if accept else AmendmentStatus.DECLINED
        amendment.save(update_fields=["status"])
        if accept:
            _add_text(
                proposal,
                language=amendment.language,
                fields={
                    "title": amendment.title,
                    "summary": amendment.summary,
                    "body": amendment.body,
                },
                amendment=amendment,
            )
    return amendment


def proposals_ready_for_ballot(convention: Convention) -> list[Proposal]:
    """Open proposals whose support has reached the organizer's threshold: what an organizer
    may place on an election as answer options."""
    threshold = settings_for(convention).proposal_support_threshold
    return list(
        Proposal.objects.filter(
            convention=convention, status=ProposalStatus.OPEN, support_count__gte=threshold
        ).prefetch_related("texts")
    )


def _ballot() -> Ballot:
    ballot = registered()
    if ballot is None:
        raise BallotUnavailable()
    return ballot


def ballot_questions(convention: Convention) -> list[Any]:
    """Questions of the convention's draft elections: where a proposal can become an option.
    Once an election leaves the draft state its manifest is frozen, so it is not offered."""
    ballot = registered()
    return [] if ballot is None else ballot.draft_questions(convention)


def place_on_ballot(*, organizer: Membership, proposal: Proposal, question: Any) -> Any:
    """Add ``proposal`` as an answer option of ``question`` of a draft election.

    The option carries the proposal's current title in each language and refers back to the
    proposal by ``proposal_id`` (and, through the proposal, to its room).
    """
    require(organizer, Action.MANAGE_ELECTIONS, proposal.convention)
    ballot = _ballot()
    if question.election.convention_id != proposal.convention_id:
        raise BallotUnavailable()
    with transaction.atomic():
        election = ballot.lock_draft_election(question)
        if election is None:
            raise BallotUnavailable(
                _("That election is past its draft stage: its options are frozen.")
            )
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != ProposalStatus.OPEN:
            raise AlreadyDecided(_("This proposal is already on a ballot or withdrawn."))
        threshold = settings_for(proposal.convention).proposal_support_threshold
        if proposal.support_count < threshold:
            raise ThresholdNotReached()
        titles: dict[str, str] = {}
        for text in proposal.texts.order_by("language", "-revision"):
            titles.setdefault(text.language, text.title)
        fallback = titles.get("en") or next(iter(titles.values()))
        if not ballot.has_room(question):
            raise BallotUnavailable(_("That question already has the most options it can hold."))
        option = ballot.add_option(
            question=question,
            proposal_id=proposal.pk,
            titles={"en": fallback, "fa-af": titles.get("fa-af", ""), "ps": titles.get("ps", "")},
        )
        proposal.status = ProposalStatus.ON_BALLOT
        proposal.ballot_reference = election.title_en[:200]
        proposal.save(update_fields=["status", "ballot_reference"])
        audit.record(
            convention=proposal.convention,
            actor=organizer,
            action="proposal.placed_on_ballot",
            target=f"proposal {proposal.pk}",
            detail={"election": str(election.uuid), "question": question.position},
        )
    return option


def release_from_ballot(
    *, organizer: Membership, election: Any, proposal_ids: Iterable[int]
) -> None:
    """Open proposals for support again once no answer option refers to them: called, inside the
    drafting transaction, after options (or a whole question) of a draft ``election`` went away.
    """
    require(organizer, Action.MANAGE_ELECTIONS, election.convention)
    proposal_ids = set(proposal_ids)
    ballot = registered()
    still = ballot.referenced_proposals(proposal_ids) if ballot is not None else set()
    released = Proposal.objects.select_for_update().filter(
        pk__in=proposal_ids - still,
        convention=election.convention,
        status=ProposalStatus.ON_BALLOT,
    )
    for proposal in released.order_by("pk"):
        proposal.status = ProposalStatus.OPEN
        proposal.ballot_reference = ""
        proposal.save(update_fields=["status", "ballot_reference"])
        audit.record(
            convention=proposal.convention,
            actor=organizer,
            action="proposal.taken_off_ballot",
            target=f"proposal {proposal.pk}",
            detail={"election": str(election.uuid)},
        )
