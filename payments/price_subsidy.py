"""价格临时补贴 (policy.md §8): the county records each month's decision (index, rises, per-person urban and rural
amounts, multiplier — ×2 for March–June 2020); the month's payroll pays every covered person once. Who is covered
and how much: ``payments.planning.plan_price_subsidy``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction

from cases.models import User
from core.parameters import parameter
from payments import permissions as perms
from payments.models import Payroll, PayrollBenefit, PriceSubsidyMonth

COUNTY_ONLY = perms.COUNTY_PRICE_SUBSIDY


def _percent(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def trigger_refusal(month: date, cpi_rise: Decimal, food_rise: Decimal) -> str | None:
    """Why the month does not trigger the subsidy, or None when the CPI or the food index reached its trigger."""
    cpi_trigger = parameter("price_subsidy.cpi_trigger", month)
    food_trigger = parameter("price_subsidy.food_trigger", month)
    if cpi_rise >= cpi_trigger or food_rise >= food_trigger:
        return None
    return (
        f"未达到启动条件：CPI 同比涨幅 {_percent(cpi_rise)} 低于 {_percent(cpi_trigger)}，"
        f"食品价格同比涨幅 {_percent(food_rise)} 低于 {_percent(food_trigger)}，本月不发放价格临时补贴。"
    )


@transaction.atomic
def record_price_subsidy_month(
    *,
    actor: User,
    month: date,
    cpi_rise: Decimal,
    food_rise: Decimal,
    urban_amount: Decimal,
    rural_amount: Decimal,
    multiplier: Decimal = Decimal(1),
    cpi_index: Decimal | None = None,
    note: str = "",
) -> PriceSubsidyMonth:
    """Record (or correct, while no payroll of the month is past the draft) the county's decision for a month."""
    perms.ensure_record_price_subsidy(actor)
    month = month.replace(day=1)
    errors: dict[str, str] = {}
    for field, value in (("urban_amount", urban_amount), ("rural_amount", rural_amount)):
        if value is None or value < 0:
            errors[field] = "请填写不为负数的补贴金额。"
    if multiplier is None or multiplier <= 0:
        errors["multiplier"] = "倍数须大于 0。"
    if cpi_rise is None:
        errors["cpi_rise"] = "请填写 CPI 同比涨幅。"
    food_rise = food_rise if food_rise is not None else Decimal(0)
    if not errors and (refusal := trigger_refusal(month, cpi_rise, food_rise)):
        errors["cpi_rise"] = refusal
    if errors:
        raise ValidationError(errors)
    if (
        Payroll.objects.filter(month=month, benefit=PayrollBenefit.PRICE_SUBSIDY)
        .exclude(status=Payroll.Status.DRAFT)
        .exists()
    ):
        raise ValidationError(f"{month.year}年{month.month}月的价格临时补贴已提交或发放，不能再修改。")
    values = {
        "cpi_index": cpi_index,
        "cpi_rise": cpi_rise,
        "food_rise": food_rise,
        "urban_amount": urban_amount,
        "rural_amount": rural_amount,
        "multiplier": multiplier,
        "decided_by": actor,
        "note": (note or "").strip()[:200],
    }
    with pghistory.context(user=actor.pk, reason="录入价格临时补贴"):
        record, _ = PriceSubsidyMonth.objects.select_for_update().update_or_create(month=month, defaults=values)
    return record
