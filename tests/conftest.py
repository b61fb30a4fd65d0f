"""Shared fixtures. Tests hit the real database (SQLite, or PostgreSQL when DATABASE_URL is set)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    """Run the browser tests last: Playwright's sync API keeps an event loop running in the
    main thread for the rest of the session, which would break tests that call asyncio.run()."""
    items.sort(key=lambda item: "/tests/browser/" in str(item.fspath).replace("\\", "/"))


@pytest.fixture(scope="session")
def _password_slots_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("password-slots"))


@pytest.fixture(autouse=True)
def _own_password_slots(settings, _password_slots_dir):
    """This test process's own password-hashing slots (convention/passwords.py): other test
    runs on the machine must not make its logins wait."""
    settings.PASSWORD_HASHING_LOCK_DIR = _password_slots_dir


@pytest.fixture(autouse=True)
def _eager_tasks_and_fresh_cache(settings):
    """Run Celery tasks in-process unless a test starts a real worker; start each test with an
    empty cache so rate limits of one test do not leak into the next."""
    from django.core.cache import cache

    settings.CELERY_TASK_ALWAYS_EAGER = True
    from config.celery import app

    app.conf.task_always_eager = True
    cache.clear()
    yield
    cache.clear()
