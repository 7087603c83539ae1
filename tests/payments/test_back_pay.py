"""Back pay (补发) and overpayments (多发): a retroactive parameter version → exactly the differences as back-pay
lines in a later draft batch; lower amounts and payments after death → overpayments; paid lines never edited;
running again adds nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from assistance import services as assistance_services
from assistance.determinations import determine_household
from assistance.models import RecomputeMark
from cases.models import Member
from payments import back_pay, services
from payments.models import BackPayRun, Overpayment, PaymentLine, Payroll
from tests.payments.conftest import NOV, OCT

pytestmark = pytest.mark.django_db


def paid(users, township, month=OCT, benefit="dibao") -> Payroll:
    """The month's regular payroll, through the workflow, with every line paid."""
    payroll = services.generate_payroll(actor=users["caseworker"], township=township, month=month, benefit=benefit)
    services.submit_payroll(actor=users["caseworker"], payroll=payroll)
    services.approve_payroll(actor=users["county_staff"], payroll=payroll)
    services.disburse_payroll(actor=users["county_staff"], payroll=payroll)
    payroll.lines.update(status="paid")
    Payroll.objects.filter(pk=payroll.pk).update(status="reconciled")
    return payroll


def rules_amount(household, month=OCT) -> Decimal:
    return determine_household(actor=None, household=household, month=month).dibao_amount


def add_rural_standard(users, value: str, effective_from=OCT):
    return assistance_services.add_parameter_version(
        actor=users["county_admin"],
        key="dibao.standard.rural",
        value=Decimal(value),
        effective_from=effective_from,
        source="彭水府发〔2020〕测试号",
        confirmed=True,
        note="",
        reason="追溯提高农村低保标准",
    )


def pay_at_rules_amount(users, county, township) -> tuple[Decimal, Payroll]:
    """The 低保 household's enrollment at the amount the rules give in October, priced under October's parameters
    (as the monthly re-pricing leaves it), October paid: (amount, payroll)."""
    old = rules_amount(county.dibao_home)
    county.dibao.amounts.update(amount=old, priced_month=OCT)
    return old, paid(users, township)


@pytest.fixture
def paid_at_old_standard(users, county, township_a):
    """The 低保 household's enrollment at the amount the rules give under the old standard, October paid."""
    return pay_at_rules_amount(users, county, township_a)


def test_a_retroactive_standard_produces_exactly_the_differences(users, county, township_a, paid_at_old_standard):
    old, payroll = paid_at_old_standard
    line = payroll.lines.get()
    before = PaymentLine.objects.values().get(pk=line.pk)
    add_rural_standard(users, "520")
    mark = RecomputeMark.objects.get(key="dibao.standard.rural")
    assert mark.from_month == OCT and mark.status == "pending"
    new = rules_amount(county.dibao_home)
    assert new - old == Decimal("48.00")  # two counted members × (520 − 496)

    run = back_pay.back_pay_run(actor=users["county_staff"])

    back = PaymentLine.objects.get(kind="back_pay")
    assert (back.amount, back.month, back.benefit, back.household_id) == (new - old, OCT, "dibao", county.dibao_home.pk)
    assert back.back_pay_run == run and back.payee_name == "张大山" and back.bank_account == line.bank_account
    batch = back.payroll
    assert (batch.township, batch.month, batch.batch, batch.status) == (township_a, OCT, 2, "draft")
    assert (batch.line_count, batch.total_amount) == (1, new - old)
    assert PaymentLine.objects.values().get(pk=line.pk) == before  # the paid line is not edited
    standard = county.dibao.amounts.get(cause="standard")  # the 调标 first, as a dated amount, then back pay
    assert (standard.from_month, standard.amount, standard.version.key) == (OCT, new, "dibao.standard.rural")
    mark.refresh_from_db()
    assert mark.status == "done" and mark.done_at is not None
    assert run.counts["back_pay_lines"] == 1 and run.counts["back_pay_amount"] == str(new - old)
    assert not Overpayment.objects.exists()

    # Again: no pending mark; the same months by range add nothing either.
    with pytest.raises(ValidationError, match="没有待重算"):
        back_pay.back_pay_run(actor=users["county_staff"])
    again = back_pay.back_pay_run(actor=users["county_staff"], township=township_a, from_month=OCT, to_month=NOV)
    assert again.counts["back_pay_lines"] == 0 and again.counts["overpayments"] == 0
    RecomputeMark.objects.filter(pk=mark.pk).update(status="pending", done_at=None)
    assert back_pay.back_pay_run(actor=users["county_staff"]).counts["back_pay_lines"] == 0
    assert PaymentLine.objects.filter(kind="back_pay").count() == 1


