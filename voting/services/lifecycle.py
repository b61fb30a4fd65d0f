"""Creating elections and moving them through their states (docs/elections.md §1–§2).

``draft → key_ceremony → credentials → open → closed → tallied → published``. Organizers move
them with ``transition``; ``advance_scheduled`` (run by Celery beat) moves them at the scheduled
times. Every transition locks the election row, checks its precondition, and writes an audit
entry. Freezing the roll, signing the final head and enqueueing the tally happen inside the
transition that needs them.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from convention.models import Convention, Membership, Phase, Role, current_hour
from convention.services.audit import record
from voting import keystore
from voting.crypto import board_key
from voting.exceptions import InvalidElection, NotAllowed, WrongState
from voting.models import (
    BoardHead,
    CeremonyComplaint,
    CeremonyShare,
    Election,
    ElectionState,
    Option,
    Question,
    RollEntry,
    Trustee,
)
from voting.outbox import after_commit
from voting.services.board import sign_final_head
from voting.services.cohorts import close_window, freeze_attested
from voting.services.definition import (
    build_definition,
    manifest_text,
    problems,
    validated_questions,
)
from voting.services.definition import questions_json as questions_json
from voting.verify.election import ceremony_context, roll_id

S = ElectionState
SCHEDULER = "scheduler"


@transaction.atomic
def create_election(
    *,
    convention: Convention,
    actor: Membership,
    title: dict[str, str],
    description: dict[str, str] | None = None,
    questions: list[dict[str, Any]],
    credentials_at: datetime,
    opens_at: datetime,
    closes_at: datetime,
    trustees: list[Membership],
    threshold: int,
) -> Election:
    """A draft election. ``questions`` use the manifest's question format (docs §1)."""
    if not actor.has_role(Role.ORGANIZER) or actor.convention_id != convention.pk:
        raise NotAllowed()
    title = manifest_text(title, "title", limit=200)
    description = manifest_text(
        description or {"en": ""}, "description", required=False, limit=5000
    )
    cleaned = validated_questions(questions)
    if not trustees or len({t.pk for t in trustees}) != len(trustees):
        raise InvalidElection("choose one or more distinct trustees")
    for trustee in trustees:
        if trustee.convention_id != convention.pk or not trustee.has_role(Role.TRUSTEE):
            raise InvalidElection(f"{trustee.pseudonym} is not a trustee of this convention")
    if not isinstance(threshold, int) or not 1 <= threshold <= len(trustees):
        raise InvalidElection("the threshold must be between 1 and the number of trustees")
    election = Election(
        convention=convention,
        title_en=title["en"],
        title_fa_af=title["fa-af"],
        title_ps=title["ps"],
        description_en=description["en"],
        description_fa_af=description["fa-af"],
        description_ps=description["ps"],
        threshold=threshold,
        credentials_at=credentials_at,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    election.full_clean()
    election.save()
    for q, item in enumerate(cleaned):
        question = Question.objects.create(
            election=election,
            position=q,
            kind=item["type"],
            text_en=item["title"]["en"],
            text_fa_af=item["title"]["fa-af"],
            text_ps=item["title"]["ps"],
            allow_blank=item.get("blank", False),
            min_selections=item.get("min", 0),
            max_selections=item.get("max", 1),
        )
        for o, option in enumerate(item["options"]):
            Option.objects.create(
                question=question,
                position=o,
                text_en=option["label"]["en"],
                text_fa_af=option["label"]["fa-af"],
                text_ps=option["label"]["ps"],
                proposal_id=option["proposal"],
            )
    for index, membership in enumerate(trustees, start=1):
        Trustee.objects.create(
            election=election, index=index, membership=membership, name=membership.pseudonym
        )
    record(
        convention=convention,
        actor=actor.pseudonym,
        action="election.created",
        target=str(election.uuid),
    )
    return election


def _start_ceremony(election: Election) -> None:
    if not election.questions.exists():
        raise WrongState("the election has no question")
    found = problems(election)  # docs §2: well formed, n ≥ k trustees
    if found:
        raise WrongState(" ".join(found))
    # No issuer key here: the issuers are the trustees, whose keys join the manifest when the
    # ceremony completes (docs/elections.md §1).
    seed = board_key.generate_seed()
    uid = election.uuid.hex
    election.board_private_key = keystore.seal(seed, election_uuid=uid, purpose="board")
    definition = build_definition(election)
    definition["board_public_key"] = board_key.public_key(seed).hex()
    election.definition = definition
    election.board_public_key = definition["board_public_key"]
    election.ceremony_context = ceremony_context(definition).hex()


def _freeze_roll(election: Election) -> None:
    fingerprint = election.fingerprint_bytes
    members = (
        Membership.objects.filter(
            convention=election.convention,
            is_deleted=False,
            is_suspended=False,
            roles__role=Role.PARTICIPANT,
        )
        .select_related("invited_by")
        .distinct()
    )
    entries = []
    for membership in members:
        code = secrets.token_bytes(16)
        entries.append(
            RollEntry(
                election=election,
                membership=membership,
                registrar=membership.invited_by.pseudonym if membership.invited_by else "",
                code=code.hex(),
                roll_id=roll_id(fingerprint, code).hex(),
            )
        )
    RollEntry.objects.bulk_create(entries, batch_size=1000)
    freeze_attested(election)


def _close(election: Election) -> None:
    sign_final_head(election)
    # Closed with no encrypted tally is itself the "tally due" marker the beat sweep picks up
    # (voting.services.tally.sweep_due_tallies): a broker that is down loses nothing.
    after_commit("voting.compute_encrypted_tally", election.pk)


def _reset(election: Election) -> None:
    CeremonyShare.objects.filter(election=election).delete()
    CeremonyComplaint.objects.filter(election=election).delete()
    BoardHead.objects.filter(election=election).delete()
    election.trustees.update(
        commitments=None,
        shares_sent=False,
        verified=False,
        issuer_key="",
        issuer_key_proof="",
        ledger=None,
        cohort_keys=None,
    )
    for field in ("definition", "manifest", "board_private_key", "cohort_merges"):
        setattr(election, field, None)
    for field in ("ceremony_context", "board_public_key"):
        setattr(election, field, "")
    election.joint_public_key = ""
    election.fingerprint = ""


# Voters act (obtain a credential, cast) only while their convention is in its voting phase
# (convention.permissions: VOTE). An election in its credential window or open while the
# convention is not would block every voter without a word, so it cannot get there.
VOTER_STATES = (S.CREDENTIALS, S.OPEN)
PHASE_MISMATCH = _(
    "The convention is in its “%(phase)s” phase: voters can get credentials and vote only in "
    "its “Voting” phase. Move the convention to its voting phase first."
)


def phase_mismatch(election: Election) -> str:
    """Why voters of ``election`` are blocked by their convention's phase, or ""."""
    if election.state in VOTER_STATES and election.convention.phase != Phase.VOTING:
        return str(PHASE_MISMATCH % {"phase": election.convention.get_phase_display()})
    return ""


# The record's verifier holds the poll to the manifest's schedule (docs/elections.md §2, §8):
# it opens no earlier than the hour of ``schedule.opens`` and closes no later than the hour of
# ``schedule.closes``. The scheduler opens at the scheduled time; an organizer may close early
# but not open early, or the record would fail the poll check.
OPENS_EARLY = _(
    "Voting cannot open before its scheduled time (%(time)s UTC, in the election's manifest): "
    "the published record would fail verification."
)

# (from, to) → (who may do it: "organizer", "scheduler", "system"; precondition/side effect)
TRANSITIONS = {
    (S.DRAFT, S.KEY_CEREMONY): {"organizer"},
    (S.KEY_CEREMONY, S.CREDENTIALS): {"organizer", "scheduler"},
    (S.CREDENTIALS, S.OPEN): {"organizer", "scheduler"},
    (S.OPEN, S.CLOSED): {"organizer", "scheduler"},
    (S.CLOSED, S.TALLIED): {"system"},
    (S.TALLIED, S.PUBLISHED): {"organizer"},
    (S.KEY_CEREMONY, S.DRAFT): {"organizer"},
    (S.CREDENTIALS, S.DRAFT): {"organizer"},
}


def next_states(election: Election, *, by: str = "organizer") -> list[str]:
    """The states ``by`` may move ``election`` to from its current one."""
    return [to for (frm, to), who in TRANSITIONS.items() if frm == election.state and by in who]


def phase_needed(election: Election) -> bool:
    """Whether the next moves (credential window, opening) wait for the convention's voting
    phase: the election is before them and its convention is not in that phase."""
    return election.state in (S.KEY_CEREMONY, S.CREDENTIALS) and (
        election.convention.phase != Phase.VOTING
    )


def transition(
    election: Election, to: str, *, actor: Membership | None = None, by: str = "organizer"
) -> Election:
    """Move ``election`` to state ``to``. ``by`` is ``organizer`` (``actor`` required),
    ``scheduler`` (beat) or ``system`` (the tally task)."""
    with transaction.atomic():
        # FOR UPDATE, not NO KEY UPDATE: it is the one mode that waits for the key-share lock
        # every credential issuance holds, so the poll opens only after the last issuance
        # committed (voting/services/credentials.py).
        election = (
            Election.objects.select_for_update().select_related("convention").get(pk=election.pk)
        )
        allowed = TRANSITIONS.get((election.state, to))
        if allowed is None or by not in allowed:
            raise WrongState()
        if by == "organizer" and (
            actor is None
            or actor.convention_id != election.convention_id
            or not actor.has_role(Role.ORGANIZER)
        ):
            raise NotAllowed()
        if to in VOTER_STATES and election.convention.phase != Phase.VOTING:
            raise WrongState(PHASE_MISMATCH % {"phase": election.convention.get_phase_display()})
        if to == S.KEY_CEREMONY:
            _start_ceremony(election)
        elif to == S.CREDENTIALS:
            if not election.fingerprint:
                raise WrongState("the key ceremony is not complete")
            _freeze_roll(election)
        elif to == S.OPEN:
            if by == "organizer" and timezone.now() < election.opens_at:
                opens = election.opens_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
                raise WrongState(OPENS_EARLY % {"time": opens})
            election.opened_hour = current_hour()
            close_window(election)
        elif to == S.CLOSED:
            election.closed_hour = current_hour()
            _close(election)
        elif to == S.DRAFT:
            if RollEntry.objects.filter(election=election).exists():
                if RollEntry.objects.filter(election=election, issued__gt=0).exists():
                    raise WrongState("credentials were issued: the election cannot be reset")
                RollEntry.objects.filter(election=election).delete()
            _reset(election)
        elif to == S.TALLIED and election.results is None:
            raise WrongState("no results yet")
        previous = election.state
        election.state = to
        election.save()
        record(
            convention=election.convention,
            actor=actor.pseudonym if actor is not None else SCHEDULER,
            action=f"election.{to}",
            target=str(election.uuid),
            detail={"from": previous},
        )
    return election


def advance_scheduled(now: datetime | None = None) -> list[str]:
    """Beat: move every election whose scheduled time has come; returns what moved."""
    now = now or timezone.now()
    moved = []
    due = [
        (S.KEY_CEREMONY, S.CREDENTIALS, "credentials_at"),
        (S.CREDENTIALS, S.OPEN, "opens_at"),
        (S.OPEN, S.CLOSED, "closes_at"),
    ]
    for state, to, field in due:
        candidates = Election.objects.filter(state=state, **{f"{field}__lte": now})
        if state == S.KEY_CEREMONY:
            candidates = candidates.exclude(fingerprint="")
        for election in candidates:
            try:
                transition(election, to, by="scheduler")
            except WrongState:
                continue
            moved.append(f"{election.uuid}:{to}")
    return moved


def hour_string(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:00:00Z")
