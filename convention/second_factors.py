"""Second factors keep no precise time: allauth's authenticator timestamps are cut to the day.

allauth records when each authenticator was added and last used, to the microsecond. A precise
time of use tied to an account is a log-in log, which the platform does not keep; the day is
enough for a person to recognise their keys. allauth has no adapter hook for this, so a
``pre_save`` receiver (connected in ``ConventionConfig.ready``) rounds both fields down before
every write, including ``record_usage``'s ``update_fields`` save. The recovery codes also note in
their data when they were first shown (``viewed_at``, Unix seconds); allauth only asks whether
it is set, so it is rounded down to the day too.
"""

from __future__ import annotations

from datetime import datetime


def _to_day(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def coarsen_authenticator_times(sender, instance, **kwargs) -> None:
    instance.created_at = _to_day(instance.created_at)
    instance.last_used_at = _to_day(instance.last_used_at)
    viewed = instance.data.get("viewed_at") if isinstance(instance.data, dict) else None
    if isinstance(viewed, int | float) and not isinstance(viewed, bool) and viewed > 0:
        instance.data["viewed_at"] = max(1, int(viewed) // 86400 * 86400)


def connect() -> None:
    from allauth.mfa.models import Authenticator
    from django.db.models.signals import pre_save

    pre_save.connect(
        coarsen_authenticator_times,
        sender=Authenticator,
        dispatch_uid="convention.coarsen_authenticator_times",
    )
