"""Erasing what a member wrote, when they delete their account and do not keep their posts.

The post rows stay, so that replies keep their place in the thread, but their text, rendered
text, digest and every earlier revision are erased and the post shows only that its author
removed it. Proposals and amendments stay: other members supported them and may have put them
on a ballot; they remain under "deleted participant".
"""

from __future__ import annotations

from django.db import transaction

from convention.models import Membership

from ..models import Post, PostRevision, PostStatus


def erase_member_posts(*, membership: Membership) -> int:
    """Erase the text of every post by ``membership``; return how many posts were erased."""
    with transaction.atomic():
        posts = Post.objects.select_for_update().filter(author=membership)
        PostRevision.objects.filter(post__in=posts).delete()
        return posts.update(
            body="", body_html="", body_digest="", status=PostStatus.ERASED, is_pinned=False
        )
