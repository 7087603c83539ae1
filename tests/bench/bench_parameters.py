"""The parameter selector: all versions in force on a date (what every determination reads first), 200 calls over
60 months → ``BENCH parameters_in_force_p50_ms`` / ``_p95_ms`` (absolute, not judged). Each call must find the
parameters loaded by the migrations."""

from __future__ import annotations

from datetime import date

from common import bench, percentiles_ms, require, setup_django

setup_django()

from assistance.selectors import versions_in_force  # noqa: E402

MONTHS = [date(2018 + i // 12, 1 + i % 12, 1) for i in range(60)]
CALLS = 200
found: list[int] = []


def call(i: int) -> None:
    found.append(len(list(versions_in_force(MONTHS[i % len(MONTHS)]))))


p50, p95 = percentiles_ms(call, CALLS)
require(sum(1 for count in found if count > 0), CALLS, "parameter look-ups that found versions in force")
bench("parameters_in_force_p50_ms", p50, "ms")
bench("parameters_in_force_p95_ms", p95, "ms")
