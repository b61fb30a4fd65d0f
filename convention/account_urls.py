"""Account routes of the platform's own (sign-up with invitation, pseudonym, deletion).

Mounted at /accounts/ before allauth's routes, so a path here takes precedence.
"""

from django.urls import path

from .views import accounts

urlpatterns = [
    path("signup/", accounts.signup, name="account_signup"),
    path("settings/", accounts.account_settings, name="account_settings"),
    path("join/", accounts.join, name="account_join"),
    path("pseudonyms/", accounts.pseudonyms, name="account_pseudonyms"),
    path(
        "pseudonyms/<int:membership_id>/",
        accounts.pseudonym_change,
        name="account_pseudonym_change",
    ),
    path("delete/", accounts.delete, name="account_delete"),
]
