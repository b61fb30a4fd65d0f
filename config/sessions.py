"""Database sessions that say nothing precise about when someone logged in.

Django stores ``expire_date = now + SESSION_COOKIE_AGE`` with each session row, which would keep
each member's log-in time to the microsecond. Rounding it up to the next hour keeps sessions
working (they last up to an hour longer) while the stored time is no finer than the public ones.

allauth also writes times into the session data, next to the user id: ``at`` (seconds, to the
microsecond) on every record of ``account_authentication_methods`` (each log-in step and
re-authentication) and ``initiated_at`` on a log-in waiting for its second factor
(``account_login``). ``encode`` rounds every such value up to the next full hour before the
session is written. allauth only ever compares them with "now minus a timeout" (re-authentication
is fresh for ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` = 300 s after ``at``, a pending log-in lives
``ACCOUNT_LOGIN_TIMEOUT`` = 900 s after ``initiated_at``), so a time rounded up never ends a
window early; it ends it at 5 (or 15) minutes past the next full hour instead, i.e. a
re-authentication stays fresh for 5 to 65 minutes. The values in memory, used by the request
that made them, are not touched.

Django's own encoding signs the session data with a ``TimestampSigner``, which appends the
second of signing (base 62) to ``session_data``: a log-in time to the second, next to the user
id. The signature here carries the hour instead (no session check reads that time: sessions are
decoded without ``max_age``, and the standard decoder still reads them).
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core import signing

HOUR = 3600
# allauth's time fields in the session (allauth/account/internal/flows/login.py and
# code_verification.py, allauth/account/models.py Login.serialize).
TIME_KEYS = frozenset({"at", "initiated_at"})


def round_up_to_hour(moment: datetime) -> datetime:
    floor = moment.replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(hours=1)


def coarsen_times(value: Any) -> Any:
    """A copy of ``value`` whose ``at``/``initiated_at`` numbers, at any depth, are rounded up
    to a whole hour of Unix time."""
    if isinstance(value, dict):
        return {
            key: (
                math.ceil(item / HOUR) * HOUR
                if key in TIME_KEYS and isinstance(item, int | float) and not isinstance(item, bool)
                else coarsen_times(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [coarsen_times(item) for item in value]
    return value


class HourTimestampSigner(signing.TimestampSigner):
    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) // HOUR * HOUR)


class SessionStore(DatabaseSessionStore):
    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.expire_date = round_up_to_hour(instance.expire_date)
        return instance

    async def acreate_model_instance(self, data):
        instance = await super().acreate_model_instance(data)
        instance.expire_date = round_up_to_hour(instance.expire_date)
        return instance

    def encode(self, session_dict):
        return HourTimestampSigner(salt=self.key_salt).sign_object(
            coarsen_times(session_dict), serializer=self.serializer, compress=True
        )
