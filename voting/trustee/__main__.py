"""``python -m voting.trustee``: a trustee's key ceremony and decryption from a terminal.

    python -m voting.trustee --server URL --election UUID generate --key-file trustee.key
    python -m voting.trustee --server URL --election UUID ceremony --key-file trustee.key --wait 60
    python -m voting.trustee --server URL --election UUID status
    python -m voting.trustee --server URL --election UUID decrypt --key-file trustee.key

Sign in with ``--session`` (the ``sessionid`` cookie of a signed-in browser, or
``$MASHWARA_SESSION``) or ``--user`` (asks for the password and, if needed, the authenticator
code). The passphrase is asked on the terminal, or read from ``$MASHWARA_PASSPHRASE`` or the first
line of ``--passphrase-file``. Every step is safe to repeat: the client asks the server where
the ceremony stands and sends only what is due.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from pathlib import Path

from voting import clients
from voting.crypto.errors import CryptoError
from voting.trustee import cohorts, keyfile, steps
from voting.trustee.client import ServerClient, ServerError
from voting.trustee.keyfile import KeyFileError, TrusteeKey


def _passphrase(args: argparse.Namespace, *, confirm: bool) -> str:
    if args.passphrase_file:
        return Path(args.passphrase_file).read_text(encoding="utf-8").splitlines()[0]
    if os.environ.get("MASHWARA_PASSPHRASE"):
        return os.environ["MASHWARA_PASSPHRASE"]
    first = getpass.getpass("Passphrase for the key file: ")
    if confirm and getpass.getpass("The same passphrase again: ") != first:
        raise KeyFileError("the two passphrases differ")
    return first


def _client(args: argparse.Namespace) -> ServerClient:
    client = ServerClient(args.server, args.election, session=args.session)
    if args.user:
        password = os.environ.get("MASHWARA_PASSWORD") or getpass.getpass("Password: ")
        client.login(args.user, password, args.totp)
    return client


def _load_key(args: argparse.Namespace, client: ServerClient) -> TrusteeKey:
    data = keyfile.loads_keyfile(Path(args.key_file).read_bytes())
    key = keyfile.open_keyfile(data, _passphrase(args, confirm=False))
    if key.election != client.election.replace("-", ""):
        raise KeyFileError("this key file belongs to another election")
    return key


def _print_status(status: dict) -> None:
    print(f"threshold {status['threshold']} of {len(status['trustees'])} trustees")
    for t in status["trustees"]:
        marks = [
            "commitments" if t["commitments"] is not None else "no commitments",
            "shares sent" if t["shares_sent"] else "shares not sent",
            "verified" if t["verified"] else "not verified",
        ]
        if t["disqualified"]:
            marks.append("DISQUALIFIED")
        me = " (you)" if t["index"] == status.get("my_index") else ""
        print(f"  trustee {t['index']} {t['name']}{me}: {', '.join(marks)}")
    for c in status.get("complaints", []):
        print(f"  complaint: trustee {c['recipient']} against trustee {c['sender']}")
    print("ceremony complete" if status.get("complete") else "ceremony in progress")
    if status.get("joint_public_key"):
        print(f"joint public key {status['joint_public_key']}")


def cmd_generate(args: argparse.Namespace) -> int:
    client = _client(args)
    status = client.ceremony()
    index = status.get("my_index")
    if index is None:
        raise steps.TrusteeRefusal("you are not a trustee of this election")
    me = next(t for t in status["trustees"] if t["index"] == index)
    if me["commitments"] is not None:
        raise steps.TrusteeRefusal(
            "you already published commitments: continue with your key file (ceremony)"
        )
    path = Path(args.key_file)
    if path.exists():
        raise KeyFileError(f"{path} exists: choose another file name")
    # An issuer (trustee 1..k) of an election with cohort dimensions makes one more key per
    # stated value, here on this machine (docs/protocol.md §12.2).
    values = cohorts.values_to_key(cohorts.definition_cohorts(status), index, status["threshold"])
    if values:
        print(f"making {len(values)} cohort keys (RSA-3072, a second or so each)…", flush=True)
    key = TrusteeKey(
        election=client.election.replace("-", ""),
        ceremony_context=bytes.fromhex(status["ceremony_context"]),
        threshold=status["threshold"],
        secrets=steps.new_secrets(index, status["threshold"]),
        issuer_key=steps.new_issuer_key(index, status["threshold"]),
        cohort_keys={(d, v): clients.new_cohort_key(index, d, v) for d, v in values},
    )
    sealed = keyfile.seal(key, _passphrase(args, confirm=True))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(keyfile.dumps_keyfile(sealed))
    print(f"key file written to {path}: keep a copy offline; it cannot be recovered")
    client.post_ceremony("commitments", steps.announcement(key))
    if key.issuer_key is not None:
        print(f"commitments and issuer key of trustee {index} published")
    else:
        print(
            f"commitments of trustee {index} published (no issuer key: the issuers are trustees "
            f"1 to {key.threshold}, and trustee {index} only decrypts)"
        )
    if key.cohort_keys:
        print(f"with {len(key.cohort_keys)} cohort keys, one per stated value")
    return 0


def cmd_ceremony(args: argparse.Namespace) -> int:
    client = _client(args)
    key = _load_key(args, client)
    deadline = time.monotonic() + (args.wait or 0)
    while True:
        status = client.ceremony()
        due = steps.next_ceremony_step(key, status)
        if due is not None:
            step, body = due
            client.post_ceremony(step, body)
            if step == "verification" and body["complaints"]:
                senders = [c["sender"] for c in body["complaints"]]
                print(f"sent verification with complaints against trustees {senders}")
            else:
                print(f"sent {step}")
            continue
        if status.get("complete"):
            _print_status(status)
            published = client.manifest()
            steps.check_manifest(key, status, published)
            steps.check_announced_issuer_keys(status, published["manifest"])
            if key.index <= key.threshold:
                print(
                    f"manifest checked: it holds your issuer key as issuer {key.index} and every "
                    "issuer key the trustees announced"
                )
            else:
                print(
                    "manifest checked: it holds every issuer key the trustees 1 to "
                    f"{key.threshold} announced (you are no issuer)"
                )
            if "cohort_keys" in published["manifest"]:
                print(
                    "and every issuer's cohort keys as announced"
                    + (f", yours among them ({len(key.cohort_keys)})" if key.cohort_keys else "")
                )
            return 0
        if time.monotonic() >= deadline:
            _print_status(status)
            print("nothing to send now: run this again later (or use --wait)")
            return 0
        time.sleep(min(args.interval, max(0.0, deadline - time.monotonic())))


def cmd_status(args: argparse.Namespace) -> int:
    _print_status(_client(args).ceremony())
    return 0


def cmd_decrypt(args: argparse.Namespace) -> int:
    client = _client(args)
    key = _load_key(args, client)
    status = client.ceremony()
    steps.check_status(key, status)
    published = client.manifest()
    tally = client.tally()
    cohort_tally = client.cohort_tally() if "cohorts" in published["manifest"] else None
    print("checking the board against the encrypted tally…")
    checked = steps.check_tally(
        key,
        status,
        published,
        client.board_entries(),
        client.head(),
        client.roll(),
        tally,
        cohort_tally,
    )
    print(f"the tally of {tally['counted']} counted ballots matches the board")
    if checked.cohort_plan is not None:
        groups = sum(len(r.groups) for r in checked.cohort_plan if r.groups is not None)
        print(
            "the per-cohort sums and the release plan match the counted ballots' labels: "
            f"decrypting the {groups} groups the rule publishes"
        )
    client.post_decryption(steps.decryption_message(key, status, checked, tally))
    print(f"decryption shares of trustee {key.index} sent")
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m voting.trustee", description="A Mashwara trustee's ceremony and decryption."
    )
    main.add_argument("--server", default=os.environ.get("MASHWARA_SERVER"), required=False)
    main.add_argument("--election", required=True, help="the election's identifier (UUID)")
    main.add_argument(
        "--session",
        default=os.environ.get("MASHWARA_SESSION"),
        help="sessionid cookie of a signed-in session",
    )
    main.add_argument("--user", help="sign in with this name (asks for the password)")
    main.add_argument("--totp", help="authenticator code, if the account has one")
    main.add_argument("--passphrase-file", help="read the key file passphrase from this file")
    commands = main.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="make secrets, save the key file, publish")
    generate.add_argument("--key-file", required=True)
    generate.set_defaults(run=cmd_generate)
    ceremony = commands.add_parser("ceremony", help="send whatever the ceremony needs now")
    ceremony.add_argument("--key-file", required=True)
    ceremony.add_argument("--wait", type=float, default=0, help="keep going for this many seconds")
    ceremony.add_argument("--interval", type=float, default=30, help="seconds between polls")
    ceremony.set_defaults(run=cmd_ceremony)
    status = commands.add_parser("status", help="show where the ceremony stands")
    status.set_defaults(run=cmd_status)
    decrypt = commands.add_parser("decrypt", help="check the tally and send decryption shares")
    decrypt.add_argument("--key-file", required=True)
    decrypt.set_defaults(run=cmd_decrypt)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.server:
        print("error: give --server or set MASHWARA_SERVER", file=sys.stderr)
        return 2
    try:
        return args.run(args)
    except (ServerError, KeyFileError, steps.TrusteeRefusal, CryptoError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
