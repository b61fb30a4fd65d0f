"""``python -m voting.verify RECORD [--workers N] [--receipts FILE…]``: re-check an election record.

Prints one line per check and exits 0 only if every check holds (1 if any fails or a receipt
proves the board was rewritten, 2 if the file cannot be read). Imports no Django and needs no
database.
"""

from __future__ import annotations

import argparse
import sys
import time

from voting.verify.election import election_code
from voting.verify.receipts import receipt_report
from voting.verify.record import verify_record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m voting.verify", description=__doc__)
    parser.add_argument("record", help="the election record (JSON Lines), or - for stdin")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: CPUs)")
    parser.add_argument("--receipts", nargs="+", metavar="FILE", help="voters' receipts to check")
    args = parser.parse_args(argv)
    if args.receipts and args.record == "-":
        parser.error("--receipts needs the record as a file")
    started = time.perf_counter()
    try:
        if args.record == "-":
            report = verify_record(sys.stdin, workers=args.workers)
        else:
            # newline="": a "\r\n" stays in the line (and fails the canonical-line check);
            # undecodable bytes become lone surrogates, which no canonical line holds.
            with open(
                args.record, encoding="utf-8", errors="surrogateescape", newline=""
            ) as handle:
                report = verify_record(handle, workers=args.workers)
    except OSError as exc:
        print(f"cannot read the record: {exc}", file=sys.stderr)
        return 2
    print(f"election fingerprint: {report.fingerprint or '(unknown)'}")
    print(f"election code: {_code(report.fingerprint)}")
    for line in report.lines():
        print(line)
    receipt_lines, receipts_ok = receipt_report(args.record, args.receipts or [])
    for line in receipt_lines:
        print(line)
    elapsed = time.perf_counter() - started
    if report.ok and receipts_ok:
        print(f"all checks passed ({elapsed:.1f} s)")
        return 0
    print(f"VERIFICATION FAILED ({elapsed:.1f} s)")
    return 1


def _code(fingerprint: str | None) -> str:
    """The election code (docs/elections.md §1) to compare with the one observers publish."""
    try:
        return election_code(bytes.fromhex(fingerprint or ""))
    except ValueError:
        return "(unknown)"


if __name__ == "__main__":
    sys.exit(main())
