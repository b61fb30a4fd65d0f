"""Reading an election's public board over HTTP (docs/elections.md §5, §9): the manifest, the
signed head and the entries, cookie-less, standard library only."""

from __future__ import annotations

import re
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from voting.verify.canonical import NotCanonical, loads

USER_AGENT = "mashwara-monitor/1"
TIMEOUT = 60
PAGE = 500
ELECTION_PATH = re.compile(r"^(.*?/elections/)([0-9a-fA-F-]{32,36})(?:/|$)")
UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\Z")
MAX_BYTES = 64 << 20


class FetchError(Exception):
    """The server could not be reached, or answered something that is not the expected JSON."""


def election_url(url: str, election: str | None = None) -> str:
    """The election's base URL (``…/elections/<uuid>/``) from its page's URL (any page under
    it), or from a site's base URL and the election UUID. Raises ``ValueError``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r} is not an http(s) address")
    if election is None:
        match = ELECTION_PATH.match(parts.path)
        if not match or not UUID.match(match.group(2).lower()):
            raise ValueError(f"{url!r} names no election (…/elections/<uuid>/)")
        prefix, election = match.group(1), match.group(2)
    else:
        prefix = parts.path.rstrip("/") + "/elections/"
    election = election.lower()
    if not UUID.match(election):
        raise ValueError(f"{election!r} is not an election UUID")
    hexed = election.replace("-", "")
    uuid = f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"
    return f"{parts.scheme}://{parts.netloc}{prefix}{uuid}/"


def get_text(url: str) -> str:
    """GET ``url`` without cookies; raises ``FetchError``."""
    request = Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})  # noqa: S310
    try:
        with urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (http/https only)
            body = response.read(MAX_BYTES + 1)
    except HTTPError as exc:
        raise FetchError(f"GET {url}: HTTP {exc.code}") from None
    except (URLError, OSError) as exc:
        raise FetchError(f"GET {url}: {getattr(exc, 'reason', exc)}") from None
    if len(body) > MAX_BYTES:
        raise FetchError(f"GET {url}: answer too large")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise FetchError(f"GET {url}: not UTF-8") from None


def get_json(url: str) -> Any:
    try:
        return loads(get_text(url))
    except NotCanonical as exc:
        raise FetchError(f"GET {url}: not JSON the protocol can read ({exc})") from None


class BoardSource:
    """One election's public endpoints under ``base`` (``…/elections/<uuid>/``)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def manifest(self) -> dict[str, Any]:
        data = get_json(self.base + "manifest.json")
        if not isinstance(data, dict) or not isinstance(data.get("manifest"), dict):
            raise FetchError("manifest.json is not {manifest, fingerprint}")
        return data

    def head(self) -> Any:
        return get_json(self.base + "board/head.json")

    def entries(self, *, after: int, upto: int) -> list[Any]:
        """The published entries at positions ``after+1 .. upto``, as served (unchecked but for
        the paging members); fewer if the board serves fewer."""
        out: list[Any] = []
        while after + len(out) < upto:
            start = after + len(out)
            data = get_json(self.base + f"board.json?after={start}&limit={PAGE}")
            page = data.get("entries") if isinstance(data, dict) else None
            if not isinstance(page, list):
                raise FetchError("board.json is not {entries, count, next}")
            if not page:
                break
            out.extend(page)
        return out[: upto - after]
