"""The parameter selector: all versions in force on a date (what every determination reads first)."""

from __future__ import annotations

from datetime import date

from common import bench, percentiles_ms, setup_django

setup_django()

from assistance.selectors import versions_in_force  # noqa: E402

MONTHS = [date(2018 + i // 12, 1 + i % 12, 1) for i in range(60)]

p50, p95 = percentiles_ms(lambda i: list(versions_in_force(MONTHS[i % len(MONTHS)])), 200)
bench("parameters_in_force_p50_ms", p50, "ms")
bench("parameters_in_force_p95_ms", p95, "ms")
