"""The export centre: every "导出 Excel" of a list page or ledger goes through here.

Each app registers its exports (``register``) in its ``AppConfig.ready``; core knows nothing of their models. An
export is a kind (``"ledger"``, ``"payroll"``, …) and parameters (the page's query string, strings). The app's
functions take ``(user, params)`` and apply the user's scope and masking themselves:

``check``      raises ``PermissionDenied`` / ``Http404`` / ``BadParameter`` when the user may not export this
               (called by the view, again by the Celery task when it runs, and at every download of a job's file)
``title``      what is exported, e.g. "汉葭街道2020年10月摸排台账"
``columns``    the ``core.exports.Column`` list
``rows``       the rows, streamed (values in column order)
``count``      how many rows (decides sync or job)
``sensitive``  whether the export holds children's or disabled persons' records: the user must give a reason
``more_sheets`` optional: more sheets after the first (``more_sheets(book, user, params)``)
``totals``     optional: the totals row of the first sheet (``core.exports.Totals``)
``on_download`` optional: the app's own logging of a download (e.g. ``cases.services.log_sensitive_access``)

Up to ``exports.sync_max_rows`` rows the file is written at once and is the response; a larger export becomes an
``ExportJob`` run by ``core.tasks.run_export``; its file is kept ``exports.keep_days`` days
(``core.tasks.purge_exports``, daily). Every download is an ``ExportDownload`` row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from celery import current_app
from django.apps import apps
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from core import exports, parameters
from core.exports import Column, Totals
from core.models import ExportDownload, ExportJob

Params = Mapping[str, str]
UserFn = Callable[[Any, Params], Any]
PROGRESS_EVERY = 500


@dataclass(frozen=True)
class ExportKind:
    kind: str
    title: Callable[[Any, Params], str]
    columns: Callable[[Any, Params], Sequence[Column]]
    rows: Callable[[Any, Params], Iterable[Sequence[Any]]]
    count: Callable[[Any, Params], int]
    sensitive: Callable[[Any, Params], bool]
    check: Callable[[Any, Params], None] = lambda user, params: None  # scope alone decides unless given
    filename: Callable[[Any, Params], str] | None = None
    sheet: str | None = None
    totals: Callable[[Any, Params], Totals | None] | None = None
    more_sheets: Callable[[exports.Book, Any, Params], None] | None = None
    on_download: Callable[[Any, Params, str], None] | None = None
    freeze_columns: int = 0


_REGISTRY: dict[str, ExportKind] = {}


def register(
    kind: str,
    title: Callable[[Any, Params], str],
    columns_fn: Callable[[Any, Params], Sequence[Column]],
    rows_fn: Callable[[Any, Params], Iterable[Sequence[Any]]],
    count_fn: Callable[[Any, Params], int],
    sensitive_fn: Callable[[Any, Params], bool],
    **options: Any,
) -> ExportKind:
    spec = ExportKind(kind, title, columns_fn, rows_fn, count_fn, sensitive_fn, **options)
    _REGISTRY[kind] = spec
    return spec


def discover() -> None:
    """Register every app's exports: the ``register_exports()`` of each installed app's ``exports`` module (as the
    admin discovers ``admin`` modules), called once all models are loaded."""
    for app_config in apps.get_app_configs():
        if app_config.name != "core" and module_has_submodule(app_config.module, "exports"):
            module = import_module(f"{app_config.name}.exports")
            module.register_exports()


def get(kind: str | None) -> ExportKind | None:
    return _REGISTRY.get(kind or "")


def kinds() -> dict[str, ExportKind]:
    return dict(_REGISTRY)


def clean_params(query: Mapping[str, Any]) -> dict[str, str]:
    """The export's parameters from a query string: every key but ``kind``, ``reason`` and the CSRF token."""
    skip = {"kind", "reason", "csrfmiddlewaretoken", "page"}
    return {str(k)[:40]: str(query.get(k, ""))[:200] for k in list(query)[:20] if k not in skip}


def sync_max_rows() -> int:
    return int(parameters.parameter("exports.sync_max_rows", timezone.localdate()))


def keep_days() -> int:
    return int(parameters.parameter("exports.keep_days", timezone.localdate()))


def export_root() -> Path:
    return Path(getattr(settings, "EXPORT_ROOT", None) or Path(settings.MEDIA_ROOT) / "exports")


def filename_for(spec: ExportKind, user: Any, params: Params) -> str:
    if spec.filename is not None:
        return spec.filename(user, params)
    return f"{spec.kind}-{timezone.localdate():%Y%m%d}.xlsx"


