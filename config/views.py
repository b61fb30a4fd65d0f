"""Site-wide views: the home page, the health check and the language switcher."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .health import run_checks


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    from convention.selectors import conventions_for_home, memberships_for_home
    from voting.selectors import elections_for_member

    # A signed-in member sees, first, the elections of their conventions and what to do in each.
    elections = [
        (membership.convention, items)
        for membership in memberships_for_home(request.user)
        if (items := elections_for_member(membership.convention, membership))
    ]
    return render(
        request,
        "home.html",
        {"conventions": conventions_for_home(request.user), "elections": elections},
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, results = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Remember the chosen language in a cookie; works as a plain form with JavaScript off."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES) and check_for_language(language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
    return response


# -- quick exit (issue 12) ---------------------------------------------------------------------
# A person who must hide what they were reading leaves with one tap. The neutral page is a
# multiplication table served from this host (no other host is ever contacted, and it names
# nothing of Mashwara); docs/quick-exit.md explains the choice.


@require_GET
def neutral_page(request: HttpRequest) -> HttpResponse:
    rows = [[a * b for b in range(1, 11)] for a in range(1, 11)]
    response = render(request, "neutral.html", {"rows": rows})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def quick_exit_help(request: HttpRequest) -> HttpResponse:
    return render(request, "quick_exit.html")


@never_cache
@require_POST
def quick_exit_clear(request: HttpRequest) -> HttpResponse:
    """Sent (keepalive) by the quick-exit button when the person asked it to clear this device:
    end the session and expire the cookies the page's script cannot reach (HttpOnly)."""
    from django.contrib.auth import logout

    logout(request)
    response = HttpResponse(status=204)
    for name in (
        settings.SESSION_COOKIE_NAME,
        settings.CSRF_COOKIE_NAME,
        settings.LANGUAGE_COOKIE_NAME,
    ):
        response.delete_cookie(name)
    return response
