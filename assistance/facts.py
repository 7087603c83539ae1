"""The registry's facts for a month, as the pure rules take them (policy.md §2): members alive on the 1st,
incomes, expenditures and assets valid on the 1st, the household's 建档立卡 status.

Set-based: one query per kind of fact for any number of households, so the monthly screening can build a
whole township in a handful of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import TypeVar

from django.db.models import Q

from assistance.policy import model as policy
from assistance.policy.registry import household_registry_status
from cases.models import AssetRecord, Expenditure, Household, IncomeItem, Member

T = TypeVar("T")

SELF_CARE = Member.SELF_CARE_FIELDS
MEMBER_COLUMNS = (
    "pk",
    "household_id",
    "birth_date",
    "id_number",
    "co_resident",
    "not_counted_reason",
    "employed",
    "disability_category",
    "disability_grade",
    "major_illness_id",
    "schooling",
    "work_capacity",
    "able_supporter",
    "child_status",
    "covid_confirmed",
    "covid_admitted",
    "covid_discharged",
    "poverty_status",
    *SELF_CARE,
)


def _valid_on(month: date) -> Q:
    return Q(valid_from__lte=month) & (Q(valid_to__isnull=True) | Q(valid_to__gte=month))


def _amounts_by_member(
    model: type[IncomeItem | Expenditure], make: Callable[[str, Decimal], T], member_ids: list[int], month: date
) -> dict[int, list[T]]:
    """Each member's monthly amounts (income items or expenditures) valid in ``month``, in the order recorded."""
    amounts: dict[int, list[T]] = defaultdict(list)
    for member_id, kind, amount in (
        model.objects.filter(_valid_on(month), member_id__in=member_ids)
        .order_by("pk")
        .values_list("member_id", "kind", "monthly_amount")
    ):
        amounts[member_id].append(make(kind, amount))
    return amounts


def household_inputs(
    household_ids: Iterable[int],
    month: date,
    current_dibao: Mapping[int, policy.CurrentDibao] | None = None,
) -> dict[int, policy.Household]:
    """The rules' input for each household for the benefit month starting on ``month`` (a 1st).

    Members are the active ones not dead before the 1st; each member's ``ref`` is its id as text."""
    ids = list(household_ids)
    current_dibao = current_dibao or {}
    areas = dict(Household.objects.filter(pk__in=ids).values_list("pk", "area_type"))
    members = list(
        Member.objects.filter(household_id__in=ids, active=True)
        .filter(Q(date_of_death__isnull=True) | Q(date_of_death__gte=month), birth_date__lte=month)
        .order_by("household_id", "pk")
        .values_list(*MEMBER_COLUMNS)
    )
    member_ids = [row[0] for row in members]
    incomes = _amounts_by_member(IncomeItem, policy.Income, member_ids, month)
    expenses = _amounts_by_member(Expenditure, policy.Expense, member_ids, month)
    assets: dict[int, policy.Assets] = {}
    for household_id, financial, vehicles, shop, enterprise, dwellings, housing in (
        AssetRecord.objects.filter(_valid_on(month), household_id__in=ids)
        .order_by("household_id", "valid_from", "pk")
        .values_list(
            "household_id", "financial", "vehicles", "shop_front", "enterprise", "dwellings", "housing_area_multiple"
        )
    ):
        assets[household_id] = policy.Assets(financial, vehicles, shop, enterprise, dwellings, housing)  # latest wins

    by_household: dict[int, list[policy.Member]] = defaultdict(list)
    statuses: dict[int, list[str]] = defaultdict(list)
    for row in members:
        values = dict(zip(MEMBER_COLUMNS, row, strict=True))
        pk, household_id = values["pk"], values["household_id"]
        covid = None
        if values["covid_confirmed"] and values["covid_admitted"]:
            covid = policy.Covid(values["covid_admitted"], values["covid_discharged"])
        disability = None
        if values["disability_category"] and values["disability_grade"]:
            disability = policy.Disability(values["disability_category"], values["disability_grade"])
        by_household[household_id].append(
            policy.Member(
                ref=str(pk),
                birth_date=values["birth_date"],
                id_number=values["id_number"],
                counted=values["co_resident"] and not values["not_counted_reason"],
                employed=values["employed"],
                incomes=tuple(incomes.get(pk, ())),
                expenses=tuple(expenses.get(pk, ())),
                disability=disability,
                major_illness=values["major_illness_id"] is not None,
                schooling=values["schooling"],
                work_capacity=values["work_capacity"],
                self_care_lost=sum(bool(values[name]) for name in SELF_CARE),
                able_supporter=values["able_supporter"],
                child_status=values["child_status"],
                covid=covid,
            )
        )
        statuses[household_id].append(values["poverty_status"])
    return {
        household_id: policy.Household(
            area=areas[household_id],
            members=tuple(by_household.get(household_id, ())),
            poverty_registry=household_registry_status(statuses.get(household_id, ())),
            current_dibao=current_dibao.get(household_id, policy.CurrentDibao()),
            assets=assets.get(household_id, policy.Assets()),
        )
        for household_id in ids
        if household_id in areas
    }
