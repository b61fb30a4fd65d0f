"""Long hex values (trackers, fingerprints, hashes, signatures) on a 360 px phone screen.

``{{ value|long_hex }}`` shows the first and last groups, with the full value one tap away in a
<details> (works without JavaScript; with it, mashwara.js adds a copy button). The value is
isolated left to right, so it keeps its order inside a Dari or Pashto sentence, and the full
value wraps anywhere instead of widening the page.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()

SHORT = 24  # values up to this length are shown whole
EDGE = 8  # characters kept at each end of a shortened value


@register.filter
def long_hex(value: object) -> SafeString:
    text = "" if value is None else str(value)
    if len(text) <= SHORT:
        return format_html('<code class="hex" dir="ltr">{}</code>', text)
    return format_html(
        '<details class="long-hex" data-copy="{copy}" data-copied="{copied}">'
        '<summary title="{show}"><code dir="ltr">{head}…{tail}</code></summary>'
        '<code class="hex-full" dir="ltr">{full}</code></details>',
        copy=gettext("Copy"),
        copied=gettext("Copied"),
        head=text[:EDGE],
        tail=text[-EDGE:],
        show=gettext("(show the full value)"),
        full=text,
    )
