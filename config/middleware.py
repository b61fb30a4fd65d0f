"""Response headers that Django's settings do not cover, and removal of client addresses.

``REMOTE_ADDR`` and ``HTTP_USER_AGENT`` are blanked before any view, library or log sees the
request: the platform never needs them, and what is never read cannot be stored.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_CLIENT_KEYS = (
    "REMOTE_ADDR",
    "HTTP_USER_AGENT",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
    "REMOTE_HOST",
)


class PrivacyHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for key in _CLIENT_KEYS:
            if key in request.META:
                request.META[key] = ""
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class SameOriginFetchMiddleware:
    """Let Django's CSRF protection work under ``Referrer-Policy: no-referrer``.

    Under that policy browsers send ``Origin: null`` and no ``Referer`` with a same-origin form
    POST, which Django's origin and referer checks reject. Browsers also send
    ``Sec-Fetch-Site``, a header no page can set; when it says ``same-origin`` the request comes
    from one of our pages, so this middleware (placed just before ``CsrfViewMiddleware``) fills in
    the origin the browser withheld. The secret-token check is unchanged and always applies.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        if meta.get("HTTP_SEC_FETCH_SITE") == "same-origin":
            own_origin = f"{request.scheme}://{request.get_host()}"
            if meta.get("HTTP_ORIGIN") == "null":
                meta["HTTP_ORIGIN"] = own_origin
            if not meta.get("HTTP_REFERER"):
                meta["HTTP_REFERER"] = own_origin + "/"
        return self.get_response(request)
