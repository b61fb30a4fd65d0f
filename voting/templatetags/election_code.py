"""The election code on server-rendered pages (docs/elections.md §1).

Observers compare the code on the public pages with the code they publish outside the platform;
voters compare the one their browser computes on the ballot and credential pages. Dari and Pashto
pages write it in Eastern Arabic-Indic digits; every page isolates it left to right, so the six
groups keep their order inside a right-to-left sentence.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from voting.verify.election import election_code as code_of

register = template.Library()

EASTERN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
EASTERN_LANGUAGES = ("fa", "ps")


def local_digits(text: str, language: str | None) -> str:
    """``text`` with its Western digits in the language's own: Eastern Arabic-Indic (U+06F0…)
    in Dari and Pashto, unchanged otherwise."""
    if (language or "").lower().startswith(EASTERN_LANGUAGES):
        return text.translate(EASTERN_DIGITS)
    return text


@register.filter
def election_code(fingerprint_hex: str) -> SafeString:
    """``{{ election.fingerprint|election_code }}``: the code of a frozen election, isolated
    left to right; empty for an election without a fingerprint yet."""
    if not fingerprint_hex:
        return SafeString("")
    code = local_digits(code_of(bytes.fromhex(fingerprint_hex)), get_language())
    return format_html('<bdi dir="ltr" class="election-code">{}</bdi>', code)
