"""Signed-in members: voters obtaining a credential, trustees in the ceremony and decryption,
organizers moving the election. JSON endpoints take the CSRF token in ``X-CSRFToken``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from convention.permissions import Action, decide
from convention.selectors import membership_of
from voting.exceptions import ElectionError, InvalidCredentialRequest, NotAllowed
from voting.models import Election, Trustee
from voting.services import ceremony, credentials, lifecycle, tally
from voting.verify.canonical import NotCanonical, loads

MAX_JSON = 1 << 20


def _error(exc: ElectionError) -> JsonResponse:
    body = {"error": exc.code, "message": str(exc.message)}
    body.update({k: v for k, v in exc.details.items() if isinstance(v, int | str)})
    return JsonResponse(body, status=exc.status)


def _body(request: HttpRequest):
    if request.content_type != "application/json":
        raise InvalidCredentialRequest("send application/json")
    if len(request.body) > MAX_JSON:
        raise InvalidCredentialRequest("the message is too large")
    try:
        return loads(request.body)
    except NotCanonical as exc:
        raise InvalidCredentialRequest(f"not valid JSON: {exc}") from None


def json_endpoint(action: Action) -> Callable:
    """Load the election and the caller's membership, check ``action``, turn errors into JSON."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, uuid) -> HttpResponse:
            election = get_object_or_404(Election.objects.select_related("convention"), uuid=uuid)
            if not request.user.is_authenticated:
                return JsonResponse(
                    {"error": "login_required", "message": "Log in to continue."}, status=401
                )
            membership = membership_of(request.user, election.convention)
            decision = decide(
                action=action,
                convention=election.convention,
                membership=membership,
                user=request.user,
            )
            if not decision.allowed:
                return JsonResponse(
                    {"error": str(decision.refusal), "message": decision.message}, status=403
                )
            try:
                return view(request, election, membership)
            except ElectionError as exc:
                return _error(exc)

        return never_cache(wrapped)

    return decorator


def _trustee(election: Election, membership) -> Trustee:
    trustee = Trustee.objects.filter(election=election, membership=membership).first()
    if trustee is None:
        raise NotAllowed("you are not a trustee of this election")
    return trustee


@require_http_methods(["GET", "POST"])
@json_endpoint(Action.VOTE)
def credential(request: HttpRequest, election: Election, membership) -> JsonResponse:
    """GET: the roll entry's credential status and the blind signatures received so far;
    POST ``{"requests": [{"issuer", "blinded_message"}…]}``: record the blinded requests."""
    if request.method == "GET":
        return JsonResponse(credentials.credential_status(election=election, membership=membership))
    return JsonResponse(
        credentials.request_credential(
            election=election, membership=membership, message=_body(request)
        )
    )


@require_GET
@json_endpoint(Action.ACT_AS_TRUSTEE)
def issuer_queue(request: HttpRequest, election: Election, membership) -> JsonResponse:
    return JsonResponse(credentials.issuer_queue(election=election, membership=membership))


@require_POST
@json_endpoint(Action.ACT_AS_TRUSTEE)
def issuer_signatures(request: HttpRequest, election: Election, membership) -> JsonResponse:
    return JsonResponse(
        credentials.submit_blind_signatures(
            election=election, membership=membership, message=_body(request)
        )
    )


@require_POST
@json_endpoint(Action.ACT_AS_TRUSTEE)
def issuer_ledger(request: HttpRequest, election: Election, membership) -> JsonResponse:
    credentials.publish_ledger(election=election, membership=membership, message=_body(request))
    return JsonResponse({"accepted": True})


@require_GET
@json_endpoint(Action.ACT_AS_TRUSTEE)
def ceremony_status(request: HttpRequest, election: Election, membership) -> JsonResponse:
    return JsonResponse(ceremony.status(election, _trustee(election, membership)))


CEREMONY_STEPS = {
    "commitments": ceremony.submit_commitments,
    "shares": ceremony.submit_shares,
    "verification": ceremony.submit_verification,
    "answers": ceremony.submit_answers,
}


def _ceremony_step(step: str):
    @require_POST
    @json_endpoint(Action.ACT_AS_TRUSTEE)
    def view(request: HttpRequest, election: Election, membership) -> JsonResponse:
        trustee = _trustee(election, membership)
        CEREMONY_STEPS[step](election=election, trustee=trustee, message=_body(request))
        election.refresh_from_db()
        return JsonResponse(ceremony.status(election, trustee))

    view.__name__ = f"ceremony_{step}"
    return view


ceremony_commitments = _ceremony_step("commitments")
ceremony_shares = _ceremony_step("shares")
ceremony_verification = _ceremony_step("verification")
ceremony_answers = _ceremony_step("answers")


@require_POST
@json_endpoint(Action.ACT_AS_TRUSTEE)
def decryption(request: HttpRequest, election: Election, membership) -> JsonResponse:
    tally.submit_decryption(
        election=election, trustee=_trustee(election, membership), message=_body(request)
    )
    return JsonResponse({"accepted": True})


def _organizer_form(view: Callable) -> Callable:
    """Plain form posts from the election page (works without JavaScript)."""

    @wraps(view)
    def wrapped(request: HttpRequest, uuid) -> HttpResponse:
        election = get_object_or_404(Election.objects.select_related("convention"), uuid=uuid)
        membership = membership_of(request.user, election.convention)
        decision = decide(
            action=Action.MANAGE_ELECTIONS,
            convention=election.convention,
            membership=membership,
            user=request.user,
        )
        if not decision.allowed:
            from convention.permissions import PermissionRefused

            raise PermissionRefused(decision)
        try:
            view(request, election, membership)
        except ElectionError as exc:
            messages.error(request, str(exc.message))
        return redirect("voting:detail", uuid=election.uuid)

    return require_POST(wrapped)


@_organizer_form
def transition(request: HttpRequest, election: Election, membership) -> None:
    lifecycle.transition(election, request.POST.get("to", ""), actor=membership)


@_organizer_form
def reissue(request: HttpRequest, election: Election, membership) -> None:
    credentials.authorize_reissue(
        election=election,
        actor=membership,
        roll_id=request.POST.get("roll_id", "").strip().lower(),
        reason=request.POST.get("reason", ""),
    )
