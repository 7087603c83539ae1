"""The benchmark runner (tests/bench/run.py) and its shared helpers (tests/bench/common.py), without timing anything:
a benchmark that finds no data fails, a failing benchmark fails the run, the ratio lines' format, the order, and
the refusal of unreachable servers and of another project's bench database."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path
from types import ModuleType

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from config.startup import database_url

BENCH = Path(__file__).resolve().parent / "bench"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}_under_test", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = load("run")
common = load("common")


def server() -> dict[str, object]:
    """psycopg keywords for the test server (the test settings' connection)."""
    conf = connection.settings_dict
    params = {"host": conf["HOST"], "port": conf["PORT"], "user": conf["USER"], "password": conf["PASSWORD"]}
    return {key: value for key, value in params.items() if value}


def url_for(name: str) -> str:
    return database_url({**connection.settings_dict, "NAME": name})


@pytest.fixture
def nothing_runs(monkeypatch):
    """``run.main`` must stop before migrating or running a benchmark: fail at once if it gets that far."""

    def must_not_run(*args, **kwargs):
        raise AssertionError("the runner went on to migrate or run the benchmarks")

    monkeypatch.setattr(run, "migrate", must_not_run)
    monkeypatch.setattr(run, "run_scripts", must_not_run)


@pytest.fixture
def scratch_database():
    """A throwaway ``<base>_bench`` database on the test server; yields (base URL, bench name); dropped after."""
    base = f"benchrunner_{os.getpid()}"
    name = f"{base}_bench"
    with psycopg.connect(dbname="postgres", autocommit=True, **server()) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url_for(base), name
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server()) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def tables(name: str) -> list[str]:
    with psycopg.connect(dbname=name, **server()) as db:
        rows = db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").fetchall()
    return [row[0] for row in rows]


# A benchmark that found no data ------------------------------------------------------------------------------


def test_require_refuses_less_data_than_needed():
    with pytest.raises(SystemExit) as refused:
        common.require(0, 100_000, "payroll lines written")
    message = refused.value.code
    assert isinstance(message, str)  # SystemExit with a message: exit status 1, the message on stderr
    assert "payroll lines written" in message and "100,000" in message and "\n" not in message
    with pytest.raises(SystemExit):
        common.require(99_999, 100_000, "households")
    assert common.require(100_000, 100_000, "households") == 100_000


def write_script(folder: Path, name: str, body: str) -> Path:
    script = folder / name
    script.write_text(f"import sys\nsys.path.insert(0, {str(BENCH)!r})\n{body}\n")
    return script


def test_a_benchmark_without_data_fails_the_run_and_prints_no_figure(tmp_path, capfd):
    empty = write_script(
        tmp_path,
        "bench_empty.py",
        "from common import bench, require\n"
        "require(0, 100_000, 'payroll lines written')\n"
        "bench('payroll_100k_s', 1.02, 's')",
    )
    fine = write_script(tmp_path, "bench_fine.py", "from common import bench\nbench('fine_s', 1.0, 's')")
    assert run.run_scripts([empty, fine], os.environ) == 1
    out, err = capfd.readouterr()
    assert "BENCH payroll_100k_s" not in out
    assert "BENCH fine_s 1.00 s" in out  # the others still run
    assert "bench_empty.py FAILED (exit status 1)" in out
    assert "payroll lines written: 0, at least 100,000 needed" in err
    assert "# failed: bench_empty.py" in err


def test_a_missed_goal_is_shown_but_not_fatal(tmp_path, capfd):
    script = write_script(
        tmp_path,
        "bench_slow.py",
        "from common import versus\nversus('slow_s', 12.0, 's', 'copy', 1.0, at_most=5)",
    )
    assert run.run_scripts([script], os.environ) == 0
    out, _ = capfd.readouterr()
    assert "# goal slow_s_vs_copy <= 5 x: MISSED (12.00)" in out
    assert "# goals missed: slow_s_vs_copy" in out


# Output format ----------------------------------------------------------------------------------------------


def test_ratio_lines():
    lines = common.ratio_lines("payroll_generation_100k_s", 6.0, "s", "copy_unlogged", 1.5)
    assert lines == [
        "BENCH payroll_generation_100k_s 6.00 s",
        "BENCH limit_copy_unlogged 1.50 s",
        "BENCH payroll_generation_100k_s_vs_copy_unlogged 4.00 x",
    ]
    for line in lines:
        assert re.fullmatch(r"BENCH [a-z0-9_]+ [0-9]+\.[0-9]{2} \S+", line)
    with pytest.raises(SystemExit):
        common.ratio_lines("x_s", 1.0, "s", "nothing", 0.0)


