"""价格临时补贴: the county records the month (refused when the rises do not reach a trigger); the payroll pays
低保 members, 特困 persons and orphans once per person per month, urban or rural amount × multiplier."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from payments import services
from payments.models import PaymentLine, PriceSubsidyMonth
from payments.price_subsidy import record_price_subsidy_month
from tests.helpers import enroll
from tests.payments.conftest import OCT

pytestmark = pytest.mark.django_db


def record(users, role="county_staff", **fields):
    values = {
        "month": OCT,
        "cpi_rise": Decimal("0.036"),
        "food_rise": Decimal("0.02"),
        "urban_amount": Decimal("30"),
        "rural_amount": Decimal("20"),
        "multiplier": Decimal("2"),
        "note": "渝民发〔2020〕测试号",
    }
    return record_price_subsidy_month(actor=users[role], **{**values, **fields})


def test_the_county_records_a_triggered_month(users):
    for role in ("caseworker", "auditor"):
        with pytest.raises(PermissionDenied):
            record(users, role)
    with pytest.raises(ValidationError, match="未达到启动条件") as error:
        record(users, cpi_rise=Decimal("0.03"), food_rise=Decimal("0.05"))
    assert "3.5%" in str(error.value) and "6%" in str(error.value)
    assert record(users, cpi_rise=Decimal("0.01"), food_rise=Decimal("0.06")).multiplier == 2  # food alone triggers
    record(users, urban_amount=Decimal("35"))  # corrected while nothing is submitted
    assert PriceSubsidyMonth.objects.get().urban_amount == Decimal("35")


def test_each_covered_person_is_paid_once(users, county, township_a):
    orphan_home = county.orphan.household
    enroll(orphan_home, "dibao", "300.00")  # the orphan is also a 低保 member: paid once
    record(users)
    payroll = services.generate_payroll(
        actor=users["caseworker"], township=township_a, month=OCT, benefit="price_subsidy"
    )
    lines = list(payroll.lines.order_by("id"))
    members = [line.member_id for line in lines]
    assert len(members) == len(set(members)) == 5  # 张大山, 张小花, 李老汉 (特困), 王爷爷, 王小宝
    assert {line.amount for line in lines} == {Decimal("40.00")}  # rural 20 × 2
    orphan_line = next(line for line in lines if line.member_id == county.orphan.pk)
    assert orphan_line.payee_name == "王爷爷" and orphan_line.enrollment == county.orphan_allowance
    elder_line = next(line for line in lines if line.member_id == county.elder.pk)
    assert elder_line.payee_kind == "institution"
    child_line = next(line for line in lines if line.name == "张小花")
    assert child_line.payee_name == "张大山"  # a 低保 member without a card: the household's card

    again = services.generate_payroll(
        actor=users["caseworker"], township=township_a, month=OCT, benefit="price_subsidy"
    )
    assert again.pk == payroll.pk and PaymentLine.objects.filter(benefit="price_subsidy").count() == 5
    outcomes = services.generate_month(actor=users["caseworker_b"], township=county.b_home.township, month=OCT)
    assert "price_subsidy" in {outcome.benefit for outcome in outcomes}
    assert PaymentLine.objects.filter(benefit="price_subsidy", household=county.b_home).count() == 1


def test_no_payroll_without_a_recorded_month(users, county, township_a):
    with pytest.raises(ValidationError, match="尚未录入价格临时补贴"):
        services.generate_payroll(actor=users["caseworker"], township=township_a, month=OCT, benefit="price_subsidy")
