"""A fresh PostgreSQL database for a benchmark run (dropped and created again each time).

The benchmarks measure the deployment's database, never SQLite; each has its own database name
(overridable with ``BENCH_DATABASE``) so two benchmarks never share one.
"""

from __future__ import annotations

import os

SERVER = "postgres@127.0.0.1:5432"


def database_name(default: str) -> str:
    return os.environ.get("BENCH_DATABASE", default)


def fresh_database_url(name: str) -> str:
    """Drop and create database ``name``; return its ``DATABASE_URL``."""
    import psycopg

    with psycopg.connect(f"postgresql://{SERVER}/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        db.execute(f"CREATE DATABASE {name}")
    return f"postgres://{SERVER}/{name}"


def migrated_django(name: str, *, redis_url: str | None = None) -> None:
    """Point Django at a fresh database ``name`` (eager tasks, no Redis; or, with ``redis_url``,
    that Redis as cache and broker and tasks sent to a worker), set it up and migrate: the
    in-process start of every benchmark that drives the services."""
    os.environ["DATABASE_URL"] = fresh_database_url(name)
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    else:
        os.environ.pop("REDIS_URL", None)
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + os.urandom(16).hex())
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
