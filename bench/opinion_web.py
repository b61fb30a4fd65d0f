"""The opinion map's web figures (issue 15), called by ``bench/opinion.py`` (``web_figures``).

With a fresh PostgreSQL database ``mashwara_bench_opinion`` (``BENCH_DATABASE`` overrides), it
seeds a conversation of ``--web-statements`` published statements (default 1 000) and
``--web-voters`` members (default 2 000) who have voted on a fifth of them each (written straight
into the table), computes and caches the map once, then:

- times ``--web-votes`` votes (default 1 000) posted as HTTP requests through Django's test
  client (the whole middleware stack, session, CSRF-exempt test client, view, service,
  PostgreSQL; no network), each by one of 200 signed-in members, statements at random, changes
  included: p50, p95, max (target p95 <= 20 ms). The analysis task is sent to an in-memory broker,
  as it would be to Redis, not run inside the request;
- times the choice of the next statement a voter is shown (``next_statement`` with the voter's
  own votes, as the conversation page calls it; one query over the conversation's statements)
  for each of the 200 members, and the conversation page itself over HTTP: p50, p95, max
  (target for the choice: p95 <= 20 ms, as for a vote);
- weighs the map page's first load as a member who voted: the HTML plus every stylesheet and
  script the page links (uncompressed, so an upper bound; target <= 150 KB).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from pathlib import Path

VOTE_TARGET_MS = 20.0
PAGE_TARGET_BYTES = 150 * 1024
ASSET = re.compile(rb'<(?:script[^>]+src|link[^>]+href)="(/static/[^"]+)"')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--web-statements", type=int, default=1_000)
    parser.add_argument("--web-voters", type=int, default=2_000)
    parser.add_argument("--web-votes", type=int, default=1_000)


def _seed(statements: int, voters: int, seed: int):
    from django.db.models import F

    from convention.models import Convention, Membership, MembershipRole, Phase, Role, User
    from convention.names import skeleton
    from deliberation.models import (
        Conversation,
        OpinionVote,
        Post,
        PostStatus,
        Session,
        Statement,
    )
    from deliberation.services import conversations

    convention = Convention.objects.create(
        slug="bench", title_en="Bench", phase=Phase.DELIBERATION, require_staff_mfa=False
    )
    users = User.objects.bulk_create(
        User(username=f"voter{n}", username_skeleton=skeleton(f"voter{n}"))
        for n in range(voters + 1)
    )
    members = Membership.objects.bulk_create(
        Membership(
            convention=convention,
            user=u,
            pseudonym=f"Voter{n}",
            pseudonym_skeleton=skeleton(f"Voter{n}"),
        )
        for n, u in enumerate(users)
    )
    MembershipRole.objects.bulk_create(
        MembershipRole(membership=m, role=Role.PARTICIPANT) for m in members
    )
    moderator = members[0]
    MembershipRole.objects.create(membership=moderator, role=Role.MODERATOR)
    session = Session.objects.create(convention=convention, title_en="Sitting")
    conversation = conversations.open_conversation(
        member=moderator, session=session, question_en="How should governors be chosen?"
    )
    words = "حکومت ولایت شورا قانون ټاکنې ښوونځي حقوق عدالت".split()
    rng = random.Random(seed)
    posts = Post.objects.bulk_create(
        Post(
            room=conversation.room,
            author=members[1 + n % voters],
            body=(" ".join(rng.choice(words) for _ in range(30)))[:280],
            body_html="",
            body_digest=f"{n:064x}",
            language="ps",
            status=PostStatus.PUBLISHED,
        )
        for n in range(statements)
    )
    made = Statement.objects.bulk_create(
        Statement(conversation=conversation, post=p) for p in posts
    )
    ids = [s.pk for s in made]
    counts = dict.fromkeys(ids, 0)
    batch = []
    for member in members[1:]:
        key = conversations.participant_key(
            conversation_id=conversation.pk, membership_id=member.pk
        )
        side = 1 if member.pk % 2 else -1
        for statement in rng.sample(ids, max(1, statements // 5)):
            value = side if statement % 3 else 1
            counts[statement] += 1
            batch.append(
                OpinionVote(
                    conversation=conversation,
                    statement_id=statement,
                    participant=key,
                    value=value,
                )
            )
        if len(batch) > 50_000:
            OpinionVote.objects.bulk_create(batch)
            batch = []
    OpinionVote.objects.bulk_create(batch)
    for statement in made:  # the counts record_vote keeps, for the choice of the next statement
        statement.vote_count = counts[statement.pk]
    Statement.objects.bulk_update(made, ["vote_count"], batch_size=500)
    Conversation.objects.filter(pk=conversation.pk).update(vote_seq=F("vote_seq") + 1)
    return conversation, members[1:], ids


def _percentiles(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[int(0.95 * (len(samples) - 1))]
    return (
        f"p50 {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms, max {samples[-1]:.1f} ms "
        f"over {len(samples)}"
    )


def _next_statement_figures(conversation, members, clients, base: str) -> bool:
    """The next statement each member is offered: the selector alone, then the whole page."""
    from deliberation import conversation_selectors as selectors

    choices, pages = [], []
    for member in members:
        voted = selectors.own_votes(conversation, selectors.key_of(conversation, member))
        start = time.perf_counter()
        chosen = selectors.next_statement(conversation, voted=voted, language="ps", wanted=None)
        choices.append((time.perf_counter() - start) * 1000)
        if chosen is None or chosen.pk in voted:
            print("web: no unvoted statement offered")
            return False
    for client in clients:
        start = time.perf_counter()
        response = client.get(base)
        pages.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            print(f"web: conversation page answered {response.status_code}")
            return False
    print(f"web: next statement chosen (selector, PostgreSQL): {_percentiles(choices)} voters")
    print(f"web: conversation page with the next statement over HTTP: {_percentiles(pages)} pages")
    return sorted(choices)[int(0.95 * (len(choices) - 1))] <= VOTE_TARGET_MS


def web_figures(args: argparse.Namespace) -> bool:
    import os

    from bench.database import database_name, migrated_django

    os.environ["ALLOWED_HOSTS"] = "testserver"
    migrated_django(database_name("mashwara_bench_opinion"))
    from django.conf import settings
    from django.test import Client

    from config.celery import app
    from deliberation.services import conversations

    app.conf.task_always_eager = False  # as in production: the request only enqueues
    app.conf.broker_url = "memory://localhost/"

    started = time.perf_counter()
    conversation, members, ids = _seed(args.web_statements, args.web_voters, args.seed)
    print(
        f"web: seeded {len(ids):,} statements, {len(members):,} voters "
        f"in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    conversations.refresh_analysis(conversation.pk)
    print(
        f"web: analysis of the seeded votes, through the task's service: "
        f"{time.perf_counter() - started:.2f} s"
    )

    base = f"/c/bench/deliberation/conversations/{conversation.pk}/"
    clients = []
    for member in members[:200]:
        client = Client()
        client.force_login(member.user)
        clients.append(client)
    rng = random.Random(args.seed)
    choices = ("agree", "disagree", "pass")
    for client in clients[:20]:  # warm-up: connections, templates, caches
        client.post(base + "vote/", {"statement": rng.choice(ids), "choice": "agree"})
    samples = []
    cpu_started = time.process_time()
    for n in range(args.web_votes):
        client = clients[n % len(clients)]
        data = {"statement": rng.choice(ids), "choice": rng.choice(choices)}
        start = time.perf_counter()
        response = client.post(base + "vote/", data)
        samples.append((time.perf_counter() - start) * 1000)
        if response.status_code != 302:
            print(f"web: vote refused with {response.status_code}")
            return False
    cpu_ms = (time.process_time() - cpu_started) * 1000 / args.web_votes
    samples.sort()
    p95 = samples[int(0.95 * (len(samples) - 1))]
    print(
        f"web: one vote over HTTP (test client, PostgreSQL): p50 {statistics.median(samples):.1f} "
        f"ms, p95 {p95:.1f} ms, max {samples[-1]:.1f} ms over {len(samples)} votes "
        f"(target p95 <= {VOTE_TARGET_MS:.0f} ms); this process's CPU {cpu_ms:.1f} ms a vote "
        f"(the rest is PostgreSQL and waiting for a core on a shared machine)"
    )

    next_ok = _next_statement_figures(conversation, members[:200], clients, base)

    page = clients[0].get(base + "map/")
    html = page.content
    static_root = Path(settings.BASE_DIR) / "frontend" / "dist"
    assets = 0
    for url in set(ASSET.findall(html)):
        name = url.decode().removeprefix("/static/").split("?")[0]
        candidate = static_root / name
        if not candidate.exists():
            candidate = next(Path(settings.BASE_DIR).rglob(f"static/{name}"), candidate)
        assets += candidate.stat().st_size if candidate.exists() else 0
    total = len(html) + assets
    svg = html.count(b'class="opinion-group"')
    print(
        f"web: map page first load {total / 1024:.1f} KB (HTML {len(html) / 1024:.1f} KB with "
        f"{svg} groups drawn, assets {assets / 1024:.1f} KB; target <= 150 KB)"
    )
    return (
        page.status_code == 200 and p95 <= VOTE_TARGET_MS and next_ok and total <= PAGE_TARGET_BYTES
    )
