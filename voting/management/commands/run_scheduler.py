"""``python manage.py run_scheduler [--every SECONDS] [--once]``: move elections at their
scheduled times without Celery beat.

A deployment runs Celery beat, which calls ``voting.advance_scheduled_elections`` every minute
(config/settings.py, CELERY_BEAT_SCHEDULE). ``make run`` has no Redis and runs Celery tasks
eagerly, so no beat: it starts this command in the background instead. Each pass calls the same
service, ``lifecycle.advance_scheduled``, which locks each due election and checks its
precondition, so a pass that races an organizer's click or a second scheduler does no harm.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from voting.services.lifecycle import advance_scheduled


class Command(BaseCommand):
    help = "Move elections at their scheduled times (the development stand-in for Celery beat)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=30.0, help="seconds between passes")
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, *args, every: float, once: bool, **options):
        every = max(1.0, every)
        while True:
            try:
                moved = advance_scheduled()
            except Exception as exc:  # a bad pass must not stop the next one
                self.stderr.write(f"scheduler: pass failed: {exc}")
                moved = []
            for item in moved:
                self.stdout.write(f"scheduler: election {item}")
            if once:
                return
            time.sleep(every)
            close_old_connections()  # a long-lived process: drop connections the server closed
