"""Deliberation in a real browser: live posts between two participants over server-sent
events (served by uvicorn, as in production), moderation with the public log, pre-moderation,
mutes, appeals, proposals onto a ballot, and the Dari right-to-left flow. Several flows run with
JavaScript off, as Tor Browser's safest level does."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from convention.models import Convention, Membership, MembershipRole, Phase, Role, User
from deliberation.models import ModerationAction, Post, PostStatus, Room, Session
from deliberation.services import moderation, posts

pytestmark = pytest.mark.django_db(transaction=True)


def member(convention, name, *roles) -> Membership:
    user = User.objects.create_user(
        username=f"u-{name.lower().replace(' ', '-')}", password="correct horse battery"
    )
    membership = Membership.objects.create(convention=convention, user=user, pseudonym=name)
    for role in roles or (Role.PARTICIPANT,):
        MembershipRole.objects.create(membership=membership, role=role)
    return membership


@pytest.fixture
def convention():
    return Convention.objects.create(
        slug="jirga",
        title_en="Jirga",
        title_fa_af="جرگه",
        phase=Phase.DELIBERATION,
        require_staff_mfa=False,
    )


@pytest.fixture
def room(convention):
    return Room.objects.create(
        convention=convention, title_en="Constitution", title_fa_af="قانون اساسی"
    )


@pytest.fixture
def context_for(browser):
    """Browser contexts logged in as a member; all closed when the test ends, so no keep-alive
    connection outlives the test database."""
    opened = []

    def make(base_url, membership, *, javascript=True, locale="en-US", **options):
        client = Client()
        client.force_login(membership.user)
        context = browser.new_context(
            base_url=base_url, java_script_enabled=javascript, locale=locale, **options
        )
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
        )
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


def open_page(context):
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def room_url(room):
    return f"/c/{room.convention.slug}/deliberation/rooms/{room.pk}/"


@pytest.fixture
def asgi_server(transactional_db):
    """The ASGI application under uvicorn on a free loopback port, on the test database.

    Each ASGI request runs its database work on a thread of its own, so a persistent
    connection would outlive the request; like the deployment's ``live`` service should, the
    server here closes connections at the end of each request (CONN_MAX_AGE 0)."""
    import uvicorn
    from django.db import connections

    database = connections.settings["default"]
    max_age = database.get("CONN_MAX_AGE", 0)
    database["CONN_MAX_AGE"] = 0

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            "config.asgi:application",
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    database["CONN_MAX_AGE"] = max_age


def test_two_participants_see_each_others_posts_live(browser, context_for, asgi_server, room):
    nargis = member(room.convention, "Nargis")
    baryalai = member(room.convention, "Baryalai")
    first = context_for(asgi_server, nargis)
    second = context_for(asgi_server, baryalai)
    a, b = open_page(first), open_page(second)
    a.goto(room_url(room))
    b.goto(room_url(room))
    for page in (a, b):
        page.wait_for_selector(".room[data-live-state='connected']")
    a.fill("#id_body", "Salaam from Nargis")
    a.click(".compose-form button[type=submit]")
    b.wait_for_selector("#threads .post:has-text('Salaam from Nargis')", timeout=5_000)
    # The reply travels back without a reload either.
    root = Post.objects.get()
    b.goto(f"/c/jirga/deliberation/posts/{root.pk}/")
    b.fill("#id_body", "Welcome, Nargis")
    b.click(".compose-form button[type=submit]")
    a.wait_for_selector(f"#replies-{root.pk} .post:has-text('Welcome, Nargis')", timeout=5_000)
    first.close()
    second.close()


def test_locking_the_room_reaches_an_open_page(browser, context_for, asgi_server, room):
    nargis = member(room.convention, "Nargis")
    moderator = member(room.convention, "Moderator", Role.MODERATOR)
    page = open_page(context_for(asgi_server, nargis))
    page.goto(room_url(room))
    page.wait_for_selector(".room[data-live-state='connected']")
    page.fill("#id_body", "A half-written thought")
    moderation.update_room(moderator=moderator, room=room, is_locked=True)
    page.wait_for_selector("[data-room-flags] .badge:has-text('locked')", timeout=5_000)
    assert page.locator("#id_body").is_disabled()
    assert "locked by a moderator" in page.locator("[data-live-status]").inner_text()
    moderation.update_room(moderator=moderator, room=room, is_locked=False, slow_mode_seconds=30)
    page.wait_for_selector("[data-room-flags] .badge:has-text('slow mode: 30 s')", timeout=5_000)
    assert page.locator("#id_body").is_enabled()
    assert page.locator("#id_body").input_value() == "A half-written thought"


def test_moderator_hides_a_post_and_the_public_log_shows_it(
    browser, context_for, live_server, room
):
    author = member(room.convention, "Author")
    moderator = member(room.convention, "Moderator Ahmad", Role.MODERATOR)
    post = posts.create_post(member=author, room=room, body="Insulting words")
    context = context_for(live_server.url, moderator, javascript=False)
    page = open_page(context)
    page.goto(f"/c/jirga/deliberation/posts/{post.pk}/")
    page.select_option("#moderate select[name=reason]", "abuse")
    page.click("#moderate button[value=hide]")
    assert "public moderation log" in page.content()
    visitor = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    log = visitor.new_page()
    log.goto("/c/jirga/deliberation/moderation/log/")
    row = log.locator("table.log tbody tr").first
    assert "hid a post" in row.inner_text() and "Moderator Ahmad" in row.inner_text()
    assert "Insults or harassment" in row.inner_text()
    assert ":00" in row.locator("time").inner_text()
    visitor.close()
    context.close()


def test_premoderated_room_holds_a_post_until_approved(browser, context_for, live_server, room):
    room.is_premoderated = True
    room.save()
    author = member(room.convention, "Author")
    reader = member(room.convention, "Reader")
    moderator = member(room.convention, "Moderator", Role.MODERATOR)
    writing = open_page(context_for(live_server.url, author, javascript=False))
    writing.goto(room_url(room))
    writing.fill("#id_body", "Please let this through")
    writing.click(".compose-form button[type=submit]")
    assert "Waiting for a moderator" in writing.content()
    reading = open_page(context_for(live_server.url, reader, javascript=False))
    reading.goto(room_url(room))
    assert "Please let this through" not in reading.content()
    queue = open_page(context_for(live_server.url, moderator, javascript=False))
    queue.goto("/c/jirga/deliberation/moderation/")
    queue.click(".queue-item button[value=approve]")
    assert Post.objects.get().status == PostStatus.PUBLISHED
    reading.reload()
    assert "Please let this through" in reading.content()


def test_muted_member_gets_a_clear_message(browser, context_for, live_server, room):
    author = member(room.convention, "Loud")
    moderator = member(room.convention, "Moderator", Role.MODERATOR)
    post = posts.create_post(member=author, room=room, body="Spam spam spam")
    mod = open_page(context_for(live_server.url, moderator, javascript=False))
    mod.goto(f"/c/jirga/deliberation/posts/{post.pk}/")
    mod.select_option("#moderate select[name=reason]", "spam")
    mod.select_option("#moderate select[name=hours]", "6")
    mod.click("#moderate button[value=mute]")
    page = open_page(context_for(live_server.url, author, javascript=False))
    page.goto(room_url(room))
    notice = page.locator("#compose [role=alert]")
    assert "A moderator has muted you in this room until" in notice.inner_text()
    assert page.locator(".compose-form").count() == 0
    # A forged post anyway is refused with the same explanation.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    response = page.request.post(
        f"/c/jirga/deliberation/rooms/{room.pk}/post/",
        form={"body": "let me speak", "language": "en", "csrfmiddlewaretoken": token},
    )
    assert response.status == 403
    assert "A moderator has muted you in this room" in response.text()
    assert Post.objects.count() == 1


def test_appeal_is_decided_by_a_second_moderator(browser, context_for, live_server, room):
    author = member(room.convention, "Author")
    first_mod = member(room.convention, "First Moderator", Role.MODERATOR)
    second_mod = member(room.convention, "Second Moderator", Role.MODERATOR)
    post = posts.create_post(member=author, room=room, body="A fair point")
    moderation.hide_post(moderator=first_mod, post=post, reason="off_topic")
    appellant = open_page(context_for(live_server.url, author, javascript=False))
    appellant.goto("/c/jirga/deliberation/moderation/mine/")
    appellant.click("text=Appeal this decision")
    appellant.fill("#id_statement", "It was on topic: the room is about the constitution.")
    appellant.click("form button[type=submit]:has-text('Send the appeal')")
    assert "Your appeal is filed" in appellant.content()
    first = open_page(context_for(live_server.url, first_mod, javascript=False))
    first.goto("/c/jirga/deliberation/moderation/")
    assert "You took this action, so another moderator must decide." in first.content()
    second = open_page(context_for(live_server.url, second_mod, javascript=False))
    second.goto("/c/jirga/deliberation/moderation/")
    second.click("button[value=overturn]")
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    second.goto("/c/jirga/deliberation/moderation/log/")
    assert (
        "overturned an action on appeal" in second.locator("table.log tbody tr").first.inner_text()
    )


def test_proposal_reaches_its_threshold_and_becomes_an_election_option(
    browser, context_for, live_server, convention
):
    from voting.models import Option
    from voting.services import lifecycle

    author = member(convention, "Author")
    backer = member(convention, "Backer")
    organizer = member(convention, "Organizer", Role.ORGANIZER)
    trustee = member(convention, "Trustee", Role.TRUSTEE)
    now = timezone.now()
    lifecycle.create_election(
        convention=convention,
        actor=organizer,
        title={"en": "Model of government"},
        questions=[
            {
                "type": "single",
                "title": {"en": "Which model?"},
                "options": [{"label": {"en": "A"}}, {"label": {"en": "B"}}],
            }
        ],
        credentials_at=now + timedelta(days=1),
        opens_at=now + timedelta(days=2),
        closes_at=now + timedelta(days=3),
        trustees=[trustee],
        threshold=1,
    )
    org = open_page(context_for(live_server.url, organizer, javascript=False))
    org.goto("/c/jirga/deliberation/organize/")
    org.fill("#id_threshold", "2")
    org.click("form:has(#id_threshold) button[type=submit]")
    writer = open_page(context_for(live_server.url, author, javascript=False))
    writer.goto("/c/jirga/deliberation/proposals/new/")
    writer.fill("#id_title", "Parliamentary republic")
    writer.fill("#id_summary", "An elected parliament chooses the government.")
    writer.fill("#id_body", "1. Elections every four years.")
    writer.click("form button[type=submit]:has-text('Send')")
    proposal_url = writer.url
    for supporter in (author, backer):
        page = open_page(context_for(live_server.url, supporter, javascript=False))
        page.goto(proposal_url)
        page.click("button[value=support]")
    org.goto(proposal_url)
    assert "threshold reached" in org.content()
    org.click("button:has-text('Place on the ballot')")
    assert "now an answer option" in org.content()
    option = Option.objects.get(proposal_id__isnull=False)
    assert option.text_en == "Parliamentary republic"


def test_whole_flow_in_dari_right_to_left_on_a_phone(browser, context_for, asgi_server, room):
    nargis = member(room.convention, "نرگس")
    moderator = member(room.convention, "ناظر", Role.MODERATOR)
    context = context_for(
        asgi_server, nargis, locale="fa-AF", viewport={"width": 360, "height": 740}
    )
    context.add_cookies([{"name": "mashwara_language", "value": "fa-af", "url": asgi_server}])
    page = open_page(context)
    page.goto(room_url(room))
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "fa-af"
    assert page.locator("h1").inner_text() == "قانون اساسی"
    page.select_option("#id_language", "fa-af")
    page.fill("#id_body", "به نظر من **قانون اساسی** باید به زبان‌های دری و پشتو باشد.")
    page.click(".compose-form button[type=submit]")
    body = page.locator("#threads .post-body").first
    assert body.get_attribute("dir") == "auto" and body.get_attribute("lang") == "fa-af"
    assert body.locator("strong").inner_text() == "قانون اساسی"
    # Right to left: the post's text starts at the right edge of its box.
    box = body.bounding_box()
    assert (
        page.evaluate("getComputedStyle(document.querySelector('#threads .post-body p')).direction")
        == "rtl"
    )
    assert box["x"] + box["width"] > 300
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # A moderator's hiding reaches the Dari page live.
    page.wait_for_selector(".room[data-live-state='connected']")
    moderation.hide_post(moderator=moderator, post=Post.objects.get(), reason="spam")
    page.wait_for_selector("#threads .post.is-hidden", timeout=5_000)
    assert ModerationAction.objects.count() == 1
    context.close()


def test_session_countdown_ticks_with_javascript(browser, context_for, asgi_server, convention):
    session = Session.objects.create(convention=convention, title_en="Sitting", turn_seconds=90)
    session_room = Room.objects.create(
        convention=convention, session=session, kind="session", title_en="Sitting"
    )
    speaker = member(convention, "Speaker")
    moderator = member(convention, "Moderator", Role.MODERATOR)
    from deliberation.services import live_session

    hand = live_session.raise_hand(member=speaker, session=session)
    live_session.give_floor(moderator=moderator, request=hand)
    context = context_for(asgi_server, speaker)
    page = open_page(context)
    page.goto(room_url(session_room))
    countdown = page.locator(".countdown")
    page.wait_for_function("document.querySelector('.countdown').textContent.includes(':')")
    first = countdown.inner_text()
    time.sleep(1.3)
    assert countdown.inner_text() != first and countdown.inner_text().startswith("1:")
    # The moderator ends the turn: the panel changes live on the speaker's page.
    page.wait_for_selector(".room[data-live-state='connected']")
    live_session.end_turn(moderator=moderator, session=session)
    page.wait_for_selector(".session-panel:has-text('Nobody has the floor.')", timeout=5_000)
    context.close()


def test_room_and_thread_pages_fit_the_first_load_budget_with_the_longest_posts(
    browser, live_server, room, settings
):
    """Worst case: every post at the length limit, in Dari (two bytes a letter)."""
    from deliberation.text import POST_MAX_CHARS
    from tests.browser.test_page_budget import BUDGET_BYTES, first_load

    settings.DELIBERATION_LIMITS = {
        "member_per_minute": 10**6,
        "member_per_hour": 10**6,
        "room_per_minute": 10**6,
    }
    writers = [member(room.convention, f"Writer {n}") for n in range(4)]
    words = "قانون اساسی باید حقوق همه را تضمین کند "
    long_text = (words * (POST_MAX_CHARS // len(words)))[: POST_MAX_CHARS - 20]
    roots = []
    for t in range(10):
        root = posts.create_post(member=writers[0], room=room, body=f"{t} {long_text}")
        roots.append(root)
        for r in range(8):
            posts.create_post(
                member=writers[1 + r % 3], room=room, body=f"{t}.{r} {long_text}", parent=root
            )
    client = Client()
    client.force_login(writers[0].user)
    state = {
        "cookies": [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "domain": "localhost",
                "path": "/",
            }
        ],
        "origins": [],
    }
    base = live_server.url.replace("127.0.0.1", "localhost")
    for path in (room_url(room), f"/c/jirga/deliberation/posts/{roots[-1].pk}/"):
        weight, hosts, _links = first_load(browser, base, path, storage_state=state)
        assert weight <= BUDGET_BYTES, f"{path} weighs {weight} bytes"
        assert hosts == {base.split("//")[1]}
