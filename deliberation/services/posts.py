"""Writing in a room: posting, replying, quoting, editing, reacting, flagging."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from convention.models import Membership

from .. import limits
from ..access import Action, require
from ..exceptions import (
    DuplicatePost,
    EditWindowClosed,
    InvalidInput,
    Muted,
    NotAllowed,
    RoomClosed,
    ThreadLocked,
)
from ..models import (
    Flag,
    Post,
    PostLanguage,
    PostRevision,
    PostStatus,
    Reaction,
    ReactionKind,
    ReasonCategory,
    Room,
    RoomKind,
    Statement,
)
from ..text import clean_line, clean_text, digest, render_markdown
from .events import announce_post

# Texts shorter than this ("I agree") may be repeated by different members.
ROOM_DUPLICATE_MIN_LETTERS = 40
ROOM_DUPLICATE_WINDOW = 50
MEMBER_DUPLICATE_WINDOW = 20


def leaving_url(room: Room) -> str:
    return reverse("deliberation:leaving", kwargs={"slug": room.convention.slug})


def active_mute_until(*, room: Room, member: Membership):
    mute = room.mutes.filter(member=member, until__gt=timezone.now()).order_by("-until").first()
    return mute.until if mute else None


def _ensure_may_write(*, member: Membership, room: Room) -> None:
    require(member, Action.POST, room.convention)
    if not room.accepts_posts:
        raise RoomClosed(
            _("This room is archived: it can be read but not written to.")
            if room.is_archived
            else None
        )
    until = active_mute_until(room=room, member=member)
    if until is not None:
        raise Muted(
            _(
                "A moderator has muted you in this room until %(until)s (UTC). You can still "
                "read, post in other rooms, and appeal the decision from the moderation log."
            )
            % {"until": date_format(until, "DATETIME_FORMAT")},
            until=until,
        )


def _next_seq(room_id: int, count: int = 1) -> int:
    """Reserve the room's next ``count`` event numbers and return the last of them; the caller
    holds the transaction."""
    Room.objects.filter(pk=room_id).update(seq=F("seq") + count)
    return Room.objects.filter(pk=room_id).values_list("seq", flat=True).get()


def _check_duplicate(*, member: Membership, room: Room, fingerprint: str, text: str) -> None:
    own_recent = Post.objects.filter(author=member).order_by("-id")[:MEMBER_DUPLICATE_WINDOW]
    if fingerprint in {p.body_digest for p in own_recent.only("body_digest")}:
        raise DuplicatePost()
    if sum(c.isalnum() for c in text) >= ROOM_DUPLICATE_MIN_LETTERS:
        room_recent = Post.objects.filter(room=room).order_by("-id")[:ROOM_DUPLICATE_WINDOW]
        if fingerprint in {p.body_digest for p in room_recent.only("body_digest")}:
            raise DuplicatePost(
                _("This exact text was posted in this room a moment ago. Please write your own.")
            )


def create_post(
    *,
    member: Membership,
    room: Room,
    body: str,
    language: str = PostLanguage.ENGLISH,
    parent: Post | None = None,
    quote: Post | None = None,
    as_statement: bool = False,
) -> Post:
    """Post in ``room``, as a new thread or as a reply to ``parent``.

    An opinion map's room holds only its statements, written by ``submit_statement``
    (``as_statement``): no other post, no reply.

    In a pre-moderated room a participant's post waits for a moderator; everywhere else it is
    published at once and sent to the room's live listeners.
    """
    from ..access import may

    _ensure_may_write(member=member, room=room)
    if (room.kind == RoomKind.OPINION) != as_statement or (as_statement and parent is not None):
        raise NotAllowed(_("Statements of an opinion map are written on the conversation's page."))
    text = clean_text(body)
    if language not in PostLanguage.values:
        raise InvalidInput(_("Choose the language of the post from the list."))
    if parent is not None:
        if parent.room_id != room.pk or not parent.is_visible:
            raise InvalidInput(_("The post you reply to is not in this room any more."))
        root = parent.thread or parent
        if root.is_thread_locked:
            raise ThreadLocked()
    if quote is not None and (
        quote.room.convention_id != room.convention_id or not quote.is_visible
    ):
        raise InvalidInput(_("The quoted post cannot be quoted."))
    fingerprint = digest(text)
    _check_duplicate(member=member, room=room, fingerprint=fingerprint, text=text)
    is_moderator = may(member, Action.MODERATE, room.convention)
    limits.check_posting(
        member_id=member.pk,
        room_id=room.pk,
        slow_mode_seconds=0 if is_moderator else room.slow_mode_seconds,
    )
    with transaction.atomic():
        room = Room.objects.select_for_update().select_related("convention").get(pk=room.pk)
        if not room.accepts_posts:  # locked while this request was on its way
            raise RoomClosed()
        held = room.is_premoderated and not is_moderator
        post = Post(
            room=room,
            author=member,
            parent=parent,
            thread=(parent.thread or parent) if parent is not None else None,
            quote=quote,
            body=text,
            body_html=render_markdown(text, leaving_url=leaving_url(room)),
            body_digest=fingerprint,
            language=language,
            status=PostStatus.PENDING if held else PostStatus.PUBLISHED,
        )
        if not held:
            post.seq = _next_seq(room.pk)
        post.full_clean()
        post.save()
        if not held:
            transaction.on_commit(lambda: announce_post(post.pk))
    limits.open_edit_window(post.pk)
    return post


def edit_post(*, member: Membership, post: Post, body: str) -> Post:
    """The author corrects a post within the edit window; the earlier text is kept for
    moderators."""
    if post.author_id != member.pk:
        raise NotAllowed(_("Only the author can edit a post."))
    _ensure_may_write(member=member, room=post.room)
    if not limits.edit_window_open(post.pk):
        raise EditWindowClosed()
    if post.status == PostStatus.HIDDEN:
        raise NotAllowed(_("A hidden post cannot be edited."))
    if Statement.objects.filter(post=post).exists():
        raise NotAllowed(_("A statement cannot be edited: others vote on its words."))
    text = clean_text(body)
    if text == post.body:
        return post
    with transaction.atomic():
        post = Post.objects.select_for_update().select_related("room__convention").get(pk=post.pk)
        PostRevision.objects.create(post=post, number=post.revision, body=post.body)
        post.body = text
        post.body_html = render_markdown(text, leaving_url=leaving_url(post.room))
        post.body_digest = digest(text)
        post.revision += 1
        fields = ["body", "body_html", "body_digest", "revision"]
        if post.status == PostStatus.PUBLISHED:
            post.seq = _next_seq(post.room_id)
            fields.append("seq")
            transaction.on_commit(lambda: announce_post(post.pk))
        post.save(update_fields=fields)
    return post


_COUNTERS = {
    ReactionKind.AGREE: "agree_count",
    ReactionKind.DISAGREE: "disagree_count",
    ReactionKind.UNSURE: "unsure_count",
}


def react(*, member: Membership, post: Post, kind: str) -> Post:
    """Agree, disagree or unsure; the same choice again takes the reaction back. Only counts
    are shown."""
    require(member, Action.POST, post.room.convention)
    if kind not in _COUNTERS:
        raise InvalidInput(_("Unknown reaction."))
    if not post.is_visible:
        raise InvalidInput(_("This post cannot receive reactions."))
    limits.check_member_action(
        member_id=member.pk, action="react", limit_name="reactions_per_minute", window=60
    )
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        existing = Reaction.objects.filter(post=post, member=member).first()
        changes: dict[str, int] = {}
        if existing is not None:
            changes[_COUNTERS[existing.kind]] = -1
            existing.delete()
        if existing is None or existing.kind != kind:
            Reaction.objects.create(post=post, member=member, kind=kind)
            changes[_COUNTERS[kind]] = changes.get(_COUNTERS[kind], 0) + 1
        for field, delta in changes.items():
            setattr(post, field, max(0, getattr(post, field) + delta))
        post.seq = _next_seq(post.room_id)
        post.save(update_fields=[*changes, "seq"])
        transaction.on_commit(lambda: announce_post(post.pk))
    return post


def flag_post(*, member: Membership, post: Post, reason: str, note: str = "") -> Flag:
    """Report a post to the moderators. The author is never told who reported it; a second
    report by the same member only updates the first."""
    require(member, Action.READ, post.room.convention)
    if member.is_suspended:
        raise NotAllowed()
    if reason not in ReasonCategory.values:
        raise InvalidInput(_("Choose a reason from the list."))
    if post.author_id == member.pk:
        raise InvalidInput(_("You cannot flag your own post."))
    note = clean_line(note, max_chars=500) if note.strip() else ""
    limits.check_member_action(
        member_id=member.pk, action="flag", limit_name="flags_per_hour", window=3600
    )
    with transaction.atomic():
        flag, _created = Flag.objects.update_or_create(
            post=post, reporter=member, defaults={"reason": reason, "note": note, "is_open": True}
        )
    return flag
