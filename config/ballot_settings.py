"""Settings of the ``ballot`` service (docker-compose.yml), which serves the anonymous ballot box
alone: the web service's settings with only its routes and the middleware its answers need.

No session, authentication, CSRF, messages or allauth middleware runs there, since a ballot
carries no ambient authority and must not be tied to a browser: the ballot box view already
replaces the session and user with empty ones, and the outermost middleware drops every cookie.
What stays: cookies dropped first, the security headers, client addresses blanked before any
code sees them, and the language of the refusal messages (from ``Accept-Language``). Casting
through this stack costs about a millisecond less CPU per ballot than through the full one
(bench/election.py measures the ``ballot`` service's command).
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "config.ballot_urls"
MIDDLEWARE = [
    "voting.middleware.CookielessBallotBoxMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.PrivacyHeadersMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Required by allauth's app check; it only sets a request context (and on a 404 looks for
    # login routes this service does not have).
    "allauth.account.middleware.AccountMiddleware",
]

# Django's health check costs a round trip to PostgreSQL at the start of every request, about
# a tenth of a ballot's CPU here. Without it, a connection that broke while idle is found by the
# first statement that uses it: that ballot is answered 503 (the client sends the same bytes
# again, voting/views/ballot_box.py) and the broken connection is closed at the request's end.
# A copy, so that importing this module (as a test does) leaves the web settings' dict alone.
DATABASES = {**DATABASES, "default": {**DATABASES["default"], "CONN_HEALTH_CHECKS": False}}  # noqa: F405
