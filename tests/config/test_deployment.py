"""The deployer's view: production settings pass Django's deploy check, docker-compose is sound."""

from __future__ import annotations

import importlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra: str) -> dict[str, str]:
    dropped = {"DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set by browser tests
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        MASHWARA_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(60),
        REDIS_URL="redis://127.0.0.1:6379/0",
        ALLOWED_HOSTS="mashwara.example",
        MASHWARA_VAR_DIR=str(ROOT / "var"),
    )
    env.update(extra)
    return env


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "REDIS_URL"])
def test_production_refuses_to_start_without_required_secrets(missing):
    env = production_env()
    env.pop(missing)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert missing in result.stderr


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_every_service_with_health_checks():
    services = compose()["services"]
    assert {"web", "live", "worker", "beat", "db", "redis", "migrate"} <= set(services)
    for name in ("web", "live", "worker", "db", "redis"):
        assert "healthcheck" in services[name], name
    build = services["web"]["build"]
    assert (ROOT / build["context"] / build["dockerfile"]).is_file()


def test_compose_commands_name_modules_and_commands_that_exist():
    from django.core.management import get_commands

    services = compose()["services"]
    for name, service in services.items():
        command = service.get("command")
        if not command or service.get("image", "").startswith(("postgres", "redis")):
            continue
        program = command[0]
        if program == "gunicorn" or program == "uvicorn":
            module, _, attribute = command[1].partition(":")
            assert getattr(importlib.import_module(module), attribute), name
        elif program == "celery":
            app_module = command[command.index("-A") + 1]
            assert importlib.import_module(app_module).celery_app.main == "mashwara"
            assert command[command.index("-A") + 2] in {"worker", "beat"}
        elif program == "python":
            assert command[1] == "manage.py"
            assert command[2] in get_commands(), f"{name}: unknown command {command[2]}"
        else:
            pytest.fail(f"{name}: unexpected program {program}")


def test_compose_logs_no_client_addresses():
    services = compose()["services"]
    assert "--access-logfile=/dev/null" in services["web"]["command"]
    assert "--access-logfile=/dev/null" in services["ballot"]["command"]
    assert "--no-access-log" in services["live"]["command"]
