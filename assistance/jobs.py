"""Job runs of the monthly jobs: one row per (kind, township, month) run, a county run as the parent of its
townships' runs. Tasks are queued after the commit that created their rows; a re-delivered task for a run
that already finished (or is running) leaves it alone. A screening task goes on with its county's runs still
queued, so the workers stay busy to the end without a broker round trip per township."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from datetime import date

from celery import current_app
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assistance.models import JobRun
from assistance.permissions import ensure_retry_job_run, ensure_run_comparison, ensure_start_job_run
from assistance.repricing import reprice_township
from assistance.screening import screen_township
from cases.models import Township, User
from core.months import month_start

Status = JobRun.Status
# The Celery task that runs one township's run of each kind (assistance/tasks.py), queued by name: the tasks call
# this module, not the other way round.
TASKS: dict[str, str] = {
    JobRun.Kind.SCREENING: "assistance.screen_township",
    JobRun.Kind.COMPARISON: "assistance.compare_township",
    JobRun.Kind.REPRICING: "assistance.reprice_township",
}
# The work of a kind registered by an app above assistance (eldercare, childcare, …) in its AppConfig.ready:
# ``work(township_id=…, month=…, run_id=…) -> counts``. A kind done for the whole county at once (its work takes
# ``township_id=None``: one query per finding for the county is far cheaper than 39 small ones) runs as one run.
_WORK: dict[str, Callable[..., dict[str, int]]] = {}
COUNTY_AT_ONCE: set[str] = set()


def register_kind(kind: str, work: Callable[..., dict[str, int]], *, county_at_once: bool = False) -> None:
    """Let the monthly job machinery (runs, retries, the jobs page) run an app's job: the task
    ``assistance.run_job`` calls ``execute_job``, which calls ``work``."""
    TASKS[kind] = "assistance.run_job"
    _WORK[kind] = work
    if county_at_once:
        COUNTY_AT_ONCE.add(kind)


@transaction.atomic
def start_job(kind: str, *, actor: User | None, month: date, township: Township | None = None) -> JobRun:
    """Queue a registered kind's run of one township, or of the whole county (one child run per township)."""
    if actor is not None:
        ensure_start_job_run(actor)
    return _queue_runs(kind=kind, actor=actor, month=month, township=township)


def execute_job(run_id: int) -> JobRun:
    """Run a registered kind's township run (its task calls this)."""
    kind = JobRun.objects.values_list("kind", flat=True).get(pk=run_id)
    return _execute(run_id, _WORK[kind])


def _enqueue(kind: str, run_ids: list[int]) -> None:
    """Queue the runs' task once the transaction that created (or reset) them commits."""
    transaction.on_commit(lambda: [current_app.send_task(TASKS[kind], args=[run_id]) for run_id in run_ids])


def _queue_runs(*, kind: str, actor: User | None, month: date, township: Township | None) -> JobRun:
    """One run row per township (under a county parent run when ``township`` is None), each queued after commit."""
    month = month_start(month)
    if township is None and kind in COUNTY_AT_ONCE:
        run = JobRun.objects.create(kind=kind, month=month, created_by=actor)
        _enqueue(kind, [run.pk])
        return run
    townships = [township] if township else list(Township.objects.order_by("code"))
    parent = JobRun.objects.create(kind=kind, month=month, created_by=actor) if township is None else None
    runs = JobRun.objects.bulk_create(
        JobRun(kind=kind, township=t, month=month, parent=parent, created_by=actor) for t in townships
    )
    _enqueue(kind, [run.pk for run in runs])
    return parent or runs[0]


def _execute(run_id: int, work: Callable[..., dict[str, int]]) -> JobRun:
    """Run one township's job for its run row; a finished or running run is left alone (re-delivered task)."""
    with transaction.atomic():
        run = JobRun.objects.select_for_update().get(pk=run_id)
        if run.status in (Status.DONE, Status.RUNNING):
            return run
        run.status = Status.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["status", "started_at"])
    try:
        counts = work(township_id=run.township_id, month=run.month, run_id=run.pk)
    except ValidationError as error:
        _finish(run, Status.FAILED, error="；".join(error.messages))
    except Exception as error:  # a job failing half-way leaves the month as it was and says why on the run
        _finish(run, Status.FAILED, error=f"{error.__class__.__name__}: {error}\n{traceback.format_exc(limit=5)}")
        raise
    else:
        _finish(run, Status.DONE, counts=counts)
    return run


@transaction.atomic
def start_screening(*, actor: User | None, month: date, township: Township | None = None) -> JobRun:
    """Queue the screening of one township, or of the whole county (one child run per township)."""
    if actor is not None:  # None: the beat schedule
        ensure_start_job_run(actor)
    return _queue_runs(kind=JobRun.Kind.SCREENING, actor=actor, month=month, township=township)


