"""How the anonymous JSON feeds read their query and say no (docs/elections.md §9.2).

Observers' tools and the browser's scripts read these feeds; a feed that guessed what a bad
query meant (clamping ``limit=0`` to 1, lower-casing a tracker) or answered with an HTML error
page would hide a client's mistake or make it parse HTML. So every feed view is wrapped in
``json_feed``: a query parameter the feed does not know, a repeated one, or a value outside its
documented form is a JSON 400 ``{"error": code, "message": text}``; an unknown election, a feed
not published yet or an unknown issuer is a JSON 404 of the same shape, a wrong method a JSON
405 (before the CSRF check, which would answer an HTML 403: a feed takes no other method, so
there is nothing for the check to protect). Nothing is clamped or normalised.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

INTEGER = re.compile(r"(0|[1-9][0-9]{0,9})\Z")
TRACKER = re.compile(r"[0-9a-f]{64}\Z")
# The form Django's <uuid:…> path converter matches.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
# An issuer's ledger under any other spelling of its index than the route's (IssuerIndex).
ISSUER_LEDGER = re.compile(r"issuers/(?P<index>[^/]*)/ledger\.json\Z")


class IssuerIndex:
    """The path converter of an issuer's index: decimal, without sign or leading zero, so that
    one issuer has one address (``issuers/01/ledger.json`` is not issuer 1's)."""

    regex = "0|[1-9][0-9]{0,8}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class BadQuery(Exception):
    """A query the feed refuses: ``code`` for programs, ``message`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class FeedNotFound(Http404):
    """A feed that does not exist (yet): ``code`` says which of the reasons."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status)


View = Callable[..., HttpResponse]


def json_feed(*allowed: str, any_query: bool = False) -> Callable[[View], View]:
    """Wrap a GET feed whose query may hold only ``allowed`` parameters, each at most once;
    ``any_query`` leaves the query to the view (a path refused whatever its query)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in ("GET", "HEAD"):
                response = error("method_not_allowed", "only GET is allowed here", 405)
                response["Allow"] = "GET, HEAD"
                return response
            try:
                for name in () if any_query else request.GET:
                    if name not in allowed:
                        raise BadQuery(
                            "unknown_parameter",
                            f"unknown query parameter {name[:40]!r}; this feed takes "
                            + (", ".join(allowed) if allowed else "none"),
                        )
                    if len(request.GET.getlist(name)) > 1:
                        raise BadQuery("repeated_parameter", f"{name} is given more than once")
                return view(request, *args, **kwargs)
            except BadQuery as exc:
                return error(exc.code, exc.message, 400)
            except FeedNotFound as exc:
                return error(exc.code, exc.message, 404)
            except Http404 as exc:
                return error("not_found", str(exc) or "not found", 404)

        return csrf_exempt(wrapped)

    return decorate


def integer(request: HttpRequest, name: str, *, default: int, low: int, high: int) -> int:
    """``name`` as a decimal integer in ``[low, high]`` (no sign, space or leading zero), or
    ``default`` when absent."""
    value = request.GET.get(name)
    if value is None:
        return default
    if not INTEGER.match(value) or not low <= int(value) <= high:
        message = f"{name} must be a decimal integer from {low} to {high}, not {value[:40]!r}"
        raise BadQuery(f"bad_{name}", message)
    return int(value)


def tracker(request: HttpRequest) -> str:
    """``t``: a tracker, exactly 64 lowercase hexadecimal characters."""
    value = request.GET.get("t")
    if value is None:
        raise BadQuery("missing_tracker", "t, the tracker (64 lowercase hex characters), is needed")
    if not TRACKER.match(value):
        raise BadQuery("bad_tracker", "t must be exactly 64 lowercase hexadecimal characters")
    return value
