"""``python -m voting.monitor``: watch an election's board during the poll, or compare monitors.

    python -m voting.monitor URL [UUID] [--state DIR] [--interval S] [--once] [--peer SRC …]
    python -m voting.monitor compare [--manifest FILE_OR_URL] SOURCE …

``URL`` is the election's page (``https://host/elections/<uuid>/``) or the site's base URL
followed by the election's UUID. Every ``--interval`` seconds (default 300) the monitor fetches
the signed head and the new entries, keeps them in ``--state`` (default
``./monitor-<uuid>``), and proves the new head extends everything seen; after closing it checks
the final head and every ballot against its digest, then stops. ``--peer`` (a state directory,
a shared heads file or its URL) is compared on each pass. ``compare`` reports split views
among state directories and shared files.

Exit status: 0 all consistent (``--once``, ``compare``, or the closed board checked), 2 usage,
network or state error, 3 misbehaviour (the evidence is written to a JSON file and printed).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from voting.monitor.compare import View, split_views, view_from_lines
from voting.monitor.evidence import Misbehaviour
from voting.monitor.log import StateDirectory, StateError, read_source
from voting.monitor.source import BoardSource, FetchError, election_url, get_json
from voting.monitor.watch import Held, check_closed_board, observe
from voting.verify.election import InvalidManifest, fingerprint

OK, USAGE, MISBEHAVIOUR = 0, 2, 3
LISTED = 20


def _checked_manifest(data: Any) -> tuple[dict[str, Any], bytes, bytes]:
    """(manifest, fingerprint, board key) of a ``manifest.json`` answer, after recomputing the
    fingerprint. Raises ``StateError``."""
    try:
        manifest = data["manifest"]
        fp = fingerprint(manifest)
        if data["fingerprint"] != fp.hex():
            raise StateError("the manifest does not hash to the fingerprint served with it")
        key = bytes.fromhex(manifest["board_public_key"])
        if len(key) != 32:
            raise ValueError("the board key is not 32 bytes")
        return manifest, fp, key
    except (InvalidManifest, KeyError, TypeError, ValueError) as exc:
        raise StateError(f"unreadable manifest: {exc}") from None


def _report(
    item: Misbehaviour,
    state: StateDirectory,
    fp: bytes,
    key: bytes,
    source: str,
    evidence: str | None,
) -> int:
    document = item.document(election=fp.hex(), board_key=key.hex(), source=source)
    path = state.save_evidence(document, evidence)
    print(f"MISBEHAVIOUR ({item.kind}): {item.message}")
    print(f"evidence written to {path}")
    print(json.dumps(_shortened(document), indent=1, sort_keys=True))
    return MISBEHAVIOUR


def _shortened(document: dict[str, Any]) -> dict[str, Any]:
    """The evidence for the terminal: long lists cut (the file keeps them whole)."""
    out = dict(document)
    for name in ("dropped", "moved", "entries"):
        if len(out.get(name) or []) > LISTED:
            out[name] = out[name][:LISTED] + [f"… {len(out[name]) - LISTED} more in the file"]
    if out.get("branches"):
        out["branches"] = [
            {**b, "entries": b["entries"][:LISTED] + [f"… {len(b['entries']) - LISTED} more"]}
            if len(b["entries"]) > LISTED
            else b
            for b in out["branches"]
        ]
    return out


def _peers(sources: list[str], own: View, fp: bytes, key: bytes) -> list[Misbehaviour]:
    views = [own]
    for source in sources:
        name, lines, _ = read_source(source)
        views.append(view_from_lines(name, lines))
    found, notes = split_views(views, fp, key)
    for note in notes:
        print(f"note: {note}")
    return found


def watch(args: argparse.Namespace) -> int:
    try:
        base = election_url(args.url, args.election)
    except ValueError as exc:
        print(f"usage: {exc}", file=sys.stderr)
        return USAGE
    uuid = base.rstrip("/").rsplit("/", 1)[1]
    state = StateDirectory(args.state or f"monitor-{uuid}")
    source = BoardSource(base)
    try:
        saved = state.election()
        if saved is None:
            saved = {"url": base, **source.manifest()}
            _checked_manifest(saved)
            state.save_election(saved)
        elif saved.get("url") != base:
            raise StateError(f"{state.path} watches {saved.get('url')}, not {base}")
        _, fp, key = _checked_manifest(saved)
        held = Held.load(fp, key, state.lines())
    except (StateError, FetchError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    while True:
        try:
            result = observe(held, source)
            state.append([result.head] if result.new_head else [], result.entries)
            if args.peer:
                own = View(str(state.path), held.heads, held.entries, held.chain)
                found = _peers(args.peer, own, fp, key)
                if found:
                    return _report(found[0], state, fp, key, base, args.evidence)
            if result.head["final"]:
                check_closed_board(held, source, result.head)
        except Misbehaviour as item:
            return _report(item, state, fp, key, base, args.evidence)
        except (FetchError, StateError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            if args.once:
                return USAGE
            time.sleep(args.interval)
            continue
        head = result.head
        print(
            f"ok: head {head['count']} ({head['hash'][:16]}…{', final' if head['final'] else ''})"
            f" extends everything seen; {len(result.entries)} new entries, {held.n} held,"
            f" {len(held.heads)} signed heads kept"
        )
        if head["final"]:
            print("the poll is closed: the final head extends every head seen and every ballot")
            print("matches its digest")
            return OK
        if args.once:
            return OK
        time.sleep(args.interval)


def compare(args: argparse.Namespace) -> int:
    try:
        loaded = [read_source(source) for source in args.sources]
        manifest_data = None
        if args.manifest:
            if args.manifest.startswith(("http://", "https://")):
                manifest_data = get_json(args.manifest)
            else:
                with open(args.manifest, encoding="utf-8") as handle:
                    manifest_data = json.load(handle)
        else:
            manifest_data = next((election for _, _, election in loaded if election), None)
        if manifest_data is None:
            raise StateError("no state directory among the sources: give --manifest")
        _, fp, key = _checked_manifest(manifest_data)
    except (StateError, FetchError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    views = [view_from_lines(name, lines) for name, lines, _ in loaded]
    found, notes = split_views(views, fp, key)
    for note in notes:
        print(f"note: {note}")
    heads = sum(len(v.heads) for v in views)
    if not found:
        print(f"ok: {len(views)} sources, {heads} heads: every head is consistent with the others")
        return OK
    documents = []
    for item in found:
        print(f"MISBEHAVIOUR ({item.kind}): {item.message}")
        documents.append(item.document(election=fp.hex(), board_key=key.hex(), source="compare"))
    text = json.dumps(documents, indent=1, sort_keys=True)
    if args.evidence:
        with open(args.evidence, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        print(f"evidence written to {args.evidence}")
    print(text)
    return MISBEHAVIOUR


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["compare"]:
        parser = argparse.ArgumentParser(prog="python -m voting.monitor compare")
        parser.add_argument("sources", nargs="+", help="state directories, shared files or URLs")
        parser.add_argument("--manifest", help="manifest.json (file or URL) if no state directory")
        parser.add_argument("--evidence", help="write the evidence here (JSON)")
        try:
            args = parser.parse_args(argv[1:])
        except SystemExit as exc:
            return USAGE if exc.code else OK
        return compare(args)
    parser = argparse.ArgumentParser(
        prog="python -m voting.monitor",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("url", help="the election's page, or the site's base URL")
    parser.add_argument("election", nargs="?", help="the election's UUID (with a base URL)")
    parser.add_argument("--state", help="state directory (default ./monitor-<uuid>)")
    parser.add_argument("--interval", type=float, default=300, help="seconds between passes")
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    parser.add_argument("--peer", action="append", default=[], help="another monitor's heads")
    parser.add_argument("--evidence", help="write the evidence here (default DIR/evidence-N.json)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return USAGE if exc.code else OK
    if args.interval <= 0:
        print("usage: --interval must be positive", file=sys.stderr)
        return USAGE
    try:
        return watch(args)
    except KeyboardInterrupt:
        print("stopped; the state directory keeps what was seen")
        return OK


if __name__ == "__main__":
    sys.exit(main())
