"""Convention pages. Views parse the request, ask a selector or service, and render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ..models import Convention
from ..selectors import membership_of


def convention_detail(request: HttpRequest, slug: str) -> HttpResponse:
    convention = get_object_or_404(Convention, slug=slug)
    return render(
        request,
        "convention/detail.html",
        {"convention": convention, "membership": membership_of(request.user, convention)},
    )
