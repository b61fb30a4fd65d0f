from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.sessions.models import Session

from config.sessions import round_up_to_hour

pytestmark = pytest.mark.django_db


def test_stored_session_expiry_is_rounded_to_the_hour(client):
    from convention.models import User

    user = User.objects.create_user(username="Roya", password="a-long-pass-phrase")
    client.force_login(user)
    session = Session.objects.get()
    assert (session.expire_date.minute, session.expire_date.second) == (0, 0)
    assert session.expire_date.microsecond == 0
    assert client.get("/accounts/settings/").status_code == 200  # still logged in


def test_rounding_up_never_shortens_a_session():
    moment = datetime(2026, 11, 25, 22, 17, 3, 5, tzinfo=UTC)
    assert round_up_to_hour(moment) == datetime(2026, 11, 25, 23, tzinfo=UTC)
    exact = datetime(2026, 11, 25, 22, tzinfo=UTC)
    assert round_up_to_hour(exact) == exact


def test_session_data_is_signed_with_the_hour_not_the_second(client):
    from django.core import signing

    from convention.models import User

    user = User.objects.create_user(username="Roya", password="a-long-pass-phrase")
    client.force_login(user)
    data = Session.objects.get().session_data
    assert signing.b62_decode(data.rsplit(":", 2)[1]) % 3600 == 0
    assert Session.objects.get().get_decoded()["_auth_user_id"] == str(user.pk)
