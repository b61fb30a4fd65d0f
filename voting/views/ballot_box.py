"""The anonymous ballot box: ``/ballot-box/<uuid>/cast`` and ``…/audit``.

These endpoints never see who is casting: before the view runs, the ``Cookie`` header is
dropped, the session replaced by an empty one bound to no cookie and the user by an anonymous
one, so nothing downstream can read or touch a session; the response sets no cookie and is not
cached, and Django does not log its refusals. They are CSRF-exempt because they carry no ambient
authority (no cookie, no session). ``voting.middleware.CookielessBallotBoxMiddleware``, the
outermost middleware, does the same around every other middleware (whose CSRF part would
otherwise renew a ``csrftoken`` cookie on the answer); this decorator stays as a second layer.
Clients send them with ``fetch(url, {credentials: "omit"})``.

Every answer under ``/ballot-box/`` is JSON, from the web service and the ballot service alike:
a method other than POST is a 405 (with ``Allow: POST``), an election id that is no UUID a 400
``bad_election``, any other path a 404 ``unknown_endpoint`` (docs/elections.md §4).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from voting.services import board
from voting.services.casting import audit_ballot, cast_ballot, election_for_ballots
from voting.verify.ballots import BallotRejected
from voting.verify.board import MAX_BALLOTS_PER_CREDENTIAL

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before sending the same bytes again after a server fault.
RETRY_AFTER = 5


class _NoSession(SessionBase):
    """A session that is always empty and can never be saved or sent."""

    def exists(self, session_key):
        return False

    def create(self):
        return None

    def save(self, must_create=False):
        return None

    def delete(self, session_key=None):
        return None

    def load(self):
        return {}


def anonymous(
    view: Callable[..., HttpResponse], *, document: bool = False
) -> Callable[..., HttpResponse]:
    """Run ``view`` for nobody: no cookie, session or user in, no cookie out, not cached, not
    logged, CSRF-exempt. ``document`` views (the tracker page) answer HTML under the site's
    content security policy; the others answer JSON under one that allows nothing."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.META.pop("HTTP_COOKIE", None)
        request.COOKIES = {}
        request.session = _NoSession()
        request.user = AnonymousUser()
        response = view(request, *args, **kwargs)
        response.cookies.clear()
        response["Cache-Control"] = "no-store"
        if not document:
            # The answer is JSON, never a document: a policy that allows nothing, the same from
            # the web service (the CSP middleware keeps a header already set) and the ballot
            # service.
            response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
        # A refused ballot is an answer, not a server fault: Django would log every 4xx with its
        # path, and a log line carries the collector's timestamp. Mark it as already logged.
        response._has_been_logged = True
        return response

    return csrf_exempt(wrapped)


def anonymous_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    return anonymous(view, document=True)


ENDPOINTS = ("cast", "audit")

MESSAGES = {
    "bad_election": _("The address does not name an election: its id must be a UUID."),
    "method_not_allowed": _("The ballot box takes ballots sent with POST only."),
    "unknown_endpoint": _(
        "The ballot box has no such address: ballots go to …/cast, audits to …/audit."
    ),
    "oversized": _("The ballot is too large."),
    "malformed": _("The ballot is malformed."),
    "unknown_election": _("There is no such election."),
    "poll_closed": _("The poll is not open."),
    "wrong_election": _("This ballot was made for another election."),
    "unknown_issuer": _("The credential was not issued by this election."),
    "bad_signature": _("The ballot's signature by its credential does not verify."),
    "bad_proof": _("A proof in the ballot does not verify."),
    "bad_reveal": _("The revealed choices do not match the ballot."),
    "audited_ballot": _("This ballot was audited, so it cannot be cast. Encrypt a new one."),
    "already_cast": _("This ballot was already cast, so it cannot be audited."),
    "duplicate_tracker": _(
        "Another ballot with this tracker is already on the board. Encrypt a new one."
    ),
    "bad_board_reference": _(
        "The ballot names a state of the board that this board never had. Reload the page and "
        "encrypt your ballot again."
    ),
    "too_many_ballots": _(
        "This credential has already cast %(limit)s ballots, the most allowed. The last one you "
        "made counts."
    ),
    "too_many_audits": _(
        "The board holds as many audited ballots as it allows. You can still cast your ballot."
    ),
    "reused_ciphertext": _(
        "This ballot repeats an encryption that is already on the board. Encrypt a new one."
    ),
    "merged_label": _(
        "Your credential carries a group that too few people share, so it was merged "
        "into “not stated”. Cast your ballot without it."
    ),
}
STATUS = {
    "bad_election": 400,
    "method_not_allowed": 405,
    "unknown_endpoint": 404,
    "oversized": 413,
    "malformed": 400,
    "unknown_election": 404,
    "poll_closed": 409,
    "audited_ballot": 409,
    "already_cast": 409,
    "duplicate_tracker": 409,
    "too_many_ballots": 409,
    "too_many_audits": 409,
    "reused_ciphertext": 409,
    "merged_label": 409,
    # bad_board_reference, like every proof and signature failure: 422
}


