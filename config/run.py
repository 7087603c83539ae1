"""``make run``: one owner for the whole local system, served as in production.

Starts (or joins) the embedded PostgreSQL and Redis unless DATABASE_URL/REDIS_URL are set, migrates, loads a
small demo when the database is empty, then runs the web (gunicorn, static files by whitenoise, DEBUG off unless
DJANGO_DEBUG=1) + Celery worker + Celery beat against the same URLs. Every child's output goes to the console and
to ``var/log/<name>.log``. Ctrl-C or SIGTERM stops the children and then the embedded services.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from config import services

PYTHON = sys.executable
DEMO_HOUSEHOLDS = os.environ.get("DEMO_HOUSEHOLDS", "2000")
ADDRESS = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")
WEB_WORKERS = os.environ.get("WEB_WORKERS", "2")
WEB_THREADS = os.environ.get("WEB_THREADS", "4")


def _tee(name: str, stream: IO[bytes], log_dir: Path) -> None:
    """Copy a child's output line by line to the console (prefixed with its name) and to its log file."""
    with open(log_dir / f"{name}.log", "ab") as log:
        for line in iter(stream.readline, b""):
            log.write(line)
            log.flush()
            sys.stdout.buffer.write(f"{name:<7}| ".encode() + line)
            sys.stdout.buffer.flush()


def spawn(name: str, command: list[str], env: dict[str, str], log_dir: Path) -> subprocess.Popen[bytes]:
    # Children get their own process group so a terminal Ctrl-C reaches only us; we stop them in order.
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    assert child.stdout is not None
    threading.Thread(target=_tee, args=(name, child.stdout, log_dir), daemon=True).start()
    return child


def main() -> int:
    embedded = not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"))
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"))
    env.setdefault("PYTHONUNBUFFERED", "1")
    log_dir = services.var_dir() / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    if embedded:
        urls = services.start()
        env.update(DATABASE_URL=urls.database_url, REDIS_URL=urls.redis_url)
        print("内置 PostgreSQL 与 Redis 已就绪。", flush=True)

    children: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    return_code = 0
    try:
        manage = [PYTHON, "manage.py"]
        for name, command in (
            ("migrate", [*manage, "migrate", "--noinput"]),
            ("seed", [*manage, "seed_demo", "--if-empty", "--households", DEMO_HOUSEHOLDS]),
            ("seed-eldercare", [*manage, "seed_demo_eldercare", "--if-empty"]),
            ("seed-childcare", [*manage, "seed_demo_childcare", "--if-empty"]),
        ):
            step = spawn(name, command, env, log_dir)
            children = [step]
            if step.wait() != 0:
                print(f"启动失败：{name} 退出码 {step.returncode}（日志 {log_dir / name}.log）", file=sys.stderr)
                return_code = 1
                return return_code
        web = [
            PYTHON, "-m", "gunicorn", "config.wsgi:application", "--bind", ADDRESS,
            "--workers", WEB_WORKERS, "--threads", WEB_THREADS, "--timeout", "120",
            "--access-logfile", "-", "--error-logfile", "-",
        ]  # fmt: skip
        children = [
            spawn("web", web, env, log_dir),
            spawn("worker", [PYTHON, "-m", "celery", "-A", "config", "worker", "-l", "info", "-c", "2"], env, log_dir),
            spawn("beat", [PYTHON, "-m", "celery", "-A", "config", "beat", "-l", "info"], env, log_dir),
        ]
        print(f"系统已启动：http://{ADDRESS}/ （Ctrl-C 停止；日志在 {log_dir}）", flush=True)
        while not stopping:
            if any(child.poll() is not None for child in children):
                print("有子进程意外退出，正在停止全部服务。", file=sys.stderr, flush=True)
                return_code = 1
                break
            time.sleep(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        if embedded:
            services.stop()
            print("内置服务已停止。", flush=True)
    return return_code


if __name__ == "__main__":
    raise SystemExit(main())
