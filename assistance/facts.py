"""The one facts selector: the registry's facts for a month as the pure rules take them (policy.md §2), for the
determinations, the monthly screening, back pay and the comparison alike: members alive on the 1st, incomes,
expenditures and assets valid on the 1st (with a reviewer's override of a failed asset test covering the month),
and each person's 建档立卡 status, COVID-19 hospital stay, death and disability.

The external rolls the county imports decide the facts they carry, for the people on them (matched on the
normalised ID number; ``RollFacts``):

* 建档立卡 status: once a poverty registry is imported it is the authority, and a person absent from it is ``none``;
  before any import the caseworker's entry (``Member.poverty_status``) is used.
* COVID-19 admission and discharge (the patient list), death (the death list), severe disability (the 残联 list):
  the roll's values for a person on it; the caseworker's entry for everyone else. Absence from the 残联 list does
  not erase a grade 3–4 disability the caseworker recorded. A disagreement between a roll and the caseworker's
  entry is a comparison flag (``ROLL_FACT_MISMATCH``) with both values.

Set-based: one query per kind of fact for any number of households, so the monthly screening can build a
whole township in a handful of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import F, Q

from assistance.amounts import in_force_subquery
from assistance.models import AssetTestOverride, Enrollment
from assistance.policy import model as policy
from assistance.policy.comparison import Recorded
from assistance.policy.registry import strongest_status
from cases.models import AssetRecord, Expenditure, Household, IncomeItem, Member, RollImport, RollKind, RollRecord
from cases.rolls.selectors import registry_status_by_id_number
from core.lookups import InIds, InTexts

T = TypeVar("T")
ZERO = Decimal("0.00")

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
    "date_of_death",
    *SELF_CARE,
)


@dataclass
class RollFacts:
    """What the rolls in force say about the people asked for, by normalised ID number."""

    registry_imported: bool = False
    registry: dict[str, str] = field(default_factory=dict)  # the strongest status of a number's rows (cases)
    covid: dict[str, policy.Covid | None] = field(default_factory=dict)  # None: on the list without an admission
    deaths: dict[str, date] = field(default_factory=dict)
    disability: dict[str, policy.Disability] = field(default_factory=dict)

    def poverty_status(self, id_number: str, recorded: str) -> str:
        return self.registry.get(id_number, "none") if self.registry_imported else recorded

    def covid_stay(self, id_number: str, recorded: policy.Covid | None) -> policy.Covid | None:
        return self.covid[id_number] if id_number in self.covid else recorded

    def died(self, id_number: str, recorded: date | None) -> date | None:
        return self.deaths.get(id_number, recorded)

    def disability_of(self, id_number: str, recorded: policy.Disability | None) -> policy.Disability | None:
        return self.disability.get(id_number, recorded)


def roll_facts(id_numbers: Iterable[str]) -> RollFacts:
    """The facts the rolls in force carry about these people (one query per roll imported)."""
    current = dict(RollImport.objects.filter(is_current=True).values_list("kind", "pk"))
    facts = RollFacts(registry_imported=RollKind.POVERTY_REGISTRY in current)
    numbers = sorted({number for number in id_numbers if number})
    if not current or not numbers:
        return facts

    def records(kind: str, *fields: str) -> Iterable[tuple[Any, ...]]:
        if kind not in current:
            return ()
        return (
            RollRecord.objects.filter(InTexts(F("id_number"), numbers), roll_import_id=current[kind], id_valid=True)
            .order_by("row_number")
            .values_list("id_number", *fields)
        )

    if facts.registry_imported:
        facts.registry = registry_status_by_id_number(numbers)
    for number, admitted, discharged in records(RollKind.COVID_PATIENTS, "covid_admitted", "covid_discharged"):
        facts.covid.setdefault(number, policy.Covid(admitted, discharged) if admitted else None)
    for number, died in records(RollKind.DEATHS, "date_of_death"):
        if died:
            facts.deaths.setdefault(number, died)
    for number, category, grade in records(RollKind.SEVERE_DISABILITY, "disability_category", "disability_grade"):
        if category and grade:
            facts.disability.setdefault(number, policy.Disability(category, grade))
    return facts


def recorded_facts(member_ids: Iterable[int]) -> dict[int, Recorded]:
    """What the caseworker recorded on these members, for the comparison's ROLL_FACT_MISMATCH."""
    ids = sorted(set(member_ids))
    rows = Member.objects.filter(InIds(F("pk"), ids)).values_list(
        "pk",
        "poverty_status",
        "covid_confirmed",
        "covid_admitted",
        "covid_discharged",
        "date_of_death",
        "disability_category",
        "disability_grade",
    )
    return {
        pk: Recorded(
            poverty_status=status,
            covid=(admitted, discharged) if confirmed else None,
            date_of_death=died,
            disability=(category, grade) if category and grade else None,
        )
        for pk, status, confirmed, admitted, discharged, died, category, grade in rows
    }


