"""`make bench`: check the services, prepare the bench database, then run the benchmarks in ORDER, each in its own
process, passing on their ``BENCH name value unit`` lines.

Benchmarks run on a database of their own, ``<name>_bench`` next to the configured one (created and migrated here
when missing), so they never disturb the demo or development data, and on Redis database 15 of the configured
server (a TCP URL), so that tests flushing the configured Redis database cannot lose their queued tasks. A
``<name>_bench`` database holding another project's tables is refused before anything is written. ``bench_seed``
always runs first: on an empty bench database it loads (and times) the 100,000 demo households every other
benchmark works on; when they are there it reuses them. A benchmark that fails (or finds less data than it needs)
makes the run exit 1; an unreachable server or a refused database exits 2; a missed goal is listed at the end but
does not change the exit status."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import psycopg
import redis
from psycopg import sql

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from config.services import redis_py_url, resolve_urls  # noqa: E402

# bench_seed first (it loads the data the others need), then the rest; every tests/bench/bench_*.py is listed.
ORDER = (
    "seed",
    "rules",
    "parameters",
    "search",
    "screening",
    "repricing",
    "comparison",
    "registry_import",
    "payroll",
    "payroll_export",
    "eldercare",
    "childcare",
)
PROJECT_APP = "cases"  # a database this project migrated records this app's migrations
BENCH_REDIS_DB = 15
CONNECT_TIMEOUT_S = 5


class Refused(Exception):
    """The run cannot start: one line saying why."""


def server_params(url: str) -> dict[str, Any]:
    """psycopg connection keywords (without dbname) for the server of a database URL."""
    conf = dj_database_url.parse(url)
    params = {
        "host": conf.get("HOST") or None,
        "port": conf.get("PORT") or None,
        "user": conf.get("USER") or None,
        "password": conf.get("PASSWORD") or None,
        "connect_timeout": CONNECT_TIMEOUT_S,
    }
    return {key: value for key, value in params.items() if value is not None}


def check_services(database_url: str, redis_url: str) -> None:
    """Raise ``Refused`` unless the PostgreSQL server and Redis answer."""
    if not database_url or not redis_url:
        raise Refused("no DATABASE_URL / REDIS_URL, and no embedded services started (python -m config.services start)")
    try:
        with psycopg.connect(dbname="postgres", **server_params(database_url)) as connection:
            connection.execute("SELECT 1")
    except (psycopg.Error, ValueError) as error:
        raise Refused(f"PostgreSQL at {database_url} cannot be reached: {one_line(error)}") from None
    try:
        client = redis.Redis.from_url(
            redis_py_url(redis_url), socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=CONNECT_TIMEOUT_S
        )
        client.ping()
        client.close()
    except (redis.RedisError, ValueError, OSError) as error:
        raise Refused(f"Redis at {redis_url} cannot be reached: {one_line(error)}") from None


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def foreign_database(params: Mapping[str, Any], name: str) -> str | None:
    """Why the existing database ``name`` is not ours to use (another project's tables), or None when it is empty
    or was migrated by this project."""
    with psycopg.connect(dbname=name, **params) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()[0]
        if tables == 0:
            return None
        if connection.execute("SELECT to_regclass('django_migrations')").fetchone()[0] is None:
            return (
                f"database {name} holds {tables} tables but no django_migrations: another project's; refusing to use it"
            )
        if not connection.execute("SELECT 1 FROM django_migrations WHERE app = %s LIMIT 1", [PROJECT_APP]).fetchone():
            return (
                f"database {name} holds another project's migrations (none of the {PROJECT_APP!r} app): "
                "refusing to use it"
            )
    return None


def bench_database_url(url: str) -> str:
    """The URL of the bench database beside ``url``: created when missing, refused (``Refused``) when it holds
    another project's tables."""
    conf = dj_database_url.parse(url)
    name = conf["NAME"] if conf["NAME"].endswith("_bench") else f"{conf['NAME']}_bench"
    params = server_params(url)
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(
                sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name))
            )
            print(f"# created database {name}", flush=True)
    refusal = foreign_database(params, name)
    if refusal:
        raise Refused(refusal)
    return url.rsplit("/", 1)[0] + "/" + name + ("?" + url.split("?", 1)[1] if "?" in url else "")