def write(
    spec: ExportKind, user: Any, params: Params, target: Any, progress: Callable[[int], None] | None = None
) -> int:
    """Write the export to ``target`` (a path or a binary file); returns the number of data rows."""

    def counted(rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        for number, row in enumerate(rows, start=1):
            if progress is not None and number % PROGRESS_EVERY == 0:
                progress(number)
            yield row

    title = spec.title(user, params)
    with exports.workbook(target) as book:
        tally = exports.write_sheet(
            book,
            spec.sheet or title,
            spec.columns(user, params),
            counted(spec.rows(user, params)),
            totals=spec.totals(user, params) if spec.totals else None,
            freeze_columns=spec.freeze_columns,
            autofilter=True,
        )
        if spec.more_sheets is not None:
            spec.more_sheets(book, user, params)
    return tally.count


def log_download(
    *,
    user: Any,
    spec: ExportKind,
    params: Params,
    title: str,
    rows: int,
    sensitive: bool,
    reason: str,
    job: ExportJob | None = None,
) -> ExportDownload:
    if spec.on_download is not None:
        spec.on_download(user, params, title)
    return ExportDownload.objects.create(
        user=user,
        kind=spec.kind,
        title=title[:200],
        params=dict(params),
        rows=rows,
        sensitive=sensitive,
        reason=reason[:200],
        job=job,
    )


def start_job(*, user: Any, spec: ExportKind, params: Params, title: str, total: int, reason: str) -> ExportJob:
    from django.db import transaction

    job = ExportJob.objects.create(
        user=user, kind=spec.kind, title=title[:200], params=dict(params), reason=reason[:200], rows_total=total
    )
    # queued by name (core.tasks.run_export): the task calls this module, not the other way round
    transaction.on_commit(lambda: current_app.send_task("core.run_export", args=[job.pk]))
    return job


def run_job(job: ExportJob) -> ExportJob:
    """Write a job's file (the task's body). The user's permission is checked again now; a refusal fails the job."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    spec = get(job.kind)
    user = job.user
    if spec is None:
        return _fail(job, "未知的导出类型")
    if not user.is_active:
        return _fail(job, "用户已停用")
    try:
        spec.check(user, job.params)
    except (PermissionDenied, Http404) as error:
        return _fail(job, f"无权导出：{error}" if str(error) else "无权导出")
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    relative = Path(f"{timezone.localdate():%Y%m}") / f"{uuid.uuid4().hex}.xlsx"
    path = export_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        rows = write(
            spec,
            user,
            job.params,
            str(path),
            progress=lambda done: _record_progress(job.pk, done),
        )
    except Exception as error:
        path.unlink(missing_ok=True)
        _fail(job, f"生成失败：{type(error).__name__}")
        raise
    job.status = ExportJob.Status.DONE
    job.rows_done = rows
    job.rows_total = max(job.rows_total, rows)
    job.file_path = str(relative)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "rows_done", "rows_total", "file_path", "finished_at"])
    return job


def _record_progress(job_pk: int, done: int) -> None:
    ExportJob.objects.filter(pk=job_pk).update(rows_done=done)


def _fail(job: ExportJob, message: str) -> ExportJob:
    job.status = ExportJob.Status.FAILED
    job.error = message[:300]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job


def job_file(job: ExportJob) -> Path | None:
    if job.status != ExportJob.Status.DONE or not job.file_path:
        return None
    path = (export_root() / job.file_path).resolve()
    if export_root().resolve() not in path.parents or not path.is_file():
        return None
    return path


def purge(now: Any = None) -> int:
    """Delete the files of jobs finished more than ``exports.keep_days`` days ago; returns how many."""
    from datetime import timedelta

    now = now or timezone.now()
    cutoff = now - timedelta(days=keep_days())
    purged = 0
    for job in ExportJob.objects.filter(finished_at__lt=cutoff, status=ExportJob.Status.DONE):
        if job.file_path:
            (export_root() / job.file_path).unlink(missing_ok=True)
        job.status = ExportJob.Status.EXPIRED
        job.file_path = ""
        job.save(update_fields=["status", "file_path"])
        purged += 1
    return purged


# Reads of a user's own jobs and downloads ------------------------------------------------------------------


def own_job_or_404(user: Any, pk: int) -> ExportJob:
    """A job of this user; anyone else's is 'not found'."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(ExportJob.objects.filter(user_id=user.pk), pk=pk)


def recent_jobs(user: Any, limit: int = 100) -> list[ExportJob]:
    return list(ExportJob.objects.filter(user_id=user.pk)[:limit])


def recent_downloads(user: Any, limit: int = 100) -> list[ExportDownload]:
    return list(ExportDownload.objects.filter(user_id=user.pk)[:limit])
