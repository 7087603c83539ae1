"""eldercare safety: the overdue-hazard alert from crafted data (opens; closes when fixed, or when the county
closes a reported one), set-based, township-scoped, no alert for the GB 38600 items, and the monthly job twice
leaving identical rows."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eldercare import alerts
from eldercare.models import ElderAlert
from eldercare.selectors import safety as selectors
from eldercare.services import safety as services
from tests.eldercare import fixtures_safety as fx
from tests.eldercare.fixtures_safety import hazard_data

homes, residents = fx.homes, fx.residents

pytestmark = pytest.mark.django_db

OCT = date(2020, 10, 1)
DAY = date(2020, 10, 31)
TYPE = "eldercare.hazard"


def _hazard(actor, home, deadline, **data):
    return services.record_hazard(
        actor=actor, home=home, data=hazard_data(found_on=date(2020, 9, 1), deadline=deadline, **data)
    )


def test_open_hazards_past_their_deadline_are_found_in_one_query(users, homes):
    cw = users["caseworker"]
    late = _hazard(cw, homes["a"], date(2020, 10, 30), description="消防通道堵塞\n需清理")
    due_today = _hazard(cw, homes["a"], DAY)  # due on the day: not yet overdue
    fixed = _hazard(cw, homes["a"], date(2020, 9, 15))
    services.fix_hazard(actor=cw, hazard=fixed, data={"fixed_on": date(2020, 9, 14), "evidence": "已清理"})
    reported = _hazard(cw, homes["a"], date(2020, 9, 20), level="severe")
    services.report_hazard(actor=cw, hazard=reported, reason="需县里立项")
    _hazard(users["caseworker_b"], homes["b"], date(2020, 9, 1))  # another township's

    with CaptureQueriesContext(connection) as queries:
        findings = selectors.alert_findings(homes["a"].township_id, DAY)
    assert len(queries) == 1
    by_id = {f.object_id: f for f in findings}
    assert set(by_id) == {late.pk, reported.pk}  # a reported hazard stays overdue until the county closes it
    assert due_today.pk not in by_id and fixed.pk not in by_id
    finding = by_id[late.pk]
    assert (finding.kind, finding.object_type) == (ElderAlert.Kind.HAZARD_OVERDUE, TYPE)
    assert finding.subject == "甲安全敬老院 · 较大隐患 · 消防通道堵塞 需清理"
    assert finding.evidence == {"deadline": "2020-10-30", "days_overdue": 1, "status": "整改中"}
    assert by_id[reported.pk].evidence["status"] == "已上报县民政局"


def test_the_alert_opens_then_closes_when_fixed(users, homes):
    cw = users["caseworker"]
    township = homes["a"].township_id
    hazard = _hazard(cw, homes["a"], date(2020, 10, 10))
    alerts.run(township_id=township, month=OCT)
    alert = ElderAlert.objects.get(object_type=TYPE, object_id=hazard.pk)
    assert (alert.kind, alert.closed_at, alert.evidence["days_overdue"]) == ("hazard_overdue", None, 21)

    services.fix_hazard(actor=cw, hazard=hazard, data={"fixed_on": date(2020, 10, 25), "evidence": "已整改"})
    counts = alerts.run(township_id=township, month=OCT)
    alert.refresh_from_db()
    assert alert.closed_at is not None and counts["alerts_closed"] == 1


def test_a_reported_hazard_closes_its_alert_when_the_county_closes_it(users, homes):
    cw = users["caseworker"]
    township = homes["a"].township_id
    hazard = _hazard(cw, homes["a"], date(2020, 10, 10))
    services.report_hazard(actor=cw, hazard=hazard, reason="资金不足")
    alerts.run(township_id=township, month=OCT)
    assert ElderAlert.objects.filter(object_id=hazard.pk, closed_at__isnull=True).exists()
    services.close_hazard(
        actor=users["county_staff"], hazard=hazard, handling="县里已立项", closed_on=date(2020, 10, 28)
    )
    alerts.run(township_id=township, month=OCT)
    assert not ElderAlert.objects.filter(object_id=hazard.pk, closed_at__isnull=True).exists()


def test_residents_awaiting_assessment_raise_no_alert_in_2020(users, residents):
    """GB 38600-2019 is recorded, not counted as a violation for 2020: 待评估 is shown, never alerted."""
    assert selectors.home_safety_summary(users["caseworker"], residents["a"].home, DAY)["to_assess"]
    assert selectors.alert_findings(residents["a"].home.township_id, DAY) == []


def test_the_monthly_job_twice_leaves_identical_rows(users, homes):
    cw = users["caseworker"]
    township = homes["a"].township_id
    for n in range(4):
        _hazard(cw, homes["a"], date(2020, 10, 1 + n), description=f"隐患{n}")
    snapshot = lambda: list(  # noqa: E731
        ElderAlert.objects.filter(kind="hazard_overdue")
        .order_by("pk")
        .values_list("pk", "kind", "object_id", "subject", "evidence", "month", "opened_at", "closed_at")
    )
    first_counts = alerts.run(township_id=township, month=OCT)
    first = snapshot()
    second_counts = alerts.run(township_id=township, month=OCT)
    assert snapshot() == first and len(first) == 4
    assert second_counts["alerts_opened"] == 0 and second_counts["alerts_kept"] >= 4
    assert first_counts["alerts_opened"] >= 4
