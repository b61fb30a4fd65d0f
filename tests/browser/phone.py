"""What a person on a cheap phone sees (issue 12): a 360×740 screen in English, Dari or Pashto.

Helpers for the browser tests that walk the site as such a person: a signed-in context in a
language, the page's horizontal overflow, and the messages that must be in view.
"""

from __future__ import annotations

from django.test import Client

PHONE = {"width": 360, "height": 740}
LANGUAGES = ["en", "fa-af", "ps"]

# Elements whose box sticks out of the viewport: on the right in LTR, on the left in RTL.
# Hidden and visually-hidden elements (clip) do not count; nor do elements inside a box that
# scrolls on its own (overflow-x auto/scroll), which is how wide tables stay inside the page.
OVERFLOW_SCRIPT = """
() => {
  const width = document.documentElement.clientWidth;
  const rtl = document.documentElement.dir === "rtl";
  const scrollsInside = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === "auto" || x === "scroll" || x === "hidden") return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.position === "fixed") continue;
    if (style.clip === "rect(0px, 0px, 0px, 0px)" || style.clipPath === "inset(50%)") continue;
    const beyond = rtl ? box.left < -1 : box.right > width + 1;
    if (beyond && !scrollsInside(el)) {
      const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (typeof el.className === "string" && el.className ? "." + el.className : "");
      const text = (el.textContent || "").trim().slice(0, 40);
      out.push(`${name} [${Math.round(box.left)}..${Math.round(box.right)}] ${text}`);
    }
  }
  return { scrollWidth: document.documentElement.scrollWidth, offenders: out.slice(0, 8) };
}
"""


def phone_context(browser, live_server, language: str, membership=None, **options):
    """A 360×740 browser context reading `language`, signed in as `membership` if given."""
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, locale="en-US", **options
    )
    cookies = [{"name": "mashwara_language", "value": language, "url": live_server.url}]
    if membership is not None:
        client = Client()
        client.force_login(membership.user)
        cookies.append(
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        )
    context.add_cookies(cookies)
    return context


def overflow(page) -> dict:
    """{"scrollWidth", "offenders"} of the page as it is now."""
    return page.evaluate(OVERFLOW_SCRIPT)


def fits(page) -> str | None:
    """None if the page fits the phone's width, else a description of what sticks out."""
    found = overflow(page)
    if found["scrollWidth"] <= PHONE["width"] and not found["offenders"]:
        return None
    return f"{page.url}: scrollWidth {found['scrollWidth']}; {found['offenders']}"


def in_viewport(page, selector: str) -> bool:
    """True if the element is (at least partly) within the visible screen."""
    return page.evaluate(
        """sel => { const el = document.querySelector(sel); if (!el) return false;
        const b = el.getBoundingClientRect();
        return b.bottom > 0 && b.top < window.innerHeight && b.height > 0; }""",
        selector,
    )
