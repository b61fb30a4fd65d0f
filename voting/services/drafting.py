"""Drafting an election step by step: texts and schedule, questions, options, trustees.

The organizer's pages (``voting.views.organizer``) write through these functions only. Each
one checks the organizer's permission (``convention.permissions``), locks the election row,
refuses any change once the election has left the draft state (the definition is frozen when
the key ceremony starts), validates every text (no markup, no NUL or control characters, no
bidirectional controls, bounded length), calls ``full_clean`` and writes an audit entry, all in
one transaction: a refused change writes nothing.

``problems`` (from ``voting.services.definition``) lists what still keeps a draft from its key
ceremony (docs/elections.md §2: ≥ 1 question, each well formed, n ≥ k trustees, schedule in
order); ``start_key_ceremony`` refuses while there are any, then calls ``lifecycle.transition``.
A supported proposal becomes an option through deliberation's own service
(``deliberation.services.proposals``): voting depends on deliberation, never the reverse.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from convention.forms.fields import check_plain_text
from convention.models import Convention, Membership, Role
from convention.permissions import Action, decide
from convention.services.audit import record
from deliberation.exceptions import DeliberationError
from deliberation.models import Proposal
from deliberation.services.proposals import place_on_ballot, release_from_ballot
from voting.exceptions import InvalidElection, NotAllowed, WrongState
from voting.models import Election, ElectionState, Option, Question, QuestionKind, Trustee
from voting.services.definition import check_ready as check_ready
from voting.services.definition import option_limit as option_limit
from voting.services.definition import problems as problems
from voting.services.lifecycle import transition
from voting.verify.election import MAX_OPTIONS, MAX_QUESTIONS

LANGUAGES = ("en", "fa-af", "ps")
TITLE_MAX = 200
DESCRIPTION_MAX = 5000
TEXT_MAX = 500
# Looks like markup: a tag, a comment, a processing instruction, or a script URL.
_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|javascript\s*:", re.IGNORECASE)

_LANGUAGE_NAMES = {"en": _("English"), "fa-af": _("Dari"), "ps": _("Pashto")}


# --- checks ------------------------------------------------------------------------------


def _require_organizer(actor: Membership | None, convention: Convention) -> None:
    decision = decide(action=Action.MANAGE_ELECTIONS, convention=convention, membership=actor)
    if not decision.allowed:
        raise NotAllowed(decision.message)


def clean_text(value: Any, *, limit: int, multiline: bool = False, what: str = "") -> str:
    """``value`` normalised (NFC, trimmed) or ``InvalidElection`` with a reason."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidElection(_("%(what)s: the text is not a string.") % {"what": what})
    if len(value) > limit * 4:
        raise InvalidElection(
            _("%(what)s: the text is too long: at most %(max)d characters.")
            % {"what": what, "max": limit}
        )
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    try:
        value = check_plain_text(value, multiline=multiline)
    except ValidationError as error:
        raise InvalidElection(f"{what}: {' '.join(error.messages)}") from None
    value = unicodedata.normalize("NFC", value).strip()
    if len(value) > limit:
        raise InvalidElection(
            _("%(what)s: the text is too long: at most %(max)d characters (it has %(count)d).")
            % {"what": what, "max": limit, "count": len(value)}
        )
    if _MARKUP.search(value):
        raise InvalidElection(
            _(
                "%(what)s: the text looks like HTML or a script. Write plain text; the page "
                "formats it itself."
            )
            % {"what": what}
        )
    return value


def clean_texts(
    value: Any, *, what: str, limit: int, required: bool = True, multiline: bool = False
) -> dict[str, str]:
    """``{"en", "fa-af", "ps"}`` texts, each checked; English required if ``required``."""
    if value is None:
        value = {}
    if not isinstance(value, dict) or not set(value) <= set(LANGUAGES):
        raise InvalidElection(
            _("%(what)s: give the texts in English, Dari and Pashto.") % {"what": what}
        )
    texts = {
        lang: clean_text(
            value.get(lang, ""),
            limit=limit,
            multiline=multiline,
            what=f"{what} ({_LANGUAGE_NAMES[lang]})",
        )
        for lang in LANGUAGES
    }
    if required and not texts["en"]:
        raise InvalidElection(_("%(what)s: the English text is required.") % {"what": what})
    return texts


