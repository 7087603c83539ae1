"""The monthly alert job of eldercare: per township and month, what should be open now (each area's selectors find
it) becomes the open rows of ``ElderAlert`` (``core.alerts.sync``: kept alerts keep their ``opened_at``). Run by the
monthly job machinery (``assistance.jobs``, kind ``eldercare``); idempotent per township-month."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from core import alerts
from core.months import month_end
from eldercare.models import ElderAlert
from eldercare.selectors import homes, people, safety


def as_of(month: date) -> date:
    """The day a month's alerts are judged on: the month's last day, or today for the current month."""
    return min(month_end(month), timezone.localdate())


def run_township(*, township_id: int, month: date, run_id: int | None = None) -> dict[str, int]:
    day = as_of(month)
    findings = [
        *homes.alert_findings(township_id, day),
        *safety.alert_findings(township_id, day),
        *people.alert_findings(township_id, day),
    ]
    result = alerts.sync(
        ElderAlert, township_id=township_id, month=month, kinds=ElderAlert.Kind.values, findings=findings
    )
    return result.counts()