def bench_redis_url(url: str) -> str:
    """The bench's own Redis database (number 15) on the configured server, so that a test run's ``cache.clear()``
    (FLUSHDB) on the configured one cannot drop the screening's queued tasks. A Unix-socket URL (the embedded
    Redis) is kept as it is."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        return url
    return urlunsplit(parts._replace(path=f"/{BENCH_REDIS_DB}"))


def scripts_in_order(names: Sequence[str] = ()) -> list[Path]:
    """bench_seed, then the benchmarks whose name contains one of ``names`` (all when none), in ORDER."""
    found = {path.stem.removeprefix("bench_"): path for path in HERE.glob("bench_*.py")}
    if set(found) != set(ORDER):
        raise Refused(f"tests/bench/run.py ORDER {sorted(ORDER)} does not list the benchmarks {sorted(found)}")
    chosen = [name for name in ORDER if name == "seed" or not names or any(part in name for part in names)]
    if names and chosen == ["seed"] and not any(part in "seed" for part in names):
        raise Refused(f"no benchmark matches {' '.join(names)} (benchmarks: {', '.join(ORDER)})")
    return [found[name] for name in chosen]


def run_scripts(scripts: Sequence[Path], env: Mapping[str, str]) -> int:
    """Run each script in its own process, passing its output on; 1 when any failed, else 0. Missed goals
    (``# goal … MISSED`` lines) are listed at the end without changing the status."""
    failed: list[str] = []
    missed: list[str] = []
    started = time.perf_counter()
    for script in scripts:
        print(f"# {script.name}", flush=True)
        mark = time.perf_counter()
        with subprocess.Popen(
            [sys.executable, str(script)], cwd=ROOT, env=dict(env), stdout=subprocess.PIPE, text=True, bufsize=1
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                print(line, end="", flush=True)
                if line.startswith("# goal ") and ": MISSED" in line:
                    missed.append(line.split()[2])
        seconds = time.perf_counter() - mark
        if process.returncode != 0:
            failed.append(script.name)
            print(f"# {script.name} FAILED (exit status {process.returncode}) after {seconds:.0f} s", flush=True)
        else:
            print(f"# {script.name} done in {seconds:.0f} s", flush=True)
    print(f"# {len(scripts)} benchmarks in {time.perf_counter() - started:.0f} s", flush=True)
    print(f"# goals missed: {', '.join(missed)}" if missed else "# goals: none missed", flush=True)
    if failed:
        print(f"# failed: {', '.join(failed)}", file=sys.stderr, flush=True)
    return 1 if failed else 0


def main(names: Sequence[str]) -> int:
    urls = resolve_urls()
    try:
        check_services(urls.database_url, urls.redis_url)
        scripts = scripts_in_order(names)
        database_url = bench_database_url(urls.database_url)
    except Refused as refusal:
        print(f"bench: {refusal}", file=sys.stderr)
        return 2
    env = dict(os.environ, PYTHONPATH=str(ROOT), DATABASE_URL=database_url, REDIS_URL=bench_redis_url(urls.redis_url))
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    failure = migrate(env)
    if failure:
        print(f"bench: migrating {database_url} failed: {failure}", file=sys.stderr)
        return 2
    return run_scripts(scripts, env)


def migrate(env: Mapping[str, str]) -> str | None:
    """Migrate the bench database; the last line of the error when that failed."""
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
    )
    if done.returncode == 0:
        return None
    return (done.stderr.strip().splitlines() or ["no output"])[-1]


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
