"""The children's alerts, each from crafted data, opened and closed by the monthly job
(``childcare.alerts.run``); the job twice leaves identical rows; the findings are set-based."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from childcare import alerts
from childcare.models import ChildAlert, ChildCase, GuardianshipCase, LeftBehindChild
from childcare.selectors import children as selectors
from childcare.services import children as services
from core.months import this_month
from tests.childcare.fixtures_children import insure, make_case, make_child_member, make_left_behind, years_ago
from tests.helpers import enroll

pytestmark = pytest.mark.django_db


def run(township) -> dict[str, int]:
    return alerts.run(township_id=township.pk, month=this_month())


def open_alerts(kind: str) -> list[ChildAlert]:
    return list(ChildAlert.objects.filter(kind=kind, closed_at__isnull=True))


def test_an_overdue_visit_opens_an_alert_and_a_visit_closes_it(users, villages, township_a):
    today = timezone.localdate()
    child = make_left_behind(users["caseworker"], villages["a"], name="逾期小明")
    make_left_behind(users["caseworker"], villages["a"], name="按时小红")  # started today: not due
    LeftBehindChild.objects.filter(pk=child.pk).update(start=today - timedelta(days=40))
    run(township_a)
    (alert,) = open_alerts("visit_overdue")
    assert (alert.object_id, alert.township_id) == (child.pk, township_a.pk)
    assert alert.subject == "逾期小明 · 留守儿童 · 甲村"
    assert alert.evidence == {"last_visit": None, "due": (today - timedelta(days=10)).isoformat(), "days": 30}
    assert child.member.id_number not in alert.subject + str(alert.evidence)
    services.record_visit(
        actor=users["caseworker"],
        child=child,
        data={"visited_on": today, "visitor": "张干部", "way": "home", "findings": "好"},
    )
    run(township_a)
    assert not open_alerts("visit_overdue")
    alert.refresh_from_db()
    assert alert.closed_at is not None


def test_missing_insurance_opens_for_a_case_and_for_an_allowance_without_a_case(users, villages, township_a):
    case = make_case(users["caseworker"], villages["a"], name="孤儿小芳")
    member = make_child_member(users["caseworker"], villages["a"], name="领补贴的", age=9)
    allowance = enroll(member.household, "orphan_allowance", "1256", member=member)
    ended = make_case(users["caseworker"], villages["a"], name="已终止的")
    ChildCase.objects.filter(pk=ended.pk).update(status="ended")
    run(township_a)
    found = {(a.object_type, a.object_id) for a in open_alerts("insurance_missing")}
    assert found == {("childcare.childcase", case.pk), ("assistance.enrollment", allowance.pk)}
    insure(case, users["caseworker"])
    run(township_a)
    assert {a.object_id for a in open_alerts("insurance_missing")} == {allowance.pk}
    # insurance that ended yesterday does not cover today
    today = timezone.localdate()
    insure(case, users["caseworker"], start=today - timedelta(days=365), end=today - timedelta(days=1))
    run(township_a)
    assert {a.object_id for a in open_alerts("insurance_missing")} == {case.pk, allowance.pk}


def test_a_guardian_without_capacity_or_under_18_opens_an_alert_until_the_case_is_resolved(users, villages, township_a):
    incapable = make_left_behind(users["caseworker"], villages["a"], name="无能力", guardian_capacity="none")
    minor = make_left_behind(
        users["caseworker"], villages["a"], name="小监护", guardian_name="哥哥", guardian_birth_date=years_ago(15)
    )
    make_left_behind(users["caseworker"], villages["a"], name="有能力")
    run(township_a)
    by_child = {a.object_id: a for a in open_alerts("guardian_incapable")}
    assert set(by_child) == {incapable.pk, minor.pk}
    assert by_child[minor.pk].evidence == {"guardian_age": 15, "guardian_minor": True}
    assert "监护人未满18周岁" in by_child[minor.pk].subject
    case = GuardianshipCase.objects.get(child=incapable)
    services.resolve_guardianship(actor=users["caseworker"], case=case, outcome="de_facto", note="已认定")
    run(township_a)
    assert {a.object_id for a in open_alerts("guardian_incapable")} == {minor.pk}


def test_a_case_past_its_annual_review_opens_an_alert_and_an_approved_review_closes_it(users, villages, township_a):
    today = timezone.localdate()
    case = make_case(users["caseworker"], villages["a"], name="待复核")
    insure(case, users["caseworker"])
    ChildCase.objects.filter(pk=case.pk).update(review_due=today - timedelta(days=1))
    run(township_a)
    (alert,) = open_alerts("review_overdue")
    assert alert.object_id == case.pk and alert.evidence == {"review_due": (today - timedelta(days=1)).isoformat()}
    step = services.prepare_step(actor=users["caseworker"], case=case, kind="review", on=today, findings="如常")
    run(township_a)
    assert open_alerts("review_overdue")  # prepared but not yet approved
    services.decide_step(actor=users["reviewer"], step=step, approve=True, note="")
    run(township_a)
    assert not open_alerts("review_overdue")


def test_the_monthly_job_twice_leaves_identical_rows(users, villages, township_a, township_b):
    today = timezone.localdate()
    child = make_left_behind(users["caseworker"], villages["a"], name="甲逾期", guardian_capacity="none")
    LeftBehindChild.objects.filter(pk=child.pk).update(start=today - timedelta(days=60))
    case = make_case(users["caseworker"], villages["a"])
    ChildCase.objects.filter(pk=case.pk).update(review_due=today - timedelta(days=3))
    other = make_left_behind(users["caseworker_b"], villages["b"], name="乙逾期")
    LeftBehindChild.objects.filter(pk=other.pk).update(start=today - timedelta(days=60))
    first = run(township_a)
    assert first["alerts_opened"] == 4
    rows = list(ChildAlert.objects.order_by("pk").values())
    second = run(township_a)
    assert second == {"alerts_opened": 0, "alerts_kept": 4, "alerts_closed": 0}
    assert list(ChildAlert.objects.order_by("pk").values()) == rows
    assert not ChildAlert.objects.filter(township=township_b).exists()


def test_the_findings_take_a_fixed_number_of_queries(users, villages, township_a, django_assert_max_num_queries):
    today = timezone.localdate()
    for number in range(6):
        child = make_left_behind(users["caseworker"], villages["a"], name=f"儿童{number}", guardian_capacity="none")
        LeftBehindChild.objects.filter(pk=child.pk).update(start=today - timedelta(days=60))
        make_case(users["caseworker"], villages["a"], name=f"孤儿{number}")
    with django_assert_max_num_queries(8):
        findings = selectors.alert_findings(township_a.pk, today)
    assert len(findings) == 18
