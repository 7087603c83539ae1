"""An income known as the total of the look-back period is divided by ``income.lookback_months`` when entered
(policy.md §2, §13): the service, the form page and the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.forms import ExpenditureForm, IncomeForm
from cases.models.facts import IncomeItem
from core.models import PolicyParameter
from tests.helpers import make_household, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(users, villages):
    actor = users["caseworker"]
    household = make_household(actor, villages["a"], area_type="rural")
    member = make_member(actor, household, name="务工者", relation="head", born=date(1978, 3, 15))
    return household, member


def add(actor, household, member, amount, basis=None, start=date(2020, 1, 1), note="", kind="income"):
    data = {"member": member, "kind": "wage" if kind == "income" else "medical", "monthly_amount": Decimal(amount)}
    data.update(valid_from=start, note=note)
    if basis is not None:
        data["amount_basis"] = basis
    return services.add_fact(actor=actor, household=household, kind=kind, data=data)


@pytest.mark.parametrize(
    ("total", "monthly"),
    [("14400", "1200.00"), ("1000", "83.33"), ("1000.06", "83.34"), ("0.06", "0.01"), ("0.05", "0.00")],
)
def test_lookback_total_divided_half_up_to_the_fen(users, family, total, monthly):
    household, member = family
    item = add(users["caseworker"], household, member, total, services.AMOUNT_LOOKBACK_TOTAL)
    item.refresh_from_db()
    assert item.monthly_amount == Decimal(monthly)
    assert item.note == f"回溯期合计 {Decimal(total).normalize():f} 元 ÷ 12 个月"


def test_monthly_is_the_default(users, family):
    household, member = family
    assert add(users["caseworker"], household, member, "1600").monthly_amount == Decimal("1600")
    assert add(users["caseworker"], household, member, "1600", services.AMOUNT_MONTHLY).note == ""


def test_divisor_in_force_on_the_items_start(users, family, django_user_model):
    PolicyParameter.objects.filter(key="income.lookback_months").update(effective_to=date(2020, 12, 31))
    PolicyParameter.objects.create(
        key="income.lookback_months", value=Decimal(6), effective_from=date(2021, 1, 1), source="测试", confirmed=True
    )
    household, member = family
    old = add(users["caseworker"], household, member, "1200", services.AMOUNT_LOOKBACK_TOTAL, date(2020, 12, 31))
    new = add(users["caseworker"], household, member, "1200", services.AMOUNT_LOOKBACK_TOTAL, date(2021, 1, 1), "打工")
    assert old.monthly_amount == Decimal("100.00")
    assert new.monthly_amount == Decimal("200.00")
    assert new.note == "回溯期合计 1200 元 ÷ 6 个月；打工"


def test_only_income_takes_a_lookback_total(users, family):
    household, member = family
    with pytest.raises(ValidationError) as problem:
        add(users["caseworker"], household, member, "600", services.AMOUNT_LOOKBACK_TOTAL, kind="expenditure")
    assert "amount_basis" in problem.value.message_dict


def test_forms_offer_the_basis_on_income_only(family):
    household, _ = family
    income = IncomeForm(household=household)
    assert income.fields["amount_basis"].label == "金额口径"
    assert income.fields["amount_basis"].initial == services.AMOUNT_MONTHLY
    assert dict(income.fields["amount_basis"].choices) == {"monthly": "月收入", "lookback_total": "回溯期合计"}
    assert list(income.fields)[:4] == ["member", "kind", "amount_basis", "monthly_amount"]
    assert "amount_basis" not in ExpenditureForm(household=household).fields


def test_income_page_records_a_lookback_total(client_for, family):
    household, member = family
    url = f"/households/{household.pk}/facts/income/new/"
    client = client_for("caseworker")
    assert "金额口径" in client.get(url).content.decode()
    body = {
        "member": member.pk,
        "kind": "wage",
        "amount_basis": "lookback_total",
        "monthly_amount": "19200",
        "valid_from": "2020-01-01",
        "note": "",
    }
    assert client.post(url, body).status_code == 302
    item = IncomeItem.objects.get(member=member)
    assert item.monthly_amount == Decimal("1600.00")
    assert item.note == "回溯期合计 19200 元 ÷ 12 个月"
    body.pop("amount_basis")  # a form without the choice: monthly
    assert client.post(url, body).status_code == 302
    assert IncomeItem.objects.filter(member=member, monthly_amount=Decimal("19200")).exists()


def test_api_records_a_lookback_total(client_for, family):
    _, member = family
    client = client_for("caseworker")
    body = {"member": member.pk, "kind": "property", "monthly_amount": "2400", "valid_from": "2020-03-01"}
    response = client.post(
        "/api/v1/incomes/", {**body, "amount_basis": "lookback_total"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["monthly_amount"] == "200.00"
    assert "amount_basis" not in response.json()
    assert response.json()["note"] == "回溯期合计 2400 元 ÷ 12 个月"
    monthly = client.post("/api/v1/incomes/", body, content_type="application/json")
    assert monthly.json()["monthly_amount"] == "2400.00"
    bad = client.post("/api/v1/incomes/", {**body, "amount_basis": "yearly"}, content_type="application/json")
    assert bad.status_code == 400
    assert "amount_basis" in bad.json()
