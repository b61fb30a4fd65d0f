"""What every deliberation view needs: the convention, the viewer's membership and roles, and
one way of turning a refused action into a clear page."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from convention.models import Convention, Membership
from convention.permissions import require_permission

from ..access import Action, may
from ..exceptions import DeliberationError


@dataclass
class Viewer:
    convention: Convention
    member: Membership | None
    is_moderator: bool
    is_organizer: bool
    can_post: bool

    def context(self) -> dict:
        return {
            "convention": self.convention,
            "member": self.member,
            "is_moderator": self.is_moderator,
            "is_organizer": self.is_organizer,
            "can_post": self.can_post,
        }


def viewer_for(convention: Convention, member: Membership | None) -> Viewer:
    return Viewer(
        convention=convention,
        member=member,
        is_moderator=may(member, Action.MODERATE, convention),
        is_organizer=may(member, Action.ORGANIZE_SESSIONS, convention),
        can_post=may(member, Action.POST, convention),
    )


def wants_json(request: HttpRequest) -> bool:
    """A client that sends or asks for JSON gets its answers, refusals included, in JSON."""
    return request.content_type == "application/json" or "application/json" in request.headers.get(
        "Accept", ""
    )


def refuse(
    request: HttpRequest, viewer: Viewer | None, error: DeliberationError, back: str = ""
) -> HttpResponse:
    if wants_json(request):
        return JsonResponse(
            {"error": error.code, "message": str(error.message)}, status=error.status
        )
    context = {**(viewer.context() if viewer else {}), "error": error.message, "back": back}
    return render(request, "deliberation/refused.html", context, status=error.status)


def members_only(view):
    """Deliberation pages are for the convention's members (``Action.READ``): visitors are sent
    to log in, others get the platform's 403 page saying why. The view receives a ``Viewer``;
    a refused action inside it becomes a page with the reason and its status code."""

    @require_permission(Action.READ)
    @wraps(view)
    def wrapper(
        request: HttpRequest, *args, convention: Convention, membership: Membership, **kwargs
    ) -> HttpResponse:
        viewer = viewer_for(convention, membership)
        try:
            return view(request, viewer, *args, **kwargs)
        except DeliberationError as error:
            return refuse(request, viewer, error)

    return wrapper
