"""Demo data at county scale, and the data every other benchmark works on: ``seed_demo`` with 100,000 households
(~300,000 members), with its villages and demo users, into the bench database → ``BENCH seed_demo_100k_s``.

The runner runs this first. When the bench database already holds exactly 100,000 households they are reused:
nothing is seeded and no figure is printed (BENCH_RESEED=1 deletes them and times the seed again). Any other
number of households is replaced by a fresh, timed seed. Refuses to run on a database whose name does not end with
``_bench`` (BENCH_ALLOW_ANY_DB=1 to override): it deletes every household first. BENCH_SEED_HISTORY=1 also times
the same load with the history triggers on."""

from __future__ import annotations

import os
import sys
import time

from common import HOUSEHOLDS, bench, guard_database, require, setup_django

setup_django()

from cases.demo import ResetRefused, reset_households, seed_demo, vacuum_households  # noqa: E402
from cases.models import Household  # noqa: E402

SEED = 2020


def timed_seed(*, history: bool) -> tuple[float, dict[str, int]]:
    try:
        reset_households()
    except ResetRefused as refusal:
        sys.exit(f"BENCH FAILED: cannot replace the bench households ({refusal}); drop the bench database.")
    vacuum_households()  # no autovacuum here: start every run from clean tables
    started = time.perf_counter()
    counts = seed_demo(seed=SEED, households=HOUSEHOLDS, history=history)
    seconds = time.perf_counter() - started
    vacuum_households()
    require(counts.get("households", 0), HOUSEHOLDS, "households seeded")
    return seconds, counts


def main() -> None:
    guard_database("bench_seed deletes every household")
    have = Household.objects.count()
    if have == HOUSEHOLDS and os.environ.get("BENCH_RESEED") != "1":
        seed_demo(seed=SEED)  # villages and demo users, only when missing
        print(f"# {have:,} demo households already there: reused, not seeded again (BENCH_RESEED=1 to time it)")
        return
    if os.environ.get("BENCH_SEED_HISTORY") == "1":
        seconds, counts = timed_seed(history=True)
        print("# with history:", counts, flush=True)
        bench("seed_demo_100k_history_s", seconds, "s")
    seconds, counts = timed_seed(history=False)
    print(f"# replaced {have:,} households:", counts, flush=True)
    bench("seed_demo_100k_s", seconds, "s")


if __name__ == "__main__":
    main()
