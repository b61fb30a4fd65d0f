from __future__ import annotations

from pathlib import Path

import pytest

from config.environment import ConfigurationError, database_from_url, env_bool


def test_postgres_url_becomes_django_settings():
    db = database_from_url(
        "postgres://u:p%40ss@127.0.0.1:5432/test?sslmode=require", base_dir=Path("/x")
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "u",
        "p@ss",
        "127.0.0.1",
        "5432",
        "test",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_sqlite_urls_relative_and_absolute():
    assert database_from_url("sqlite:///var/db.sqlite3", base_dir=Path("/app"))["NAME"] == (
        "/app/var/db.sqlite3"
    )
    assert database_from_url("sqlite:////tmp/db.sqlite3", base_dir=Path("/app"))["NAME"] == (
        "/tmp/db.sqlite3"
    )


def test_unknown_database_scheme_is_refused():
    with pytest.raises(ConfigurationError, match="not supported"):
        database_from_url("mysql://root@localhost/x", base_dir=Path("/app"))


def test_booleans_are_strict(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ConfigurationError, match="FLAG"):
        env_bool("FLAG")
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG") is True


@pytest.mark.django_db
def test_a_postgresql_link_that_stops_answering_fails_inside_the_worker_timeout():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    connection.ensure_connection()
    parameters = connection.connection.info.get_parameters()
    assert int(parameters["tcp_user_timeout"]) == 20_000  # ms, under gunicorn's 30 s timeout
    assert parameters["keepalives"] == "1"
    assert int(parameters["keepalives_idle"]) + 3 * int(parameters["keepalives_interval"]) < 30
