"""What every deliberation view needs: the convention, the viewer's membership and roles, and
one way of turning a refused action into a clear page."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from convention.models import Convention, Membership
from convention.selectors import membership_of

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


def viewer_for(request: HttpRequest, slug: str) -> Viewer:
    convention = get_object_or_404(Convention, slug=slug)
    member = membership_of(request.user, convention)
    return Viewer(
        convention=convention,
        member=member,
        is_moderator=may(member, Action.MODERATE, convention),
        is_organizer=may(member, Action.ORGANIZE, convention),
        can_post=may(member, Action.POST, convention),
    )


def refuse(
    request: HttpRequest, viewer: Viewer | None, error: DeliberationError, back: str = ""
) -> HttpResponse:
    context = {**(viewer.context() if viewer else {}), "error": error.message, "back": back}
    return render(request, "deliberation/refused.html", context, status=error.status)


def members_only(view):
    """Deliberation is for the convention's members: others are sent to log in or told why."""

    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        viewer = viewer_for(request, slug)
        if not may(viewer.member, Action.READ, viewer.convention):
            from ..exceptions import NotAllowed

            return refuse(
                request,
                viewer,
                NotAllowed(_("Only members of this convention can take part in its rooms.")),
            )
        try:
            return view(request, viewer, *args, **kwargs)
        except DeliberationError as error:
            return refuse(request, viewer, error)

    return wrapper
