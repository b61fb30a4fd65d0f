"""The pages that run the election's cryptography in the browser: obtaining a credential, the
ballot (encrypt, audit, cast), and the trustee's ceremony and decryption.

These views only render: the work happens in the page's own script (``frontend/src/voting/``),
which reads what it needs from ``data-`` attributes and the JSON endpoints. The ballot page needs
no account and reads no session — a voter casts with the credential in the browser, from any
device — so it is public; the credential and trustee pages are for signed-in voters and trustees.
"""

from __future__ import annotations

import json

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from convention.permissions import Action, PermissionRefused, decide
from convention.selectors import membership_of
from voting.models import Election, ElectionState, RollEntry
from voting.services import cohorts
from voting.services.credentials import ISSUING_STATES


def _election(uuid) -> Election:
    election = get_object_or_404(Election.objects.select_related("convention"), uuid=uuid)
    if election.state == ElectionState.DRAFT:
        raise Http404("draft")
    return election


@require_GET
def ballot_page(request: HttpRequest, uuid) -> HttpResponse:
    election = _election(uuid)
    return render(
        request,
        "voting/ballot.html",
        {
            "election": election,
            "questions": election.questions.prefetch_related("options"),
            "is_open": election.state == ElectionState.OPEN,
            "cohort_merged": json.dumps((election.cohort_merges or {}).get("merged", [])),
        },
    )


@require_GET
@never_cache
def credential_page(request: HttpRequest, uuid) -> HttpResponse:
    election = _election(uuid)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    membership = membership_of(request.user, election.convention)
    decision = decide(
        action=Action.VOTE,
        convention=election.convention,
        membership=membership,
        user=request.user,
    )
    roll_entry = (
        RollEntry.objects.filter(election=election, membership=membership).first()
        if membership is not None
        else None
    )
    return render(
        request,
        "voting/credential.html",
        {
            "election": election,
            "allowed": decision.allowed,
            "refusal": decision.message if not decision.allowed else "",
            "roll_entry": roll_entry,
            "issuing": election.state in ISSUING_STATES,
            "window_closed": election.state
            in (
                ElectionState.OPEN,
                ElectionState.CLOSED,
                ElectionState.TALLIED,
                ElectionState.PUBLISHED,
            ),
            "can_request": (
                decision.allowed
                and roll_entry is not None
                and election.state in ISSUING_STATES
                and roll_entry.issued < roll_entry.allowed
            ),
            "cohorts": cohorts.credential_view(election, roll_entry, get_language() or "en"),
            "roll_cohorts": json.dumps(roll_entry.cohorts if roll_entry else {}),
        },
    )


@require_GET
@never_cache
def trustee_page(request: HttpRequest, uuid) -> HttpResponse:
    election = _election(uuid)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    membership = membership_of(request.user, election.convention)
    decision = decide(
        action=Action.ACT_AS_TRUSTEE,
        convention=election.convention,
        membership=membership,
        user=request.user,
    )
    if not decision.allowed:
        raise PermissionRefused(decision)
    trustee = election.trustees.filter(membership=membership).first()
    if trustee is None:
        raise Http404("not a trustee of this election")
    # The credential issuers are trustees 1..k (protocol §7): the others only decrypt, and are
    # offered neither issuing nor a ledger.
    is_issuer = trustee.index <= election.threshold
    return render(
        request,
        "voting/trustee.html",
        {
            "election": election,
            "trustee": trustee,
            # The ceremony is complete once the election has its fingerprint, even while the
            # election waits in its key-ceremony state for the credential window; the trustees
            # then issue credentials (credential window) and publish their ledgers (poll).
            "in_ceremony": election.state == ElectionState.KEY_CEREMONY
            and not election.fingerprint,
            "ceremony_done": bool(election.fingerprint)
            and election.state == ElectionState.KEY_CEREMONY,
            "is_issuer": is_issuer,
            "issuing": is_issuer and election.state == ElectionState.CREDENTIALS,
            "publishing_ledger": is_issuer and election.state == ElectionState.OPEN,
            "decrypting": election.state == ElectionState.CLOSED,
        },
    )
