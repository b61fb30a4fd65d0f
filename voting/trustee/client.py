"""HTTP access to a Mashwara server for a signed-in trustee (docs/elections.md §6–§9).

Standard library only. The trustee's session is the ``sessionid`` cookie of a signed-in browser
session (or one opened with ``login``). Django's CSRF check wants a token in a cookie and the
same token in ``X-CSRFToken``: the client draws its own random token for both, and sends the
server's own origin in ``Origin``, as a browser would. Signing in makes the server rotate the
token (a new ``csrftoken`` cookie), so every request reads the token from the cookie jar, never
from a copy kept at start-up.

Refusals become sentences a trustee can act on (``explain``), not bare status codes.
"""

from __future__ import annotations

import json
import secrets
import string
import uuid as uuid_module
from http.cookiejar import Cookie, CookieJar
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urljoin, urlsplit
from urllib.request import HTTPCookieProcessor, Request, build_opener

USER_AGENT = "mashwara-trustee/1"
TIMEOUT = 60


class ServerError(Exception):
    """The server refused a request or could not be reached."""

    def __init__(self, message: str, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


_STATUS_SENTENCES = {
    400: "the server refused the request as malformed",
    401: "the server wants you to sign in first (--user, or --session with a fresh session)",
    403: (
        "the server refused this request: you are not signed in, your session has expired, "
        "or this account is not a trustee of this election"
    ),
    404: "the server does not know this election (check --server and --election)",
    405: "the server does not accept this request here (is --server the right address?)",
    409: "the server refused the step in the election's present state",
    429: "the server asks you to slow down: wait a minute and try again",
}


def explain(status: int, message: str | None = None) -> str:
    """A sentence for a refused request: the server's own reason when it gave one."""
    sentence = _STATUS_SENTENCES.get(status)
    if sentence is None:
        sentence = (
            "the server failed while answering; try again later or tell the organizers"
            if status >= 500
            else "the server refused the request"
        )
    if message:
        sentence += f": {message}"
    return f"{sentence} (HTTP {status})"


def election_path(election: str) -> str:
    """Accept the election as a UUID in any common spelling; URLs use the hyphenated form."""
    try:
        return str(uuid_module.UUID(election))
    except ValueError:
        raise ServerError(f"{election!r} is not an election identifier") from None


def _cookie(name: str, value: str, domain: str) -> Cookie:
    return Cookie(
        version=0,
        name=name,
        value=value,
        port=None,
        port_specified=False,
        domain=domain,
        domain_specified=False,
        domain_initial_dot=False,
        path="/",
        path_specified=True,
        secure=False,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        rest={},
    )


class ServerClient:
    def __init__(self, base_url: str, election: str, *, session: str | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ServerError(f"{base_url!r} is not an http(s) address")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.election = election_path(election)
        self.jar = CookieJar()
        self.opener = build_opener(HTTPCookieProcessor(self.jar))
        host = parts.hostname or ""
        if "." not in host:  # http.cookiejar's name for a dotless host such as localhost
            host += ".local"
        token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.jar.set_cookie(_cookie("csrftoken", token, host))
        if session:
            self.jar.set_cookie(_cookie("sessionid", session, host))

    @property
    def csrf(self) -> str:
        """The CSRF token the server holds now: the jar's cookie, rotated by signing in."""
        for cookie in self.jar:
            if cookie.name == "csrftoken" and cookie.value:
                return cookie.value
        raise ServerError("the server dropped the CSRF cookie: sign in again")

    # -- transport -------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        if path.startswith("/"):
            return self.origin + path
        return f"{self.origin}/elections/{self.election}/{path}"

    def _send(self, request: Request) -> tuple[int, bytes]:
        request.add_header("User-Agent", USER_AGENT)
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:  # noqa: S310 (http/https only)
                return response.status, response.read()
        except HTTPError as exc:
            body = exc.read()
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            message = (
                data.get("detail") or data.get("message") or data.get("error")
                if isinstance(data, dict)
                else None
            )
            raise ServerError(explain(exc.code, message), exc.code, data) from None
        except URLError as exc:
            raise ServerError(f"cannot reach {self.origin}: {exc.reason}") from None

    def get_json(self, path: str) -> Any:
        request = Request(self._url(path), headers={"Accept": "application/json"})  # noqa: S310
        _, body = self._send(request)
        return json.loads(body)

    def post_json(self, path: str, data: Any) -> Any:
        request = Request(  # noqa: S310
            self._url(path),
            data=json.dumps(data).encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-CSRFToken": self.csrf,
                "Origin": self.origin,
            },
        )
        _, body = self._send(request)
        return json.loads(body) if body.strip() else None

    def login(self, username: str, password: str, code: str | None = None) -> None:
        """Sign in through the ordinary login form (and the TOTP step when asked)."""
        form = {"login": username, "password": password, "csrfmiddlewaretoken": self.csrf}
        url = self._submit_form("/accounts/login/", form)
        if "/2fa/" in url:
            if not code:
                raise ServerError("this account needs its authenticator code (--totp)")
            url = self._submit_form(
                urlsplit(url).path, {"code": code, "csrfmiddlewaretoken": self.csrf}
            )
            if "/2fa/" in url:
                raise ServerError(
                    "the server did not accept the authenticator code: check --totp "
                    "(codes change every 30 seconds)"
                )
        if not any(c.name == "sessionid" for c in self.jar):
            raise ServerError("the server did not sign you in: check the name and password")

    def _submit_form(self, path: str, form: dict[str, str]) -> str:
        request = Request(  # noqa: S310
            urljoin(self.origin, path),
            data=urlencode(form).encode("ascii"),
            method="POST",
            headers={"Origin": self.origin, "Referer": self.origin + path},
        )
        request.add_header("User-Agent", USER_AGENT)
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:  # noqa: S310
                return response.url
        except HTTPError as exc:
            if exc.code == 429:
                reason = "too many attempts: wait a few minutes and try again (HTTP 429)"
            elif exc.code == 403:
                reason = (
                    "the server refused the form (is --server the address you open in a "
                    "browser?) (HTTP 403)"
                )
            else:
                reason = explain(exc.code)
            raise ServerError(f"signing in failed: {reason}", exc.code) from None
        except URLError as exc:
            raise ServerError(f"cannot reach {self.origin}: {exc.reason}") from None

    # -- the election's endpoints ----------------------------------------------------------

    def ceremony(self) -> dict[str, Any]:
        return self.get_json("ceremony.json")

    def post_ceremony(self, step: str, body: dict[str, Any]) -> Any:
        return self.post_json(f"ceremony/{step}", body)

    def manifest(self) -> dict[str, Any]:
        return self.get_json("manifest.json")

    def roll(self) -> dict[str, Any]:
        return self.get_json("roll.json")

    def head(self) -> dict[str, Any]:
        return self.get_json("board/head.json")

    def tally(self) -> dict[str, Any]:
        return self.get_json("tally.json")

    def cohort_tally(self) -> dict[str, Any]:
        """The merge map, per-cohort sums and the server's release plan (docs/protocol.md §12)."""
        return self.get_json("cohort-tally.json")

    def board_entries(self, page_size: int = 500):
        """Every board entry in position order, following the feed's ``next`` links."""
        path = f"board.json?after=0&limit={page_size}"
        while path:
            page = self.get_json(path)
            yield from page["entries"]
            path = page.get("next")

    def post_decryption(self, body: dict[str, Any]) -> Any:
        return self.post_json("decryption", body)
