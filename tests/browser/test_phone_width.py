"""No page scrolls sideways on a 360 px phone, in English, Dari or Pashto (issue 12, item 4), and
no page has a serious or critical accessibility violation (axe-core, injected in these test
contexts only, which bypass the CSP to allow it; the CSP is checked by other tests).

A whole convention with an election through its tally is set up with factories and services;
then each role (public, participant, moderator, organizer, registrar, trustee, observer) follows
the links its pages offer from the home page and its convention page, and every page found is
opened in the three languages at 360×740. Long hex values (trackers, fingerprints, hashes,
signatures) must wrap or be shortened; tables must reflow or scroll inside their own box.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.journey import AXE, AXE_SCRIPT
from tests.browser.phone import LANGUAGES, fits, phone_context

pytestmark = pytest.mark.django_db(transaction=True)

# Links not to follow: downloads, JSON and the record, the language and logout forms, and
# account pages that would change the account when merely opened in a loop.
SKIP = (
    ".json",
    ".jsonl",
    "/download/",
    "/logout/",
    "/language/",
    "/delete/",
    "/events/",
    "/updates/",
    "/healthz",
    "/static/",
    "/admin/",
)
MAX_PAGES_PER_ROLE = 40


def build_world():
    from convention.models import Role
    from deliberation.models import Room
    from deliberation.services import moderation, posts
    from tests.voting.world import World, member

    world = World(voters=3, trustees=3, threshold=2)
    world.open_poll()
    for voter, choices in zip(
        world.voters, [[[0], [0, 1], [0, 1, 2]], [[1], [2], [2, 1, 0]]], strict=False
    ):
        ballot, _ = voter.ballot(choices, world.head())
        assert world.cast(ballot).status_code == 201
    world.close_and_tally()
    convention = world.convention
    moderator = member(convention, "Moderator Ahmad", Role.MODERATOR)
    observer = member(convention, "Observer Zarmina", Role.OBSERVER)
    room = Room.objects.create(
        convention=convention, title_en="Constitution", title_fa_af="قانون اساسی"
    )
    post = posts.create_post(
        member=world.voter_members[0],
        room=room,
        body="A long word: " + "ab12" * 30 + " and a link https://example.org/" + "x" * 80,
    )
    posts.flag_post(member=world.voter_members[1], post=post, reason="spam")
    del moderation
    return world, {
        "public": None,
        "participant": world.voter_members[0],
        "moderator": moderator,
        "organizer": world.organizer,
        "registrar": world.registrar,
        "trustee": world.trustee_members[0],
        "observer": observer,
    }


def crawl(page, starts: list[str]) -> list[str]:
    """Same-site pages reachable from `starts` by links, breadth first."""
    seen: list[str] = []
    queue = list(starts)
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        path = queue.pop(0)
        if path in seen:
            continue
        response = page.goto(path)
        if (
            response is None
            or response.status >= 400
            or "text/html" not in response.headers.get("content-type", "")
        ):
            seen.append(path)
            continue
        seen.append(path)
        for href in page.eval_on_selector_all(
            "a[href]", "els => els.map(a => a.getAttribute('href'))"
        ):
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/") or any(s in parts.path for s in SKIP):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and target not in queue:
                queue.append(target)
    return seen


def test_no_page_is_wider_than_a_phone_in_any_language(browser, live_server):
    world, roles = build_world()
    slug = world.convention.slug
    pages: dict[str, str] = {}  # path -> the first role that reaches it
    for role, membership in roles.items():
        context = phone_context(browser, live_server, "en", membership)
        page = context.new_page()
        for path in crawl(page, ["/", f"/c/{slug}/", f"/elections/{world.election.uuid}/"]):
            pages.setdefault(path, role)
        context.close()
    assert len(pages) >= 25, sorted(pages)
    problems = []
    for language in LANGUAGES:
        contexts = {}
        for path, role in pages.items():
            if role not in contexts:
                contexts[role] = phone_context(
                    browser, live_server, language, roles[role], bypass_csp=True
                )
                contexts[role].new_page()
            page = contexts[role].pages[0]
            response = page.goto(path)
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            page.wait_for_load_state("load")
            problem = fits(page)
            if problem:
                problems.append(f"[{language} as {role}] {problem}")
            page.add_script_tag(path=str(AXE))
            for violation in page.evaluate(AXE_SCRIPT):
                problems.append(f"[{language} as {role}] a11y on {path}: {violation}")
        for context in contexts.values():
            context.close()
    assert not problems, "\n".join(problems)
