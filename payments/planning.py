"""Payroll plans (policy.md §14), reads only: the lines a payroll of the month would hold, with their payees and
the notes on who was left out and why. ``payments.services`` writes them.

* the regular payrolls → the enrollments paid in the month (and, for 临时救助, the cases approved in the month: one-off,
  besides the monthly 新冠患者临时救助 enrollments);
* 价格临时补贴 → the people covered in the month (``plan_price_subsidy``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import FilteredRelation, Q

from assistance.amounts import in_force_subquery
from assistance.models import BenefitKind, Determination, Enrollment, TemporaryCase
from cases.models import Member
from core.months import next_month
from eldercare.selectors.homes import home_in_month, member_residences
from payments import payees
from payments.models import PaymentLine, Payroll, PayrollBenefit, PriceSubsidyMonth
from payments.payees import PERSON_FIELDS, institution_payee, person_payee

Kind = PaymentLine.Kind

# Enrollment benefits paid in each payroll.
ENROLLED_BENEFITS: dict[str, tuple[str, ...]] = {
    PayrollBenefit.DIBAO: (BenefitKind.DIBAO,),
    PayrollBenefit.SINGLE_PERSON: (BenefitKind.SINGLE_PERSON,),
    PayrollBenefit.TEKUN: (BenefitKind.TEKUN,),
    PayrollBenefit.TEMPORARY: (BenefitKind.COVID_RELIEF,),
    PayrollBenefit.DISABILITY_LIVING: (BenefitKind.DISABILITY_LIVING,),
    PayrollBenefit.DISABILITY_CARE: (BenefitKind.DISABILITY_CARE,),
    PayrollBenefit.ORPHAN: (BenefitKind.ORPHAN,),
}
GENERATED_BENEFITS = tuple(ENROLLED_BENEFITS)
PROBLEMS_SHOWN = 10
# Enrollment benefits whose people receive the price subsidy, in the order that decides a person's source enrollment.
PERSON_SOURCES = ("tekun", "orphan_allowance", "single_person_dibao")


# The regular payrolls ---------------------------------------------------------------------------------------


class PlannedLine(NamedTuple):
    """A regular line as planned: the values it is written with (``payroll``, ``benefit`` and ``month`` come from
    the payroll, every other column takes its model default). A plain tuple, so that planning 100,000 lines builds
    no model instances and the lines go to the database with COPY."""

    kind: str
    household_id: int
    member_id: int | None
    enrollment_id: int | None
    temporary_case_id: int | None
    name: str
    id_number: str
    amount: Decimal
    payee_kind: str
    payee_name: str
    payee_id_number: str
    bank_name: str
    bank_account: str
    problem: str

    @classmethod
    def of(cls, line: PaymentLine) -> PlannedLine:
        return cls(*(getattr(line, field) for field in cls._fields))


@dataclass
class Plan:
    lines: list[PlannedLine]
    notes: list[str]


# The enrollment rows of a plan: the enrollment, then the person's and the household head's PERSON_FIELDS.
ENROLLMENT_COLUMNS = (
    "id",
    "household_id",
    "member_id",
    "amount",
    "support_mode",
    "institution_name",
    *(f"member__{field}" for field in PERSON_FIELDS),
    *(f"head__{field}" for field in PERSON_FIELDS),
)
_MEMBER = slice(6, 6 + len(PERSON_FIELDS))
_HEAD = slice(6 + len(PERSON_FIELDS), 6 + 2 * len(PERSON_FIELDS))
_NAME, _DEATH = PERSON_FIELDS.index("name"), PERSON_FIELDS.index("date_of_death")


def _enrollment_rows(township_id: int, month: date, benefit: str) -> list[tuple[Any, ...]]:
    """One query: the enrollments paid in ``month`` with the person's and the household head's payee data, as
    tuples laid out as ``ENROLLMENT_COLUMNS``."""
    enrollments = (
        Enrollment.objects.in_force(month)
        .filter(township_id=township_id, benefit__in=ENROLLED_BENEFITS[benefit])
        .annotate(
            amount=in_force_subquery(month),
            head=FilteredRelation(
                "household__members",
                condition=Q(household__members__relation=Member.Relation.HEAD, household__members__active=True),
            ),
        )
        .values_list(*ENROLLMENT_COLUMNS)
        # the latest-starting enrollment first: it wins when an exited and a new one overlap in the month
        .order_by("household__number", "member_id", "-start_month", "-id")
    )
    return list(enrollments)


def _temporary_rows(township_id: int, month: date) -> list[dict[str, Any]]:
    cases = TemporaryCase.objects.filter(
        township_id=township_id,
        status=TemporaryCase.Status.APPROVED,
        decided_on__gte=month,
        decided_on__lt=next_month(month),
    )
    return list(
        cases.values("id", "household_id", "member_id", "amount", *(f"member__{f}" for f in PERSON_FIELDS)).order_by(
            "decided_on", "id"
        )
    )


def _person_of(values: tuple[Any, ...]) -> dict[str, Any] | None:
    return dict(zip(PERSON_FIELDS, values, strict=True)) if values[0] else None


def _plan_regular(township_id: int, month: date, benefit: str) -> Plan:
    rows = _enrollment_rows(township_id, month, benefit)
    centralized = Enrollment.SupportMode.CENTRALIZED
    residences = member_residences((row[2] for row in rows if row[4] == centralized), month)
    regular = Kind.REGULAR.value
    lines: list[PlannedLine] = []
    seen: set[tuple[str, int]] = set()
    zero: list[str] = []
    unpriced: list[str] = []
    dead: list[str] = []
    overlapping: list[str] = []
    for row in rows:
        enrollment_id, household_id, member_id, amount, support_mode, _institution = row[:6]
        member_values = row[_MEMBER]
        key = ("member", member_id) if member_id else ("household", household_id)
        if key in seen:
            overlapping.append(_shown(member_values, row[_HEAD], household_id))
            continue
        seen.add(key)
        if amount is None:
            unpriced.append(_shown(member_values, row[_HEAD], household_id))
            continue
        if amount <= 0:
            zero.append(_shown(member_values, row[_HEAD], household_id))
            continue
        died = member_values[_DEATH]
        if member_id and died and died < month:
            dead.append(_shown(member_values, row[_HEAD], household_id))
            continue
        if not member_id:
            beneficiary = _person_of(row[_HEAD])
            payee = person_payee(beneficiary, head=True)
        else:
            beneficiary = _person_of(member_values)
            if support_mode == centralized:
                payee = institution_payee(home_in_month(residences.get(member_id), month))
            else:
                payee = person_payee(beneficiary)
        lines.append(
            PlannedLine(
                regular,
                household_id,
                member_id,
                enrollment_id,
                None,
                (beneficiary or {}).get("name") or "（无户主）",
                (beneficiary or {}).get("id_number") or "",
                amount,
                *payee,
            )
        )
    if benefit == PayrollBenefit.TEMPORARY:
        for case in _temporary_rows(township_id, month):
            member = payees.person(case, "member")
            assert member is not None  # a temporary case names its person
            lines.append(
                PlannedLine(
                    regular,
                    case["household_id"],
                    case["member_id"],
                    None,
                    case["id"],
                    member["name"],
                    member["id_number"],
                    case["amount"],
                    *person_payee(member),
                )
            )
    notes: list[str] = []
    if zero:
        notes.append(f"月金额为 0，未列入 {len(zero)} 人（户）：{names(zero)}")
    if unpriced:
        notes.append(f"本月没有生效的核定金额，未列入 {len(unpriced)} 人（户）：{names(unpriced)}")
    if dead:
        notes.append(f"本月之前已死亡，未列入 {len(dead)} 人：{names(dead)}")
    if overlapping:
        notes.append(f"同月有两条救助记录，只列入起始月份较晚的一条：{names(overlapping)}")
    return Plan(lines, notes)


def _shown(member: tuple[Any, ...], head: tuple[Any, ...], household_id: int) -> str:
    """How a left-out enrollment is named in the notes: the person, else the household head, else the household."""
    for person in (member, head):
        if person[0]:
            return person[_NAME] or f"家庭{household_id}"
    return f"家庭{household_id}"


def plan(township_id: int, month: date, benefit: str) -> Plan:
    if benefit == PayrollBenefit.PRICE_SUBSIDY:
        lines, notes = plan_price_subsidy(township_id, month)
        return Plan([PlannedLine.of(line) for line in lines], notes)
    return _plan_regular(township_id, month, benefit)


def names(named: list[str]) -> str:
    shown = "、".join(named[:PROBLEMS_SHOWN])
    return shown + (f" 等 {len(named)} 人" if len(named) > PROBLEMS_SHOWN else "")


def drop_paid_elsewhere(plan: Plan, payroll: Payroll) -> None:
    """Beneficiaries already on a regular line of another payroll (a household that moved township) are left
    out with a note; the database constraint would refuse them anyway."""
    others = PaymentLine.objects.filter(benefit=payroll.benefit, month=payroll.month, kind=Kind.REGULAR).exclude(
        payroll=payroll
    )
    households = {line.household_id for line in plan.lines if line.member_id is None}
    members = {line.member_id for line in plan.lines if line.member_id and not line.temporary_case_id}
    cases = {line.temporary_case_id for line in plan.lines if line.temporary_case_id}
    if not (households or members or cases):
        return
    taken = (
        others.filter(
            Q(member__isnull=True, household_id__in=households)
            | Q(member_id__in=members, temporary_case__isnull=True)
            | Q(temporary_case_id__in=cases)
        )
        .values_list("household_id", "member_id", "temporary_case_id", "payroll__township__name")
        .order_by()
    )
    taken_keys: dict[tuple[str, int], str] = {}
    for household_id, member_id, case_id, township_name in taken:
        if case_id:
            taken_keys[("case", case_id)] = township_name
        elif member_id:
            taken_keys[("member", member_id)] = township_name
        else:
            taken_keys[("household", household_id)] = township_name
    if not taken_keys:
        return
    kept, dropped = [], []
    for line in plan.lines:
        if line.temporary_case_id:
            key = ("case", line.temporary_case_id)
        else:
            key = ("member", line.member_id) if line.member_id else ("household", line.household_id)
        if key in taken_keys:
            dropped.append(f"{line.name}（{taken_keys[key]}）")
        else:
            kept.append(line)
    plan.lines = kept
    plan.notes.append(f"已列入其他工资册，未重复列入 {len(dropped)} 人（户）：{names(dropped)}")


SIGNATURE_FIELDS = PlannedLine._fields


def signature(rows: Iterable[tuple[Any, ...]]) -> Counter[tuple[Any, ...]]:
    """The lines as a multiset of their planned values: equal when regenerating would write the same lines."""
    return Counter(rows)


# The price subsidy (policy.md §8) ---------------------------------------------------------------------------
#
# Who is covered in the month: each counted member of a 低保 household paid that month (the members of the
# household's latest determination for the month when there is one, else its active counted members), each 单人户施保
# person, each 特困 person and each orphan / de-facto unsupported child paid that month. A person in several groups is
# paid once (特困 first, then the child allowance, then 低保). Amount: the urban or rural amount by the household's
# area × the multiplier.


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
    fields = ("household_id", "household__area_type", *PERSON_FIELDS)
    persons = {row["id"]: row for row in Member.objects.filter(pk__in=list(people)).values(*fields)}
    heads = {
        row["household_id"]: row
        for row in Member.objects.filter(
            household_id__in={row["household_id"] for row in people.values() if row["benefit"] == "dibao"},
            relation=Member.Relation.HEAD,
            active=True,
        ).values(*fields)
    }
    residences = member_residences(
        (row["member_id"] for row in people.values() if row["support_mode"] == "centralized"), month
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
            payee = institution_payee(home_in_month(residences.get(member_id), month))
        elif row["benefit"] == "dibao" and not person["bank_account"]:
            payee = person_payee(heads.get(row["household_id"]), head=True)  # the household's 低保 card
        else:
            payee = person_payee(person)
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
        notes.append(f"本月之前已死亡，未列入 {len(dead)} 人：{names(dead)}")
    return lines, notes
