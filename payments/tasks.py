"""Celery tasks: thin, idempotent, take YYYY-MM strings, call one service."""

from __future__ import annotations

from datetime import date

from celery import shared_task


@shared_task(name="payments.check_timeliness")
def check_timeliness(month: str | None = None) -> int:
    """The monthly timeliness check of ``month`` (default: the previous month); returns how many results."""
    from core.months import previous_month, this_month
    from payments.timeliness import check_timeliness as check

    if month:
        day = date.fromisoformat(f"{month}-01")
    else:
        day = previous_month(this_month())
    return len(check(actor=None, month=day))


@shared_task(name="payments.settle_household", acks_late=True)
def settle_household(household_id: int, actor_id: int, from_month: str) -> int | None:
    """After an approved change of a household's amount (queued by ``assistance.changes``): settle the months paid
    to it from ``from_month`` (YYYY-MM) on; None when none is paid yet."""
    from payments.back_pay import settle_household as settle

    run = settle(household_id=household_id, actor_id=actor_id, from_month=date.fromisoformat(f"{from_month}-01"))
    return run.pk if run is not None else None
