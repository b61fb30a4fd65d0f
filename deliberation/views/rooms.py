"""Rooms and posts: the deliberation index, a room, a thread, writing, reacting, flagging."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import limits, selectors
from ..exceptions import DeliberationError, EditWindowClosed, NotAllowed
from ..forms import EditForm, FlagForm, ModerateForm, PostForm, RoomSettingsForm
from ..models import Post, PostLanguage, PostRevision, Room
from ..services import posts as post_services
from ..services.moderation import MUTE_HOURS
from ..text import safe_outside_url
from .common import Viewer, members_only, refuse


def _default_language() -> str:
    code = get_language() or "en"
    return code if code in PostLanguage.values else "en"


def room_url(room: Room, **query) -> str:
    url = reverse("deliberation:room", kwargs={"slug": room.convention.slug, "room_id": room.pk})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def post_url(post: Post) -> str:
    return reverse(
        "deliberation:post", kwargs={"slug": post.room.convention.slug, "post_id": post.pk}
    )


def _room(viewer: Viewer, room_id: int) -> Room:
    room = get_object_or_404(
        Room.objects.select_related("convention", "session"),
        pk=room_id,
        convention=viewer.convention,
    )
    room.convention = viewer.convention
    return room


def _post(viewer: Viewer, post_id: int) -> Post:
    post = get_object_or_404(
        Post.objects.select_related(
            "room__convention", "author", "quote__author", "parent__author", "thread"
        ),
        pk=post_id,
        room__convention=viewer.convention,
    )
    if not selectors.can_see(post, viewer=viewer.member, is_moderator=viewer.is_moderator):
        raise Http404
    return post


@require_GET
@members_only
def index(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    convention = viewer.convention
    return render(
        request,
        "deliberation/index.html",
        {
            **viewer.context(),
            "sessions": selectors.sessions_of(convention),
            "rooms": selectors.rooms_of(convention).filter(session__isnull=True),
        },
    )


def _room_context(request: HttpRequest, viewer: Viewer, room: Room, form: PostForm | None):
    data = selectors.room_page(
        room,
        viewer=viewer.member,
        is_moderator=viewer.is_moderator,
        page_number=request.GET.get("page"),
    )
    session_context = None
    if room.session_id:
        session_context = selectors.session_panel_context(room.session)
    mute_until = (
        post_services.active_mute_until(room=room, member=viewer.member) if viewer.member else None
    )
    return {
        **viewer.context(),
        **(session_context or {}),
        "room": room,
        "session": room.session,
        "data": data,
        "form": form or PostForm(initial={"language": _default_language()}),
        "mute_until": mute_until,
        "settings_form": RoomSettingsForm(
            initial={
                "slow_mode_seconds": room.slow_mode_seconds,
                "is_locked": room.is_locked,
                "is_premoderated": room.is_premoderated,
            }
        )
        if viewer.is_moderator
        else None,
        "live_url": reverse(
            "deliberation:room_events", kwargs={"slug": room.convention.slug, "room_id": room.pk}
        ),
        "poll_url": reverse(
            "deliberation:room_updates", kwargs={"slug": room.convention.slug, "room_id": room.pk}
        ),
        "proposal": getattr(room, "proposal", None) if room.kind == "proposal" else None,
    }


@require_GET
@members_only
def room(request: HttpRequest, viewer: Viewer, room_id: int) -> HttpResponse:
    room = _room(viewer, room_id)
    return render(request, "deliberation/room.html", _room_context(request, viewer, room, None))


@require_POST
@members_only
def create_post(request: HttpRequest, viewer: Viewer, room_id: int) -> HttpResponse:
    """Post or reply. A refused post comes back with its text, so nothing typed is lost."""
    room = _room(viewer, room_id)
    form = PostForm(request.POST)
    parent = quote = None
    try:
        if not form.is_valid():
            return render(
                request,
                "deliberation/compose.html",
                {**viewer.context(), "room": room, "form": form},
                status=400,
            )
        data = form.cleaned_data
        if data["parent"]:
            parent = (
                Post.objects.select_related("thread")
                .filter(pk=data["parent"], room__convention=viewer.convention)
                .first()
            )
            if parent is None:
                raise Http404
        if data["quote"]:
            quote = (
                Post.objects.select_related("room")
                .filter(pk=data["quote"], room__convention=viewer.convention)
                .first()
            )
            if quote is None:
                raise Http404
        post = post_services.create_post(
            member=viewer.member,
            room=room,
            body=data["body"],
            language=data["language"],
            parent=parent,
            quote=quote,
        )
    except DeliberationError as error:
        response = render(
            request,
            "deliberation/compose.html",
            {
                **viewer.context(),
                "room": room,
                "form": form,
                "error": error.message,
                "parent": parent,
            },
            status=error.status,
        )
        if error.details.get("retry_after"):
            response["Retry-After"] = str(error.details["retry_after"])
        return response
    target = post_url(post) if parent else room_url(room)
    return redirect(f"{target}#post-{post.pk}", permanent=False)


@require_GET
@members_only
def post_detail(request: HttpRequest, viewer: Viewer, post_id: int) -> HttpResponse:
    """A thread, with forms to reply, quote, flag and (for moderators) act."""
    post = _post(viewer, post_id)
    start = request.GET.get("from", "")
    thread = selectors.thread_page(
        post,
        viewer=viewer.member,
        is_moderator=viewer.is_moderator,
        start=int(start) if start.isdigit() and len(start) < 19 else None,
    )
    quote = post if request.GET.get("quote") == str(post.pk) and post.is_visible else None
    revisions = (
        list(PostRevision.objects.filter(post=post).order_by("number"))
        if viewer.is_moderator
        else []
    )
    editable = (
        viewer.member is not None
        and post.author_id == viewer.member.pk
        and limits.edit_window_open(post.pk)
    )
    form = PostForm(
        initial={
            "language": _default_language(),
            "parent": post.pk,
            "quote": quote.pk if quote else None,
        }
    )
    return render(
        request,
        "deliberation/post.html",
        {
            **viewer.context(),
            "post": post,
            "room": post.room,
            "thread": thread,
            "form": form,
            "quote": quote,
            "flag_form": FlagForm(),
            "moderate_form": ModerateForm(),
            "mute_hours": MUTE_HOURS,
            "rooms": selectors.rooms_of(viewer.convention).exclude(pk=post.room_id)
            if viewer.is_moderator
            else [],
            "revisions": revisions,
            "mute_until": post_services.active_mute_until(room=post.room, member=viewer.member)
            if viewer.member
            else None,
            "editable": editable,
            "edit_form": EditForm(initial={"body": post.body}) if editable else None,
        },
    )


@require_http_methods(["GET", "POST"])
@members_only
def edit_post(request: HttpRequest, viewer: Viewer, post_id: int) -> HttpResponse:
    """The author's correction form, open for a short time after posting."""
    post = _post(viewer, post_id)
    if viewer.member is None or post.author_id != viewer.member.pk:
        raise NotAllowed(_("Only the author can edit a post."))
    if not limits.edit_window_open(post.pk):
        raise EditWindowClosed()
    form = EditForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST":
        if form.is_valid():
            try:
                post_services.edit_post(
                    member=viewer.member, post=post, body=form.cleaned_data["body"]
                )
            except DeliberationError as error:
                form.add_error("body", error.message)
            else:
                return redirect(f"{post_url(post)}#post-{post.pk}")
    return render(
        request,
        "deliberation/edit.html",
        {**viewer.context(), "post": post, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@members_only
def react(request: HttpRequest, viewer: Viewer, post_id: int) -> HttpResponse:
    post = _post(viewer, post_id)
    post_services.react(member=viewer.member, post=post, kind=request.POST.get("kind", ""))
    back = request.POST.get("back") == "room"
    return redirect(f"{room_url(post.room) if back else post_url(post)}#post-{post.pk}")


@require_POST
@members_only
def flag(request: HttpRequest, viewer: Viewer, post_id: int) -> HttpResponse:
    from django.contrib import messages

    post = _post(viewer, post_id)
    form = FlagForm(request.POST)
    if not form.is_valid():
        return refuse(
            request, viewer, DeliberationError(_("Choose a reason from the list.")), post_url(post)
        )
    post_services.flag_post(member=viewer.member, post=post, **form.cleaned_data)
    messages.success(
        request,
        _(
            "Thank you. The moderators will look at this post. Nobody, including its author, "
            "will be told who reported it."
        ),
    )
    # Land on the confirmation (just above the post), not past it (issue 12).
    return redirect(f"{post_url(post)}#messages")


@require_http_methods(["GET"])
@members_only
def leaving(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """The warning page in front of every link to another site."""
    url = safe_outside_url(request.GET.get("to", ""))
    return render(
        request,
        "deliberation/leaving.html",
        {**viewer.context(), "url": url},
        status=200 if url else 400,
    )
