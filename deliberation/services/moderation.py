"""Moderation: acting on posts, threads, rooms and members, and appeals against those acts.

Every act is written to the public moderation log (``ModerationAction``): what was done, to
which post or pseudonym, the reason category, the moderator's pseudonym and the hour. Both
pseudonyms are recorded as they are at that moment, so a later change of name cannot change
what the entry says. Reporters
are never part of it. An appeal is decided by a moderator other than the one who acted.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from convention.models import Membership
from convention.services import audit

from ..access import Action, require
from ..exceptions import AlreadyDecided, InvalidInput, NotAllowed
from ..models import (
    Appeal,
    AppealStatus,
    Flag,
    ModerationAction,
    ModerationKind,
    Mute,
    Post,
    PostStatus,
    ReasonCategory,
    Room,
)
from ..text import clean_line, clean_text
from .events import announce_post, announce_removal, announce_room
from .posts import _next_seq

MUTE_HOURS = (1, 6, 24, 72, 168)


def _record(
    *,
    moderator: Membership,
    kind: str,
    room: Room | None = None,
    post: Post | None = None,
    subject: Membership | None = None,
    reason: str = "",
    detail: str = "",
    note: str = "",
    appeal_of: ModerationAction | None = None,
) -> ModerationAction:
    action = ModerationAction(
        convention=moderator.convention,
        room=room,
        kind=kind,
        moderator=moderator,
        moderator_pseudonym=moderator.pseudonym,
        post=post,
        subject=subject,
        # A deleted participant has a placeholder, not a name: the log says "deleted participant".
        subject_pseudonym=subject.pseudonym if subject and not subject.is_deleted else "",
        reason=reason,
        detail=detail,
        note=note,
        appeal_of=appeal_of,
    )
    action.full_clean()
    action.save()
    # The same act also enters the convention's hash-chained audit log, so removing or editing
    # a moderation entry afterwards would be evident. Reporters are never part of either.
    audit.record(
        convention=moderator.convention,
        actor=moderator,
        action=f"moderation.{kind}",
        target=_audit_target(action),
        detail={"log_entry": action.pk, "reason": reason, "detail": detail},
    )
    return action


def _audit_target(action: ModerationAction) -> str:
    parts = []
    if action.post_id:
        parts.append(f"post {action.post_id}")
    if action.subject_pseudonym:
        parts.append(action.subject_pseudonym)
    elif action.subject_id:
        parts.append("deleted participant")
    if action.room_id:
        parts.append(f"room {action.room_id}")
    return ", ".join(parts)


def _reason(reason: str, *, required: bool) -> str:
    if not reason and not required:
        return ""
    if reason not in ReasonCategory.values:
        raise InvalidInput(_("Choose a reason from the list."))
    return reason


def _note(note: str) -> str:
    return clean_line(note, max_chars=500) if note and note.strip() else ""


def _moderator(member: Membership, post_or_room) -> Membership:
    convention = (
        post_or_room.room.convention if isinstance(post_or_room, Post) else post_or_room.convention
    )
    return require(member, Action.MODERATE, convention)


def _republish(post: Post) -> None:
    post.seq = _next_seq(post.room_id)
    post.save(update_fields=["seq"])
    transaction.on_commit(lambda: announce_post(post.pk))


def _close_flags(post: Post) -> None:
    Flag.objects.filter(post=post, is_open=True).update(is_open=False)


def approve_post(*, moderator: Membership, post: Post) -> ModerationAction:
    """Publish a post that waited in a pre-moderated room."""
    _moderator(moderator, post)
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.status != PostStatus.PENDING:
            raise AlreadyDecided()
        post.status = PostStatus.PUBLISHED
        post.save(update_fields=["status"])
        _republish(post)
        return _record(
            moderator=moderator,
            kind=ModerationKind.APPROVE,
            room=post.room,
            post=post,
            subject=post.author,
        )


def hide_post(
    *, moderator: Membership, post: Post, reason: str, note: str = ""
) -> ModerationAction:
    """Hide a post (or reject a waiting one). Its place shows the reason category."""
    _moderator(moderator, post)
    reason = _reason(reason, required=True)
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.status == PostStatus.HIDDEN:
            raise AlreadyDecided(_("This post is already hidden."))
        was_public = post.status == PostStatus.PUBLISHED
        post.status = PostStatus.HIDDEN
        post.hidden_reason = reason
        post.is_pinned = False
        post.save(update_fields=["status", "hidden_reason", "is_pinned"])
        _close_flags(post)
        if was_public:
            _republish(post)
        return _record(
            moderator=moderator,
            kind=ModerationKind.HIDE,
            room=post.room,
            post=post,
            subject=post.author,
            reason=reason,
            note=_note(note),
        )


def restore_post(*, moderator: Membership, post: Post, note: str = "") -> ModerationAction:
    _moderator(moderator, post)
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.status != PostStatus.HIDDEN:
            raise AlreadyDecided(_("This post is not hidden."))
        _restore(post)
        return _record(
            moderator=moderator,
            kind=ModerationKind.RESTORE,
            room=post.room,
            post=post,
            subject=post.author,
            note=_note(note),
        )


def _restore(post: Post) -> None:
    post.status = PostStatus.PUBLISHED
    post.hidden_reason = ""
    post.save(update_fields=["status", "hidden_reason"])
    _republish(post)


def dismiss_flags(*, moderator: Membership, post: Post) -> ModerationAction:
    _moderator(moderator, post)
    with transaction.atomic():
        if not Flag.objects.filter(post=post, is_open=True).exists():
            raise AlreadyDecided(_("There are no open flags on this post."))
        _close_flags(post)
        return _record(
            moderator=moderator, kind=ModerationKind.DISMISS_FLAGS, room=post.room, post=post
        )


def set_thread_locked(*, moderator: Membership, post: Post, locked: bool) -> ModerationAction:
    _moderator(moderator, post)
    with transaction.atomic():
        root = Post.objects.select_for_update().get(pk=post.thread_id or post.pk)
        if root.is_thread_locked == locked:
            raise AlreadyDecided()
        root.is_thread_locked = locked
        root.save(update_fields=["is_thread_locked"])
        _republish(root)
        return _record(
            moderator=moderator,
            kind=ModerationKind.LOCK_THREAD if locked else ModerationKind.UNLOCK_THREAD,
            room=root.room,
            post=root,
        )


def set_pinned(*, moderator: Membership, post: Post, pinned: bool) -> ModerationAction:
    _moderator(moderator, post)
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if not post.is_visible:
            raise InvalidInput(_("Only a published post can be pinned."))
        if post.is_pinned == pinned:
            raise AlreadyDecided()
        post.is_pinned = pinned
        post.save(update_fields=["is_pinned"])
        _republish(post)
        return _record(
            moderator=moderator,
            kind=ModerationKind.PIN if pinned else ModerationKind.UNPIN,
            room=post.room,
            post=post,
        )


def move_thread(
    *, moderator: Membership, post: Post, to_room: Room, reason: str = ""
) -> ModerationAction:
    """Move a whole thread to another room of the same convention."""
    _moderator(moderator, post)
    reason = _reason(reason, required=False)
    if to_room.convention_id != post.room.convention_id:
        raise InvalidInput(_("A thread can only move to a room of the same convention."))
    with transaction.atomic():
        root = Post.objects.select_for_update().get(pk=post.thread_id or post.pk)
        from_room = root.room
        if to_room.pk == from_room.pk:
            raise InvalidInput(_("The thread is already in that room."))
        ids = [root.pk, *root.thread_posts.values_list("pk", flat=True)]
        for pk in ids:
            seq = _next_seq(to_room.pk)
            Post.objects.filter(pk=pk).update(room=to_room, seq=seq)
            transaction.on_commit(lambda pk=pk: announce_post(pk))
            transaction.on_commit(lambda pk=pk: announce_removal(room_id=from_room.pk, post_id=pk))
        return _record(
            moderator=moderator,
            kind=ModerationKind.MOVE,
            room=from_room,
            post=root,
            subject=root.author,
            reason=reason,
            detail=to_room.title_en[:200],
        )


def update_room(
    *,
    moderator: Membership,
    room: Room,
    slow_mode_seconds: int | None = None,
    is_locked: bool | None = None,
    is_archived: bool | None = None,
    is_premoderated: bool | None = None,
) -> list[ModerationAction]:
    """Change a room's settings; each change is one entry of the log."""
    _moderator(moderator, room)
    changes: list[tuple[str, str]] = []
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=room.pk)
        if slow_mode_seconds is not None and slow_mode_seconds != room.slow_mode_seconds:
            if not 0 <= slow_mode_seconds <= 3600:
                raise InvalidInput(_("Slow mode is between 0 (off) and 3600 seconds."))
            room.slow_mode_seconds = slow_mode_seconds
            changes.append((ModerationKind.SLOW_MODE, str(slow_mode_seconds)))
        if is_locked is not None and is_locked != room.is_locked:
            room.is_locked = is_locked
            changes.append(
                (ModerationKind.LOCK_ROOM if is_locked else ModerationKind.UNLOCK_ROOM, "")
            )
        if is_archived is not None and is_archived != room.is_archived:
            if not is_archived:
                raise InvalidInput(_("An archived room stays archived."))
            room.is_archived = True
            changes.append((ModerationKind.ARCHIVE_ROOM, ""))
        if is_premoderated is not None and is_premoderated != room.is_premoderated:
            room.is_premoderated = is_premoderated
            changes.append((ModerationKind.PREMODERATE, "1" if is_premoderated else "0"))
        room.save()
        if changes:
            transaction.on_commit(lambda: announce_room(room.pk))
        return [
            _record(moderator=moderator, kind=kind, room=room, detail=detail)
            for kind, detail in changes
        ]


