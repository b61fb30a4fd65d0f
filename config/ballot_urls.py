"""Routes of the ``ballot`` service: the anonymous ballot box and the health check, nothing else
(no page, no session, no login), so its workers only ever cast and audit ballots."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", include(("voting.ballot_box_urls", "voting"))),
]
