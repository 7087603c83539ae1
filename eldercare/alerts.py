"""The monthly alert job of eldercare: for a month, what should be open now in the whole county (or one
township) — each area's selectors find it, one query per kind — becomes the open rows of ``ElderAlert``
(``core.alerts.sync``: kept alerts keep their ``opened_at``). Run by the monthly job machinery (``assistance.jobs``,
kind ``eldercare``) as one county run; running a month twice leaves the same rows."""

from __future__ import annotations

from datetime import date

from core import alerts
from eldercare.models import ElderAlert
from eldercare.selectors import homes, people, safety


def run(*, month: date, township_id: int | None = None, run_id: int | None = None) -> dict[str, int]:
    day = alerts.judged_on(month)
    findings = [
        *homes.alert_findings(township_id, day),
        *safety.alert_findings(township_id, day),
        *people.alert_findings(township_id, day),
    ]
    result = alerts.sync(
        ElderAlert, township_id=township_id, month=month, kinds=ElderAlert.Kind.values, findings=findings
    )
    return result.counts()
