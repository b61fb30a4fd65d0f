"""Database sessions whose expiry time says nothing precise about when someone logged in.

Django stores ``expire_date = now + SESSION_COOKIE_AGE`` with each session row, which would keep
each member's log-in time to the microsecond. Rounding it up to the next hour keeps sessions
working (they last up to an hour longer) while the stored time is no finer than the public ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


def round_up_to_hour(moment: datetime) -> datetime:
    floor = moment.replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(hours=1)


class SessionStore(DatabaseSessionStore):
    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.expire_date = round_up_to_hour(instance.expire_date)
        return instance
