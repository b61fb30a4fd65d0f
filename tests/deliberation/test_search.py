"""Search inside a convention: PostgreSQL full-text search, substring search on SQLite."""

from __future__ import annotations

import pytest
from django.db import connection

from deliberation.selectors import search_posts
from deliberation.services import moderation, posts

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_finds_published_posts_in_any_script(room, participant, other, moderator, convention):
    posts.create_post(member=participant, room=room, body="The federal system needs courts")
    posts.create_post(member=other, room=room, body="نظام فدرال برای افغانستان", language="fa-af")
    hidden = posts.create_post(member=other, room=room, body="federal spam spam")
    moderation.hide_post(moderator=moderator, post=hidden, reason="spam")
    found = [p.body for p in search_posts(convention, "federal")]
    assert found == ["The federal system needs courts"]
    assert [p.language for p in search_posts(convention, "فدرال")] == ["fa-af"]
    assert search_posts(convention, "federal courts")[0].body.startswith("The federal")
    assert search_posts(convention, "   ") == []


def test_search_stays_inside_the_convention(room, participant, convention):
    from convention.models import Convention
    from deliberation.models import Room

    from .conftest import make_member

    posts.create_post(member=participant, room=room, body="assembly rules")
    elsewhere = Convention.objects.create(slug="other", title_en="Other", phase="deliberation")
    outsider = make_member(elsewhere)
    other_room = Room.objects.create(convention=elsewhere, title_en="Room")
    posts.create_post(member=outsider, room=other_room, body="assembly rules elsewhere")
    assert len(search_posts(convention, "assembly")) == 1


def test_search_page(room, participant):
    posts.create_post(member=participant, room=room, body="Judges must be independent")
    page = client_for(participant).get("/c/loya/deliberation/search/", {"q": "judges"})
    assert "Judges must be independent" in page.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")
def test_postgres_search_uses_the_full_text_index(room, participant, convention):
    posts.create_post(member=participant, room=room, body="word")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'deliberation_post'")
        assert "deliberation_post_body_fts" in {row[0] for row in cursor.fetchall()}
    from django.contrib.postgres.search import SearchQuery, SearchVector

    from deliberation.models import Post

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        sql, params = (
            Post.objects.annotate(d=SearchVector("body", config="simple"))
            .filter(d=SearchQuery("word", config="simple"))
            .query.sql_with_params()
        )
        cursor.execute("EXPLAIN " + sql, params)
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "deliberation_post_body_fts" in plan
