"""A real Celery worker (in-process, so it uses the test database) executes a task through Redis."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker

from cases.tasks import count_townships
from config.celery import app


@pytest.mark.django_db(transaction=True)
def test_worker_runs_a_task_through_redis():
    assert app.conf.task_always_eager is False
    assert app.conf.broker_url.startswith("redis")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = count_townships.delay()
        assert result.get(timeout=30) == 39
