"""What registrars and people signing up leave in the cache neither gives the second they acted
nor lets a copy of the database find their entry (audit, issue 10 item 3)."""

from __future__ import annotations

import hashlib
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from convention.models import Phase, Role, hash_invitation_code
from convention.services.invitations import BATCH_MEMORY_SECONDS, issue_invitations
from tests.convention import convention_factories
from tests.convention.account_factories import (
    issue_code,
    make_convention,
    make_registrar,
    signup_data,
)
from tests.deliberation.test_cache_times import _expiries, _on_boundary

pytestmark = pytest.mark.django_db


def test_remembered_invitation_batch_expires_on_a_whole_hour():
    convention = convention_factories.make_convention(phase=Phase.REGISTRATION)
    registrar = convention_factories.make_member(convention, Role.REGISTRAR, quota=5)
    cache.clear()
    issue_invitations(registrar=registrar, count=2, batch_token="form-token-1")
    (key, expiry), *others = _expiries().items()
    assert not others and "invitation-batch" in key
    assert _on_boundary(expiry, 3600)
    assert BATCH_MEMORY_SECONDS - 5 <= expiry - time.time() <= BATCH_MEMORY_SECONDS + 3600


def test_signup_attempts_are_counted_under_a_key_the_database_cannot_name():
    registrar = make_registrar(make_convention())
    code = issue_code(registrar)
    cache.clear()
    response = Client().post(reverse("account_signup"), signup_data(code))
    assert response.status_code == 302
    from_database = hashlib.sha256(hash_invitation_code(code).encode()).hexdigest()
    keys = list(_expiries())
    assert any(":redeem_invitation:" in key for key in keys)
    assert not any(from_database in key or hash_invitation_code(code) in key for key in keys)