def _check_schedule(credentials_at: Any, opens_at: Any, closes_at: Any) -> None:
    for moment in (credentials_at, opens_at, closes_at):
        if not isinstance(moment, datetime) or moment.tzinfo is None:
            raise InvalidElection(_("Give every date and time of the schedule (in UTC)."))
    if not credentials_at <= opens_at:
        raise InvalidElection(_("The credential window must open no later than voting opens."))
    if not opens_at < closes_at:
        raise InvalidElection(_("Voting must open before it closes."))


def _full_clean(instance) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        raise InvalidElection(" ".join(error.messages)) from None


def _locked_draft(election: Election) -> Election:
    """The election row, locked; ``WrongState`` unless it is still a draft."""
    locked = Election.objects.select_for_update().select_related("convention").get(pk=election.pk)
    if locked.state != ElectionState.DRAFT:
        raise WrongState(
            _(
                "The key ceremony has started: the election can no longer be changed. "
                "Reset it to draft first (this discards the ceremony)."
            )
        )
    return locked


def _audit(election: Election, actor: Membership, action: str, detail: dict | None = None):
    record(
        convention=election.convention,
        actor=actor,
        action=f"election.{action}",
        target=str(election.uuid),
        detail=detail or {},
    )


# --- the election ------------------------------------------------------------------------


def _set_texts(election: Election, title: dict[str, str], description: dict[str, str]) -> None:
    for lang in LANGUAGES:
        suffix = lang.replace("-", "_")
        setattr(election, f"title_{suffix}", title[lang])
        setattr(election, f"description_{suffix}", description[lang])


