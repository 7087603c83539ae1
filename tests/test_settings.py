"""Settings come from the environment; production refuses to start without its secrets; a database that cannot
be reached stops start-up with one line naming the host and never the password."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config import services

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"}}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60
    )


def test_locale_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_urls_come_from_environment_first(tmp_path, monkeypatch):
    (tmp_path / "services.json").write_text(
        json.dumps({"database_url": "postgres://file/db", "redis_url": "redis://file:6379/0"})
    )
    monkeypatch.setenv("PENGSHUI_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert services.resolve_urls() == services.Urls("postgres://file/db", "redis://file:6379/0")
    monkeypatch.setenv("DATABASE_URL", "postgres://env/db")
    monkeypatch.setenv("REDIS_URL", "redis://env:6379/1")
    assert services.resolve_urls() == services.Urls("postgres://env/db", "redis://env:6379/1")


def test_no_urls_and_no_launcher_file_gives_an_empty_result(tmp_path, monkeypatch):
    monkeypatch.setenv("PENGSHUI_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert services.resolve_urls() == services.Urls("", "")
    assert not list(tmp_path.iterdir()), "resolving URLs must not start or write anything"


def test_redis_socket_url_is_translated_for_redis_py():
    assert services.redis_py_url("redis+socket:///srv/var/redis.sock") == "unix:///srv/var/redis.sock"
    assert services.redis_py_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


PRODUCTION_REQUIRED = {"DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "example.org"}


@pytest.mark.parametrize("missing", list(PRODUCTION_REQUIRED))
def test_production_refuses_to_start_without(missing):
    given = {name: value for name, value in PRODUCTION_REQUIRED.items() if name != missing}
    result = run_python("import django; django.setup()", DJANGO_SETTINGS_MODULE="config.settings.production", **given)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_settings_load_with_both():
    result = run_python(
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        **PRODUCTION_REQUIRED,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_unreachable_database_stops_start_up_with_one_line_naming_the_host():
    env = dict(os.environ, DATABASE_URL="postgres://svc:s3cret-pw@127.0.0.1:1/pengshui")
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "127.0.0.1:1" in lines[0]
    assert "无法连接数据库" in lines[0]
    assert "s3cret-pw" not in result.stderr + result.stdout


@pytest.mark.parametrize("module", ["config.settings.local", "config.settings.test"])
def test_settings_start_nothing(module, tmp_path):
    """Importing settings with no URLs anywhere fails with a clear message and starts no server."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(PENGSHUI_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE=module)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    assert not (tmp_path / "pgdata").exists()
