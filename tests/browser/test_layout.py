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
