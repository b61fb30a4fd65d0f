"""Routes of a convention: its pages, registrar, organizer and observer pages."""

from django.urls import path

from . import views

app_name = "convention"

urlpatterns = [
    path("<slug:slug>/", views.convention_detail, name="detail"),
]
