"""An election's definition: its questions in the manifest's format and what keeps a draft from
its key ceremony (docs/elections.md §1–§2).

Both drafting (the organizer's step-by-step pages) and the lifecycle (``draft → key_ceremony``
freezes the definition into the manifest) need these; they live here so that neither of the
two imports the other for them. This module changes nothing: it reads and checks.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from voting.exceptions import InvalidElection
from voting.models import Election, QuestionKind
from voting.services.cohorts import definition_member
from voting.verify.election import (
    MAX_OPTIONS,
    MAX_RANKED_OPTIONS,
    PROTOCOL,
    InvalidManifest,
    shapes,
)

LANGUAGES = ("en", "fa-af", "ps")


def manifest_text(
    value: Any, what: str, *, required: bool = True, limit: int = 500
) -> dict[str, str]:
    """A text in ``en``, ``fa-af`` and ``ps``, each bounded; else ``InvalidElection``."""
    if not isinstance(value, dict) or not set(value) <= set(LANGUAGES):
        raise InvalidElection(f"{what}: give the text as {{'en', 'fa-af', 'ps'}}")
    text = {lang: value.get(lang, "") for lang in LANGUAGES}
    if any(not isinstance(t, str) or len(t) > limit for t in text.values()):
        raise InvalidElection(f"{what}: at most {limit} characters per language")
    if required and not text["en"].strip():
        raise InvalidElection(f"{what}: the English text is required")
    return text


def validated_questions(questions: Any) -> list[dict[str, Any]]:
    """``questions`` in the manifest's question format (docs/elections.md §1), checked as the
    verifier checks them, or ``InvalidElection``."""
    if not isinstance(questions, list):
        raise InvalidElection("questions must be a list")
    cleaned = []
    for q, question in enumerate(questions):
        if not isinstance(question, dict):
            raise InvalidElection(f"question {q} must be an object")
        kind = question.get("type")
        options = question.get("options")
        if not isinstance(options, list):
            raise InvalidElection(f"question {q}: options must be a list")
        item: dict[str, Any] = {
            "type": kind,
            "title": manifest_text(question.get("title"), f"question {q}"),
            "options": [],
        }
        for o, option in enumerate(options):
            if not isinstance(option, dict):
                raise InvalidElection(f"question {q} option {o} must be an object")
            proposal = option.get("proposal")
            if proposal is not None and (
                not isinstance(proposal, int) or isinstance(proposal, bool) or proposal < 1
            ):
                raise InvalidElection(f"question {q} option {o}: proposal must be an id or null")
            item["options"].append(
                {
                    "label": manifest_text(option.get("label"), f"question {q} option {o}"),
                    "proposal": proposal,
                }
            )
        if kind == "single":
            item["blank"] = bool(question.get("blank", False))
        elif kind == "approval":
            item["min"] = question.get("min", 0)
            item["max"] = question.get("max", len(options))
        cleaned.append(item)
    try:
        shapes({"questions": cleaned})
    except InvalidManifest as exc:
        raise InvalidElection(str(exc)) from None
    return cleaned


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def questions_json(election: Election) -> list[dict[str, Any]]:
    result = []
    for question in election.questions.prefetch_related("options"):
        item: dict[str, Any] = {
            "type": question.kind,
            "title": question.localised(),
            "options": [
                {"label": option.localised(), "proposal": option.proposal_id}
                for option in question.options.all()
            ],
        }
        if question.kind == "single":
            item["blank"] = question.allow_blank
        elif question.kind == "approval":
            item["min"] = question.min_selections
            item["max"] = question.max_selections
        result.append(item)
    return result


def build_definition(election: Election) -> dict[str, Any]:
    return {
        "protocol": PROTOCOL,
        "election": election.uuid.hex,
        "convention": election.convention.slug,
        "title": {"en": election.title_en, "fa-af": election.title_fa_af, "ps": election.title_ps},
        "description": {
            "en": election.description_en,
            "fa-af": election.description_fa_af,
            "ps": election.description_ps,
        },
        "questions": questions_json(election),
        "schedule": {
            "credentials": _iso(election.credentials_at),
            "opens": _iso(election.opens_at),
            "closes": _iso(election.closes_at),
        },
        "trustees": {
            "threshold": election.threshold,
            "names": [t.name for t in election.trustees.all()],
        },
        "board_public_key": None,
    } | _cohorts_member(election)


def _cohorts_member(election: Election) -> dict[str, Any]:
    """The convention's cohort dimensions, if it has any (docs/protocol.md §12.1)."""
    found = definition_member(election)
    return {} if found is None else {"cohorts": found}


def option_limit(kind: str) -> int:
    return MAX_RANKED_OPTIONS if kind == QuestionKind.RANKED else MAX_OPTIONS


def problems(election: Election) -> list[str]:
    """What still keeps the draft from its key ceremony, in words for the organizer."""
    found: list[str] = []
    questions = list(election.questions.prefetch_related("options"))
    if not questions:
        found.append(str(_("The election has no question yet.")))
    for number, question in enumerate(questions, start=1):
        n = len(question.options.all())
        limit = option_limit(question.kind)
        if n < 2:
            found.append(
                str(_("Question %(number)d needs at least 2 options (it has %(count)d)."))
                % {"number": number, "count": n}
            )
        elif n > limit:
            found.append(
                str(_("Question %(number)d has more than %(max)d options."))
                % {"number": number, "max": limit}
            )
        if question.kind == QuestionKind.APPROVAL and not (
            0 <= question.min_selections <= question.max_selections <= n
        ):
            found.append(
                str(
                    _(
                        "Question %(number)d: the selections must satisfy 0 ≤ least ≤ most ≤ "
                        "number of options (%(low)d, %(high)d, %(count)d)."
                    )
                )
                % {
                    "number": number,
                    "low": question.min_selections,
                    "high": question.max_selections,
                    "count": n,
                }
            )
    trustees = election.trustees.count()
    if not trustees:
        found.append(str(_("No trustee is chosen yet.")))
    elif not 1 <= election.threshold <= trustees:
        found.append(
            str(_("The threshold (%(k)d) must be between 1 and the number of trustees (%(n)d)."))
            % {"k": election.threshold, "n": trustees}
        )
    if not election.credentials_at <= election.opens_at < election.closes_at:
        found.append(str(_("The schedule is out of order.")))
    return found


def check_ready(election: Election) -> None:
    """``InvalidElection`` naming every problem, or nothing; also re-checks the definition
    against the manifest's own rules."""
    found = problems(election)
    if found:
        raise InvalidElection(" ".join(found))
    validated_questions(questions_json(election))
