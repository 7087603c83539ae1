"""Timeliness (policy.md §14): month M's regular payroll paid by payment.deadline_day of M per township and benefit
— on time, late, missing, not yet due — and lump payments (several months of one beneficiary in one disbursement;
back pay and re-issues are not lumps). The check replaces the month's results."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from payments import services, tasks
from payments.models import PaymentLine, Payroll, TimelinessResult
from payments.timeliness import check_timeliness
from tests.payments.conftest import NOV, OCT

pytestmark = pytest.mark.django_db
CHONGQING = ZoneInfo("Asia/Shanghai")


def disburse(users, township, month, benefit="dibao", on: date | None = None) -> Payroll:
    cw = users["caseworker"] if township.name == "汉葭街道" else users["caseworker_b"]
    payroll = services.generate_payroll(actor=cw, township=township, month=month, benefit=benefit)
    services.submit_payroll(actor=cw, payroll=payroll)
    services.approve_payroll(actor=users["county_staff"], payroll=payroll)
    services.disburse_payroll(actor=users["county_staff"], payroll=payroll)
    if on is not None:
        Payroll.objects.filter(pk=payroll.pk).update(
            disbursed_at=datetime(on.year, on.month, on.day, 9, tzinfo=CHONGQING)
        )
    return payroll


def results(month=OCT) -> dict[tuple[str, str], TimelinessResult]:
    return {(r.township.name, r.benefit): r for r in TimelinessResult.objects.filter(month=month)}


def test_statuses(users, county, township_a, township_b):
    disburse(users, township_a, OCT, "dibao", on=date(2020, 10, 9))
    disburse(users, township_a, OCT, "tekun", on=date(2020, 10, 11))
    check_timeliness(actor=None, month=OCT)
    found = results()
    assert found["汉葭街道", "dibao"].status == "on_time" and found["汉葭街道", "dibao"].paid_on == date(2020, 10, 9)
    assert found["汉葭街道", "tekun"].status == "late"
    assert found["汉葭街道", "orphan_allowance"].status == "missing"
    assert found["郁山镇", "dibao"].status == "missing" and found["郁山镇", "dibao"].expected
    assert found["汉葭街道", "dibao"].deadline == date(2020, 10, 10)
    assert all(r.lump_count == 0 for r in found.values())

    check_timeliness(actor=None, month=OCT, today=date(2020, 10, 5))  # replaced, before the deadline
    assert results()["郁山镇", "dibao"].status == "not_due"
    assert TimelinessResult.objects.filter(month=OCT).count() == len(found)


def test_lumps_are_detected(users, county, township_a, township_b):
    oct_a = disburse(users, township_a, OCT, on=date(2020, 11, 5))
    disburse(users, township_a, NOV, on=date(2020, 11, 5))  # October and November paid together: a lump
    disburse(users, township_b, OCT, on=date(2020, 10, 8))
    disburse(users, township_b, NOV, on=date(2020, 11, 8))  # month by month: no lump
    check_timeliness(actor=None, month=OCT)
    found = results()
    assert found["汉葭街道", "dibao"].lump_count == 1 and found["汉葭街道", "dibao"].status == "late"
    assert found["郁山镇", "dibao"].lump_count == 0 and found["郁山镇", "dibao"].status == "on_time"
    check_timeliness(actor=None, month=NOV)
    assert results(NOV)["汉葭街道", "dibao"].lump_count == 1

    # A back-pay line of October in a later batch paid with December is not a lump.
    dec = disburse(users, township_b, date(2020, 12, 1), on=date(2020, 12, 8))
    later = Payroll.objects.create(
        township=township_b, month=OCT, benefit="dibao", batch=2, created_by=users["county_staff"], status="disbursed"
    )
    Payroll.objects.filter(pk=later.pk).update(disbursed_at=dec.disbursed_at)
    line = oct_a.lines.get()
    PaymentLine.objects.create(
        payroll=later,
        kind="back_pay",
        benefit="dibao",
        month=OCT,
        household=county.b_home,
        name="郁山户主",
        amount=48,
        source_key="test",
        bank_account=line.bank_account,
    )
    check_timeliness(actor=None, month=date(2020, 12, 1))
    assert results(date(2020, 12, 1))["郁山镇", "dibao"].lump_count == 0


def test_two_months_in_one_payroll_are_a_lump(users, county, township_a):
    payroll = services.generate_payroll(actor=users["caseworker"], township=township_a, month=OCT, benefit="dibao")
    line = payroll.lines.get()
    line.pk, line.month = None, NOV
    line.save()
    services.submit_payroll(actor=users["caseworker"], payroll=payroll)
    services.approve_payroll(actor=users["county_staff"], payroll=payroll)
    services.disburse_payroll(actor=users["county_staff"], payroll=payroll)
    check_timeliness(actor=None, month=OCT)
    assert results()["汉葭街道", "dibao"].lump_count == 1


def test_the_task_takes_a_month(users, county, township_a):
    assert tasks.check_timeliness("2020-10") == TimelinessResult.objects.filter(month=OCT).count() > 0
