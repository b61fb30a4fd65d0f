"""Top-level URL routes. Each app owns its own ``urls.py``."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("language/", views.set_language, name="set_language"),
    path("accounts/", include("convention.account_urls")),
    path("accounts/", include("allauth.urls")),
    path("c/<slug:slug>/", include("deliberation.urls")),
    path("c/", include("convention.urls")),
    path("", include("voting.urls")),
]

# MASHWARA_ADMIN off (production's default): /admin/ does not exist at all.
if settings.MASHWARA_ADMIN:
    urlpatterns.append(path("admin/", admin.site.urls))

# Refusals from convention.permissions say why, and link to the two-factor settings if needed.
handler403 = "convention.views.errors.permission_denied"
