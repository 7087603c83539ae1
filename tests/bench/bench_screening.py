"""Full-county monthly screening with real Celery workers (2 processes on this 2-core machine): wall time from
start to the county run finished, and the peak memory of every process involved (this one and the worker's
process tree), at 100,000 households and then 200,000 (linearity). Leaves the database at 100,000 households."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import psutil
from common import bench, setup_django

QUEUE = f"bench-{os.getpid()}"
os.environ["CELERY_QUEUE"] = QUEUE
setup_django()

from django.db import connection  # noqa: E402

from assistance.jobs import start_screening  # noqa: E402
from assistance.models import JobRun, LedgerEntry, MonthlyLedger  # noqa: E402
from cases.demo import reset_households, seed_demo, vacuum_households  # noqa: E402
from cases.models import Household  # noqa: E402

MONTH = date(2020, 10, 1)
ROOT = Path(__file__).resolve().parent.parent.parent


def guard_database() -> None:
    name = connection.settings_dict["NAME"]
    if not name.endswith("_bench") and os.environ.get("BENCH_ALLOW_ANY_DB") != "1":
        sys.exit(f"bench_screening seeds demo households: run it on a *_bench database (this is {name!r}).")


def households(target: int) -> None:
    have = Household.objects.count()
    if have > target:
        LedgerEntry.objects.all().delete()
        reset_households()
        have = 0
    if have < target:
        seed_demo(seed=2020 + have, households=target - have)
        vacuum_households()


class PeakMemory(threading.Thread):
    """Samples the summed resident memory of the given processes and their children."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            total = 0
            for pid in self.pids:
                try:
                    process = psutil.Process(pid)
                    total += sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])
                except psutil.NoSuchProcess:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.05)


def screen_county(worker_pid: int) -> tuple[float, float]:
    LedgerEntry.objects.filter(month=MONTH).delete()
    MonthlyLedger.objects.filter(month=MONTH).delete()
    JobRun.objects.filter(month=MONTH).delete()
    monitor = PeakMemory([os.getpid(), worker_pid])
    monitor.start()
    started = time.perf_counter()
    parent = start_screening(actor=None, month=MONTH)
    while True:
        parent.refresh_from_db()
        if parent.status in (JobRun.Status.DONE, JobRun.Status.FAILED):
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    monitor.running = False
    monitor.join()
    if parent.status != JobRun.Status.DONE:
        sys.exit(f"screening failed: {parent.error}")
    print(f"# {parent.counts}", flush=True)
    return elapsed, monitor.peak / 1024 / 1024


def main() -> None:
    guard_database()
    households(100_000)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", QUEUE, "-c", "2", "-l", "warning"],
        cwd=ROOT,
        env=dict(os.environ),
    )
    try:
        time.sleep(6)  # let the worker connect
        seconds_100k, peak_100k = screen_county(worker.pid)
        bench("screening_100k_s", seconds_100k, "s")
        bench("screening_peak_mb", peak_100k, "MB")
        households(200_000)
        seconds_200k, peak_200k = screen_county(worker.pid)
        print(f"# 200,000 households: {seconds_200k:.2f} s, peak {peak_200k:.0f} MB", flush=True)
        bench("screening_200k_over_100k_ratio", seconds_200k / seconds_100k, "x")
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        households(100_000)


if __name__ == "__main__":
    main()
