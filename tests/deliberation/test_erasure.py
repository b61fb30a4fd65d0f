"""A member who deletes their account without keeping their posts leaves no text behind."""

from __future__ import annotations

import pytest
from django.urls import reverse

from convention.services.accounts import delete_account
from deliberation.models import Post, PostRevision, PostStatus
from deliberation.services.posts import create_post, edit_post

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_erasing_blanks_posts_and_history_but_keeps_the_thread(room, participant, other):
    opening = create_post(member=participant, room=room, body="My village is Deh Sabz.")
    edit_post(member=participant, post=opening, body="My village is near Kabul.")
    reply = create_post(member=other, room=room, body="Welcome, Nargis.", parent=opening)

    delete_account(user=participant.user, keep_contributions=False)

    erased = Post.objects.get(pk=opening.pk)
    assert (erased.body, erased.body_html, erased.status) == ("", "", PostStatus.ERASED)
    assert not PostRevision.objects.filter(post=erased).exists()
    assert Post.objects.get(pk=reply.pk).parent_id == erased.pk  # the reply keeps its place
    url = reverse("deliberation:room", args=[room.convention.slug, room.pk])
    page = client_for(other).get(url).content.decode()
    assert "Deh Sabz" not in page and "near Kabul" not in page
    assert "Removed by its author" in page
    assert "Welcome, Nargis." in page


def test_keeping_contributions_keeps_the_text(room, participant):
    post = create_post(member=participant, room=room, body="Keep this under my old name.")
    delete_account(user=participant.user, keep_contributions=True)
    kept = Post.objects.get(pk=post.pk)
    assert kept.body == "Keep this under my old name." and kept.status == PostStatus.PUBLISHED
    assert kept.author.display_name != "Nargis"
