"""Demo data at county scale: ``seed_demo`` with 100,000 households (~300,000 members) into the bench database.

Refuses to run on a database whose name does not end with ``_bench`` (set BENCH_ALLOW_ANY_DB=1 to override): it
deletes every household first. BENCH_SEED_HISTORY=1 also times the same load with the history triggers on."""

from __future__ import annotations

import os
import sys
import time

from common import bench, setup_django

setup_django()

from django.db import connection  # noqa: E402

from cases.demo import reset_households, seed_demo, vacuum_households  # noqa: E402

HOUSEHOLDS = 100_000
SEED = 2020


def guard_database() -> None:
    name = connection.settings_dict["NAME"]
    if not name.endswith("_bench") and os.environ.get("BENCH_ALLOW_ANY_DB") != "1":
        sys.exit(f"bench_seed deletes every household: run it on a *_bench database (this is {name!r}).")


def timed_seed(*, history: bool) -> tuple[float, dict[str, int]]:
    reset_households()
    vacuum_households()  # no autovacuum here: start every run from clean tables
    started = time.perf_counter()
    counts = seed_demo(seed=SEED, households=HOUSEHOLDS, history=history)
    seconds = time.perf_counter() - started
    vacuum_households()
    return seconds, counts


guard_database()
if os.environ.get("BENCH_SEED_HISTORY") == "1":
    seconds, counts = timed_seed(history=True)
    print("# with history:", counts, flush=True)
    bench("seed_demo_100k_history_s", seconds, "s")
seconds, counts = timed_seed(history=False)
print("#", counts, flush=True)
bench("seed_demo_100k_s", seconds, "s")
