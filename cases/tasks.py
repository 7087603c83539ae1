from __future__ import annotations

from celery import shared_task

from cases.models import Township


@shared_task(name="cases.count_townships")
def count_townships() -> int:
    """Smoke task: proves a worker reaches the broker and the database (used by tests and the health page)."""
    return Township.objects.count()
