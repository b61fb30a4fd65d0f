"""Proposals on the ballot: the organizer places a proposal that reached its support threshold
on a draft question as an answer option (``drafting.add_proposal_option``, which goes through
deliberation's own service). The choice is offered on the question's page
(``question_pages.question_page``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from convention.models import Convention, Membership
from voting.forms import ProposalOptionForm
from voting.models import Election, Question
from voting.services import drafting

from .pages import FORM_ERROR_STATUS, form_action, organizer_page
from .question_pages import proposal_choices, question_page, redirect_to_question


@organizer_page("POST", draft_only=True)
def proposal_add(
    request: HttpRequest,
    *,
    convention: Convention,
    membership: Membership,
    election: Election,
    question: Question,
) -> HttpResponse:
    form = ProposalOptionForm(request.POST, proposals=proposal_choices(convention))
    option = form_action(
        request,
        form,
        lambda data: drafting.add_proposal_option(
            question=question, actor=membership, proposal_id=data["proposal"]
        ),
        _("The proposal has been added as an option."),
    )
    if option is not None:
        return redirect_to_question(convention, election, question.pk)
    return question_page(
        request, convention, election, question, proposal_form=form, status=FORM_ERROR_STATUS
    )