def recorded_covid_stays(township_id: int | None) -> dict[int, tuple[date | None, date | None]]:
    """Member → (admitted, discharged) of the members the caseworker recorded as COVID-confirmed, in the township
    (or the county), for the comparison's COVID_NO_RELIEF."""
    members = Member.objects.filter(covid_confirmed=True)
    if township_id is not None:
        members = members.filter(household__township_id=township_id)
    rows = members.order_by("pk").values_list("pk", "covid_admitted", "covid_discharged")
    return {pk: (admitted, discharged) for pk, admitted, discharged in rows}


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


@dataclass
class BenefitsOn:
    """What households and their members are on in a month: each household's 低保 as the rules take it, and each
    member's personal benefits (benefit → monthly amount)."""

    dibao: dict[int, policy.CurrentDibao] = field(default_factory=dict)
    personal: dict[int, dict[str, Decimal]] = field(default_factory=dict)


def benefits_on(household_ids: Iterable[int], month: date) -> BenefitsOn:
    """What the households and their members are on in ``month`` (``Enrollment.objects.in_force``, with the amount
    in force for the month from the dated amounts), for the rules
    (determinations, the screening, back pay) and the screening's ledger alike. An enrollment whose exit is already
    decided (exited, still paid through its end month) is left out: the rules see that household as not on 低保 and
    the ledger raises nothing more about it."""
    found = BenefitsOn()
    rows = (
        Enrollment.objects.in_force(month)
        .filter(
            InIds(F("household_id"), list(household_ids)),
            status__in=(Enrollment.Status.ACTIVE, Enrollment.Status.GRADUAL_EXIT),
        )
        .annotate(amount=in_force_subquery(month))
        .order_by("start_month", "pk")  # the latest in force wins
        .values_list("benefit", "household_id", "member_id", "status", "amount", "gradual_exit_since")
    )
    for benefit, household_id, member_id, status, amount, since in rows:
        amount = ZERO if amount is None else amount
        if benefit == "dibao":
            found.dibao[household_id] = policy.CurrentDibao(status, amount, since)
        else:
            found.personal.setdefault(member_id, {})[benefit] = amount
    return found


def _dead_before(died: date | None, month: date) -> bool:
    return died is not None and died < month


def household_inputs(
    household_ids: Iterable[int],
    month: date,
    current_dibao: Mapping[int, policy.CurrentDibao] | None = None,
    *,
    areas: Mapping[int, str] | None = None,
) -> dict[int, policy.Household]:
    """The rules' input for each household for the benefit month starting on ``month`` (a 1st). ``current_dibao``:
    each household's 低保 when the caller has read it with ``benefits_on`` already; read here otherwise.

    Members are the active ones not dead before the 1st; each member's ``ref`` is its id as text. ``areas`` (the
    households' area types) saves reading them again when the caller has them."""
    ids = list(household_ids)
    if current_dibao is None:
        current_dibao = benefits_on(ids, month).dibao
    if areas is None:
        areas = dict(Household.objects.filter(InIds(F("pk"), ids)).values_list("pk", "area_type"))
    rows = (
        Member.objects.filter(InIds(F("household_id"), ids), active=True, birth_date__lte=month)
        .order_by("household_id", "pk")
        .values_list(*MEMBER_COLUMNS)
    )
    members = list(rows)
    rolls = roll_facts(row[3] for row in members)
    members = [row for row in members if not _dead_before(rolls.died(row[3], row[18]), month)]
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
    overrides: dict[int, str] = {}
    for household_id, reason in (
        AssetTestOverride.objects.in_force(month)
        .filter(InIds(F("household_id"), ids))
        .order_by("household_id", "created_at", "pk")
        .values_list("household_id", "reason")
    ):
        overrides[household_id] = reason  # the latest recorded wins

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
        _date_of_death,
        *self_care,
    ) in members:
        recorded_disability = (
            policy.Disability(disability_category, disability_grade)
            if disability_category and disability_grade
            else None
        )
        recorded_covid = policy.Covid(covid_admitted, covid_discharged) if covid_confirmed and covid_admitted else None
        by_household[household_id].append(
            policy.Member(
                ref=str(pk),
                birth_date=birth_date,
                id_number=id_number,
                counted=co_resident and not not_counted_reason,
                employed=employed,
                incomes=tuple(incomes[pk]) if pk in incomes else no_facts,
                expenses=tuple(expenses[pk]) if pk in expenses else no_facts,
                disability=rolls.disability_of(id_number, recorded_disability),
                major_illness=major_illness_id is not None,
                schooling=schooling,
                work_capacity=work_capacity,
                self_care_lost=sum(map(bool, self_care)),
                able_supporter=able_supporter,
                child_status=child_status,
                covid=rolls.covid_stay(id_number, recorded_covid),
            )
        )
        statuses[household_id].append(rolls.poverty_status(id_number, poverty_status))
    no_dibao, no_assets = policy.CurrentDibao(), policy.Assets()
    return {
        household_id: policy.Household(
            area=area,
            members=tuple(by_household.get(household_id, ())),
            poverty_registry=strongest_status(statuses.get(household_id, ())),
            current_dibao=current_dibao.get(household_id, no_dibao),
            assets=assets.get(household_id, no_assets),
            asset_override=overrides.get(household_id),
        )
        for household_id in ids
        if (area := areas.get(household_id)) is not None
    }