def test_goal_lines():
    assert common.goal_line("a_vs_b", 4.0, "x", at_most=5) == "# goal a_vs_b <= 5 x: ok (4.00)"
    assert common.goal_line("a_vs_b", 5.5, "x", at_most=5) == "# goal a_vs_b <= 5 x: MISSED (5.50)"
    assert common.goal_line("c_vs_d", 0.5, "x", at_least=0.7) == "# goal c_vs_d >= 0.7 x: MISSED (0.50)"
    assert common.goal_line("c_vs_d", 0.9, "x", at_least=0.7).endswith(": ok (0.90)")


# Order ------------------------------------------------------------------------------------------------------


def test_bench_redis_database():
    assert run.bench_redis_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/15"
    assert run.bench_redis_url("redis://:secret@redis.local:6380") == "redis://:secret@redis.local:6380/15"
    assert run.bench_redis_url("redis+socket:///work/var/redis.sock") == "redis+socket:///work/var/redis.sock"


def test_seed_runs_first_and_every_benchmark_is_listed():
    every = [path.stem for path in run.scripts_in_order()]
    assert every[0] == "bench_seed"
    assert sorted(every) == sorted(path.stem for path in BENCH.glob("bench_*.py"))
    assert [path.stem for path in run.scripts_in_order(["screening"])] == ["bench_seed", "bench_screening"]
    with pytest.raises(run.Refused):
        run.scripts_in_order(["no_such_benchmark"])


# Bad input --------------------------------------------------------------------------------------------------


def test_unreachable_database_is_refused_in_one_line(monkeypatch, capsys, nothing_runs):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nothing")
    monkeypatch.setenv("REDIS_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    assert run.main([]) == 2
    err = capsys.readouterr().err
    assert "PostgreSQL" in err and "cannot be reached" in err and err.count("\n") == 1


def test_unreachable_redis_is_refused_in_one_line(scratch_database, monkeypatch, capsys, nothing_runs):
    base_url, name = scratch_database
    monkeypatch.setenv("DATABASE_URL", base_url)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    assert run.main([]) == 2
    err = capsys.readouterr().err
    assert "Redis" in err and "cannot be reached" in err and err.count("\n") == 1
    assert tables(name) == []


def test_another_projects_bench_database_is_refused_and_left_alone(scratch_database, monkeypatch, capsys, nothing_runs):
    base_url, name = scratch_database
    with psycopg.connect(dbname=name, **server()) as db:
        db.execute("CREATE TABLE invoices (id integer PRIMARY KEY, total numeric)")
    monkeypatch.setenv("DATABASE_URL", base_url)
    monkeypatch.setenv("REDIS_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    assert run.main([]) == 2
    err = capsys.readouterr().err
    assert f"database {name}" in err and "another project" in err and err.count("\n") == 1
    assert tables(name) == ["invoices"]  # nothing written: no migration ran

    with psycopg.connect(dbname=name, **server()) as db:  # a Django project, but not this one
        db.execute(
            "CREATE TABLE django_migrations (id serial, app varchar(255), name varchar(255), applied timestamptz)"
        )
        db.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('shop', '0001_initial', now())")
    with pytest.raises(run.Refused, match="another project"):
        run.bench_database_url(base_url)
    assert tables(name) == ["django_migrations", "invoices"]


def test_an_empty_or_own_bench_database_is_accepted(scratch_database):
    base_url, name = scratch_database
    assert run.bench_database_url(base_url) == base_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(dbname=name, **server()) as db:
        db.execute(
            "CREATE TABLE django_migrations (id serial, app varchar(255), name varchar(255), applied timestamptz)"
        )
        db.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('cases', '0001_initial', now())")
    assert run.foreign_database(run.server_params(base_url), name) is None


def test_the_runner_exits_with_the_status(monkeypatch, tmp_path):
    """``python tests/bench/run.py`` turns main's status into the process's exit status."""
    import subprocess

    env = dict(os.environ, DATABASE_URL="postgres://postgres@127.0.0.1:1/nothing")
    done = subprocess.run([sys.executable, str(BENCH / "run.py")], env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("bench: PostgreSQL")
