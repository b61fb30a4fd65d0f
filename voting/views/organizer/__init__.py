"""Organizer pages: draft an election step by step and run it.

Steps, one page each, plain forms that work without JavaScript: the election (texts in three
languages, schedule in UTC) → its questions → each question's options (typed, or proposals
that reached their support threshold) → trustees (k of n) → review. Then a control page per
election: its state, the next transitions (each confirmed on a second page), the ceremony's
progress per trustee, credentials issued, ballots on the board, the tally's progress.

One module per concern: ``pages`` (what every page shares), ``elections`` (the list, step 1),
``question_pages`` (step 2 and a question's page), ``options``, ``proposals`` (proposals on the
ballot), ``trustee_choice`` (step 3), ``running`` (review, control page, transitions),
``cohorts`` (the convention's cohort dimensions). The views are named here too, as
``voting/urls.py`` refers to them.

Every view goes through ``pages.organizer_page``, its one prologue: the methods it answers,
``require_permission(Action.MANAGE_ELECTIONS)``, the election (and its question or option)
loaded within the URL's convention only, and a draft-only page turned away once the ceremony
has started. Every change goes through ``voting.services.drafting`` or
``voting.services.lifecycle``, which check again, write nothing on refusal, and audit; what the
pages read comes from ``voting.selectors``.
"""

from .cohorts import cohort_dimensions
from .elections import election_edit, election_list, election_new
from .options import option_add, option_edit, option_move, option_remove
from .proposals import proposal_add
from .question_pages import question_detail, question_move, question_remove, questions
from .running import control, review, transition
from .trustee_choice import trustees

__all__ = [
    "cohort_dimensions",
    "control",
    "election_edit",
    "election_list",
    "election_new",
    "option_add",
    "option_edit",
    "option_move",
    "option_remove",
    "proposal_add",
    "question_detail",
    "question_move",
    "question_remove",
    "questions",
    "review",
    "transition",
    "trustees",
]
