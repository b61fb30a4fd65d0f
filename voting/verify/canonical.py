"""Canonical JSON and the framed SHA-256 of docs/elections.md §0.

Every object the election hashes or signs is serialised the same way by the server, the browser
and the verifier, as protocol §10 defines it (not RFC 8785: keys sort by code point): Python's
``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` in UTF-8, restricted to
integers (|n| < 2^53), strings, booleans, null, arrays and objects with ASCII keys. ``loads`` is
the strict reader used for anything that comes from outside: it refuses duplicate keys, floats,
NaN and lone surrogates, so two different texts can never stand for one canonical object.
"""

from __future__ import annotations

import hashlib
from typing import Any

from voting.crypto.errors import InvalidEncoding
from voting.crypto.serialization import canonical_json, parse_json

DOMAIN = b"mashwara/v1/"
SAFE_INTEGER = 2**53


class NotCanonical(InvalidEncoding):
    """JSON that the protocol cannot represent canonically."""


def _check(value: Any, depth: int = 0) -> None:
    if depth > 32:
        raise NotCanonical("nested too deeply")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -SAFE_INTEGER < value < SAFE_INTEGER:
            raise NotCanonical("integer out of the safe range")
        return
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise NotCanonical("string with a lone surrogate") from None
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check(item, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise NotCanonical("object keys must be ASCII strings")
            _check(item, depth + 1)
        return
    raise NotCanonical(f"{type(value).__name__} has no canonical JSON form")


def dumps(value: Any) -> bytes:
    """``cj(value)``: canonical UTF-8 bytes (``voting.crypto.serialization.canonical_json``),
    after checking the value stays inside what every implementation represents identically."""
    _check(value)
    return canonical_json(value)


def loads(data: bytes | str) -> Any:
    """Strictly parse JSON from outside; raises ``NotCanonical`` on anything ambiguous."""
    try:
        value = parse_json(data)
    except InvalidEncoding as exc:
        raise NotCanonical(str(exc)) from None
    except RecursionError:
        raise NotCanonical("nested too deeply") from None
    _check(value)
    return value


def loads_for_strict_parser(data: bytes | str) -> Any:
    """``loads`` without the walk over the parsed tree, for a value that a strict parser then
    reads leaf by leaf (``parse_ballot``, a board entry's fields): duplicate keys, floats and NaN
    are still refused here, and the parser refuses every key, type and string the walk would
    have. Saves a second pass over every ballot on the cast path and in the verifier."""
    try:
        return parse_json(data)
    except InvalidEncoding as exc:
        raise NotCanonical(str(exc)) from None
    except RecursionError:
        raise NotCanonical("nested too deeply") from None


def sha256f(label: str, *parts: bytes | str | int) -> bytes:
    """``SHA256F(label, p1, …)``: SHA-256 over the framed domain label and framed parts."""
    digest = hashlib.sha256()
    tag = DOMAIN + label.encode("utf-8")
    digest.update(len(tag).to_bytes(4, "big") + tag)
    for part in parts:
        if isinstance(part, str):
            part = part.encode("utf-8")
        elif isinstance(part, int):
            part = part.to_bytes(8, "big")
        digest.update(len(part).to_bytes(4, "big"))
        digest.update(part)
    return digest.digest()


def frame(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data
