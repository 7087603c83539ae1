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


def official_days() -> dict[date, tuple[str, str]]:
    """The State Council's public holidays and make-up working days, for every year the installed
    ``chinesecalendar`` package knows: {date: (HOLIDAY | WORKDAY, 名称)}."""
    import chinese_calendar

    names = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
    days = {day: (HOLIDAY, names.get(name, name)[:32]) for day, name in chinese_calendar.holidays.items()}
    for day, name in chinese_calendar.workdays.items():
        days[day] = (WORKDAY, f"{names.get(name, name)}调休"[:32])
    return days
