"""Password hashing with a bound on how many hashes run at once on a machine.

Every Argon2 hash costs about a third of a second of CPU and ~100 MiB; logins with random
usernames cost the same (Django, and allauth's backend, hash the password once for an unknown
user so that timing does not tell which usernames exist — kept: the bound applies to that hash
too, through ``encode``). Without a bound, a flood of bogus logins occupies every web worker with
Argon2 and the ballot box, served by the same workers, stalls.

``BoundedArgon2PasswordHasher`` takes one of ``PASSWORD_HASHING_SLOTS`` slots before hashing and
waits at most ``PASSWORD_HASHING_WAIT`` seconds for one; if none frees up it raises
``PasswordHashingBusy``, which ``PasswordHashingBusyMiddleware`` answers with a translated 503 and
``Retry-After`` (a short wait, never a stalled worker). The slots are ``flock`` locks on files
in ``PASSWORD_HASHING_LOCK_DIR``: they bound the hashing across every worker process and
thread of the machine (gunicorn's sync workers are separate processes, so a per-process
semaphore would bound nothing), and the kernel releases a slot when its process dies.

Inside its slot the hash runs on the process's own hashing thread at the lowest CPU priority
(niceness 19; Linux gives a thread its own niceness, and Argon2's C code runs without Python's
lock): whenever the cores are busy, the kernel gives them to casting and page views first, so
even the slots' worth of hashing cannot slow the ballot box (bench/login_flood.py).
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

RETRY_AFTER = 5  # seconds
HASHING_NICENESS = 19


class PasswordHashingBusy(Exception):
    """Every hashing slot stayed taken for the whole wait."""


def _lock_dir() -> Path:
    configured = getattr(settings, "PASSWORD_HASHING_LOCK_DIR", "")
    path = Path(configured or tempfile.gettempdir()) / "mashwara-password-slots"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


@contextmanager
def hashing_slot() -> Iterator[None]:
    slots = max(1, int(getattr(settings, "PASSWORD_HASHING_SLOTS", 1)))
    wait = float(getattr(settings, "PASSWORD_HASHING_WAIT", 0.5))
    directory = _lock_dir()
    deadline = time.monotonic() + wait
    while True:
        for slot in range(slots):
            fd = os.open(directory / f"slot-{slot}", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
            return
        if time.monotonic() >= deadline:
            raise PasswordHashingBusy()
        time.sleep(0.01)


def _lower_this_threads_priority() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: the slots still bound it
        pass


_hashing_thread: tuple[int, ThreadPoolExecutor] | None = None
_hashing_thread_lock = threading.Lock()


def at_low_priority(work: Callable, *args):
    """``work(*args)`` on one of this process's hashing threads (niceness
    ``HASHING_NICENESS``), as many as there are slots. They are made on first use in each
    process, so a forked worker never waits on a thread of its parent's."""
    global _hashing_thread
    with _hashing_thread_lock:
        if _hashing_thread is None or _hashing_thread[0] != os.getpid():
            executor = ThreadPoolExecutor(
                max_workers=max(1, int(getattr(settings, "PASSWORD_HASHING_SLOTS", 1))),
                thread_name_prefix="password-hashing",
                initializer=_lower_this_threads_priority,
            )
            _hashing_thread = (os.getpid(), executor)
        executor = _hashing_thread[1]
    return executor.submit(work, *args).result()


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    """Django's Argon2 hasher (same algorithm name and parameters: existing hashes verify),
    hashing only inside a slot, at the lowest CPU priority."""

    def encode(self, password, salt):
        with hashing_slot():
            return at_low_priority(super().encode, password, salt)

    def verify(self, password, encoded):
        with hashing_slot():
            return at_low_priority(super().verify, password, encoded)


class PasswordHashingBusyMiddleware:
    """Answers ``PasswordHashingBusy`` with 503 + Retry-After: JSON for JSON clients, else a
    page that says to try again in a few seconds (translated)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, PasswordHashingBusy):
            return None
        message = _(
            "Too many people are signing in at this moment. Wait a few seconds and try again."
        )
        if "application/json" in request.headers.get("Accept", ""):
            response = JsonResponse({"error": "busy", "message": message}, status=503)
        else:
            response = render(request, "busy.html", {"message": message}, status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        # An expected answer under load, not a server fault: a flood would otherwise write a
        # log line per request.
        response._has_been_logged = True
        return response
