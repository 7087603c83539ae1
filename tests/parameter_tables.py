"""Values of the county's parameters in force on given dates (policy.md), as both the built-in defaults and the
seeded parameter table give them: (key, date, value)."""

from __future__ import annotations

from datetime import date

VALUES_IN_FORCE = [
    ("dibao.standard.rural", date(2018, 1, 1), "410"),
    ("dibao.standard.rural", date(2018, 12, 31), "410"),
    ("dibao.standard.rural", date(2019, 1, 1), "440"),
    ("dibao.standard.rural", date(2020, 8, 31), "440"),
    ("dibao.standard.rural", date(2020, 9, 1), "496"),
    ("dibao.standard.urban", date(2021, 9, 1), "636"),
    ("tekun.minor_age", date(2020, 6, 30), "16"),
    ("tekun.minor_age", date(2020, 7, 1), "18"),
    ("tekun.care.self", date(2020, 8, 1), "0"),
    ("tekun.care.self", date(2020, 9, 1), "50"),
    ("disability.care.grade1", date(2022, 10, 1), "90"),
]