def mute_member(
    *,
    moderator: Membership,
    room: Room,
    member: Membership,
    hours: int,
    reason: str,
    note: str = "",
) -> ModerationAction:
    """Keep ``member`` from posting in ``room`` for ``hours``; the end is rounded up to the
    hour, like every public time."""
    _moderator(moderator, room)
    reason = _reason(reason, required=True)
    if hours not in MUTE_HOURS:
        raise InvalidInput(_("Choose a mute duration from the list."))
    if member.convention_id != room.convention_id:
        raise InvalidInput(_("That member is not in this convention."))
    if member.pk == moderator.pk:
        raise InvalidInput(_("You cannot mute yourself."))
    end = timezone.now() + timedelta(hours=hours)
    if end.minute or end.second or end.microsecond:
        end = end.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    with transaction.atomic():
        action = _record(
            moderator=moderator,
            kind=ModerationKind.MUTE,
            room=room,
            subject=member,
            reason=reason,
            detail=str(hours),
            note=_note(note),
        )
        Mute.objects.create(room=room, member=member, until=end, action=action)
    return action


def suspend_member(
    *, organizer: Membership, member: Membership, reason: str, note: str = ""
) -> ModerationAction:
    """Suspend a member from the whole convention: they can read and appeal, not take part."""
    require(organizer, Action.SUSPEND_MEMBERS, organizer.convention)
    reason = _reason(reason, required=True)
    if member.convention_id != organizer.convention_id or member.pk == organizer.pk:
        raise InvalidInput(_("That member cannot be suspended here."))
    with transaction.atomic():
        member = Membership.objects.select_for_update().get(pk=member.pk)
        if member.is_suspended:
            raise AlreadyDecided(_("This member is already suspended."))
        member.is_suspended = True
        member.save(update_fields=["is_suspended"])
        return _record(
            moderator=organizer,
            kind=ModerationKind.SUSPEND,
            subject=member,
            reason=reason,
            note=_note(note),
        )


