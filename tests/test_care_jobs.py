"""The care apps' monthly alert jobs on the monthly job machinery: scheduled in beat, run by a real Celery worker
for every township, and a second run of the same month leaves the same alert rows."""

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
def test_a_county_run_goes_through_every_township_on_a_real_worker(kind, users):
    parent = run_on_a_worker(lambda: jobs.start_job(kind, actor=users["county_staff"], month=OCT))
    assert parent.status == "done", parent.error
    assert parent.children.count() == 39 and parent.counts["townships_done"] == 39


@pytest.mark.django_db
def test_township_users_cannot_start_a_care_job(users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        jobs.start_job(JobRun.Kind.ELDERCARE, actor=users["caseworker"], month=OCT)
