"""A flood of logins with random usernames cannot occupy every worker with Argon2: at most
PASSWORD_HASHING_SLOTS hashes run at once on the machine, a login that cannot get a slot in
PASSWORD_HASHING_WAIT seconds gets a translated 503 with Retry-After, and an unknown username
still costs one hash (no timing oracle for which usernames exist)."""

from __future__ import annotations

import json
import secrets
import threading
import time

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client
from django.urls import reverse

from convention.passwords import BoundedArgon2PasswordHasher, PasswordHashingBusy, hashing_slot


@pytest.fixture
def measured(monkeypatch):
    """Count the Argon2 hashes and the most that ran at once (each made to take 0.2 s)."""
    state = {"running": 0, "most": 0, "hashes": 0}
    lock = threading.Lock()
    real_encode, real_verify = Argon2PasswordHasher.encode, Argon2PasswordHasher.verify

    def timed(real):
        def run(self, *args):
            with lock:
                state["running"] += 1
                state["hashes"] += 1
                state["most"] = max(state["most"], state["running"])
            try:
                time.sleep(0.2)
                return real(self, *args)
            finally:
                with lock:
                    state["running"] -= 1

        return run

    monkeypatch.setattr(Argon2PasswordHasher, "encode", timed(real_encode))
    monkeypatch.setattr(Argon2PasswordHasher, "verify", timed(real_verify))
    return state


def test_the_configured_hasher_is_the_bounded_one(settings):
    from django.contrib.auth.hashers import get_hasher

    assert isinstance(get_hasher("argon2"), BoundedArgon2PasswordHasher)
    assert settings.PASSWORD_HASHING_SLOTS >= 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_bogus_logins_hash_one_at_a_time_and_the_rest_get_503(settings, measured):
    settings.PASSWORD_HASHING_SLOTS = 1
    settings.PASSWORD_HASHING_WAIT = 0.3
    answers: list = []

    def bogus_login() -> None:
        response = Client().post(
            reverse("account_login"),
            {"login": "nobody-" + secrets.token_hex(4), "password": secrets.token_hex(8)},
        )
        answers.append(response)

    threads = [threading.Thread(target=bogus_login) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert measured["most"] == 1  # never two Argon2 hashes at once
    busy = [r for r in answers if r.status_code == 503]
    assert busy, "some logins had to wait longer than the wait and were told to come back"
    assert all(int(r["Retry-After"]) > 0 for r in busy)
    assert b"Wait a few seconds and try again" in busy[0].content
    # The others were refused as wrong credentials, each after one hash of an unknown user.
    assert len(answers) - len(busy) == measured["hashes"]
    assert all(r.status_code == 200 for r in answers if r.status_code != 503)


@pytest.mark.django_db
def test_an_unknown_username_still_costs_one_hash(measured, django_user_model):
    Client().post(reverse("account_login"), {"login": "nobody-at-all", "password": "x" * 12})
    assert measured["hashes"] == 1


def test_a_busy_slot_is_a_bounded_wait(settings):
    settings.PASSWORD_HASHING_SLOTS = 1
    settings.PASSWORD_HASHING_WAIT = 0.2
    with hashing_slot():
        started = time.monotonic()
        with pytest.raises(PasswordHashingBusy), hashing_slot():
            pass
        assert time.monotonic() - started < 0.5
    with hashing_slot():  # released
        pass


def test_a_json_client_gets_json(settings, rf):
    from convention.passwords import PasswordHashingBusyMiddleware

    request = rf.post("/accounts/login/", HTTP_ACCEPT="application/json")
    response = PasswordHashingBusyMiddleware(lambda r: None).process_exception(
        request, PasswordHashingBusy()
    )
    assert response.status_code == 503 and response["Retry-After"]
    assert json.loads(response.content)["error"] == "busy"


def test_hashes_run_at_the_lowest_cpu_priority_and_the_request_thread_keeps_its_own(monkeypatch):
    """Argon2 yields the cores to casting and page views: the hash itself runs on a thread
    of niceness 19, while the thread that serves the request keeps its priority."""
    import os

    seen: list[tuple[int, int]] = []
    real_encode = Argon2PasswordHasher.encode

    def observed(self, password, salt):
        native = threading.get_native_id()
        seen.append((native, os.getpriority(os.PRIO_PROCESS, native)))
        return real_encode(self, password, salt)

    monkeypatch.setattr(Argon2PasswordHasher, "encode", observed)
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    encoded = BoundedArgon2PasswordHasher().encode("correct horse", "saltsaltsalt")
    assert BoundedArgon2PasswordHasher().verify("correct horse", encoded)
    assert not BoundedArgon2PasswordHasher().verify("wrong horse", encoded)
    [(hashing_thread, niceness)] = seen
    assert niceness == 19
    assert hashing_thread != threading.get_native_id()
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
