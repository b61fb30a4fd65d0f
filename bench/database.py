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
