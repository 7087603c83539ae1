"""Helpers shared by the benchmarks: Django set-up and percentile timing."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


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
