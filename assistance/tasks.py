"""Celery tasks: thin, idempotent, take ids and YYYY-MM strings, call one service."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from assistance.jobs import (
    execute_comparison,
    execute_job,
    execute_repricing,
    execute_screening,
    start_comparison,
    start_job,
    start_screening,
)
from core.months import previous_month, this_month


@shared_task(name="assistance.screen_township", acks_late=True, ignore_result=True)
def screen_township(run_id: int) -> str:
    return execute_screening(run_id).status


@shared_task(name="assistance.reprice_township", acks_late=True, ignore_result=True)
def reprice_township(run_id: int) -> str:
    return execute_repricing(run_id).status


@shared_task(name="assistance.screen_county")
def screen_county(month: str | None = None) -> int:
    """The monthly schedule: screen every township for ``month`` (default: the current month)."""
    day = date.fromisoformat(f"{month}-01") if month else timezone.localdate()
    return start_screening(actor=None, month=day).pk


@shared_task(name="assistance.compare_township", acks_late=True)
def compare_township(run_id: int) -> str:
    return execute_comparison(run_id).status


@shared_task(name="assistance.compare_county")
def compare_county(month: str | None = None) -> int:
    """The monthly schedule (or after an import): compare every township for ``month`` (default: this month)."""
    day = date.fromisoformat(f"{month}-01") if month else timezone.localdate()
    return start_comparison(actor=None, month=day).pk


@shared_task(name="assistance.run_job", acks_late=True, ignore_result=True)
def run_job(run_id: int) -> str:
    """One township's run of a kind an app registered (``assistance.jobs.register_kind``: eldercare, childcare…)."""
    return execute_job(run_id).status


@shared_task(name="assistance.start_county_job")
def start_county_job(kind: str, month: str | None = None) -> int:
    """The beat schedule of a registered kind (the 1st of each month): the month just ended, judged on its last
    day, for every township."""
    day = date.fromisoformat(f"{month}-01") if month else previous_month(this_month())
    return start_job(kind, actor=None, month=day).pk