def test_the_database_refuses_a_second_back_pay_line_for_the_same_source(users, county, paid_at_old_standard):
    add_rural_standard(users, "520")
    back_pay.back_pay_run(actor=users["county_staff"])
    back = PaymentLine.objects.get(kind="back_pay")
    back.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        back.save()


def test_a_second_raise_pays_only_the_further_difference(users, county, township_a, paid_at_old_standard):
    add_rural_standard(users, "520", effective_from=date(2020, 9, 15))  # decides October on
    back_pay.back_pay_run(actor=users["county_staff"])
    add_rural_standard(users, "530")  # October again, from its 1st
    run = back_pay.back_pay_run(actor=users["county_staff"])
    assert run.counts["back_pay_lines"] == 1
    amounts = sorted(PaymentLine.objects.filter(kind="back_pay").values_list("amount", flat=True))
    assert amounts == [Decimal("20.00"), Decimal("48.00")]
    assert PaymentLine.objects.filter(kind="back_pay").values("payroll").distinct().count() == 1  # same draft batch


def test_a_marked_parameter_the_household_does_not_use_changes_nothing(users, county, township_a, paid_at_old_standard):
    add_parameter = assistance_services.add_parameter_version
    add_parameter(
        actor=users["county_admin"],
        key="dibao.standard.urban",
        value=Decimal("700"),
        effective_from=OCT,
        source="测试",
        confirmed=True,
        note="",
        reason="追溯",
    )
    run = back_pay.back_pay_run(actor=users["county_staff"])
    assert run.counts["back_pay_lines"] == 0 and run.counts["overpayments"] == 0  # the household is rural
    assert list(county.dibao.amounts.values_list("cause", flat=True)) == ["initial"]  # no 调标 for it


def test_a_lower_amount_becomes_an_overpayment(users, county, paid_at_old_standard):
    old, _ = paid_at_old_standard
    add_rural_standard(users, "480")
    run = back_pay.back_pay_run(actor=users["county_staff"])
    over = Overpayment.objects.get()
    assert (over.amount, over.paid_amount, over.due_amount) == (Decimal("32.00"), old, old - Decimal("32.00"))
    assert over.reason == Overpayment.RECOMPUTED_LOWER and over.status == "open" and over.run == run
    assert not PaymentLine.objects.filter(kind="back_pay").exists()
    RecomputeMark.objects.update(status="pending", done_at=None)
    assert back_pay.back_pay_run(actor=users["county_staff"]).counts["overpayments"] == 0

    with pytest.raises(ValidationError, match="核销须说明原因"):
        back_pay.resolve_overpayment(actor=users["county_staff"], overpayment=over, status="waived")
    back_pay.resolve_overpayment(actor=users["county_staff"], overpayment=over, status="recovered", note="已退回")
    over.refresh_from_db()
    assert over.status == "recovered" and over.resolved_by == users["county_staff"]


def test_payments_after_the_month_of_death_are_overpayments(users, county, township_a):
    paid(users, township_a, OCT, "orphan_allowance")
    paid(users, township_a, NOV, "orphan_allowance")
    Member.objects.filter(pk=county.orphan.pk).update(date_of_death=date(2020, 10, 15))

    run = back_pay.back_pay_run(actor=users["county_staff"], township=township_a, from_month=OCT, to_month=OCT)

    over = Overpayment.objects.get()  # November only: October is the month of death
    assert (over.member, over.month, over.amount, over.reason) == (
        county.orphan,
        NOV,
        Decimal("1256.00"),
        "死亡后发放",
    )
    assert run.counts["overpayments"] == 1
    again = back_pay.back_pay_run(actor=users["county_staff"], township=township_a, from_month=NOV, to_month=NOV)
    assert again.counts["overpayments"] == 0 and Overpayment.objects.count() == 1


def test_only_the_county_runs_back_pay(users, county, township_a):
    for role in ("caseworker", "reviewer", "auditor"):
        with pytest.raises(PermissionDenied):
            back_pay.back_pay_run(actor=users[role])
    with pytest.raises(ValidationError, match="本月之前"):
        back_pay.back_pay_run(actor=users["county_staff"], township=township_a, from_month=date.today())
    assert not BackPayRun.objects.exists()
