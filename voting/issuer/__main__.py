"""``python -m voting.issuer``: blind-sign the credential requests addressed to this trustee.

    python -m voting.issuer --key-file trustee.key --url https://host --election UUID \\
        [--user NAME | --session SESSIONID] [--interval 2] [--ledger FILE] [--once]

It first checks the published manifest against the key file (fingerprint, definition, joint key,
and that it holds this trustee's issuer key as issuer ``i`` and every issuer key as announced,
and, in an election with cohort dimensions, its cohort keys and every issuer's as announced),
then, while the election is in its credential window, fetches the queue every ``--interval``
seconds, signs every request (and its cohort labels, each with the key file's key for its
value), appends each roll id to the ledger file (JSON lines, written and flushed *before* the
signatures are posted, so the ledger never misses a signature the server holds) and posts the
signatures. A request it cannot sign as it stands — a label of a value it holds no key for, two
labels of one dimension, a blinded message that does not fit its key — is refused: not signed,
not in the ledger, reported on the terminal. Once the window has closed it posts the signed
ledger and exits. Sign-in and passphrase as ``python -m voting.trustee``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from voting.clients import sign_request
from voting.crypto.errors import CryptoError
from voting.trustee import keyfile, steps
from voting.trustee.client import ServerClient, ServerError
from voting.trustee.keyfile import KeyFileError, TrusteeKey
from voting.verify.issuers import ledger_document, sign_ledger

SIGNING = "credentials"
BEFORE = ("draft", "key_ceremony")
POST_LIMIT = 500


def _passphrase(args: argparse.Namespace) -> str:
    if args.passphrase_file:
        return Path(args.passphrase_file).read_text(encoding="utf-8").splitlines()[0]
    if os.environ.get("MASHWARA_PASSPHRASE"):
        return os.environ["MASHWARA_PASSPHRASE"]
    return getpass.getpass("Passphrase for the key file: ")


def _client(args: argparse.Namespace) -> ServerClient:
    client = ServerClient(args.url, args.election, session=args.session)
    if args.user:
        password = os.environ.get("MASHWARA_PASSWORD") or getpass.getpass("Password: ")
        client.login(args.user, password, args.totp)
    return client


def read_ledger(path: Path) -> list[str]:
    """The roll ids of the ledger file, one per request signed (a request id seen twice counts
    once: a retry after a lost answer signs the same request again)."""
    if not path.exists():
        return []
    seen: dict[int, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            seen[int(item["request"])] = str(item["roll_id"])
        except (ValueError, KeyError, TypeError):
            raise KeyFileError(f"{path}:{number}: not a ledger line") from None
    return list(seen.values())


def _append_ledger(path: Path, requests: list[dict[str, Any]]) -> None:
    with path.open("a", encoding="utf-8") as handle:
        for item in requests:
            handle.write(
                json.dumps({"request": item["request"], "roll_id": item["roll_id"]}) + "\n"
            )
        handle.flush()
        os.fsync(handle.fileno())


def check_election(client: ServerClient, key: TrusteeKey) -> tuple[bytes, dict[str, Any]]:
    """The manifest is our ceremony's and holds our issuer key; returns (fingerprint, manifest)."""
    status = client.ceremony()
    steps.check_status(key, status)
    if not status.get("complete"):
        raise steps.TrusteeRefusal("the key ceremony is not complete yet")
    published = client.manifest()
    fingerprint = steps.check_manifest(key, status, published)
    steps.check_announced_issuer_keys(status, published["manifest"])
    threshold = published["manifest"]["issuers"]["threshold"]
    if key.index > threshold:
        raise steps.TrusteeRefusal(
            f"trustee {key.index} is no issuer of this election: the issuers are trustees "
            f"1 to {threshold}"
        )
    return fingerprint, published["manifest"]


def sign_pending(
    client: ServerClient, key: TrusteeKey, ledger: Path, queue: dict, refused: set | None = None
) -> int:
    """Sign every request of ``queue`` that can be signed: ledger lines first, then the
    signatures. A request that cannot is reported once (``refused`` remembers it) and left
    unsigned, however often the server queues it again."""
    requests = queue["requests"]
    refused = set() if refused is None else refused
    signed = 0
    for start in range(0, len(requests), POST_LIMIT):
        signatures, items = [], []
        for item in requests[start : start + POST_LIMIT]:
            request = item.get("request") if isinstance(item, dict) else None
            if request in refused:
                continue
            try:
                signatures.append(sign_request(key.issuer_key, item, key.cohort_keys))
            except (CryptoError, KeyError, TypeError, AttributeError) as exc:
                refused.add(request)
                print(f"refused request {request!r}: {exc}", file=sys.stderr, flush=True)
                continue
            items.append(item)
        if not items:
            continue
        _append_ledger(ledger, items)
        client.post_json("issuer/signatures", {"signatures": signatures})
        signed += len(items)
    return signed


def publish(client: ServerClient, key: TrusteeKey, fingerprint: bytes, ledger: Path) -> int:
    entries = read_ledger(ledger)
    signed = sign_ledger(key.issuer_key, ledger_document(fingerprint, key.index, entries))
    client.post_json("issuer/ledger", signed)
    return len(entries)


def run(args: argparse.Namespace) -> int:
    client = _client(args)
    data = keyfile.loads_keyfile(Path(args.key_file).read_bytes())
    key = keyfile.open_keyfile(data, _passphrase(args))
    if key.election != client.election.replace("-", ""):
        raise KeyFileError("this key file belongs to another election")
    fingerprint, _ = check_election(client, key)
    ledger = Path(args.ledger or f"issuer-{key.index}-{key.election}.jsonl")
    held = f" and your {len(key.cohort_keys)} cohort keys" if key.cohort_keys else ""
    print(f"issuer {key.index}: the manifest holds your issuer key{held}", flush=True)
    print(f"ledger {ledger}", flush=True)
    signed = 0
    refused: set = set()
    while True:
        queue = client.get_json("issuer/queue")
        if queue["state"] == SIGNING:
            count = sign_pending(client, key, ledger, queue, refused)
            if count:
                signed += count
                print(f"signed {count} requests ({signed} in this run)", flush=True)
        elif queue["state"] not in BEFORE:
            entries = publish(client, key, fingerprint, ledger)
            print(f"the credential window has closed: ledger of {entries} entries published")
            return 0
        if args.once:
            return 0
        time.sleep(args.interval)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m voting.issuer",
        description="A Mashwara trustee's credential issuer: blind-signs queued requests.",
    )
    main.add_argument("--url", "--server", dest="url", default=os.environ.get("MASHWARA_SERVER"))
    main.add_argument("--election", required=True, help="the election's identifier (UUID)")
    main.add_argument("--key-file", required=True)
    main.add_argument("--session", default=os.environ.get("MASHWARA_SESSION"))
    main.add_argument("--user", help="sign in with this name (asks for the password)")
    main.add_argument("--totp", help="authenticator code, if the account has one")
    main.add_argument("--passphrase-file", help="read the key file passphrase from this file")
    main.add_argument("--interval", type=float, default=2.0, help="seconds between polls")
    main.add_argument("--ledger", help="the ledger file (JSON lines)")
    main.add_argument("--once", action="store_true", help="one pass, then exit")
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.url:
        print("error: give --url or set MASHWARA_SERVER", file=sys.stderr)
        return 2
    try:
        return run(args)
    except (ServerError, KeyFileError, steps.TrusteeRefusal, CryptoError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
