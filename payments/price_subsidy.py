"""价格临时补贴 (policy.md §8): the county records each month's decision (index, rises, per-person urban and rural
amounts, multiplier — ×2 for March–June 2020); the month's payroll pays every covered person once.

Who is covered in the month: each counted member of a 低保 household paid that month (the members of the household's
latest determination for the month when there is one, else its active counted members), each 单人户施保 person,
each 特困 person and each orphan / de-facto unsupported child paid that month. A person in several groups is paid
once (特困 first, then the child allowance, then 低保). Amount: the urban or rural amount by the household's area
× the multiplier.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from assistance.models import Determination, Enrollment
from cases.models import Member, User
from core.parameters import parameter
from payments import permissions as perms
from payments.models import PaymentLine, Payroll, PayrollBenefit, PriceSubsidyMonth

COUNTY_ONLY = perms.COUNTY_PRICE_SUBSIDY
# Enrollment benefits whose people receive the subsidy, in the order that decides a person's source enrollment.
PERSON_SOURCES = ("tekun", "orphan_allowance", "single_person_dibao")


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


def _determined_members(household_ids: list[int], month: date) -> dict[int, set[int]]:
    """The 低保 members of each household's latest determination for the month (households without one absent)."""
    found: dict[int, set[int]] = {}
    rows = (
        Determination.objects.filter(household_id__in=household_ids, month=month)
        .order_by("household_id", "-created_at", "-id")
        .distinct("household_id")
        .values_list("household_id", "result")
    )
    for household_id, result in rows:
        outcome = next((o for o in (result or {}).get("outcomes", []) if o.get("benefit") == "dibao"), None)
        if outcome is None or outcome.get("decision") not in ("grant", "gradual_exit"):
            found[household_id] = set()
            continue
        found[household_id] = {int(ref) for ref in outcome.get("members") or [] if str(ref).isdigit()}
    return found


def plan_price_subsidy(township_id: int, month: date) -> tuple[list[PaymentLine], list[str]]:
    """The month's price-subsidy lines for one township (a handful of queries, whatever its size)."""
    from payments import services  # the payee helpers; services imports this module lazily too

    record = PriceSubsidyMonth.objects.filter(month=month).first()
    if record is None:
        return [], []
    amounts = {"urban": record.urban_amount * record.multiplier, "rural": record.rural_amount * record.multiplier}
    enrollments = Enrollment.objects.in_force(month).filter(township_id=township_id)
    # Persons: 特困, child allowance, 单人户施保 (the first source wins for a person in several).
    people: dict[int, dict[str, Any]] = {}
    rows = (
        enrollments.filter(benefit__in=PERSON_SOURCES)
        .values("id", "benefit", "household_id", "member_id", "support_mode", "institution_name")
        .order_by("member_id", "-start_month", "-id")
    )
    for source in sorted(rows, key=lambda r: PERSON_SOURCES.index(r["benefit"])):
        people.setdefault(source["member_id"], dict(source))
    # 低保 households: their covered members.
    dibao = dict(
        enrollments.filter(benefit="dibao")
        .order_by("household_id", "-start_month", "-id")
        .values_list("household_id", "id")
    )
    determined = _determined_members(list(dibao), month)
    alive = Q(date_of_death__isnull=True) | Q(date_of_death__gte=month)
    counted = (
        Member.objects.filter(alive, household_id__in=list(dibao), active=True, birth_date__lte=month, co_resident=True)
        .filter(not_counted_reason="")
        .values_list("household_id", "id")
    )
    covered: dict[int, set[int]] = {}
    for household_id, member_id in counted:
        covered.setdefault(household_id, set()).add(member_id)
    for household_id, members in determined.items():
        covered[household_id] = members
    dibao_people = 0
    for household_id, members in covered.items():
        for member_id in members:
            if member_id not in people:
                people[member_id] = {
                    "id": dibao[household_id],
                    "benefit": "dibao",
                    "household_id": household_id,
                    "member_id": member_id,
                    "support_mode": "",
                    "institution_name": "",
                }
                dibao_people += 1
    fields = ("household_id", "household__area_type", *services.PERSON_FIELDS)
    persons = {row["id"]: row for row in Member.objects.filter(pk__in=list(people)).values(*fields)}
    heads = {
        row["household_id"]: row
        for row in Member.objects.filter(
            household_id__in={row["household_id"] for row in people.values() if row["benefit"] == "dibao"},
            relation=Member.Relation.HEAD,
            active=True,
        ).values(*fields)
    }
    accounts = services._institution_accounts(
        row["institution_name"] for row in people.values() if row["support_mode"] == "centralized"
    )
    lines: list[PaymentLine] = []
    dead: list[str] = []
    for member_id, row in sorted(people.items(), key=lambda item: (item[1]["household_id"], item[0])):
        person = persons.get(member_id)
        if person is None:
            continue
        if person["date_of_death"] and person["date_of_death"] < month:
            dead.append(person["name"])
            continue
        amount = amounts.get(person["household__area_type"], amounts["rural"])
        if amount <= 0:
            continue
        if row["support_mode"] == Enrollment.SupportMode.CENTRALIZED:
            payee = services.institution_payee(row["institution_name"], accounts)
        elif row["benefit"] == "dibao" and not person["bank_account"]:
            payee = services.person_payee(heads.get(row["household_id"]), head=True)  # the household's 低保 card
        else:
            payee = services.person_payee(person)
        lines.append(
            PaymentLine(
                kind=PaymentLine.Kind.REGULAR,
                benefit=PayrollBenefit.PRICE_SUBSIDY,
                month=month,
                household_id=person["household_id"],
                member_id=member_id,
                enrollment_id=row["id"],
                name=person["name"],
                id_number=person["id_number"],
                amount=amount.quantize(Decimal("0.01")),
                **payee.as_fields(),
            )
        )
    notes = [
        f"{month.year}年{month.month}月价格临时补贴：城市 {record.urban_amount} 元、"
        f"农村 {record.rural_amount} 元，×{record.multiplier}。"
    ]
    if dead:
        notes.append(f"本月之前已死亡，未列入 {len(dead)} 人：{services._names(dead)}")
    return lines, notes
