"""The care apps' monthly alert jobs on the monthly job machinery: scheduled in beat, run by a real Celery worker
as one run for the whole county (one query per kind for the county, not 39 small ones), retried as such."""

from __future__ import annotations

from datetime import date

import pytest

from assistance import jobs
from assistance.models import JobRun
from tests.helpers import run_on_a_worker

OCT = date(2020, 10, 1)


@pytest.mark.django_db
def test_beat_schedules_the_care_alert_jobs_after_the_screening():
    from django_celery_beat.models import PeriodicTask

    tasks = {t.kwargs: t for t in PeriodicTask.objects.filter(task="assistance.start_county_job")}
    assert set(tasks) == {'{"kind": "eldercare"}', '{"kind": "childcare"}'}
    assert all((t.crontab.day_of_month, t.crontab.hour, t.enabled) == ("1", "3", True) for t in tasks.values())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", [JobRun.Kind.ELDERCARE, JobRun.Kind.CHILDCARE])
def test_a_county_run_is_one_run_on_a_real_worker(kind, users):
    run = run_on_a_worker(lambda: jobs.start_job(kind, actor=users["county_staff"], month=OCT))
    assert run.status == "done", run.error
    assert run.township_id is None and not run.children.exists()
    assert jobs.progress(run) == (1, 1) and set(run.counts) == {"alerts_opened", "alerts_kept", "alerts_closed"}


@pytest.mark.django_db
def test_a_failed_county_run_is_queued_again_by_retry(users):
    run = JobRun.objects.create(kind=JobRun.Kind.CHILDCARE, month=OCT, status="failed", error="断开")
    assert jobs.retry_failed(actor=users["county_staff"], run=run) == 1
    run.refresh_from_db()
    assert (run.status, run.error) == ("queued", "")


@pytest.mark.django_db
def test_township_users_cannot_start_a_care_job(users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        jobs.start_job(JobRun.Kind.ELDERCARE, actor=users["caseworker"], month=OCT)
