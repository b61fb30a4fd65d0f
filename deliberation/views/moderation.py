"""Moderation pages: the review queue, acting on a post or a room, the public log, appeals."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from convention.models import Convention, Membership
from convention.permissions import require_permission

from .. import selectors
from ..access import Action, require
from ..exceptions import InvalidInput
from ..forms import AppealForm, DecideAppealForm, ModerateForm, RoomSettingsForm
from ..models import Appeal, ModerationAction, ReasonCategory, Room
from ..services import moderation as services
from .common import Viewer, members_only
from .rooms import _post, _room, post_url, room_url


@require_GET
@members_only
def review_queue(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    require(viewer.member, Action.MODERATE, viewer.convention)
    return render(
        request,
        "deliberation/queue.html",
        {
            **viewer.context(),
            **selectors.review_queue(viewer.convention),
            "decide_form": DecideAppealForm(),
            "reasons": ReasonCategory.choices,
        },
    )


@require_POST
@members_only
def moderate_post(request: HttpRequest, viewer: Viewer, post_id: int) -> HttpResponse:
    """One form for every act on a post; each act is a service that checks the role again."""
    post = _post(viewer, post_id)
    form = ModerateForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("The moderation form was incomplete: choose an action and a reason."))
    data = form.cleaned_data
    action = data["action"]
    member = viewer.member
    reason, note = data.get("reason") or "", data.get("note") or ""
    if action == "approve":
        services.approve_post(moderator=member, post=post)
    elif action == "hide":
        services.hide_post(moderator=member, post=post, reason=reason, note=note)
    elif action == "restore":
        services.restore_post(moderator=member, post=post, note=note)
    elif action == "dismiss":
        services.dismiss_flags(moderator=member, post=post)
    elif action in ("lock", "unlock"):
        services.set_thread_locked(moderator=member, post=post, locked=action == "lock")
    elif action in ("pin", "unpin"):
        services.set_pinned(moderator=member, post=post, pinned=action == "pin")
    elif action == "move":
        to_room = get_object_or_404(Room, pk=data.get("to_room") or 0, convention=viewer.convention)
        services.move_thread(moderator=member, post=post, to_room=to_room, reason=reason)
    elif action == "mute":
        services.mute_member(
            moderator=member,
            room=post.room,
            member=post.author,
            hours=data.get("hours") or 0,
            reason=reason,
            note=note,
        )
    elif action == "suspend":
        services.suspend_member(organizer=member, member=post.author, reason=reason, note=note)
    messages.success(request, _("Done. The action is recorded in the public moderation log."))
    if request.POST.get("back") == "queue":
        return redirect("deliberation:queue", slug=viewer.convention.slug)
    return redirect(f"{post_url(post)}#messages")


@require_POST
@members_only
def room_settings(request: HttpRequest, viewer: Viewer, room_id: int) -> HttpResponse:
    room = _room(viewer, room_id)
    require(viewer.member, Action.MODERATE, viewer.convention)
    form = RoomSettingsForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Slow mode is a number of seconds between 0 and 3600."))
    data = form.cleaned_data
    services.update_room(
        moderator=viewer.member,
        room=room,
        slow_mode_seconds=data["slow_mode_seconds"],
        is_locked=data["is_locked"],
        is_premoderated=data["is_premoderated"],
        is_archived=True if data["is_archived"] else None,
    )
    messages.success(request, _("Room settings saved and logged."))
    return redirect(room_url(room))


def _log_page(convention: Convention, number) -> object:
    return Paginator(selectors.moderation_log(convention), 50).get_page(number)


@require_GET
@require_permission(Action.VIEW_CONVENTION)
def public_log(
    request: HttpRequest, convention: Convention, membership: Membership | None
) -> HttpResponse:
    """The moderation log is public, so observers and members alike can see moderation is
    fair: act, target, reason category, moderator's pseudonym, hour. Never a reporter."""
    return render(
        request,
        "deliberation/log.html",
        {
            "convention": convention,
            "page": _log_page(convention, request.GET.get("page")),
        },
    )


@require_GET
@members_only
def my_decisions(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    return render(
        request,
        "deliberation/mine.html",
        {
            **viewer.context(),
            "actions": selectors.actions_about(viewer.member),
        },
    )


@require_http_methods(["GET", "POST"])
@members_only
def appeal(request: HttpRequest, viewer: Viewer, action_id: int) -> HttpResponse:
    action = get_object_or_404(
        ModerationAction.objects.select_related("room", "moderator", "post"),
        pk=action_id,
        convention=viewer.convention,
    )
    form = AppealForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            raise InvalidInput(form.errors["statement"][0])
        services.file_appeal(
            member=viewer.member, action=action, statement=form.cleaned_data["statement"]
        )
        messages.success(
            request, _("Your appeal is filed. A moderator who did not take the action will decide.")
        )
        return redirect("deliberation:mine", slug=viewer.convention.slug)
    if action.subject_id != viewer.member.pk or not action.is_appealable:
        from ..exceptions import NotAllowed

        raise NotAllowed(_("You can only appeal an action taken about you or your post."))
    return render(
        request, "deliberation/appeal.html", {**viewer.context(), "action": action, "form": form}
    )


@require_POST
@members_only
def decide_appeal(request: HttpRequest, viewer: Viewer, appeal_id: int) -> HttpResponse:
    appeal = get_object_or_404(
        Appeal.objects.select_related("action"),
        pk=appeal_id,
        action__convention=viewer.convention,
    )
    form = DecideAppealForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Choose to uphold or overturn."))
    services.decide_appeal(
        moderator=viewer.member,
        appeal=appeal,
        overturn=form.cleaned_data["outcome"] == "overturn",
        note=form.cleaned_data["note"],
    )
    messages.success(request, _("The appeal is decided and the outcome logged."))
    return redirect(reverse("deliberation:queue", kwargs={"slug": viewer.convention.slug}))


__all__ = ["post_url"]
