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

from convention.dates import local_digits
from voting.verify.election import election_code as code_of

register = template.Library()


@register.filter
def election_code(fingerprint_hex: str) -> SafeString:
    """``{{ election.fingerprint|election_code }}``: the code of a frozen election, isolated
    left to right; empty for an election without a fingerprint yet."""
    if not fingerprint_hex:
        return SafeString("")
    code = local_digits(code_of(bytes.fromhex(fingerprint_hex)), get_language())
    return format_html('<bdi dir="ltr" class="election-code">{}</bdi>', code)
