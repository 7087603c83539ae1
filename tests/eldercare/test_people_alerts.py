"""eldercare people: the overdue-visit alert from crafted data (opening, closing after a visit), set-based, and the
monthly job run twice leaving identical rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistance import jobs
from assistance.models import JobRun
from eldercare import alerts
from eldercare.models import ElderAlert, LeftBehindElder
from eldercare.selectors import people as selectors
from eldercare.services import people as services
from tests.eldercare.fixtures_people import elder_member, ledger_row, visit
from tests.helpers import run_on_a_worker

pytestmark = pytest.mark.django_db

OCT = date(2020, 10, 1)
DAY = date(2020, 10, 31)
TYPE = "eldercare.leftbehindelder"


def test_an_elder_not_visited_within_the_interval_is_found(users, villages):
    cw = users["caseworker"]
    days = selectors.visit_days(DAY)
    township = villages["a"].township_id
    never = ledger_row(cw, elder_member(cw, villages["a"], name="从未探访"), entered_on=date(2020, 1, 1))
    recent = ledger_row(cw, elder_member(cw, villages["a"], name="近期探访"), entered_on=date(2020, 1, 1))
    visit(cw, recent, DAY - timedelta(days=days))  # due on DAY itself: not yet overdue
    stale = ledger_row(cw, elder_member(cw, villages["a"], name="久未探访"), entered_on=date(2020, 1, 1))
    visit(cw, stale, DAY - timedelta(days=days + 1))
    new = ledger_row(cw, elder_member(cw, villages["a"], name="新入台账"), entered_on=DAY - timedelta(days=3))
    ended = ledger_row(cw, elder_member(cw, villages["a"], name="已移出"), entered_on=date(2020, 1, 1), active=False)
    ledger_row(users["caseworker_b"], elder_member(users["caseworker_b"], villages["b"], name="乙镇"))

    with CaptureQueriesContext(connection) as queries:
        findings = selectors.alert_findings(township, DAY)
    assert len(queries) <= 2  # one for the parameter, one for the rows
    by_id = {f.object_id: f for f in findings}
    assert set(by_id) == {never.pk, stale.pk}
    assert new.pk not in by_id and ended.pk not in by_id and recent.pk not in by_id
    finding = by_id[stale.pk]
    assert (finding.kind, finding.object_type) == (ElderAlert.Kind.VISIT_OVERDUE, TYPE)
    assert finding.subject == "久未探访 · 留守老年人 · 甲村"
    assert finding.evidence == {
        "last_visit": (DAY - timedelta(days=days + 1)).isoformat(),
        "due": (DAY - timedelta(days=1)).isoformat(),
        "interval_days": days,
    }
    assert by_id[never.pk].evidence["last_visit"] is None
    assert all(stale.member.id_number not in str(f.evidence) + f.subject for f in findings)


def test_the_alert_opens_then_closes_after_a_visit(users, villages):
    cw = users["caseworker"]
    township = villages["a"].township_id
    elder = ledger_row(cw, elder_member(cw, villages["a"], name="待探访"), entered_on=date(2020, 1, 1))
    alerts.run(township_id=township, month=OCT)
    alert = ElderAlert.objects.get(object_id=elder.pk)
    assert (alert.kind, alert.object_type, alert.closed_at) == ("visit_overdue", TYPE, None)

    services.record_visit(
        actor=cw, elder=elder, data={"visited_on": date(2020, 10, 20), "visitor": "张三", "way": "home"}
    )
    counts = alerts.run(township_id=township, month=OCT)
    alert.refresh_from_db()
    assert alert.closed_at is not None
    assert counts["alerts_closed"] == 1
    assert not ElderAlert.objects.filter(closed_at__isnull=True, kind="visit_overdue").exists()


def _snapshot():
    return list(
        ElderAlert.objects.order_by("pk").values_list(
            "pk",
            "township_id",
            "kind",
            "object_type",
            "object_id",
            "subject",
            "evidence",
            "month",
            "opened_at",
            "closed_at",
        )
    )


def test_the_monthly_job_twice_leaves_identical_rows(users, villages):
    cw = users["caseworker"]
    township = villages["a"].township_id
    for n in range(5):
        elder = ledger_row(cw, elder_member(cw, villages["a"], name=f"老人{n}"), entered_on=date(2020, 1, 1))
        if n % 2:
            visit(cw, elder, date(2020, 10, 15))
    first_counts = alerts.run(township_id=township, month=OCT)
    first = _snapshot()
    second_counts = alerts.run(township_id=township, month=OCT)
    assert _snapshot() == first
    assert first_counts["alerts_opened"] == 3 and second_counts["alerts_opened"] == 0
    assert second_counts["alerts_kept"] == 3 and second_counts["alerts_closed"] == 0


@pytest.mark.django_db(transaction=True)
def test_the_county_job_runs_on_a_real_worker(users, villages):
    cw = users["caseworker"]
    elder = ledger_row(cw, elder_member(cw, villages["a"], name="工人核查"), entered_on=date(2020, 1, 1))
    parent = run_on_a_worker(lambda: jobs.start_job(JobRun.Kind.ELDERCARE, actor=users["county_staff"], month=OCT))
    assert parent.status == "done", parent.error
    assert ElderAlert.objects.filter(object_id=elder.pk, object_type=TYPE, closed_at__isnull=True).exists()
    assert LeftBehindElder.objects.count() == 1
