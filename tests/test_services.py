"""The embedded services: started once under a lock, joined by a second process, stopped without leftovers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import redis

from config import services

ROOT = Path(__file__).resolve().parent.parent


def _launcher(var: Path, command: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["PENGSHUI_VAR_DIR"] = str(var)
    return subprocess.Popen(
        [sys.executable, "-m", "config.services", command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _postmasters(var: Path) -> list[str]:
    out = subprocess.run(["pgrep", "-f", f"postgres.*-D {var}/pgdata"], capture_output=True, text=True).stdout
    return out.split()


def test_embedded_postgres_starts_once_and_second_process_joins(tmp_path, monkeypatch):
    var = tmp_path / "var"
    first, second = _launcher(var, "start"), _launcher(var, "start")  # racing on purpose
    out1, err1 = first.communicate(timeout=180)
    out2, err2 = second.communicate(timeout=180)
    try:
        assert first.returncode == 0, err1
        assert second.returncode == 0, err2
        assert out1 == out2, "both processes must publish the same URLs"
        assert len(_postmasters(var)) == 1

        monkeypatch.setenv("PENGSHUI_VAR_DIR", str(var))
        monkeypatch.delenv("DATABASE_URL", raising=False)
        monkeypatch.delenv("REDIS_URL", raising=False)
        urls = services.resolve_urls()
        with psycopg.connect(urls.database_url.replace("postgres://", "postgresql://")) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("pengshui",)
        assert redis.Redis.from_url(services.redis_py_url(urls.redis_url)).ping()

        pids_before = services.running_pids()
        third = _launcher(var, "start")
        third.communicate(timeout=60)
        assert services.running_pids() == pids_before, "a later process joins, it does not restart"
    finally:
        stopper = _launcher(var, "stop")
        stopper.communicate(timeout=60)
    monkeypatch.setenv("PENGSHUI_VAR_DIR", str(var))
    assert services.running_pids() == {"postgres": None, "redis": None}
    assert _postmasters(var) == []
    assert not (var / "services.json").exists()
