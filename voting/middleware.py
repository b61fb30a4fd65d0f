"""The anonymous ballot box, tracker look-up and receipt check answer without a cookie, whatever
the request carries.

Everything under ``/ballot-box/`` (casting and auditing) and ``/anonymous/`` (the tracker page
and ``tracker.json``: a signed-in voter who looks up their tracker or checks their receipt would
otherwise tie it to their session for the server) is cookie-less. The tracker has its own prefix
because a deployment routes ``/ballot-box/`` to the ballot service, which serves the ballot box
alone.

``voting.views.ballot_box`` already drops the ``Cookie`` header before its view runs and clears
the cookies of its response, but the middleware around the view runs before and after it:
Django's CSRF middleware reads a ``csrftoken`` cookie before any view and, when that cookie is
malformed, sets a new one on the way out, and the session middleware adds ``Vary: Cookie``. A
``Set-Cookie`` on a ballot's answer would tie the ballot to the browser that keeps the cookie.
This middleware comes first in ``MIDDLEWARE`` (the outermost): on the ballot-box paths it drops
the request's cookies before any other code reads them, and on the way out removes every cookie
and ``Cookie`` from ``Vary``, after every other middleware has had its say.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import cc_delim_re

# voting/ballot_box_urls.py: ballot-box/<uuid>/cast, …/audit
BALLOT_BOX_PREFIX = "/ballot-box/"
# voting/urls.py: anonymous/<uuid>/tracker, …/tracker.json
ANONYMOUS_PREFIX = "/anonymous/"
COOKIELESS_PREFIXES = (BALLOT_BOX_PREFIX, ANONYMOUS_PREFIX)


class CookielessBallotBoxMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(COOKIELESS_PREFIXES):
            return self.get_response(request)
        request.META.pop("HTTP_COOKIE", None)
        request.COOKIES = {}
        response = self.get_response(request)
        response.cookies.clear()
        if response.has_header("Vary"):
            kept = [v for v in cc_delim_re.split(response["Vary"]) if v and v.lower() != "cookie"]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response
