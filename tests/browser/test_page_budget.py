"""Every page: first load ≤ 150 KB transferred in all, and no request to any other host.

The test crawls the site from the home page, as a visitor and as a member with every role,
following same-origin links, and loads each page in a fresh browser context (an empty cache).
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

BUDGET_BYTES = 150 * 1024
MAX_PAGES = 60
SKIP_PREFIXES = ("/admin/", "/accounts/logout", "/static/", "/healthz")
SKIP_SUFFIXES = (".json", ".jsonl")


def first_load(browser, base_url: str, path: str, storage_state=None) -> tuple[int, set[str], list]:
    context = browser.new_context(base_url=base_url, storage_state=storage_state)
    page = context.new_page()
    hosts: set[str] = set()
    responses = []
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.on("response", lambda response: responses.append(response))
    page.goto(path, wait_until="networkidle")
    total = 0
    for response in responses:
        sizes = response.request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    context.close()
    return total, hosts, links


def crawl(browser, base_url: str, storage_state=None, max_pages: int = MAX_PAGES) -> dict[str, int]:
    own_host = urlsplit(base_url).netloc
    seen: dict[str, int] = {}
    queue = ["/"]
    while queue and len(seen) < max_pages:
        path = queue.pop(0)
        if path in seen:
            continue
        weight, hosts, links = first_load(browser, base_url, path, storage_state)
        assert hosts <= {own_host}, f"{path} contacted {hosts - {own_host}}"
        assert weight <= BUDGET_BYTES, f"{path} weighs {weight} bytes"
        seen[path] = weight
        for href in links:
            target = urlsplit(urljoin(base_url + path, href))
            if target.netloc != own_host or target.path.startswith(SKIP_PREFIXES):
                continue
            if target.path.endswith(SKIP_SUFFIXES):
                continue
            if target.path not in seen:
                queue.append(target.path)
    return seen


def test_public_pages_fit_the_budget_and_stay_on_this_host(browser, live_server):
    pages = crawl(browser, live_server.url)
    assert "/" in pages and "/accounts/login/" in pages
    print({path: weight for path, weight in pages.items()})


def logged_in_state(browser, base_url: str, username: str) -> dict:
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", "demo-pass-2026")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    state = context.storage_state()
    context.close()
    return state


@pytest.mark.parametrize("username", ["demo-organizer", "demo-participant-a"])
def test_member_pages_fit_the_budget_and_stay_on_this_host(
    browser, live_server, username, settings, tmp_path, monkeypatch
):
    from io import StringIO

    from django.core.management import call_command

    from voting.crypto import blind_rsa

    # The demo also seeds elections: the trustees' issuer keys made once per index, credential
    # codes kept out of var/.
    settings.VAR_DIR = tmp_path
    keys = {}

    def issuer_key(index: int):
        if index not in keys:
            keys[index] = blind_rsa.generate_private_key(3072)
        return keys[index]

    monkeypatch.setattr("voting.clients.new_issuer_key", issuer_key)

    call_command("seed_demo", stdout=StringIO())
    state = logged_in_state(browser, live_server.url, username)
    pages = crawl(browser, live_server.url, storage_state=state, max_pages=40)
    assert any(path.startswith("/c/demo/") for path in pages), pages
    print(username, len(pages), max(pages.values()))
