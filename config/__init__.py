"""Project configuration: settings, URL routes, the Celery app and the server entry points."""

from .celery import app as celery_app

__all__ = ["celery_app"]
