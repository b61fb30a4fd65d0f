"""The elections' side of deliberation's ballot port (``deliberation.ballot``).

Deliberation places a supported proposal on a draft election's question and opens it again
when its option goes away, without importing the voting app: it asks through the ``Ballot``
protocol, which ``ElectionBallot`` implements over voting's models and ``VotingConfig.ready``
registers. Deliberation does the proposal's side (permission, support threshold, status, audit)
inside its own transaction; these methods do the election's side in that same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Max

from convention.models import Convention
from voting.models import Election, ElectionState, Option, Question
from voting.verify.election import MAX_OPTIONS

TEXT_MAX = 500  # Option.text_* length


class ElectionBallot:
    """``deliberation.ballot.Ballot`` over voting's elections, questions and options."""

    def draft_questions(self, convention: Convention) -> list[Question]:
        return list(
            Question.objects.filter(
                election__convention=convention, election__state=ElectionState.DRAFT
            )
            .select_related("election")
            .order_by("election_id", "position")
        )

    def lock_draft_election(self, question: Question) -> Election | None:
        election = Election.objects.select_for_update().get(pk=question.election_id)
        return election if election.state == ElectionState.DRAFT else None

    def has_room(self, question: Question) -> bool:
        # The manifest's limit per question (voting.verify.election); the draft's review names
        # a ranked question with more than its own limit (voting.services.definition.problems).
        return question.options.count() < MAX_OPTIONS

    def add_option(self, *, question: Question, proposal_id: int, titles: dict[str, str]) -> Option:
        highest = question.options.aggregate(n=Max("position"))["n"]
        option = Option(
            question=question,
            position=0 if highest is None else highest + 1,
            text_en=titles["en"][:TEXT_MAX],
            text_fa_af=titles["fa-af"][:TEXT_MAX],
            text_ps=titles["ps"][:TEXT_MAX],
            proposal_id=proposal_id,
        )
        option.full_clean()
        option.save()
        return option

    def referenced_proposals(self, proposal_ids: Iterable[int]) -> set[int]:
        return set(
            Option.objects.filter(proposal_id__in=list(proposal_ids)).values_list(
                "proposal_id", flat=True
            )
        )