def file_appeal(*, member: Membership, action: ModerationAction, statement: str) -> Appeal:
    """The member an action was about asks for a second look."""
    require(member, Action.READ, action.convention)
    if action.subject_id != member.pk or not action.is_appealable:
        raise NotAllowed(_("You can only appeal an action taken about you or your post."))
    statement = clean_text(statement, max_chars=2000)
    with transaction.atomic():
        if Appeal.objects.filter(action=action).exists():
            raise AlreadyDecided(_("This action has already been appealed."))
        appeal = Appeal(action=action, appellant=member, statement=statement)
        appeal.full_clean()
        appeal.save()
    return appeal


def decide_appeal(
    *, moderator: Membership, appeal: Appeal, overturn: bool, note: str = ""
) -> ModerationAction:
    """A moderator who did not take the action decides; overturning undoes it."""
    action = appeal.action
    require(moderator, Action.MODERATE, action.convention)
    if action.kind == "suspend":
        require(moderator, Action.SUSPEND_MEMBERS, action.convention)
    if moderator.pk in (action.moderator_id, appeal.appellant_id):
        raise NotAllowed(_("An appeal must be decided by a moderator who did not take the action."))
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if appeal.status != AppealStatus.PENDING:
            raise AlreadyDecided()
        appeal.status = AppealStatus.OVERTURNED if overturn else AppealStatus.UPHELD
        appeal.decided_by = moderator
        appeal.decision_note = _note(note)
        appeal.save(update_fields=["status", "decided_by", "decision_note"])
        if overturn:
            _undo(action)
        return _record(
            moderator=moderator,
            kind=ModerationKind.APPEAL_OVERTURNED if overturn else ModerationKind.APPEAL_UPHELD,
            room=action.room,
            post=action.post,
            subject=action.subject,
            reason=action.reason,
            appeal_of=action,
        )


def _undo(action: ModerationAction) -> None:
    if action.kind == ModerationKind.HIDE and action.post is not None:
        post = Post.objects.select_for_update().get(pk=action.post_id)
        if post.status == PostStatus.HIDDEN:
            _restore(post)
    elif action.kind == ModerationKind.MUTE:
        Mute.objects.filter(action=action).delete()
    elif action.kind == ModerationKind.SUSPEND and action.subject is not None:
        Membership.objects.filter(pk=action.subject_id).update(is_suspended=False)
