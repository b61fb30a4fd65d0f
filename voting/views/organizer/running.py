"""Step 4 (the draft's review) and running the election: the control page per election (its
state, the ceremony's progress per trustee, credentials issued, ballots on the board, the
tally's progress) and its next transitions, each confirmed on a second page that says what it
will do (``drafting.start_key_ceremony`` for the first, ``lifecycle.transition`` after)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from convention.models import Convention, Membership
from voting import selectors
from voting.exceptions import ElectionError
from voting.forms import TransitionForm
from voting.models import Election, ElectionState
from voting.services import drafting, lifecycle

from .pages import S, organizer_page, page

CONSEQUENCES = {
    S.KEY_CEREMONY: gettext_lazy(
        "The questions, options, schedule and trustees are frozen and the trustees can generate "
        "their keys. To change anything afterwards you would have to reset the election to "
        "draft, which discards the ceremony."
    ),
    S.CREDENTIALS: gettext_lazy(
        "The electoral roll is frozen now: the convention's participants at this moment are the "
        "voters. Voters can then obtain their credentials, until voting opens."
    ),
    S.OPEN: gettext_lazy(
        "Voting opens: voters can cast their ballots. The credential window closes: from now on "
        "no credential is issued or re-issued."
    ),
    S.CLOSED: gettext_lazy(
        "Voting closes: no more ballots are accepted, the final board head is signed and the "
        "tally starts."
    ),
    S.PUBLISHED: gettext_lazy("The results and the election record become public."),
    S.DRAFT: gettext_lazy(
        "The election goes back to draft: the key ceremony is discarded and new keys will be "
        "made. This is refused once any credential has been issued."
    ),
}


def _next_states(election: Election) -> list[tuple[str, str]]:
    return [(to, ElectionState(to).label) for to in lifecycle.next_states(election)]


@organizer_page("GET", draft_only=True)
def review(
    request: HttpRequest,
    *,
    convention: Convention,
    membership: Membership,
    election: Election,
) -> HttpResponse:
    return page(
        request,
        "review.html",
        {
            "convention": convention,
            "election": election,
            "questions": election.questions.prefetch_related("options"),
            "trustees": election.trustees.all(),
            "problems": drafting.problems(election),
            "step": "review",
        },
    )


@organizer_page("GET")
def control(
    request: HttpRequest,
    *,
    convention: Convention,
    membership: Membership,
    election: Election,
) -> HttpResponse:
    return page(
        request,
        "control.html",
        {
            "convention": convention,
            "election": election,
            **selectors.control_figures(election),
            "next_states": _next_states(election),
            "problems": drafting.problems(election) if election.state == S.DRAFT else [],
            "states": [(value, label) for value, label in ElectionState.choices],
            "steps": [],
            "phase_mismatch": lifecycle.phase_mismatch(election),
            "phase_needed": lifecycle.phase_needed(election),
        },
    )


@organizer_page("POST")
def transition(
    request: HttpRequest,
    *,
    convention: Convention,
    membership: Membership,
    election: Election,
) -> HttpResponse:
    form = TransitionForm(request.POST)
    allowed = dict(_next_states(election))
    to = form.data.get("to", "")
    if not form.is_valid() or to not in allowed:
        messages.error(request, _("The election cannot move to that state from here."))
        return redirect("voting:organize_control", slug=convention.slug, uuid=election.uuid)
    if not form.cleaned_data["confirm"]:
        return page(
            request,
            "confirm_transition.html",
            {
                "convention": convention,
                "election": election,
                "to": to,
                "label": allowed[to],
                "consequence": CONSEQUENCES.get(to, ""),
                "problems": drafting.problems(election) if to == S.KEY_CEREMONY else [],
                "steps": [],
            },
        )
    try:
        if to == S.KEY_CEREMONY:
            drafting.start_key_ceremony(election=election, actor=membership)
        else:
            lifecycle.transition(election, to, actor=membership)
    except ElectionError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("The election is now in the “%(state)s” state.") % {"state": allowed[to]}
        )
    return redirect("voting:organize_control", slug=convention.slug, uuid=election.uuid)
