"""What a post may contain, and how its Markdown subset becomes safe HTML.

Text is checked before anything is stored: no NUL or other control characters, no bidirectional
overrides or isolates (they can make a post display something other than what it says, or
reverse a pseudonym next to it), no invisible-character spam. Single zero-width non-joiners and
joiners stay allowed, because Dari and Pashto spelling needs them.

The Markdown subset is paragraphs, line breaks, **bold**, *italic*, `code`, code blocks, lists,
> quotes and links. The renderer escapes everything first and builds only those elements; nh3
(ammonia) then cleans the result again against the same short allow-list, so a mistake in the
renderer cannot let markup through. Links to other hosts go through a warning page.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from urllib.parse import quote, urlsplit

import nh3
from django.utils.translation import gettext_lazy as _

from .exceptions import DeliberationError

POST_MAX_CHARS = 10_000
POST_MAX_LINES = 300

ALLOWED_TAGS = {"p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "a"}
LINK_REL = "nofollow noopener noreferrer"

# Explicit direction controls: embeddings, overrides and isolates (Unicode UAX #9).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Characters that render as nothing. ZWNJ/ZWJ are legitimate once between letters.
_INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u00ad\u034f"
    "\u115f\u1160\u3164\uffa0\u200e\u200f\u061c"
)
_JOINERS = frozenset("\u200c\u200d")


class InvalidText(DeliberationError):
    """Text refused, with a message meant for the person who wrote it."""


def clean_text(raw: str, *, max_chars: int = POST_MAX_CHARS, field: str = "") -> str:
    """Return ``raw`` normalised (NFC, \\n line ends, trimmed) or raise ``InvalidText``."""
    if raw is None:
        raw = ""
    if len(raw) > max_chars * 2:  # refuse megabyte bodies before any further work
        raise InvalidText(
            _("The text is too long: at most %(max)d characters.") % {"max": max_chars}
        )
    if "\x00" in raw:
        raise InvalidText(_("The text contains a NUL character, which is not allowed."))
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(text) > max_chars:
        raise InvalidText(
            _("The text is too long: at most %(max)d characters (it has %(count)d).")
            % {"max": max_chars, "count": len(text)}
        )
    if any(c in _BIDI_CONTROLS for c in text):
        raise InvalidText(
            _(
                "The text contains invisible direction-changing characters (bidirectional "
                "overrides). Please remove them; the page sets the direction of each text itself."
            )
        )
    visible = 0
    invisible_run = 0
    invisible_total = 0
    for char in text:
        category = unicodedata.category(char)
        if char in _INVISIBLE or category == "Cf" or 0xE0000 <= ord(char) <= 0xE007F:
            invisible_total += 1
            invisible_run += 1
            allowed_single = char in _JOINERS or char in "\u200e\u200f\u061c"
            if invisible_run > 1 or not allowed_single:
                raise InvalidText(
                    _(
                        "The text contains invisible characters (such as zero-width spaces). "
                        "Only a single zero-width non-joiner between letters is allowed."
                    )
                )
            continue
        invisible_run = 0
        if category == "Cc" and char not in "\n\t":
            raise InvalidText(_("The text contains control characters, which are not allowed."))
        if category.startswith(("Co", "Cs", "Cn")):
            raise InvalidText(_("The text contains characters that cannot be displayed."))
        if not char.isspace():
            visible += 1
    if visible == 0:
        raise InvalidText(_("The text is empty."))
    if invisible_total * 5 > visible:
        raise InvalidText(_("The text contains too many invisible characters."))
    if text.count("\n") >= POST_MAX_LINES:
        raise InvalidText(
            _("The text has too many lines: at most %(max)d.") % {"max": POST_MAX_LINES}
        )
    return text


def clean_line(raw: str, *, max_chars: int) -> str:
    """A one-line field (title, note): the same rules, and no line breaks."""
    text = clean_text(raw, max_chars=max_chars)
    return " ".join(text.split())


def digest(text: str) -> str:
    """Fingerprint for duplicate detection: case, spacing and punctuation do not count."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    letters = "".join(c for c in folded if c.isalnum())
    return hashlib.sha256(letters.encode("utf-8")).hexdigest()


# --- Markdown subset ---------------------------------------------------------------------

