"""Celery tasks: thin, idempotent, take YYYY-MM strings, call one service."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone


@shared_task(name="payments.check_timeliness")
def check_timeliness(month: str | None = None) -> int:
    """The monthly timeliness check of ``month`` (default: the previous month); returns how many results."""
    from payments.timeliness import check_timeliness as check

    if month:
        day = date.fromisoformat(f"{month}-01")
    else:
        first = timezone.localdate().replace(day=1)
        day = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    return len(check(day))
