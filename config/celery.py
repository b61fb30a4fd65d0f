"""The Celery application: configured from Django settings (``CELERY_*``)."""

from __future__ import annotations

import os
import warnings

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("mashwara")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# On a lost broker link Celery 5 warns that a later version will cancel running late-acknowledged
# tasks (worker_cancel_long_running_tasks_on_connection_loss). We keep today's behaviour on
# purpose: the running task finishes and is acknowledged once the link is back, where cancelling
# it would hold, say, a tally back until its message is redelivered, minutes later
# (tests/config/test_worker_loss.py measures both). Every task is idempotent either way.
# The filter goes in once the worker is ready: its logging set-up turns every Celery deprecation
# warning back to "always".
@worker_ready.connect
def _keep_running_tasks_on_connection_loss(**_) -> None:
    warnings.filterwarnings(
        "ignore", message=r"(?s).*worker_cancel_long_running_tasks_on_connection_loss"
    )
