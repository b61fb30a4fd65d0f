from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_switches_to_dari_right_to_left(page, live_server):
    page.goto("/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    with page.expect_navigation():
        page.locator(".language-switcher button[value='fa-af']").click()
    assert page.locator("html").get_attribute("lang") == "fa-af"
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.goto("/")  # remembered across pages
    assert page.locator("html").get_attribute("dir") == "rtl"


def test_dari_page_renders_right_to_left_on_a_phone(browser, live_server, tmp_path):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, locale="fa-AF"
    )
    page = context.new_page()
    page.goto("/")
    with page.expect_navigation():
        page.locator(".language-switcher button[value='fa-af']").click()
    assert page.locator("html").get_attribute("dir") == "rtl"
    # In RTL the brand sits at the inline start, i.e. on the right of the screen.
    brand = page.locator(".brand").bounding_box()
    assert brand["x"] > 360 / 2
    # Nothing overflows horizontally on a small phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot = tmp_path / "dari-home.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5_000
    context.close()
