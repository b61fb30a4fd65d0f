"""The ballot port: how deliberation reaches elections without importing the voting app.

The dependency between the two apps runs one way: ``voting`` imports ``deliberation`` (its
drafting places proposals on a ballot through ``deliberation.services.proposals``, its organizer
pages list the proposals ready for a ballot), and no module of ``deliberation`` imports
``voting`` (tests/deliberation/test_dependency_direction.py enforces it). What deliberation
needs from elections (the questions of draft elections, locking an election, adding an answer
option, which proposals an option still refers to) it asks through the small ``Ballot``
protocol below; the voting app registers its implementation when Django starts
(``VotingConfig.ready`` → ``voting.services.proposal_ballot``). Without one, placing a proposal
on a ballot is refused with ``BallotUnavailable``, and no draft question is offered.

Elections, questions and options cross the port as the voting app's own objects; deliberation
reads only what the protocol's docstrings name on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from convention.models import Convention


class Ballot(Protocol):
    def draft_questions(self, convention: Convention) -> list[Any]:
        """Questions of ``convention``'s draft elections, by election then position; each has
        ``pk``, ``position`` and ``election`` (with ``convention_id``, ``uuid``, ``title_en``)."""

    def lock_draft_election(self, question: Any) -> Any | None:
        """``question``'s election, locked for the caller's transaction; None once it has left
        its draft state (its options are frozen then)."""

    def has_room(self, question: Any) -> bool:
        """Whether ``question`` can take one more option."""

    def add_option(self, *, question: Any, proposal_id: int, titles: dict[str, str]) -> Any:
        """A new option at the end of ``question``, with the proposal's title in each language
        (``en``, ``fa-af``, ``ps``; "" where there is none), referring to ``proposal_id``."""

    def referenced_proposals(self, proposal_ids: Iterable[int]) -> set[int]:
        """Those of ``proposal_ids`` that some answer option still refers to."""


_registered: Ballot | None = None


def register(ballot: Ballot) -> None:
    """Install the elections' side of the port (called once, at start-up, by the voting app)."""
    global _registered
    _registered = ballot


def registered() -> Ballot | None:
    """The registered ``Ballot``, or None when no elections app is installed."""
    return _registered
