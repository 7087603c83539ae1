"""Months as the date of their 1st: the unit of payrolls, ledgers, determinations and reports."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone


def month_start(day: date) -> date:
    """The 1st of ``day``'s month."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    """The 1st of the month after ``month``'s (any day of it)."""
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    """The 1st of the month before ``month``'s (any day of it)."""
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def months(first: date, last: date) -> list[date]:
    """The 1st of every month from ``first``'s to ``last``'s, both included (empty when ``last`` is earlier)."""
    out: list[date] = []
    month, end = month_start(first), month_start(last)
    while month <= end:
        out.append(month)
        month = next_month(month)
    return out


def month_end(month: date) -> date:
    """The last day of ``month``'s month."""
    return next_month(month) - timedelta(days=1)


def month_label(month: date) -> str:
    """“2020年10月” (no leading zero)."""
    return f"{month.year}年{month.month}月"


def this_month() -> date:
    """The 1st of the current month, local time."""
    return month_start(timezone.localdate())


def months_before(month: date, count: int) -> date:
    """The 1st of the month ``count`` months before ``month`` (after it when ``count`` is negative)."""
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)