def rejection(exc: BallotRejected) -> JsonResponse:
    message = str(MESSAGES.get(exc.code, MESSAGES["malformed"]))
    if exc.code == "too_many_ballots":
        message = message % {"limit": MAX_BALLOTS_PER_CREDENTIAL}
    body = {
        "error": exc.code,
        "message": message,
        "detail": str(exc),
    }
    if exc.question is not None:
        body["question"] = exc.question
    if exc.item is not None:
        body["item"] = exc.item
    if exc.part is not None:
        body["part"] = exc.part
    response = JsonResponse(body, status=STATUS.get(exc.code, 422))
    if exc.code == "method_not_allowed":
        response["Allow"] = "POST"
    return response


def post_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Django's ``require_POST`` answers an empty HTML 405; this one the ballot box's JSON."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "POST":
            detail = f"{request.method[:10]} is not allowed here; send the ballot with POST"
            return rejection(BallotRejected("method_not_allowed", detail))
        return view(request, *args, **kwargs)

    return wrapped


def unavailable(request: HttpRequest, exc: BaseException) -> JsonResponse:
    """Any fault on this side (a failed COMMIT, the database unreachable, a bug): the ballot may
    or may not be on the board, so the answer tells the client to send the same bytes again,
    which returns the receipt if it was stored and appends it if it was not. Only the path and
    the exception's class are logged: never the body, nothing about the client."""
    logger.error("ballot box fault on %s: %s", request.path, type(exc).__name__)
    response = JsonResponse(
        {
            "error": "unavailable",
            "message": str(
                _(
                    "The ballot box could not answer just now. Your ballot is kept: send the "
                    "same ballot again and you will get its receipt."
                )
            ),
        },
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def _handle(request: HttpRequest, uuid, submit) -> JsonResponse:
    try:
        return _answer(request, uuid, submit)
    except Exception as exc:  # noqa: BLE001 - DatabaseError, OperationalError, InterfaceError, bugs
        return unavailable(request, exc)


def _answer(request: HttpRequest, uuid, submit) -> JsonResponse:
    try:
        if request.content_type != "application/json":
            raise BallotRejected("malformed", "send the ballot as application/json")
        election = election_for_ballots(uuid)
        limit = board.election_keys(election).max_bytes * 2
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise BallotRejected("oversized", f"the body is larger than {limit} bytes")
        body = request.read(limit + 1)
        receipt = submit(election_uuid=uuid, body=body, election=election)
    except BallotRejected as exc:
        return rejection(exc)
    return JsonResponse(receipt.as_json(), status=201 if receipt.created else 200)


@anonymous
@post_only
def cast(request: HttpRequest, uuid) -> JsonResponse:
    return _handle(request, uuid, cast_ballot)


@anonymous
@post_only
def audit(request: HttpRequest, uuid) -> JsonResponse:
    return _handle(request, uuid, audit_ballot)


@anonymous
def elsewhere(request: HttpRequest, path: str) -> JsonResponse:
    """Any other path under ``/ballot-box/``: ``…/cast`` or ``…/audit`` whose election id is
    not a UUID in its lowercase, hyphenated form (after the method, as for the real routes), or
    a path that is no endpoint at all."""
    parts = path.split("/")
    if len(parts) == 2 and parts[1] in ENDPOINTS:
        return _bad_election(request)
    endpoints = " or ".join(f"/ballot-box/<election id>/{name}" for name in ENDPOINTS)
    return rejection(BallotRejected("unknown_endpoint", f"the ballot box answers {endpoints}"))


@post_only
def _bad_election(request: HttpRequest) -> JsonResponse:
    detail = "the election id must be a UUID (lowercase, with hyphens)"
    return rejection(BallotRejected("bad_election", detail))