_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]{1,300})\]\(([^()\s]{1,2000})\)")
_BARE_URL = re.compile(r"(?<![\w/\"'=])(https?://[^\s<>\"']{1,2000})")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EM = re.compile(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])")
_BULLET = re.compile(r"^\s{0,3}[-*•]\s+")
_NUMBERED = re.compile(r"^\s{0,3}[0-9۰-۹٠-٩]{1,3}[.)]\s+")
_PLACEHOLDER = "\ue000{}\ue001"
_PLACEHOLDER_RE = re.compile("\ue000(\\d+)\ue001")


def _href(url: str, leaving_url: str) -> str | None:
    """Where a link may point: our own paths directly, outside hosts via the warning page."""
    url = html.unescape(url)
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{leaving_url}?to={quote(url, safe='')}"


def _inline(text: str, leaving_url: str) -> str:
    """Escape one line of text, then build code spans, links and emphasis."""
    stash: list[str] = []

    def keep(fragment: str) -> str:
        stash.append(fragment)
        return _PLACEHOLDER.format(len(stash) - 1)

    text = text.replace("\ue000", "").replace("\ue001", "")
    text = _CODE_SPAN.sub(lambda m: keep(f"<code>{html.escape(m.group(1))}</code>"), text)

    def link(match: re.Match[str]) -> str:
        label, url = match.group(1), match.group(2)
        href = _href(url, leaving_url)
        if href is None:
            return keep(html.escape(match.group(0)))
        return keep(f'<a href="{html.escape(href)}">{html.escape(label)}</a>')

    text = _LINK.sub(link, text)

    def bare(match: re.Match[str]) -> str:
        url = match.group(1).rstrip(".,;:!?؟،")
        tail = match.group(1)[len(url) :]
        href = _href(url, leaving_url)
        if href is None:
            return match.group(0)
        return keep(f'<a href="{html.escape(href)}">{html.escape(url)}</a>') + tail

    text = _BARE_URL.sub(bare, text)
    text = html.escape(text)
    text = _STRONG.sub(r"<strong>\1</strong>", text)
    text = _EM.sub(r"<em>\1</em>", text)
    return _PLACEHOLDER_RE.sub(lambda m: stash[int(m.group(1))], text)


def _blocks(text: str, leaving_url: str, depth: int = 0) -> list[str]:
    out: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            code = "\n".join(lines[i + 1 : j])
            out.append(f"<pre><code>{html.escape(code)}</code></pre>")
            i = j + 1
            continue
        if line.startswith(">") and depth < 2:
            j = i
            quoted = []
            while j < len(lines) and lines[j].startswith(">"):
                quoted.append(lines[j][1:].removeprefix(" "))
                j += 1
            inner = "".join(_blocks("\n".join(quoted), leaving_url, depth + 1))
            out.append(f"<blockquote>{inner}</blockquote>")
            i = j
            continue
        for pattern, tag in ((_BULLET, "ul"), (_NUMBERED, "ol")):
            if pattern.match(line):
                items = []
                j = i
                while j < len(lines) and pattern.match(lines[j]):
                    items.append(f"<li>{_inline(pattern.sub('', lines[j]), leaving_url)}</li>")
                    j += 1
                out.append(f"<{tag}>{''.join(items)}</{tag}>")
                i = j
                break
        else:
            j = i
            para = []
            while (
                j < len(lines)
                and lines[j].strip()
                and not lines[j].startswith((">", "```"))
                and not _BULLET.match(lines[j])
                and not _NUMBERED.match(lines[j])
            ):
                para.append(_inline(lines[j], leaving_url))
                j += 1
            out.append(f"<p>{'<br>'.join(para)}</p>")
            i = j
    return out


def render_markdown(text: str, *, leaving_url: str) -> str:
    """Safe HTML for already-cleaned ``text``; outside links point at ``leaving_url``."""
    built = "".join(_blocks(text, leaving_url))
    return nh3.clean(
        built,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel=LINK_REL,
        strip_comments=True,
    )


def safe_outside_url(url: str) -> str | None:
    """The URL the warning page may offer, or None if it is not a plain http(s) address."""
    if not url or len(url) > 2000:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    if any(unicodedata.category(c).startswith("C") or c.isspace() for c in url):
        return None
    return url
