"""The monthly alert job of childcare: for a month, what should be open now in the whole county (or one
township) — each area's selectors find it, one query per kind — becomes the open rows of ``ChildAlert``
(``core.alerts.sync``: kept alerts keep their ``opened_at``). Run by the monthly job machinery (``assistance.jobs``,
kind ``childcare``) as one county run; running a month twice leaves the same rows."""

from __future__ import annotations

from datetime import date

from childcare.models import ChildAlert
from childcare.selectors import children
from core import alerts


def run(*, month: date, township_id: int | None = None, run_id: int | None = None) -> dict[str, int]:
    day = alerts.judged_on(month)
    findings = children.alert_findings(township_id, day)  # the groups' ledgers raise no alert of their own
    result = alerts.sync(
        ChildAlert,
        township_id=township_id,
        month=month,
        kinds=ChildAlert.Kind.values,
        findings=findings,
        describe=children.alert_subjects,
    )
    return result.counts()
