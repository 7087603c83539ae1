"""`make bench`: run every tests/bench/bench_*.py in its own process and pass on its `BENCH name value unit` lines.

Benchmarks run on a database of their own, ``<name>_bench`` next to the configured one (created and migrated
here when missing), so they never disturb the demo or development data. A failing benchmark is reported and
makes the run exit non-zero."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dj_database_url
import psycopg

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from config.services import resolve_urls  # noqa: E402


def bench_database_url(url: str) -> str:
    """The URL of the bench database beside ``url``, created if missing."""
    conf = dj_database_url.parse(url)
    name = conf["NAME"] if conf["NAME"].endswith("_bench") else f"{conf['NAME']}_bench"
    server = {
        "host": conf.get("HOST") or None,
        "port": conf.get("PORT") or None,
        "user": conf.get("USER") or None,
        "password": conf.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    return url.rsplit("/", 1)[0] + "/" + name + ("?" + url.split("?", 1)[1] if "?" in url else "")


def main(names: list[str]) -> int:
    urls = resolve_urls()
    env = dict(os.environ, PYTHONPATH=str(ROOT), DATABASE_URL=bench_database_url(urls.database_url))
    env.setdefault("REDIS_URL", urls.redis_url)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if any(name in s.stem for name in names)]
    failed = []
    for script in scripts:
        print(f"# {script.name}", flush=True)
        if subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"# failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
