"""The registry's facts for a month, as the pure rules take them (policy.md §2): members alive on the 1st,
incomes, expenditures and assets valid on the 1st, the household's 建档立卡 status.

Set-based: one query per kind of fact for any number of households, so the monthly screening can build a
whole township in a handful of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import F, Lookup, Q

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


class InIds(Lookup):
    """``id IN (SELECT unnest('{1,2,…}'::bigint[]))``: the thousands of ids of a township as one array literal. Far
    cheaper to build, send and plan than ``IN (%s, %s, …)`` with one parameter per id, and the planner then probes
    the index per id instead of scanning the whole table. An expression: ``filter(InIds(F("household_id"), ids))``."""

    lookup_name = "in_ids"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        ids = "{" + ",".join(map(str, map(int, self.rhs))) + "}"
        return f"{lhs} IN (SELECT unnest(%s::bigint[]))", [*params, ids]


def _valid_on(month: date) -> Q:
    return Q(valid_from__lte=month) & (Q(valid_to__isnull=True) | Q(valid_to__gte=month))


def _amounts_by_member(
    model: type[IncomeItem | Expenditure], make: Callable[[str, Decimal], T], member_ids: list[int], month: date
) -> dict[int, list[T]]:
    """Each member's monthly amounts (income items or expenditures) valid in ``month``, in the order recorded."""
    amounts: dict[int, list[T]] = defaultdict(list)
    for member_id, kind, amount in (
        model.objects.filter(_valid_on(month), InIds(F("member_id"), member_ids))
        .order_by("pk")
        .values_list("member_id", "kind", "monthly_amount")
    ):
        amounts[member_id].append(make(kind, amount))
    return amounts


def household_inputs(
    household_ids: Iterable[int],
    month: date,
    current_dibao: Mapping[int, policy.CurrentDibao] | None = None,
    *,
    areas: Mapping[int, str] | None = None,
) -> dict[int, policy.Household]:
    """The rules' input for each household for the benefit month starting on ``month`` (a 1st).

    Members are the active ones not dead before the 1st; each member's ``ref`` is its id as text. ``areas`` (the
    households' area types) saves reading them again when the caller has them."""
    ids = list(household_ids)
    current_dibao = current_dibao or {}
    if areas is None:
        areas = dict(Household.objects.filter(InIds(F("pk"), ids)).values_list("pk", "area_type"))
    members = list(
        Member.objects.filter(InIds(F("household_id"), ids), active=True)
        .filter(Q(date_of_death__isnull=True) | Q(date_of_death__gte=month), birth_date__lte=month)
        .order_by("household_id", "pk")
        .values_list(*MEMBER_COLUMNS)
    )
    member_ids = [row[0] for row in members]
    incomes = _amounts_by_member(IncomeItem, policy.Income, member_ids, month)
    expenses = _amounts_by_member(Expenditure, policy.Expense, member_ids, month)
    assets: dict[int, policy.Assets] = {}
    for household_id, financial, vehicles, shop, enterprise, dwellings, housing in (
        AssetRecord.objects.filter(_valid_on(month), InIds(F("household_id"), ids))
        .order_by("household_id", "valid_from", "pk")
        .values_list(
            "household_id", "financial", "vehicles", "shop_front", "enterprise", "dwellings", "housing_area_multiple"
        )
    ):
        assets[household_id] = policy.Assets(financial, vehicles, shop, enterprise, dwellings, housing)  # latest wins

    by_household: dict[int, list[policy.Member]] = defaultdict(list)
    statuses: dict[int, list[str]] = defaultdict(list)
    no_facts: tuple[()] = ()
    for (
        pk,
        household_id,
        birth_date,
        id_number,
        co_resident,
        not_counted_reason,
        employed,
        disability_category,
        disability_grade,
        major_illness_id,
        schooling,
        work_capacity,
        able_supporter,
        child_status,
        covid_confirmed,
        covid_admitted,
        covid_discharged,
        poverty_status,
        *self_care,
    ) in members:
        by_household[household_id].append(
            policy.Member(
                ref=str(pk),
                birth_date=birth_date,
                id_number=id_number,
                counted=co_resident and not not_counted_reason,
                employed=employed,
                incomes=tuple(incomes[pk]) if pk in incomes else no_facts,
                expenses=tuple(expenses[pk]) if pk in expenses else no_facts,
                disability=policy.Disability(disability_category, disability_grade)
                if disability_category and disability_grade
                else None,
                major_illness=major_illness_id is not None,
                schooling=schooling,
                work_capacity=work_capacity,
                self_care_lost=sum(map(bool, self_care)),
                able_supporter=able_supporter,
                child_status=child_status,
                covid=policy.Covid(covid_admitted, covid_discharged) if covid_confirmed and covid_admitted else None,
            )
        )
        statuses[household_id].append(poverty_status)
    no_dibao, no_assets = policy.CurrentDibao(), policy.Assets()
    return {
        household_id: policy.Household(
            area=area,
            members=tuple(by_household.get(household_id, ())),
            poverty_registry=household_registry_status(statuses.get(household_id, ())),
            current_dibao=current_dibao.get(household_id, no_dibao),
            assets=assets.get(household_id, no_assets),
        )
        for household_id in ids
        if (area := areas.get(household_id)) is not None
    }
