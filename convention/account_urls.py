"""Account routes of the platform's own (sign-up with invitation, pseudonym, deletion).

Mounted at /accounts/ before allauth's routes, so a path here takes precedence.
"""

from django.urls import path

urlpatterns: list = []
