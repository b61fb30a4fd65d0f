"""HTTP access to a Mashwara server for a signed-in trustee (docs/elections.md §6–§9).

Standard library only. The trustee's session is the ``sessionid`` cookie of a signed-in browser
session (or one opened with ``login``). Django's CSRF check wants a token in a cookie and the
same token in ``X-CSRFToken``: the client draws its own random token for both, and sends the
server's own origin in ``Origin``, as a browser would.
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
        self.csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.jar.set_cookie(_cookie("csrftoken", self.csrf, host))
        if session:
            self.jar.set_cookie(_cookie("sessionid", session, host))

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
            raise ServerError(
                f"{request.get_method()} {request.full_url}: HTTP {exc.code}"
                + (f": {message}" if message else ""),
                exc.code,
                data,
            ) from None
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
            raise ServerError(f"signing in failed: HTTP {exc.code}", exc.code) from None
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

    def board_entries(self, page_size: int = 500):
        """Every board entry in position order, following the feed's ``next`` links."""
        path = f"board.json?after=0&limit={page_size}"
        while path:
            page = self.get_json(path)
            yield from page["entries"]
            path = page.get("next")

    def post_decryption(self, body: dict[str, Any]) -> Any:
        return self.post_json("decryption", body)
