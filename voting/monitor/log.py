"""A monitor's state directory and the files monitors exchange (docs/elections.md "Monitoring
the board").

``DIR/election.json`` — the election's base URL, manifest and fingerprint, written once;
``DIR/heads.jsonl`` — one ``{"type": "head", "head": <signed head>}`` per distinct head seen;
``DIR/entries.jsonl`` — one ``{"type": "entry", "entry": <entry without its ballot>}`` per
position, in order. Both JSON-lines files are only ever appended to. A file another monitor
shares (``compare``, ``--peer``) holds such lines, heads and possibly entries, in any mix.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from voting.monitor.source import FetchError, get_text
from voting.verify.canonical import NotCanonical, dumps, loads


class StateError(Exception):
    """A state directory or shared file that cannot be read."""


def parse_lines(text: str, name: str) -> list[dict[str, Any]]:
    """JSON lines; a last line without its newline (a write cut short) is left out."""
    lines = text.split("\n")
    if lines and lines[-1].strip() and not text.endswith("\n"):
        lines = lines[:-1]
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = loads(line)
        except NotCanonical as exc:
            raise StateError(f"{name}, line {number}: {exc}") from None
        if not isinstance(item, dict):
            raise StateError(f"{name}, line {number}: not a JSON object")
        out.append(item)
    return out


def read_source(source: str) -> tuple[str, list[dict[str, Any]], dict[str, Any] | None]:
    """A state directory, a shared file or an http(s) URL → (name, lines, election.json or
    None)."""
    if source.startswith(("http://", "https://")):
        try:
            return source, parse_lines(get_text(source), source), None
        except FetchError as exc:
            raise StateError(str(exc)) from None
    path = Path(source)
    try:
        if path.is_dir():
            lines: list[dict[str, Any]] = []
            for name in ("heads.jsonl", "entries.jsonl"):
                if (path / name).exists():
                    lines += parse_lines((path / name).read_text(encoding="utf-8"), name)
            election = None
            if (path / "election.json").exists():
                election = json.loads((path / "election.json").read_text(encoding="utf-8"))
            return source, lines, election
        return source, parse_lines(path.read_text(encoding="utf-8"), source), None
    except (OSError, ValueError) as exc:
        raise StateError(f"{source}: {exc}") from None


class StateDirectory:
    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def election(self) -> dict[str, Any] | None:
        name = self.path / "election.json"
        if not name.exists():
            return None
        try:
            return json.loads(name.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StateError(f"{name}: {exc}") from None

    def save_election(self, data: dict[str, Any]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        temporary = self.path / "election.json.tmp"
        temporary.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(temporary, self.path / "election.json")

    def lines(self) -> list[dict[str, Any]]:
        return read_source(str(self.path))[1]

    def append(self, heads: list[dict[str, Any]], entries: list[dict[str, Any]]) -> None:
        """Entries first, then the head that covers them: a run cut short between the two
        leaves entries no head covers yet, which the next pass accepts."""
        self.path.mkdir(parents=True, exist_ok=True)
        for name, kind, items in (
            ("entries.jsonl", "entry", entries),
            ("heads.jsonl", "head", heads),
        ):
            if not items:
                continue
            with open(self.path / name, "ab") as handle:
                handle.write(b"".join(dumps({"type": kind, kind: item}) + b"\n" for item in items))
                handle.flush()
                os.fsync(handle.fileno())

    def save_evidence(self, document: dict[str, Any], path: str | None = None) -> Path:
        if path is None:
            self.path.mkdir(parents=True, exist_ok=True)
            number = 1
            while (self.path / f"evidence-{number}.json").exists():
                number += 1
            target = self.path / f"evidence-{number}.json"
        else:
            target = Path(path)
        target.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return target
