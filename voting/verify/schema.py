"""The JSON type of every member of every non-entry record line (docs/elections.md §8, "record").

The ``record`` check holds each line to its documented types, whatever the later checks make of
the values: an integer is a JSON integer (never ``false`` for 0, ``1.0`` or ``"1"``) from 0 to
2^53 − 1, a flag is ``true`` or ``false``, a hex string is lowercase with the documented number of
bytes, an hour is ``YYYY-MM-DDTHH:00:00Z``, an object has exactly its members (an unknown or
missing one is named, at any depth; localised text has ``en`` and any of ``fa-af``, ``ps``). A
later check that reads the same member may name the same fault in its own words (the aggregate
cannot sum an upper-case point); this one says which member of which line broke the format.
Entry lines are held to the same rule by the ballot parser (``voting.verify.ballots``), which
names an unknown member with ``member_problem`` too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

HOUR = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:00:00Z\Z")
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")
LOWER_HEX = re.compile(r"(?:[0-9a-f]{2})*\Z")
LIMIT = 1 << 53


class Hex:
    """Lowercase hex of ``size`` bytes (any even length if ``size`` is ``None``)."""

    def __init__(self, size: int | None = None) -> None:
        self.size = size


class Optional:
    """``null`` or ``schema``."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema


class ByType:
    """An object whose ``key`` member (``type`` unless told) picks its schema among
    ``variants``."""

    def __init__(self, variants: dict[str, dict[str, Any]], key: str = "type") -> None:
        self.variants = variants
        self.key = key


class WithOptional:
    """An object with exactly the members of ``required`` and any of ``optional``."""

    def __init__(self, required: dict[str, Any], optional: dict[str, Any]) -> None:
        self.required = required
        self.optional = optional


class TextMap:
    """Localised text (docs/elections.md §0): an object whose members are strings, ``en`` and
    any of the other languages of ``LANGUAGES``."""


LANGUAGES = ("en", "fa-af", "ps")


INT, BOOL, STR, HOUR_STRING, MOMENT_STRING = "int", "bool", "str", "hour", "moment"
H32 = Hex(32)
TEXT = TextMap()
PROOF = {"c": H32, "s": H32}
OPTIONS = [{"label": TEXT, "proposal": Optional(INT)}]

SHARE = {"trustee": INT, "d": H32, "proof": PROOF}
RESULT = ByType(
    {
        "single": {"type": STR, "counts": [INT], "blank": INT},
        "approval": {"type": STR, "counts": [INT]},
        "ranked": {
            "type": STR,
            "pairwise": [[INT]],
            "strongest_paths": [[INT]],
            "ranking": [[INT]],
        },
    }
)
# An election with cohort dimensions (docs/protocol.md §12): the definition's ``cohorts`` and the
# ceremony's ``cohort_keys`` in the manifest, and four more record lines.
COHORTS = {
    "minimum": INT,
    "dimensions": [{"name": TEXT, "kind": STR, "values": [TEXT]}],
}
COHORT_KEYS = [{"trustee": INT, "dimension": INT, "value": INT, "pem": STR}]

MANIFEST_MEMBERS = {
    "protocol": STR,
    "election": Hex(16),
    "convention": STR,
    "title": TEXT,
    "description": TEXT,
    "questions": [
        ByType(
            {
                "single": {"type": STR, "title": TEXT, "blank": BOOL, "options": OPTIONS},
                "approval": {
                    "type": STR,
                    "title": TEXT,
                    "min": INT,
                    "max": INT,
                    "options": OPTIONS,
                },
                "ranked": {"type": STR, "title": TEXT, "options": OPTIONS},
            }
        )
    ],
    "schedule": {"credentials": MOMENT_STRING, "opens": MOMENT_STRING, "closes": MOMENT_STRING},
    "trustees": {"threshold": INT, "names": [STR]},
    "board_public_key": H32,
    "joint_public_key": H32,
    "ceremony_context": H32,
    "issuers": {"threshold": INT, "keys": [{"trustee": INT, "pem": STR}]},
}
MANIFEST = WithOptional(MANIFEST_MEMBERS, {"cohorts": COHORTS, "cohort_keys": COHORT_KEYS})
ANNOUNCEMENT = {
    "trustee": INT,
    "commitments": [H32],
    "commitment_proofs": [PROOF],
    "communication_key": H32,
    "communication_proof": PROOF,
}
LINES: dict[str, dict[str, Any]] = {
    "manifest": {"type": STR, "manifest": MANIFEST, "fingerprint": H32},
    "ceremony": {
        "type": STR,
        "trustees": [
            {
                "index": INT,
                "name": STR,
                "announcement": ANNOUNCEMENT,
                "issuer_key": Optional({"pem": STR, "proof": Hex()}),
            }
        ],
        "shares": [{"sender": INT, "recipient": INT, "r": H32, "ct": H32, "tag": H32}],
        "complaints": [{"sender": INT, "recipient": INT}],
        "answers": [{"sender": INT, "recipient": INT, "share": H32}],
    },
    "roll": {
        "type": STR,
        "size": INT,
        "issued": INT,
        "reissued": INT,
        "by_registrar": [{"registrar": Optional(STR), "size": INT}],
        "entries": [{"id": H32, "issued": BOOL, "reissued": BOOL}],
    },
    "issuers": {
        "type": STR,
        "ledgers": [
            {
                "issuer": INT,
                "ledger": {"format": STR, "election": H32, "issuer": INT, "entries": [H32]},
                "signature": Hex(),
            }
        ],
    },
    "poll": {"type": STR, "opened": HOUR_STRING, "closed": HOUR_STRING},
    "head": {
        "type": STR,
        "head": {"election": H32, "count": INT, "hash": H32, "final": BOOL, "signature": Hex(64)},
    },
    "tally": {"type": STR, "tally": {"counted": INT, "questions": [[{"a": H32, "b": H32}]]}},
    "decryption": {
        "type": STR,
        "trustee": INT,
        "shares": [[SHARE]],
    },
    "results": {"type": STR, "results": {"counted": INT, "questions": [RESULT]}},
    "cohorts": {
        "type": STR,
        "keys": [{"trustee": INT, "dimension": INT, "value": INT, "pem": STR, "proof": Hex()}],
        "merged": [[INT]],
        "counts": [{"dimension": INT, "value": INT, "count": INT}],
    },
    "cohort_tally": {
        "type": STR,
        "tally": [[{"value": INT, "counted": INT, "questions": [[{"a": H32, "b": H32}]]}]],
    },
    "cohort_decryption": {"type": STR, "trustee": INT, "shares": [[Optional([[SHARE]])]]},
    "cohort_results": {
        "type": STR,
        "results": [
            ByType(
                {
                    "published": {
                        "dimension": INT,
                        "kind": STR,
                        "status": STR,
                        "groups": [{"values": [INT], "counted": INT, "questions": [RESULT]}],
                    },
                    "withheld": {"dimension": INT, "kind": STR, "status": STR, "reason": STR},
                },
                key="status",
            )
        ],
    },
}


