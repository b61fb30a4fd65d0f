"""WSGI entry point of the ``ballot`` service (gunicorn config.ballot_wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.ballot_settings")
application = get_wsgi_application()