@transaction.atomic
def create_draft(
    *,
    convention: Convention,
    actor: Membership,
    title: dict[str, str],
    description: dict[str, str] | None = None,
    credentials_at: datetime,
    opens_at: datetime,
    closes_at: datetime,
) -> Election:
    """A draft election with its texts and schedule; questions and trustees come next."""
    _require_organizer(actor, convention)
    title = clean_texts(title, what=_("Title"), limit=TITLE_MAX)
    description = clean_texts(
        description, what=_("Description"), limit=DESCRIPTION_MAX, required=False, multiline=True
    )
    _check_schedule(credentials_at, opens_at, closes_at)
    election = Election(
        convention=convention,
        threshold=1,
        credentials_at=credentials_at,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    _set_texts(election, title, description)
    _full_clean(election)
    election.save()
    _audit(election, actor, "created")
    return election


@transaction.atomic
def update_draft(
    *,
    election: Election,
    actor: Membership,
    title: dict[str, str],
    description: dict[str, str] | None = None,
    credentials_at: datetime,
    opens_at: datetime,
    closes_at: datetime,
) -> Election:
    _require_organizer(actor, election.convention)
    election = _locked_draft(election)
    title = clean_texts(title, what=_("Title"), limit=TITLE_MAX)
    description = clean_texts(
        description, what=_("Description"), limit=DESCRIPTION_MAX, required=False, multiline=True
    )
    _check_schedule(credentials_at, opens_at, closes_at)
    _set_texts(election, title, description)
    election.credentials_at = credentials_at
    election.opens_at = opens_at
    election.closes_at = closes_at
    _full_clean(election)
    election.save()
    _audit(election, actor, "edited")
    return election


# --- questions ---------------------------------------------------------------------------


def _question_settings(
    kind: Any, allow_blank: Any, min_selections: Any, max_selections: Any, options: int
) -> dict[str, Any]:
    if kind not in QuestionKind.values:
        raise InvalidElection(_("Choose the kind of question."))
    if kind == QuestionKind.APPROVAL:
        for value in (min_selections, max_selections):
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidElection(
                    _("An approval question needs the least and the most selections.")
                )
        if not 0 <= min_selections <= max_selections:
            raise InvalidElection(
                _("The least number of selections must be between 0 and the most.")
            )
        if max_selections < 1 or max_selections > MAX_OPTIONS:
            raise InvalidElection(
                _("The most selections must be between 1 and %(max)d.") % {"max": MAX_OPTIONS}
            )
        if options and max_selections > options:
            raise InvalidElection(
                _("The most selections (%(max)d) cannot exceed the number of options (%(count)d).")
                % {"max": max_selections, "count": options}
            )
        return {
            "allow_blank": False,
            "min_selections": min_selections,
            "max_selections": max_selections,
        }
    if options > option_limit(kind):
        raise InvalidElection(
            _("A question of this kind has at most %(max)d options; remove some first.")
            % {"max": option_limit(kind)}
        )
    return {
        "allow_blank": bool(allow_blank) if kind == QuestionKind.SINGLE else False,
        "min_selections": 0,
        "max_selections": 1,
    }


def _question_of(election: Election, question: Question) -> Question:
    locked = Question.objects.select_for_update().filter(pk=question.pk, election=election).first()
    if locked is None:
        raise InvalidElection(_("That question is not part of this election."))
    return locked


@transaction.atomic
def add_question(
    *,
    election: Election,
    actor: Membership,
    kind: str,
    text: dict[str, str],
    allow_blank: bool = False,
    min_selections: int | None = 0,
    max_selections: int | None = 1,
) -> Question:
    _require_organizer(actor, election.convention)
    election = _locked_draft(election)
    if election.questions.count() >= MAX_QUESTIONS:
        raise InvalidElection(
            _("An election has at most %(max)d questions.") % {"max": MAX_QUESTIONS}
        )
    text = clean_texts(text, what=_("Question"), limit=TEXT_MAX)
    settings = _question_settings(kind, allow_blank, min_selections, max_selections, 0)
    highest = election.questions.aggregate(n=Max("position"))["n"]
    question = Question(
        election=election,
        position=0 if highest is None else highest + 1,
        kind=kind,
        text_en=text["en"],
        text_fa_af=text["fa-af"],
        text_ps=text["ps"],
        **settings,
    )
    _full_clean(question)
    question.save()
    _audit(election, actor, "question_added", {"question": question.position, "kind": kind})
    return question


@transaction.atomic
def update_question(
    *,
    question: Question,
    actor: Membership,
    kind: str,
    text: dict[str, str],
    allow_blank: bool = False,
    min_selections: int | None = 0,
    max_selections: int | None = 1,
) -> Question:
    election = question.election
    _require_organizer(actor, election.convention)
    election = _locked_draft(election)
    question = _question_of(election, question)
    text = clean_texts(text, what=_("Question"), limit=TEXT_MAX)
    settings = _question_settings(
        kind, allow_blank, min_selections, max_selections, question.options.count()
    )
    question.kind = kind
    question.text_en, question.text_fa_af, question.text_ps = text["en"], text["fa-af"], text["ps"]
    for name, value in settings.items():
        setattr(question, name, value)
    _full_clean(question)
    question.save()
    _audit(election, actor, "question_edited", {"question": question.position})
    return question


def _renumber(queryset) -> None:
    """Positions 0..n-1 in the current order; unique constraints are kept on the way by
    moving everything out of range first."""
    rows = list(queryset.order_by("position"))
    offset = 1000
    for row in rows:
        row.position += offset
        row.save(update_fields=["position"])
    for position, row in enumerate(rows):
        row.position = position
        row.save(update_fields=["position"])


def _swap(row, queryset, direction: str) -> bool:
    if direction not in ("up", "down"):
        raise InvalidElection(_("Move up or down."))
    siblings = list(queryset.order_by("position"))
    index = next(i for i, s in enumerate(siblings) if s.pk == row.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return False
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for offset, sibling in enumerate(siblings):
        sibling.position = 1000 + offset
        sibling.save(update_fields=["position"])
    for position, sibling in enumerate(siblings):
        sibling.position = position
        sibling.save(update_fields=["position"])
    return True


@transaction.atomic
def remove_question(*, question: Question, actor: Membership) -> None:
    election = question.election
    _require_organizer(actor, election.convention)
    election = _locked_draft(election)
    question = _question_of(election, question)
    position = question.position
    proposal_ids = [p for p in question.options.values_list("proposal_id", flat=True) if p]
    question.delete()
    _renumber(election.questions.all())
    _audit(election, actor, "question_removed", {"question": position})
    _release_proposals(election, actor, proposal_ids)


@transaction.atomic
def move_question(*, question: Question, actor: Membership, direction: str) -> None:
    election = question.election
    _require_organizer(actor, election.convention)
    election = _locked_draft(election)
    question = _question_of(election, question)
    if _swap(question, election.questions.all(), direction):
        _audit(election, actor, "question_moved", {"question": question.position, "to": direction})


# --- options -----------------------------------------------------------------------------


def _option_of(election: Election, option: Option) -> Option:
    locked = (
        Option.objects.select_for_update()
        .filter(pk=option.pk, question__election=election)
        .select_related("question")
        .first()
    )
    if locked is None:
        raise InvalidElection(_("That option is not part of this election."))
    return locked


def _check_room(question: Question) -> None:
    limit = option_limit(question.kind)
    if question.options.count() >= limit:
        raise InvalidElection(
            _("This question already has the most options it can hold (%(max)d).") % {"max": limit}
        )


@transaction.atomic
def add_option(*, question: Question, actor: Membership, text: dict[str, str]) -> Option:
    election = question.election
    _require_organizer(actor, election.convention)
    election = _locked_draft(election)
    question = _question_of(election, question)
    text = clean_texts(text, what=_("Option"), limit=TEXT_MAX)
    _check_room(question)
    highest = question.options.aggregate(n=Max("position"))["n"]
    option = Option(
        question=question,
        position=0 if highest is None else highest + 1,
        text_en=text["en"],
        text_fa_af=text["fa-af"],
        text_ps=text["ps"],
    )
    _full_clean(option)
    option.save()
    _audit(
        election,
        actor,
        "option_added",
        {"question": question.position, "option": option.position},
    )
    return option


@transaction.atomic
def add_proposal_option(*, question: Question, actor: Membership, proposal_id: Any) -> Option:
    """Place one of the convention's proposals that reached its support threshold on
    ``question``, through deliberation's own service (which marks the proposal as on a
    ballot and audits it)."""
    election = question.election
    _require_organizer(actor, election.convention)
    election = _locked_draft(election)
    question = _question_of(election, question)
    if not isinstance(proposal_id, int) or isinstance(proposal_id, bool):
        raise InvalidElection(_("Choose a proposal."))
    proposal = Proposal.objects.filter(pk=proposal_id, convention=election.convention).first()
    if proposal is None:
        raise InvalidElection(_("That proposal is not one of this convention's."))
    _check_room(question)
    try:
        option = place_on_ballot(organizer=actor, proposal=proposal, question=question)
    except DeliberationError as error:
        raise InvalidElection(str(error.message)) from None
    return option


@transaction.atomic
def update_option(*, option: Option, actor: Membership, text: dict[str, str]) -> Option:
    election = option.question.election
    _require_organizer(actor, election.convention)
    election = _locked_draft(election)
    option = _option_of(election, option)
    text = clean_texts(text, what=_("Option"), limit=TEXT_MAX)
    option.text_en, option.text_fa_af, option.text_ps = text["en"], text["fa-af"], text["ps"]
    _full_clean(option)
    option.save()
    _audit(
        election,
        actor,
        "option_edited",
        {"question": option.question.position, "option": option.position},
    )
    return option


@transaction.atomic
def remove_option(*, option: Option, actor: Membership) -> None:
    election = option.question.election
    _require_organizer(actor, election.convention)
    election = _locked_draft(election)
    option = _option_of(election, option)
    question = option.question
    detail = {"question": question.position, "option": option.position}
    if option.proposal_id:
        detail["proposal"] = option.proposal_id
    option.delete()
    _renumber(question.options.all())
    _audit(election, actor, "option_removed", detail)
    _release_proposals(election, actor, [option.proposal_id] if option.proposal_id else [])


def _release_proposals(election: Election, actor: Membership, proposal_ids: list[int]) -> None:
    """A proposal whose option left the draft can gather support and be placed again."""
    if proposal_ids:
        release_from_ballot(organizer=actor, election=election, proposal_ids=proposal_ids)


@transaction.atomic
def move_option(*, option: Option, actor: Membership, direction: str) -> None:
    election = option.question.election
    _require_organizer(actor, election.convention)
    election = _locked_draft(election)
    option = _option_of(election, option)
    if _swap(option, option.question.options.all(), direction):
        _audit(
            election,
            actor,
            "option_moved",
            {"question": option.question.position, "option": option.position, "to": direction},
        )


# --- trustees ----------------------------------------------------------------------------


def trustee_candidates(convention: Convention):
    """Live members of ``convention`` holding the trustee role."""
    return (
        Membership.objects.filter(
            convention=convention,
            is_deleted=False,
            is_suspended=False,
            roles__role=Role.TRUSTEE,
        )
        .distinct()
        .order_by("pseudonym")
    )


@transaction.atomic
def set_trustees(
    *, election: Election, actor: Membership, trustees: list[Membership], threshold: Any
) -> Election:
    """Replace the trustees of a draft with ``trustees`` (numbered in the order given) and set
    the threshold ``k`` (any ``k`` of the ``n`` trustees decrypt together)."""
    _require_organizer(actor, election.convention)
    election = _locked_draft(election)
    if not isinstance(trustees, list | tuple) or not trustees:
        raise InvalidElection(_("Choose one or more trustees."))
    if len({getattr(t, "pk", None) for t in trustees}) != len(trustees):
        raise InvalidElection(_("Choose each trustee once."))
    allowed = set(trustee_candidates(election.convention).values_list("pk", flat=True))
    for trustee in trustees:
        if not isinstance(trustee, Membership) or trustee.pk not in allowed:
            raise InvalidElection(
                _("Only live members of this convention with the trustee role can be trustees.")
            )
    if not isinstance(threshold, int) or isinstance(threshold, bool):
        raise InvalidElection(_("Give the number of trustees needed to decrypt."))
    if not 1 <= threshold <= len(trustees):
        raise InvalidElection(
            _("The number of trustees needed (k) must be between 1 and the %(n)d chosen.")
            % {"n": len(trustees)}
        )
    election.trustees.all().delete()
    for index, membership in enumerate(trustees, start=1):
        trustee = Trustee(
            election=election, index=index, membership=membership, name=membership.pseudonym
        )
        _full_clean(trustee)
        trustee.save()
    election.threshold = threshold
    _full_clean(election)
    election.save(update_fields=["threshold"])
    _audit(
        election,
        actor,
        "trustees_set",
        {"trustees": [t.pseudonym for t in trustees], "threshold": threshold},
    )
    return election


def start_key_ceremony(*, election: Election, actor: Membership) -> Election:
    """Freeze the definition and open the key ceremony (``draft → key_ceremony``)."""
    _require_organizer(actor, election.convention)
    with transaction.atomic():
        election = _locked_draft(election)
        check_ready(election)
        return transition(election, ElectionState.KEY_CEREMONY, actor=actor)
