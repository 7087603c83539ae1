"""Helpers shared by the benchmarks: Django set-up, the bench-database guard, the data check, percentile timing and
the output lines (``BENCH name value unit``, a figure against its limit, goal checks)."""

from __future__ import annotations

import os
import signal
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

HOUSEHOLDS = 100_000  # the demo households bench_seed loads and every benchmark on the registry works on


def setup_django() -> None:
    """Django, and SIGTERM turned into SystemExit so that a benchmark stopped that way still runs its clean-up."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("BENCH FAILED: terminated"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


def guard_database(what: str) -> None:
    """Refuse to write benchmark data anywhere but a ``*_bench`` database (BENCH_ALLOW_ANY_DB=1 to override)."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if not name.endswith("_bench") and os.environ.get("BENCH_ALLOW_ANY_DB") != "1":
        sys.exit(f"{what}: run it on a *_bench database (this is {name!r}).")


def require(count: int, needed: int, what: str) -> int:
    """Stop the benchmark (exit status 1, one line) when it found or did less than ``needed`` ``what``: no figure is
    printed for work that did not happen. Returns ``count``."""
    if count < needed:
        raise SystemExit(f"BENCH FAILED: {what}: {count:,}, at least {needed:,} needed; no figure for work not done.")
    return count


def percentiles_ms(run: Callable[[int], object], count: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds of ``run(i)`` for i in range(count)."""
    timings = []
    for i in range(count):
        started = time.perf_counter()
        run(i)
        timings.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(timings, n=100)
    return cuts[49], cuts[94]


def bench(name: str, value: float, unit: str) -> None:
    print(f"BENCH {name} {value:.2f} {unit}", flush=True)


def goal_line(
    name: str, value: float, unit: str, *, at_most: float | None = None, at_least: float | None = None
) -> str:
    """``# goal <name> <= 6 x: ok`` (or ``MISSED``). A missed goal is shown, never fatal."""
    if at_most is not None:
        met, bound = value <= at_most, f"<= {at_most:g}"
    elif at_least is not None:
        met, bound = value >= at_least, f">= {at_least:g}"
    else:
        raise ValueError("a goal needs at_most or at_least")
    return f"# goal {name} {bound} {unit}: {'ok' if met else 'MISSED'} ({value:.2f})"


def goal(name: str, value: float, unit: str, *, at_most: float | None = None, at_least: float | None = None) -> None:
    print(goal_line(name, value, unit, at_most=at_most, at_least=at_least), flush=True)


def ratio_lines(name: str, value: float, unit: str, limit: str, limit_value: float) -> list[str]:
    """The figure, the limit measured in the same run, and their ratio ``value / limit_value``: ``BENCH <name>
    <value> <unit>``, ``BENCH limit_<limit> <limit_value> <unit>``, ``BENCH <name>_vs_<limit> <ratio> x``."""
    if limit_value <= 0:
        raise SystemExit(f"BENCH FAILED: the limit {limit} measured {limit_value} {unit}: no ratio.")
    return [
        f"BENCH {name} {value:.2f} {unit}",
        f"BENCH limit_{limit} {limit_value:.2f} {unit}",
        f"BENCH {name}_vs_{limit} {value / limit_value:.2f} x",
    ]


def versus(
    name: str,
    value: float,
    unit: str,
    limit: str,
    limit_value: float,
    *,
    at_most: float | None = None,
    at_least: float | None = None,
) -> float:
    """Print ``ratio_lines`` and the ratio's goal check; returns the ratio."""
    for line in ratio_lines(name, value, unit, limit, limit_value):
        print(line, flush=True)
    ratio = value / limit_value
    goal(f"{name}_vs_{limit}", ratio, "x", at_most=at_most, at_least=at_least)
    return ratio


def copy_into_scratch(
    table: str, create: str, copy_columns: str, rows: Callable[[], Iterable[Sequence[Any]]]
) -> tuple[float, int]:
    """A limit: (seconds, rows copied) of one plain COPY into the unlogged scratch table ``table``, made by the
    statement ``create`` (no trigger, index or constraint) and dropped afterwards. ``rows`` is called inside the
    timing, so reading a file can be part of the limit; ``copy_columns`` is the COPY's column list ("" for all)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(create)
    try:
        started = time.perf_counter()
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} {copy_columns} FROM STDIN") as copy:
            for row in rows():
                copy.write_row(row)
        elapsed = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our constant
            copied = cursor.fetchone()[0]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
    return elapsed, copied


def alert_job_figures(
    name: str,
    model: Any,
    run: Callable[..., object],
    sql: dict[str, str],
    params: dict[str, Any],
    month: Any,
    previous: Any,
) -> None:
    """The figures of a care app's monthly alert job (``run(month=…)`` syncing ``model``), against one hand-written
    SQL per kind (``sql``, run with ``params``), summed. Timed: ``month``'s run after ``previous``'s, as the job
    runs every month; printed beside it: the first run ever. Fails unless the job leaves open, kind by kind,
    exactly what the SQL finds, every kind at least once, and a second run of the month changes no row."""
    from collections import Counter

    from django.db import connection

    def timed(after_previous: bool) -> tuple[float, Counter[str]]:
        model.objects.all().delete()
        if after_previous:
            run(month=previous)
        started = time.perf_counter()
        run(month=month)
        elapsed = time.perf_counter() - started
        return elapsed, Counter(model.objects.filter(closed_at__isnull=True).values_list("kind", flat=True))

    first_run, _ = timed(False)
    seconds, opened = timed(True)
    before = list(model.objects.order_by("pk").values())
    started = time.perf_counter()
    run(month=month)
    second = time.perf_counter() - started
    if list(model.objects.order_by("pk").values()) != before:
        sys.exit("BENCH FAILED: a second run of the month changed the alert rows.")
    expected: Counter[str] = Counter()
    limit = 0.0
    with connection.cursor() as cursor:
        for kind, query in sql.items():
            started = time.perf_counter()
            cursor.execute(query, params)
            expected[kind] = len(cursor.fetchall())
            limit += time.perf_counter() - started
    print(f"# alerts open after the job: {dict(sorted(opened.items()))}", flush=True)
    print(f"# found by the SQL per kind: {dict(sorted(expected.items()))}", flush=True)
    for kind in model.Kind.values:
        require(opened[kind], 1, f"{kind} alerts open")
        if opened[kind] != expected[kind]:
            sys.exit(f"BENCH FAILED: {kind}: {opened[kind]} open after the job, the SQL finds {expected[kind]}.")
    print(f"# second run of the month (nothing changes): {second:.2f} s", flush=True)
    bench(f"{name}_first_run_s", first_run, "s")
    versus(f"{name}_s", seconds, "s", "sql_per_kind", limit, at_most=5)
