"""Read queries of deliberation. Visibility rules live here: others' held posts are not
shown, hidden posts show only their placeholder to participants, flags never show reporters."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Q, QuerySet

from convention.models import Convention, Membership

from .models import (
    AgendaItem,
    Appeal,
    AppealStatus,
    Flag,
    ModerationAction,
    Post,
    PostStatus,
    Proposal,
    ProposalText,
    ReasonCategory,
    Room,
    Session,
    SpeakingRequest,
    StrawPoll,
)

THREADS_PER_PAGE = 8
REPLIES_SHOWN = 3
REPLAY_LIMIT = 200


def _visible(viewer: Membership | None, *, is_moderator: bool) -> Q:
    if is_moderator:
        return Q()
    q = Q(status__in=[PostStatus.PUBLISHED, PostStatus.HIDDEN, PostStatus.ERASED])
    if viewer is not None:
        q |= Q(status=PostStatus.PENDING, author=viewer)
    return q


_POST_RELATED = ("author", "quote__author", "parent__author")


def rooms_of(convention: Convention) -> QuerySet[Room]:
    return Room.objects.filter(convention=convention).exclude(kind__in=["proposal", "opinion"])


def sessions_of(convention: Convention) -> QuerySet[Session]:
    return Session.objects.filter(convention=convention).prefetch_related("agenda", "rooms")


@dataclass
class RoomPage:
    page: Page
    threads: list[Post]
    pinned: list[Post]
    is_last: bool


def room_page(
    room: Room, *, viewer: Membership | None, is_moderator: bool, page_number: str | int | None
) -> RoomPage:
    """Threads of a room, oldest first, a few a page (the last page unless one is asked for),
    each with its latest replies. A handful of plain queries: this is the busiest page."""
    visible = _visible(viewer, is_moderator=is_moderator)
    roots = (
        Post.objects.filter(room=room, thread__isnull=True)
        .filter(visible)
        .select_related("author")
        .order_by("id")
    )
    paginator = Paginator(roots, THREADS_PER_PAGE)
    if page_number in (None, "", "last"):
        page_number = paginator.num_pages
    page = paginator.get_page(page_number)
    threads = list(page.object_list)
    replies: dict[int, list[Post]] = {}
    if threads:
        for reply in (
            Post.objects.filter(room=room, thread_id__in=[t.pk for t in threads])
            .filter(visible)
            .select_related("author")
            .order_by("id")
        ):
            replies.setdefault(reply.thread_id, []).append(reply)
    for thread in threads:
        thread.reply_list = replies.get(thread.pk, [])[-REPLIES_SHOWN:]
        thread.reply_total = len(replies.get(thread.pk, []))
    pinned = list(
        Post.objects.filter(room=room, is_pinned=True, status=PostStatus.PUBLISHED)
        .select_related("author")
        .order_by("-id")[:3]
    )
    shown = threads + [r for t in threads for r in t.reply_list] + pinned
    attach_context(shown, room=room)
    return RoomPage(page=page, threads=threads, pinned=pinned, is_last=not page.has_next())


def attach_context(posts: list[Post], *, room: Room | None = None) -> None:
    """Load what the post fragment shows about other posts (the quoted post, the author
    replied to) in one query, and share the room object."""
    loaded = {p.pk: p for p in posts}
    wanted = {
        pk
        for p in posts
        for pk in (p.quote_id, p.parent_id if p.parent_id != p.thread_id else None)
        if pk and pk not in loaded
    }
    if wanted:
        for other in (
            Post.objects.filter(pk__in=wanted)
            .select_related("author")
            .only("id", "status", "body", "author__pseudonym", "author__is_deleted")
        ):
            loaded[other.pk] = other
    for post in posts:
        if room is not None:
            post.room = room
        if post.quote_id in loaded:
            post.quote = loaded[post.quote_id]
        if post.parent_id in loaded:
            post.parent = loaded[post.parent_id]


THREAD_PAGE_POSTS = 25
THREAD_PAGE_BYTES = 40_000  # of post HTML: with the page's own weight, inside 150 KB


@dataclass
class ThreadPage:
    root: Post | None
    posts: list[Post]
    starts_later: bool
    next_from: int | None


def thread_page(
    post: Post, *, viewer: Membership | None, is_moderator: bool, start: int | None = None
) -> ThreadPage:
    """A thread from ``start`` (a post id; by default the asked-for post, so a link to a reply
    opens at that reply), as many posts as fit the page budget. The thread's first post is
    always shown, above, for context."""
    root_id = post.thread_id or post.pk
    visible = _visible(viewer, is_moderator=is_moderator)
    related = (*_POST_RELATED, "room__convention")
    if start is None:
        start = post.pk
    root = Post.objects.filter(pk=root_id).filter(visible).select_related(*related).first()
    candidates = (
        Post.objects.filter(thread_id=root_id, pk__gte=start)
        .filter(visible)
        .select_related(*related)
        .order_by("id")[: THREAD_PAGE_POSTS + 1]
    )
    posts: list[Post] = []
    size = len(root.body_html) if root is not None and root.pk == post.pk else 0
    next_from = None
    for candidate in candidates:
        if posts and (
            len(posts) >= THREAD_PAGE_POSTS or size + len(candidate.body_html) > THREAD_PAGE_BYTES
        ):
            next_from = candidate.pk
            break
        posts.append(candidate)
        size += len(candidate.body_html)
    starts_later = Post.objects.filter(thread_id=root_id, pk__lt=start).filter(visible).exists()
    return ThreadPage(root=root, posts=posts, starts_later=starts_later, next_from=next_from)


def can_see(post: Post, *, viewer: Membership | None, is_moderator: bool) -> bool:
    if is_moderator or post.status != PostStatus.PENDING:
        return True
    return viewer is not None and post.author_id == viewer.pk


def events_since(room: Room, after: int) -> tuple[list[Post], bool]:
    """Posts of ``room`` changed after event number ``after``, for a reconnecting listener or
    the polling fallback. The flag is true when there are too many and a reload is better."""
    posts = list(
        Post.objects.filter(room=room, seq__gt=after)
        .exclude(status=PostStatus.PENDING)
        .select_related(*_POST_RELATED, "room__convention")
        .order_by("seq")[: REPLAY_LIMIT + 1]
    )
    return posts[:REPLAY_LIMIT], len(posts) > REPLAY_LIMIT


def session_panel_context(session: Session) -> dict:
    from .services.live_session import turn_ends_at

    queue = list(
        SpeakingRequest.objects.filter(session=session).select_related("member").order_by("id")
    )
    speaker = next((r for r in queue if r.has_floor), None)
    ends = turn_ends_at(session) if speaker else None
    remaining = max(0, int(ends - time.time())) if ends else None
    polls = list(
        StrawPoll.objects.filter(session=session).annotate(total=Count("votes")).order_by("-id")[:3]
    )
    for poll in polls:
        counts = dict(
            poll.votes.values_list("option").annotate(n=Count("id")).values_list("option", "n")
        )
        poll.results = [(i, label, counts.get(i, 0)) for i, label in enumerate(poll.options)]
    return {
        "session": session,
        "convention": session.convention,
        "current_item": AgendaItem.objects.filter(session=session, is_current=True).first(),
        "speaker": speaker,
        "waiting": [r for r in queue if not r.has_floor],
        "turn_ends": int(ends) if ends else None,
        "turn_remaining": remaining,
        "straw_polls": polls,
    }


def review_queue(convention: Convention) -> dict:
    """What waits for moderators: flagged posts (reasons counted, reporters left out), held
    posts, and appeals."""
    flagged = list(
        Post.objects.filter(room__convention=convention, flags__is_open=True)
        .annotate(open_flags=Count("flags", filter=Q(flags__is_open=True)))
        .select_related(*_POST_RELATED, "room__convention")
        .order_by("id")
        .distinct()[:100]
    )
    for post in flagged:
        post.flag_reasons = [
            {**row, "label": ReasonCategory(row["reason"]).label}
            for row in Flag.objects.filter(post=post, is_open=True)
            .values("reason")
            .annotate(n=Count("id"))
            .order_by("-n")
        ]
        post.flag_notes = list(
            Flag.objects.filter(post=post, is_open=True)
            .exclude(note="")
            .values_list("note", flat=True)[:10]
        )
    pending = list(
        Post.objects.filter(room__convention=convention, status=PostStatus.PENDING)
        .select_related(*_POST_RELATED, "room__convention")
        .order_by("id")[:100]
    )
    appeals = list(
        Appeal.objects.filter(action__convention=convention, status=AppealStatus.PENDING)
        .select_related(
            "action__moderator",
            "action__post__author",
            "action__subject",
            "action__room",
            "appellant",
        )
        .order_by("id")
    )
    return {"flagged": flagged, "pending": pending, "appeals": appeals}


def moderation_log(convention: Convention) -> QuerySet[ModerationAction]:
    return (
        ModerationAction.objects.filter(convention=convention)
        .select_related("moderator", "subject", "room", "post", "appeal_of")
        .order_by("-id")
    )


def actions_about(member: Membership) -> QuerySet[ModerationAction]:
    return (
        ModerationAction.objects.filter(subject=member)
        .select_related("room", "moderator")
        .prefetch_related("appeal")
        .order_by("-id")
    )


def current_text(proposal: Proposal, language: str) -> ProposalText | None:
    texts = list(proposal.texts.all())
    by_language: dict[str, ProposalText] = {}
    for text in sorted(texts, key=lambda t: -t.revision):
        by_language.setdefault(text.language, text)
    return (
        by_language.get(language) or by_language.get("en") or next(iter(by_language.values()), None)
    )


def proposals_of(convention: Convention) -> list[Proposal]:
    return list(
        Proposal.objects.filter(convention=convention)
        .select_related("author", "room")
        .prefetch_related("texts")
        .order_by("-support_count", "id")
    )


SEARCH_LIMIT = 50


def search_posts(convention: Convention, query: str) -> list[Post]:
    """Published posts of the convention matching ``query``: PostgreSQL full-text search
    (the language-neutral 'simple' configuration, since there is no Dari or Pashto stemmer),
    or on SQLite every word as a substring."""
    words = query.split()[:8]
    if not words:
        return []
    posts = Post.objects.filter(room__convention=convention, status=PostStatus.PUBLISHED)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector("body", config="simple")
        search = SearchQuery(" ".join(words), config="simple", search_type="plain")
        posts = (
            posts.annotate(document=vector, rank=SearchRank(vector, search))
            .filter(document=search)
            .order_by("-rank", "-id")
        )
    else:
        for word in words:
            posts = posts.filter(body__icontains=word)
        posts = posts.order_by("-id")
    return list(posts.select_related("author", "room__convention")[:SEARCH_LIMIT])
