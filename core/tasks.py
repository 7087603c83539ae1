"""Celery tasks of the export centre: run one export job; delete expired export files (daily, beat)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="core.run_export")
def run_export(job_id: int) -> str:
    from core import export_centre
    from core.models import ExportJob

    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status not in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING):
        return "skipped"
    return export_centre.run_job(job).status


@shared_task(name="core.purge_exports")
def purge_exports() -> int:
    from core import export_centre

    return export_centre.purge()
