"""The whole voter path on a slow phone: credential, encrypt, cast, check the tracker.

Run ``DATABASE_URL=… .venv/bin/python bench/voter_path.py`` (a PostgreSQL or SQLite test
database is created and dropped, as for the tests; ``npm run build`` first). A throwaway election
(key ceremony by the trustees' Python clients) is served by Django's live server on 127.0.0.1;
Debian's Chromium, driven by Playwright, plays the voter at 360×740 with the CPU throttled 4×
(DevTools ``Emulation.setCPUThrottlingRate``) and a 3G-like network (``Network.
emulateNetworkConditions``: 300 ms round trip, 750 kbit/s down, 250 kbit/s up, the "Slow 3G"-
to-"Fast 3G" range of Chrome's presets). Prints each step's time in seconds.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
THROTTLE = 4
NETWORK = {
    "offline": False,
    "latency": 300,  # ms, added to each request
    "downloadThroughput": 750 * 1000 / 8,  # bytes/s
    "uploadThroughput": 250 * 1000 / 8,
}


def _slow_phone(context, page):
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", NETWORK)


def _timed(label: str, figures: list[tuple[str, float]], action) -> None:
    start = time.perf_counter()
    action()
    figures.append((label, time.perf_counter() - start))


@pytest.mark.django_db(transaction=True)
def bench_voter_path(live_server):
    from django.test import Client
    from playwright.sync_api import sync_playwright

    from tests.voting.world import World
    from voting.models import ElectionState

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world = World(voters=2, trustees=3, threshold=2)
    world.open_credentials()
    uuid = world.election.uuid
    client = Client()
    client.force_login(world.voter_members[0].user)
    figures: list[tuple[str, float]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 360, "height": 740}
        )
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.set_default_timeout(120_000)
        _slow_phone(context, page)
        _timed(
            "open the credential page",
            figures,
            lambda: page.goto(f"/elections/{uuid}/vote/credential/", wait_until="load"),
        )
        _timed(
            "get the credential (make, blind, sign, unblind, check)",
            figures,
            lambda: (
                page.wait_for_selector("#request-button:not([disabled])"),
                page.click("#request-button"),
                page.wait_for_selector("#credential-code-box:not([hidden])"),
            ),
        )
        world.move(ElectionState.OPEN)
        _timed(
            "open the ballot page (ready to vote)",
            figures,
            lambda: (
                page.goto(f"/elections/{uuid}/vote/"),
                page.wait_for_selector("#ballot-app[data-ready='true']"),
            ),
        )
        page.check("input[name='q0'][value='0']")
        page.check("input[name='q1'][value='1']")
        page.select_option("select[name='q2-0']", "1")
        page.select_option("select[name='q2-1']", "2")
        page.select_option("select[name='q2-2']", "3")
        _timed(
            "encrypt and prove",
            figures,
            lambda: (
                page.click("#encrypt-button"),
                page.wait_for_selector("#review:not([hidden])"),
            ),
        )
        _timed(
            "cast (sign, send, check the receipt)",
            figures,
            lambda: (
                page.click("#cast-button"),
                page.wait_for_selector("#receipt:not([hidden])"),
            ),
        )
        _timed(
            "check the tracker on the board",
            figures,
            lambda: (
                page.click("#receipt-link"),
                page.wait_for_selector("main p[role=status]"),
            ),
        )
        browser.close()
    print(
        f"\nVoter path at 360x740, CPU {THROTTLE}x slower, network {NETWORK['latency']} ms "
        f"RTT, {NETWORK['downloadThroughput'] * 8 / 1000:.0f}/"
        f"{NETWORK['uploadThroughput'] * 8 / 1000:.0f} kbit/s down/up:"
    )
    for label, seconds in figures:
        print(f"  {label:<58} {seconds:6.2f} s")
    print(f"  {'total':<58} {sum(s for _, s in figures):6.2f} s")


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    sys.exit(
        pytest.main(
            [
                __file__,
                "-q",
                "-s",
                "-p",
                "no:cacheprovider",
                "-o",
                "python_files=voter_path.py",
                "-o",
                "python_functions=bench_*",
            ]
        )
    )
