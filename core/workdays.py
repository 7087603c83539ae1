"""Working days: Monday to Friday, except the county's holidays, plus its make-up working days (调休).

Pure functions over a mapping {date: "holiday" | "workday"}; ``cases.selectors.special_days`` reads it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

HOLIDAY = "holiday"
WORKDAY = "workday"


def is_working_day(day: date, special: Mapping[date, str]) -> bool:
    kind = special.get(day)
    if kind == HOLIDAY:
        return False
    if kind == WORKDAY:
        return True
    return day.weekday() < 5


def add_working_days(start: date, days: int, special: Mapping[date, str]) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, special):
            remaining -= 1
    return day


def working_days_between(start: date, end: date, special: Mapping[date, str]) -> int:
    """Working days after ``start`` up to and including ``end``."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day, special)
    return count
