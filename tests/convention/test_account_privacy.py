"""After sign-up, TOTP set-up, log-out and a log-in with TOTP, the client's address and user agent
are nowhere: not in any table (through the ORM and raw), not in the cache, not in the logs."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import pickle

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.convention.account_factories import (
    PASSWORD,
    activate_totp,
    issue_code,
    make_convention,
    make_registrar,
    signup_data,
    totp_code,
)

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"
AGENT = "Mozilla/5.0 (X11; PrivacyProbe) Mashwara-UA-Canary-7f3e"


def address_forms(address: str) -> list[str | bytes]:
    ip = ipaddress.ip_address(address)
    mapped = ipaddress.IPv6Address(f"::ffff:{address}")
    packed = ip.packed
    return [
        address,
        ".".join(reversed(address.split("."))),  # reverse-DNS order
        str(mapped),  # ::ffff:cb00:714d
        mapped.exploded,
        f"::ffff:{address}",
        packed.hex(),  # cb00714d
        str(int(ip)),  # 3405803853
        hashlib.sha256(address.encode()).hexdigest(),
        hashlib.md5(address.encode()).hexdigest(),  # noqa: S324 - a form to look for, not to use
        packed,
    ]


NEEDLES: list[str | bytes] = [
    *address_forms(ADDRESS),
    AGENT,
    "PrivacyProbe",
    "Mashwara-UA-Canary-7f3e",
    hashlib.sha256(AGENT.encode()).hexdigest(),
]


def leaks(value) -> list:
    """The needles found in ``value`` (text, bytes, or anything with a repr)."""
    if value is None:
        return []
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        found = [n for n in NEEDLES if isinstance(n, bytes) and n in value]
        text = value.decode("utf-8", "replace")
    else:
        text = value if isinstance(value, str) else repr(value)
        found = []
    lowered = text.lower()
    found += [n for n in NEEDLES if isinstance(n, str) and n.lower() in lowered]
    return found


def decoded_sessions() -> list[dict]:
    from django.contrib.sessions.models import Session

    return [session.get_decoded() for session in Session.objects.all()]


def every_model_value():
    for model in apps.get_models():
        for row in model._base_manager.all():
            for field in model._meta.concrete_fields:
                value = getattr(row, field.attname)
                if isinstance(value, dict | list):
                    value = json.dumps(value)
                yield f"{model._meta.label}.{field.name}", value


def every_raw_value():
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    yield table, value


def every_cache_entry():
    from django.core.cache.backends.locmem import LocMemCache

    backend = caches["default"]
    if isinstance(backend, LocMemCache):
        for key, raw in list(backend._cache.items()):
            yield key, key
            yield key, raw
            yield key, repr(pickle.loads(raw))  # noqa: S301 - our own test cache
    else:  # Redis
        client = backend._cache.get_client()
        for key in client.scan_iter():
            yield key, key
            if client.type(key) == b"string":
                raw = client.get(key)
                yield key, raw
                try:
                    yield key, repr(pickle.loads(raw))  # noqa: S301 - our own test cache
                except Exception:  # noqa: BLE001, S112 - not every value is a pickle
                    continue


def test_no_address_or_user_agent_is_stored_anywhere(caplog):
    caplog.set_level(logging.DEBUG)
    registrar = make_registrar(make_convention())
    code = issue_code(registrar)
    headers = {
        "REMOTE_ADDR": ADDRESS,
        "HTTP_USER_AGENT": AGENT,
        "HTTP_X_FORWARDED_FOR": ADDRESS,
        "HTTP_X_REAL_IP": ADDRESS,
        "HTTP_FORWARDED": f"for={ADDRESS}",
    }
    client = Client(**headers)

    # Sign up, turn on TOTP, log out.
    assert client.get(reverse("account_signup")).status_code == 200
    response = client.post(
        reverse("account_signup"), signup_data(code, email="someone@example.org")
    )
    assert response.status_code == 302
    secret = activate_totp(client)
    client.post(reverse("account_logout"))

    # A failed log-in (rate-limit entries), then a log-in with password and TOTP.
    client.post(reverse("account_login"), {"login": "newcomer", "password": "not it"})
    response = client.post(reverse("account_login"), {"login": "newcomer", "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("account_settings")).status_code == 200
    client.get("/does-not-exist/")  # a 404, which Django logs

    # A second device stays logged in, so a live session is searched too; the first logs out.
    other = Client(**headers)
    other.post(reverse("account_login"), {"login": "newcomer", "password": PASSWORD})
    # The TOTP code was just used (replays are refused): this device uses a recovery code.
    recovery = Authenticator.objects.get(type=Authenticator.Type.RECOVERY_CODES).wrap()
    other.post(reverse("mfa_authenticate"), {"code": recovery.get_unused_codes()[0]})
    assert other.get(reverse("account_settings")).status_code == 200
    client.post(reverse("account_logout"))

    found = [(where, leaks(value)) for where, value in every_model_value() if leaks(value)]
    assert found == []
    found = [(table, leaks(value)) for table, value in every_raw_value() if leaks(value)]
    assert found == []
    sessions = decoded_sessions()
    assert sessions, "the second device's session should be stored"
    assert [leaks(json.dumps(data, default=str)) for data in sessions] == [[] for _ in sessions]
    entries = list(every_cache_entry())
    assert entries, "the rate limits should have written to the cache"
    assert [(key, leaks(value)) for key, value in entries if leaks(value)] == []
    for record in caplog.records:
        assert leaks(record.getMessage()) == [], record
        assert leaks(repr(vars(record))) == [], record
    assert leaks(caplog.text) == []