def execute_screening(run_id: int) -> JobRun:
    """Screen the run's township; then, for a county run, go on with its townships still queued (their own tasks,
    coming later, find them finished and leave them alone)."""
    run = _screen_then_reprice(run_id)
    while run.parent_id and (queued := _next_queued(run.parent_id)) is not None:
        _screen_then_reprice(queued)
    return run


def _screen_then_reprice(run_id: int) -> JobRun:
    """Screen a township; once done, queue its month's re-pricing (``assistance.repricing``)."""
    run = _execute(run_id, screen_township)
    if run.status == Status.DONE:
        with transaction.atomic():
            _queue_runs(kind=JobRun.Kind.REPRICING, actor=run.created_by, month=run.month, township=run.township)
    return run


@transaction.atomic
def start_repricing(*, actor: User | None, month: date, township: Township | None = None) -> JobRun:
    """Queue the re-pricing of one township, or of the whole county (each screening queues its own)."""
    if actor is not None:
        ensure_start_job_run(actor)
    return _queue_runs(kind=JobRun.Kind.REPRICING, actor=actor, month=month, township=township)


def execute_repricing(run_id: int) -> JobRun:
    return _execute(run_id, reprice_township)


def _next_queued(parent_id: int) -> int | None:
    return (
        JobRun.objects.filter(parent_id=parent_id, status=Status.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


@transaction.atomic
def _finish(run: JobRun, status: str, counts: dict[str, int] | None = None, error: str = "") -> None:
    run.status = status
    run.counts = counts or {}
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "counts", "error", "finished_at"])
    if run.parent_id:
        _update_parent(run.parent_id)


def _update_parent(parent_id: int) -> None:
    parent = JobRun.objects.select_for_update().get(pk=parent_id)
    children = list(parent.children.values("status", "counts"))
    if parent.started_at is None:
        parent.started_at = timezone.now()
    totals: dict[str, int] = {}
    for child in children:
        for key, value in (child["counts"] or {}).items():
            totals[key] = totals.get(key, 0) + value
    parent.counts = {**totals, "townships_done": sum(c["status"] == Status.DONE for c in children)}
    statuses = {c["status"] for c in children}
    if statuses <= {Status.DONE, Status.FAILED}:
        parent.status = Status.FAILED if Status.FAILED in statuses else Status.DONE
        parent.finished_at = timezone.now()
        parent.error = "部分乡镇运行失败，见各乡镇运行记录。" if Status.FAILED in statuses else ""
    else:
        parent.status = Status.RUNNING
    parent.save()


def progress(run: JobRun) -> tuple[int, int]:
    """(finished, total) for a county run; (0 or 1, 1) for a township run."""
    if run.township_id or run.kind in COUNTY_AT_ONCE:
        return int(run.status in (Status.DONE, Status.FAILED)), 1
    children = run.children.all()
    return children.filter(status__in=(Status.DONE, Status.FAILED)).count(), children.count()


@transaction.atomic
def retry_failed(*, actor: User, run: JobRun) -> int:
    """Queue the failed township runs of a county run (or a failed township run itself) again: both jobs are safe
    to re-run."""
    if run.kind == JobRun.Kind.COMPARISON:
        ensure_run_comparison(actor)
    else:
        ensure_retry_job_run(actor, run)
    failed = list(run.children.filter(status=Status.FAILED).values_list("pk", flat=True)) or (
        [run.pk] if run.status == Status.FAILED and (run.township_id or run.kind in COUNTY_AT_ONCE) else []
    )
    JobRun.objects.filter(pk__in=failed).update(status=Status.QUEUED, error="", counts={}, started_at=None)
    JobRun.objects.filter(pk=run.pk, township__isnull=True).exclude(kind__in=list(COUNTY_AT_ONCE)).update(
        status=Status.RUNNING, finished_at=None
    )
    _enqueue(run.kind, failed)
    return len(failed)


# 信息比对 (policy.md §11): the same pattern as the screening, one run per township under a county run. -------------


@transaction.atomic
def start_comparison(*, actor: User | None, month: date, township: Township | None = None) -> JobRun:
    """Queue the registry comparison of one township, or of the whole county (one child run per township). The
    county starts one for the month after each committed import of an external roll (the comparison page says
    when an import is newer than the last run)."""
    if actor is not None:
        ensure_run_comparison(actor)
    return _queue_runs(kind=JobRun.Kind.COMPARISON, actor=actor, month=month, township=township)


def execute_comparison(run_id: int) -> JobRun:
    from assistance.comparison import compare_township

    return _execute(run_id, compare_township)
