"""Search inside a convention's published posts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import selectors
from ..forms import SearchForm
from .common import Viewer, members_only


@require_GET
@members_only
def search(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = None
    if form.is_valid():
        results = selectors.search_posts(viewer.convention, form.cleaned_data["q"])
    return render(
        request, "deliberation/search.html", {**viewer.context(), "form": form, "results": results}
    )