def member_problem(value: Any, required: Iterable[str], optional: Iterable[str] = ()) -> str | None:
    """What keeps ``value`` from being an object with exactly the members ``required`` and any
    of ``optional``, naming each unknown or missing member; None if nothing does."""
    required, optional = set(required), set(optional)
    if not isinstance(value, dict):
        return f"must be an object, not {_show(value)}"
    unknown = sorted(set(value) - required - optional)
    missing = sorted(required - set(value))
    if not unknown and not missing:
        return None
    problems = [_named("unknown", unknown), _named("missing", missing)]
    expected = f"its members are exactly {sorted(required)}"
    if optional:
        expected += f" and any of {sorted(optional)}"
    return f"{'; '.join(p for p in problems if p)} ({expected})"


def _named(what: str, members: list[str]) -> str:
    if not members:
        return ""
    shown = ", ".join(repr(m[:40]) for m in members[:3])
    more = f" and {len(members) - 3} more" if len(members) > 3 else ""
    return f"{what} member{'s' if len(members) > 1 else ''} {shown}{more}"


def violations(kind: str, line: dict[str, Any]) -> Iterator[str]:
    """Every member of the ``kind`` line that does not have its documented type, as
    ``"$.path: what it must be"``."""
    yield from _walk(line, LINES[kind], "$")


def _walk(value: Any, schema: Any, path: str) -> Iterator[str]:
    if schema == INT:
        if type(value) is not int or not 0 <= value < LIMIT:
            yield f"{path}: must be an integer from 0 to 2^53 − 1, not {_show(value)}"
    elif schema == BOOL:
        if type(value) is not bool:
            yield f"{path}: must be true or false, not {_show(value)}"
    elif schema == STR:
        if not isinstance(value, str):
            yield f"{path}: must be a string, not {_show(value)}"
    elif schema in (HOUR_STRING, MOMENT_STRING):
        pattern, form = (HOUR, "…T10:00:00Z") if schema == HOUR_STRING else (MOMENT, "…T10:30:00Z")
        if not isinstance(value, str) or not pattern.match(value):
            yield f"{path}: must be a UTC {'hour' if schema == HOUR_STRING else 'time'} ({form})"
    elif isinstance(schema, Hex):
        size = "" if schema.size is None else f" of {schema.size} bytes"
        if (
            not isinstance(value, str)
            or not LOWER_HEX.match(value)
            or (schema.size is not None and len(value) != 2 * schema.size)
        ):
            yield f"{path}: must be lowercase hex{size}"
    elif isinstance(schema, Optional):
        if value is not None:
            yield from _walk(value, schema.schema, path)
    elif isinstance(schema, TextMap):
        if problem := member_problem(value, LANGUAGES[:1], LANGUAGES[1:]):
            yield f"{path}: {problem}"
        elif not all(isinstance(v, str) for v in value.values()):
            yield f"{path}: must be an object of strings"
    elif isinstance(schema, ByType):
        variant = schema.variants.get(value.get(schema.key)) if isinstance(value, dict) else None
        if variant is None:
            yield (
                f"{path}: must be an object whose {schema.key} is one of {sorted(schema.variants)}"
            )
        else:
            yield from _walk(value, variant, path)
    elif isinstance(schema, WithOptional):
        if problem := member_problem(value, schema.required, schema.optional):
            yield f"{path}: {problem}"
        else:
            for key, member in value.items():
                yield from _walk(member, (schema.required | schema.optional)[key], f"{path}.{key}")
    elif isinstance(schema, list):
        if not isinstance(value, list):
            yield f"{path}: must be a list"
        else:
            for index, item in enumerate(value):
                yield from _walk(item, schema[0], f"{path}[{index}]")
    elif isinstance(schema, dict):
        if problem := member_problem(value, schema):
            yield f"{path}: {problem}"
        else:
            for key, member in schema.items():
                yield from _walk(value[key], member, f"{path}.{key}")


def _show(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, str):
        return "a string"
    return type(value).__name__ if not isinstance(value, int | float) else repr(value)
