"""The monthly alert job's tasks: one township's run, and the county's (the beat schedule)."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from assistance.jobs import execute_job, start_job
from assistance.models import JobRun
from core.months import this_month


@shared_task(name="childcare.alerts_township", acks_late=True, ignore_result=True)
def alerts_township(run_id: int) -> str:
    return execute_job(run_id).status


@shared_task(name="childcare.alerts_county")
def alerts_county(month: str | None = None) -> int:
    return start_job(
        JobRun.Kind.CHILDCARE, actor=None, month=date.fromisoformat(f"{month}-01") if month else this_month()
    ).pk
