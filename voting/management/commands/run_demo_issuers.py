"""``python manage.py run_demo_issuers [--url URL]``: the demo trustees' credential issuers.

``seed_demo`` seals the demo trustees' key files for the election in its credential window under
``var/demo-issuers/`` (mode 0600, with ``issuers.json`` naming them). Credentials need ``k`` of
the ``n`` trustees' blind signatures (docs/elections.md §3), so this command runs ``python -m
voting.issuer`` for the first ``threshold`` of them, each signed in as its demo trustee: a demo
voter's request is signed within seconds. ``make run`` starts it beside the server and stops it
on exit; tests/voting/test_demo_issuers.py starts it with the same command line.

It waits until the server answers, restarts a daemon that failed (the development server
restarts when the code changes), leaves alone one that finished (the window closed and it
published its ledger), and stops its daemons when it is stopped.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

from django.core.management.base import BaseCommand, CommandError

from voting.demo import issuers_dir

RESTART_AFTER = 5.0  # seconds before a failed daemon is started again
# Seconds between the daemons' first starts: each signs in, and the server hashes one password
# at a time (two at once would get "busy", HTTP 503).
STAGGER = 3.0
INTERVAL = "1"  # seconds between the daemons' polls of their queue


def daemon_command(url: str, plan: dict, issuer: dict, directory: Path) -> list[str]:
    """The issuer daemon's command line for one demo trustee of ``plan``."""
    return [
        sys.executable, "-m", "voting.issuer",
        "--url", url,
        "--election", plan["election"],
        "--user", issuer["user"],
        "--key-file", str(directory / issuer["key_file"]),
        "--passphrase-file", str(directory / plan["passphrase_file"]),
        "--ledger", str(directory / f"ledger-{issuer['index']}.jsonl"),
        "--interval", INTERVAL,
    ]  # fmt: skip


def wait_for_server(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(url.rstrip("/") + "/", timeout=5):  # noqa: S310 - our own server
                return True
        except HTTPError:
            return True  # it answers
        except (URLError, OSError):
            time.sleep(0.5)
    return False


class Command(BaseCommand):
    help = "Run the issuer daemons of the demo trustees (k of n) for the demo's credential window."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server's address")
        parser.add_argument(
            "--wait", type=float, default=120.0, help="seconds to wait for the server to answer"
        )

    def handle(self, *args, url: str, wait: float, **options):
        from convention.management.commands.seed_demo import DEMO_PASSWORD

        directory = issuers_dir()
        try:
            plan = json.loads((directory / "issuers.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            self.stdout.write(
                f"demo issuers: no key files in {directory} (the demo database was seeded "
                "before they were kept): no issuer runs, so credential requests stay unsigned."
            )
            return
        except ValueError as exc:
            raise CommandError(f"{directory / 'issuers.json'}: {exc}") from None
        if not wait_for_server(url, wait):
            raise CommandError(f"demo issuers: the server at {url} did not answer")
        env = {**os.environ, "MASHWARA_PASSWORD": DEMO_PASSWORD}
        commands = {
            issuer["user"]: daemon_command(url, plan, issuer, directory)
            for issuer in plan["issuers"][: plan["threshold"]]
        }
        self.stdout.write(
            f"demo issuers: {', '.join(commands)} sign the credential requests of election "
            f"{plan['election']}"
        )
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        running: dict[str, subprocess.Popen] = {}
        start = time.monotonic()
        restart_at = {user: start + i * STAGGER for i, user in enumerate(commands)}
        try:
            while running or restart_at:
                now = time.monotonic()
                for user, when in list(restart_at.items()):
                    if when <= now:
                        del restart_at[user]
                        running[user] = subprocess.Popen(commands[user], env=env)  # noqa: S603
                for user, process in list(running.items()):
                    code = process.poll()
                    if code is None:
                        continue
                    del running[user]
                    if code:
                        self.stderr.write(
                            f"demo issuers: {user}'s daemon stopped ({code}); again in "
                            f"{RESTART_AFTER:.0f} s"
                        )
                        restart_at[user] = now + RESTART_AFTER
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in running.values():
                process.terminate()
            for process in running.values():
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
