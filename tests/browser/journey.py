"""Checks made on every page of a journey on a phone (issue 12): the page fits 360 px, shows
no untranslated interface string, logs no console error, never splits a Gregorian date over two
lines, and has no serious or critical accessibility violation (axe-core, injected in test
contexts only: never shipped to users)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from tests.browser.phone import fits

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

AXE_SCRIPT = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ` +
      v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", "));
}"""


@cache
def english_msgids() -> frozenset[str]:
    """Interface strings of the catalogue (several words, letters, no placeholders) whose Dari
    translation differs from the English: seen verbatim on a fa/ps page, they were not
    translated."""
    po = (ROOT / "config" / "locale" / "fa_AF" / "LC_MESSAGES" / "django.po").read_text("utf-8")
    found = set()
    for block in po.split("\n\n"):
        msgid = re.search(r'^msgid "(.*)"$', block, re.M)
        msgstr = re.search(r'^msgstr "(.*)"$', block, re.M)
        if not msgid or not msgstr or msgid.group(1) == msgstr.group(1):
            continue
        text = msgid.group(1)
        if "%" in text or "<" in text or "{" in text or "\\" in text or "msgid_plural" in block:
            continue
        if len(text.split()) >= 3 and re.search(r"[A-Za-z]{3}", text):
            found.add(text)
    return frozenset(found)


class PageChecks:
    """Attach to a page; `check(page, language)` after each step; `problems` collects failures."""

    def __init__(self, page, *, axe: bool = True) -> None:
        self.problems: list[str] = []
        self.axe = axe
        page.on(
            "console",
            lambda m: (
                self.problems.append(f"console error on {page.url}: {m.text}")
                if m.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda e: self.problems.append(f"script error on {page.url}: {e}"))

    def check(self, page, language: str) -> None:
        page.wait_for_load_state("load")
        problem = fits(page)
        if problem:
            self.problems.append(f"too wide: {problem}")
        split = page.evaluate(
            "[...document.querySelectorAll('bdi.gregorian')]"
            ".filter((e) => e.getClientRects().length > 1).map((e) => e.textContent)"
        )
        if split:
            self.problems.append(f"Gregorian date split over two lines on {page.url}: {split}")
        if language != "en":
            visible = page.evaluate("document.body.innerText")
            left = sorted(m for m in english_msgids() if m in visible)
            if left:
                self.problems.append(f"untranslated on {page.url}: {left[:3]}")
        if self.axe:
            page.add_script_tag(path=str(AXE))
            for violation in page.evaluate(AXE_SCRIPT):
                self.problems.append(f"a11y on {page.url} [{language}]: {violation}")
