"""Routes of a convention: its pages, registrar, organizer and observer pages."""

from django.urls import path

from .views import conventions

app_name = "convention"

urlpatterns = [
    path("<slug:slug>/", conventions.convention_detail, name="detail"),
]
