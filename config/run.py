"""``make run``: one owner for the whole local system.

Starts (or joins) the embedded PostgreSQL and Redis unless DATABASE_URL/REDIS_URL are set, migrates, loads a
small demo when the database is empty, then runs web + Celery worker + Celery beat against the same URLs.
Ctrl-C or SIGTERM stops the children and then the embedded services.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from config import services

PYTHON = sys.executable
DEMO_HOUSEHOLDS = os.environ.get("DEMO_HOUSEHOLDS", "2000")
ADDRESS = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")


def main() -> int:
    embedded = not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"))
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"))
    if embedded:
        urls = services.start()
        env.update(DATABASE_URL=urls.database_url, REDIS_URL=urls.redis_url)
        print(f"内置服务已就绪：PostgreSQL {urls.database_url}，Redis {urls.redis_url}", flush=True)

    children: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        manage = [PYTHON, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True)
        subprocess.run([*manage, "seed_demo", "--if-empty", "--households", DEMO_HOUSEHOLDS], env=env, check=True)
        commands = [
            [*manage, "runserver", ADDRESS, "--noreload"],
            [PYTHON, "-m", "celery", "-A", "config", "worker", "-l", "info", "--concurrency", "2"],
            [PYTHON, "-m", "celery", "-A", "config", "beat", "-l", "info"],
        ]
        # Children get their own process group so a terminal Ctrl-C reaches only us; we stop them in order.
        children = [subprocess.Popen(cmd, env=env, start_new_session=True) for cmd in commands]
        print(f"系统已启动：http://{ADDRESS}/ （Ctrl-C 停止）", flush=True)
        while not stopping:
            if any(child.poll() is not None for child in children):
                print("有子进程意外退出，正在停止全部服务。", file=sys.stderr, flush=True)
                return_code = 1
                break
            time.sleep(0.5)
        else:
            return_code = 0
    except subprocess.CalledProcessError as error:
        print(f"启动失败：{' '.join(map(str, error.cmd[1:3]))} 退出码 {error.returncode}", file=sys.stderr)
        return_code = 1
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
