"""The opinion map in a real browser, in Pashto on a 360 px phone: participants vote with the
plain forms, the map and the common ground appear on an open page by themselves (server-sent
events from uvicorn), a moderator turns a common-ground statement into a proposal, then closes
the conversation, and the open map page says so by itself."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db.models import F

from convention.models import Convention, Phase, Role
from deliberation.models import Conversation, OpinionVote, Proposal, Session
from deliberation.services import conversations, moderation

from .phone import fits, phone_context
from .test_deliberation import asgi_server, member, open_page  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

DIVIDING = [
    "والیان باید د ولایت د خلکو له خوا وټاکل شي",
    "مرکزي حکومت باید ټول والیان وګماري",
    "ولایتونه باید خپل بودیجه پخپله جوړه کړي",
    "د ولسوالیو شورا باید پراخ واک ولري",
    "ټولې پرېکړې باید په کابل کې وشي",
    "د ولایتونو پولې باید بیا وټاکل شي",
]
COMMON = [
    "د نجونو ښوونځي باید پرانیستي وي",
    "هر وګړی باید د رایې ورکولو حق ولري",
]


def test_pashto_participants_vote_and_the_map_appears_live(browser, asgi_server):  # noqa: F811
    convention = Convention.objects.create(
        slug="jirga",
        title_en="Jirga",
        title_ps="جرګه",
        phase=Phase.DELIBERATION,
        require_staff_mfa=False,
    )
    session = Session.objects.create(convention=convention, title_en="Sitting", title_ps="ناسته")
    moderator = member(convention, "Moderator Zarghuna", Role.MODERATOR)
    conversation = conversations.open_conversation(
        member=moderator,
        session=session,
        question_en="How should governors be chosen?",
        question_ps="والیان باید څنګه وټاکل شي؟",
    )
    statements = []
    for n, text in enumerate(DIVIDING + COMMON):
        author = member(convention, f"Author {n}")
        statement = conversations.submit_statement(
            member=author, conversation=conversation, text=text, language="ps"
        )
        moderation.approve_post(moderator=moderator, post=statement.post)
        statement.post.refresh_from_db()
        statements.append(statement)
    # Twenty-two others have voted on the dividing statements only: too few votes each to be
    # placed, so no map yet.
    others = {"a": [], "b": []}
    rows = []
    for side, sign in (("a", 1), ("b", -1)):
        for n in range(11):
            voter = member(convention, f"Voter {side}{n}")
            others[side].append(voter)
            key = conversations.participant_key(
                conversation_id=conversation.pk, membership_id=voter.pk
            )
            # Each voter passes on one statement, some skip one: distinct people, distinct votes.
            for index, statement in enumerate(statements[: len(DIVIDING)]):
                if n >= len(DIVIDING) and index == (n + 1) % len(DIVIDING):
                    continue
                value = 0 if index == n % len(DIVIDING) else sign
                rows.append(
                    OpinionVote(
                        conversation=conversation,
                        statement=statement,
                        participant=key,
                        value=value,
                    )
                )
    OpinionVote.objects.bulk_create(rows)
    Conversation.objects.filter(pk=conversation.pk).update(vote_seq=F("vote_seq") + len(rows))

    server = SimpleNamespace(url=asgi_server)
    gul = member(convention, "Gul")
    page = open_page(phone_context(browser, server, "ps", gul))
    base = f"/c/jirga/deliberation/conversations/{conversation.pk}/"
    page.goto(base)
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ps"
    # One statement at a time, in Pashto; Gul agrees with each.
    for _ in statements:
        text = page.locator(".statement-text").inner_text()
        assert text in DIVIDING + COMMON
        page.click(".opinion-vote button[value=agree]")
    assert OpinionVote.objects.filter(
        participant=conversations.participant_key(
            conversation_id=conversation.pk, membership_id=gul.pk
        )
    ).count() == len(statements)
    assert fits(page) is None
    page.goto(base + "map/")
    page.wait_for_selector("[data-opinion-map][data-live-state='connected']")
    assert page.locator(".opinion-svg").count() == 0
    # The others vote on the common ground; each vote runs the (eager) analysis, and the open
    # page follows the announcements.
    for voter in others["a"] + others["b"]:
        for statement in statements[len(DIVIDING) :]:
            conversations.record_vote(member=voter, statement=statement, choice="agree")
    page.wait_for_selector(".opinion-svg .opinion-group", timeout=15_000)
    page.wait_for_selector(".opinion-svg .opinion-you")
    assert page.locator(".opinion-svg .opinion-group").count() == 2
    common = page.locator(".common-ground > li")
    assert common.count() >= 1 and common.first.inner_text().split("\n")[0] in COMMON
    assert page.locator(".opinion-group-detail h3 strong").count() == 1  # Gul's own group
    assert fits(page) is None
    assert page.locator("form[action$='/propose/']").count() == 0  # not a moderator

    # The moderator turns the first common-ground statement into a proposal.
    desk = open_page(phone_context(browser, server, "ps", moderator))
    desk.goto(base + "map/")
    assert desk.locator(".opinion-you").count() == 0
    desk.locator(".common-ground form[action$='/propose/'] button").first.click()
    desk.wait_for_url("**/deliberation/proposals/*/")
    proposal = Proposal.objects.get()
    assert proposal.texts.get().language == "ps"
    assert proposal.texts.get().title in COMMON
    assert proposal.texts.get().title in desk.content()

    # The moderator closes the conversation from its page, after a confirmation page; Gul's
    # open map page is told over the same events and says so, in Pashto.
    desk.goto(base)
    desk.click("form[action$='/close/'] button")
    desk.wait_for_url("**/close/")
    desk.click("form[action$='/close/'] button")
    desk.wait_for_url(f"**{base}#messages")
    assert not Conversation.objects.get(pk=conversation.pk).is_open
    page.wait_for_selector("#opinion-map .conversation-closed", timeout=15_000)
    assert "وتړل شو" in page.locator(".conversation-closed").inner_text()
    assert page.locator(".opinion-svg .opinion-group").count() == 2
    page.goto(base)
    assert "دا یې وروستۍ نقشه ده." in page.locator(".conversation-closed").inner_text()
    assert page.locator(".opinion-vote").count() == 0
    assert page.locator(".common-ground > li").count() >= 1
    assert fits(page) is None
