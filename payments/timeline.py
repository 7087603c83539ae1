"""A household's month-by-month account (救助待遇明细): for each beneficiary (the household for 低保, the person
otherwise), benefit and month, what the rules grant, the amount in force from the dated amounts with where it came
from, what was paid (each paid line with its payroll and kind), the overpayments recorded, and the difference
between the amount in force and what was settled (``payments.back_pay.settled_amounts``, the same sum back pay
settles against).

A month of a beneficiary and benefit is shown when an enrollment of it was in force, a line was paid for it or the
rules granted it. The rules run once per month for the whole household; a month whose parameters are missing says
so instead of failing. Scoping (which households a user may read) and masking are the caller's: this reads one
household it is given.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import reduce
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Value

from assistance.amounts import history, in_force_on
from assistance.facts import household_inputs
from assistance.models import AmountChange, BenefitKind, Enrollment, EnrollmentAmount
from assistance.policy.params import MissingParameters, Parameters
from assistance.policy.rules import evaluate_household
from assistance.selectors import key_label, month_lookup
from cases.models import Household, Member
from core.months import month_label, months, months_before, this_month
from core.validators import CONTROL_CHARACTERS, CONTROL_MESSAGE
from payments.back_pay import OUTCOME_BENEFIT, settled_amounts
from payments.models import Overpayment, PaymentLine, PayrollBenefit
from payments.planning import ENROLLED_BENEFITS

MAX_MONTHS = 36
ZERO = Decimal("0.00")
GRANTED = ("grant", "gradual_exit")
DECISION_LABELS = {"grant": "符合", "gradual_exit": "渐退期", "deny": "不符合", "exit": "退出"}
# The payroll each enrollment benefit is paid in (新冠患者临时救助 in the 临时救助 payroll).
PAID_IN = {kind: payroll for payroll, kinds in ENROLLED_BENEFITS.items() for kind in kinds}
# Accounts in the order of the bank's business (as the month overview).
BENEFIT_ORDER = {value: index for index, value in enumerate(PayrollBenefit.values)}
BENEFIT_LABELS = dict(PayrollBenefit.choices)
ENROLLMENT_LABELS = dict(BenefitKind.choices)
TOO_LONG = f"月份范围不能超过 {MAX_MONTHS} 个月。"
REVERSED = "截止月份不能早于起始月份。"
NOT_CONSIDERED = "规则未认定该项"

# (payroll benefit, member id or None): the household's 低保, or one person's benefit.
Account = tuple[str, int | None]


# What one month of one account shows ------------------------------------------------------------------------


@dataclass(frozen=True)
class RulesGrant:
    """What the rules decided for the beneficiary and benefit in the month."""

    decision: str
    decision_label: str
    amount: Decimal


@dataclass(frozen=True)
class AmountInForce:
    """The dated amount in force for the month, with its cause and where it came from."""

    amount: Decimal
    cause: str
    cause_label: str
    from_month: date
    source: str  # the parameter version of a 调标, the reviewed change, or the determination, in words
    note: str


@dataclass(frozen=True)
class PaidItem:
    """One paid line: "2020年9月 低保 第1批 正常发放"."""

    label: str
    kind: str
    kind_label: str
    amount: Decimal


@dataclass(frozen=True)
class OverpaymentItem:
    amount: Decimal
    reason: str
    status: str
    status_label: str


@dataclass
class MonthRow:
    month: date
    rules: RulesGrant | None = None
    rules_note: str = ""  # why there is no rules' answer (missing parameters, no member on the register)
    in_force: AmountInForce | None = None
    paid: Decimal = ZERO
    paid_lines: list[PaidItem] = field(default_factory=list)
    overpaid: Decimal = ZERO
    overpayments: list[OverpaymentItem] = field(default_factory=list)
    settled: Decimal = ZERO
    difference: Decimal | None = None  # in force − settled; None for a benefit not paid from enrollments

    @property
    def month_label(self) -> str:
        return month_label(self.month)


@dataclass
class AccountRows:
    """One beneficiary's benefit over the range: the months shown, oldest first."""

    benefit: str
    benefit_label: str
    member_id: int | None  # None: the household (低保)
    member: Member | None
    name: str
    id_number: str
    rows: list[MonthRow]

    @property
    def whole_household(self) -> bool:
        return self.member_id is None

    @property
    def in_force_total(self) -> Decimal:
        return sum((row.in_force.amount for row in self.rows if row.in_force), ZERO)

    @property
    def paid_total(self) -> Decimal:
        return sum((row.paid for row in self.rows), ZERO)

    @property
    def overpaid_total(self) -> Decimal:
        return sum((row.overpaid for row in self.rows), ZERO)

    @property
    def difference_total(self) -> Decimal | None:
        known = [row.difference for row in self.rows if row.difference is not None]
        return sum(known, ZERO) if known else None


@dataclass
class Timeline:
    household: Household
    first_month: date
    last_month: date
    accounts: list[AccountRows]
    notes: list[str]  # one per month the rules could not answer

    @property
    def months(self) -> list[date]:
        return months(self.first_month, self.last_month)


# The range ----------------------------------------------------------------------------------------------------


def check_range(first_month: date, last_month: date) -> None:
    """At most ``MAX_MONTHS`` months, in order: a ValidationError on ``last_month`` otherwise."""
    if last_month < first_month:
        raise ValidationError({"last_month": REVERSED})
    if len(months(first_month, last_month)) > MAX_MONTHS:
        raise ValidationError({"last_month": TOO_LONG})


PARAMETER_NAMES = {"from": "起始月份 from", "to": "截止月份 to"}
_MONTH_TEXT = re.compile(r"^[0-9]{4}-[0-9]{2}$")


def _parse_month(name: str, text: str) -> date:
    example = this_month().strftime("%Y-%m")
    wrong = f"{PARAMETER_NAMES[name]} 格式不正确：应为“年-月”（1990–2100 年），例如 {example}。"
    if CONTROL_CHARACTERS.search(text):
        raise ValidationError({name: f"{PARAMETER_NAMES[name]}：{CONTROL_MESSAGE}"})
    if not _MONTH_TEXT.match(text):
        raise ValidationError({name: wrong})
    year, month = int(text[:4]), int(text[5:])
    if not (1990 <= year <= 2100 and 1 <= month <= 12):
        raise ValidationError({name: wrong})
    return date(year, month, 1)


def parse_range(params: Mapping[str, Any]) -> tuple[date, date]:
    """The range of a query string's ``from`` and ``to`` (``YYYY-MM``). Neither: the 12 months to this month; one of
    them: 12 months from ``from`` (not past this month) or to ``to``. A ValidationError names the parameter."""
    texts = {name: str(params.get(name) or "").strip() for name in PARAMETER_NAMES}
    parsed = {name: _parse_month(name, text) for name, text in texts.items() if text}
    last = parsed.get("to")
    first = parsed.get("from")
    if first is None:
        last = last or this_month()
        first = months_before(last, 11)
    elif last is None:
        last = max(first, min(months_before(first, -11), this_month()))
    if last < first:
        raise ValidationError({"to": f"{PARAMETER_NAMES['to']} 不能早于{PARAMETER_NAMES['from']}。"})
    count = len(months(first, last))
    if count > MAX_MONTHS:
        raise ValidationError(
            {"to": f"月份范围不能超过 {MAX_MONTHS} 个月（from {first:%Y-%m} 至 to {last:%Y-%m} 共 {count} 个月）。"}
        )
    return first, last


# Labels ---------------------------------------------------------------------------------------------------------


def _version_label(row: EnrollmentAmount) -> str:
    version = row.version
    if version is None:
        return ""
    value = version.display_value
    source = f"，{version.source}" if version.source else ""
    day = version.effective_from
    return f"{key_label(version.key)}调整为 {value}（{day.year}年{day.month}月{day.day}日起{source}）"


def _change_label(change: AmountChange) -> str:
    effective = change.effective_month or change.month
    unreported = "，家庭未按规定报告，追溯调整" if change.unreported else ""
    return (
        f"待遇调整：{change.get_kind_display()} {change.current_amount} → {change.proposed_amount}"
        f"（{change.get_status_display()}，{month_label(effective)}起{unreported}）"
    )


def _source(row: EnrollmentAmount) -> str:
    if row.version_id is not None:
        return _version_label(row)
    if row.change_id is not None and row.change is not None:
        return _change_label(row.change)
    if row.determination_id is not None:
        return f"依据 {month_label(row.priced_month)} 测算"
    return ""


def _in_force(row: EnrollmentAmount) -> AmountInForce:
    return AmountInForce(
        amount=row.amount,
        cause=row.cause,
        cause_label=row.get_cause_display(),
        from_month=row.from_month,
        source=_source(row),
        note=row.note,
    )


# Reads --------------------------------------------------------------------------------------------------------


def _in_force_by_month(household: Household, shown: list[date]) -> dict[date, list[Enrollment]]:
    """The household's enrollments in force in each month (``Enrollment.objects.in_force``, one query for all)."""
    per_month: list[QuerySet[Any]] = [
        Enrollment.objects.in_force(month)
        .filter(household_id=household.pk)
        .order_by()
        .annotate(in_month=Value(month))
        .values_list("pk", "in_month")
        for month in shown
    ]
    pairs = reduce(lambda a, b: a.union(b, all=True), per_month)
    found: dict[date, set[int]] = defaultdict(set)
    for pk, month in pairs:
        found[month].add(pk)
    ids = {pk for pks in found.values() for pk in pks}
    enrollments = list(Enrollment.objects.filter(pk__in=ids).order_by("start_month", "pk"))
    return {month: [e for e in enrollments if e.pk in pks] for month, pks in found.items()}


def _rules(household: Household, shown: list[date]) -> tuple[dict[date, dict[Account, RulesGrant]], dict[date, str]]:
    """The rules' outcomes per month (evaluated once per month), and why a month has none."""
    outcomes: dict[date, dict[Account, RulesGrant]] = {}
    problems: dict[date, str] = {}
    areas = {household.pk: household.area_type}
    for month in shown:
        inputs = household_inputs([household.pk], month, areas=areas)[household.pk]
        if not inputs.members:
            problems[month] = "该月没有在册成员，规则未测算"
            continue
        try:
            evaluation = evaluate_household(inputs, month, Parameters(month, month_lookup(month)))
        except MissingParameters as error:
            problems[month] = "缺少生效的政策参数：" + "、".join(key_label(key) for key in error.keys)
            continue
        found: dict[Account, RulesGrant] = {}
        for outcome in evaluation.outcomes:
            benefit = OUTCOME_BENEFIT.get(outcome.benefit)
            if benefit is None:
                continue
            member_id = int(outcome.member) if outcome.member else None
            found[(benefit, member_id)] = RulesGrant(
                outcome.decision, DECISION_LABELS.get(outcome.decision, outcome.decision), outcome.monthly_amount
            )
        outcomes[month] = found
    return outcomes, problems


def _key(benefit: str, month: date, household_id: int, member_id: int | None) -> tuple[Any, ...]:
    """The key of ``settled_amounts``: the household for 低保, the person otherwise."""
    return (benefit, month, None if member_id else household_id, member_id)


def household_timeline(household: Household, first_month: date, last_month: date) -> Timeline:
    """The household's account from ``first_month`` to ``last_month`` (1sts of months, at most ``MAX_MONTHS``)."""
    check_range(first_month, last_month)
    shown = months(first_month, last_month)
    in_range = Q(household_id=household.pk, month__gte=shown[0], month__lte=shown[-1])

    enrolled = _in_force_by_month(household, shown)
    amounts = history({e.pk for es in enrolled.values() for e in es})
    outcomes, problems = _rules(household, shown)
    lines = list(
        PaymentLine.objects.filter(in_range, status=PaymentLine.Status.PAID)
        .select_related("payroll")
        .order_by("month", "payroll__batch", "id")
    )
    overpayments = list(Overpayment.objects.filter(in_range).order_by("month", "id"))
    # One-off 临时救助 cases are not an enrollment's monthly amount: left out of the difference, as back pay does.
    settled = settled_amounts(in_range & Q(temporary_case__isnull=True))

    rows: dict[Account, dict[date, MonthRow]] = defaultdict(dict)
    labels: dict[Account, set[str]] = defaultdict(set)

    def row(account: Account, month: date) -> MonthRow:
        return rows[account].setdefault(month, MonthRow(month))

    for month, enrollments in enrolled.items():
        for enrollment in enrollments:  # the latest started wins when two overlap
            account = (PAID_IN[enrollment.benefit], enrollment.member_id)
            labels[account].add(ENROLLMENT_LABELS[enrollment.benefit])
            dated = in_force_on(amounts.get(enrollment.pk, []), month)
            row(account, month).in_force = _in_force(dated) if dated is not None else None
    for month, found in outcomes.items():
        for account, grant in found.items():
            if grant.decision in GRANTED:
                row(account, month)
    for line in lines:
        item = row((line.benefit, line.member_id), line.month)
        item.paid += line.amount
        item.paid_lines.append(
            PaidItem(f"{line.payroll} {line.get_kind_display()}", line.kind, line.get_kind_display(), line.amount)
        )
    for over in overpayments:
        item = row((over.benefit, over.member_id), over.month)
        item.overpaid += over.amount
        item.overpayments.append(OverpaymentItem(over.amount, over.reason, over.status, over.get_status_display()))

    for (benefit, member_id), by_month in rows.items():
        for month, item in by_month.items():
            item.rules = outcomes.get(month, {}).get((benefit, member_id))
            if item.rules is None:
                item.rules_note = problems.get(month, NOT_CONSIDERED)
            item.settled = settled.get(_key(benefit, month, household.pk, member_id), ZERO)
            if benefit in ENROLLED_BENEFITS:
                due = item.in_force.amount if item.in_force is not None else ZERO
                item.difference = due - item.settled

    accounts = _accounts(household, rows, labels)
    notes = [f"{month_label(month)}：{problem}" for month, problem in sorted(problems.items())]
    return Timeline(household, shown[0], shown[-1], accounts, notes)


def _accounts(
    household: Household, rows: Mapping[Account, dict[date, MonthRow]], labels: Mapping[Account, Iterable[str]]
) -> list[AccountRows]:
    member_ids = {member_id for _, member_id in rows if member_id is not None}
    members = {m.pk: m for m in Member.objects.filter(Q(pk__in=member_ids) | Q(household_id=household.pk))}
    head = next(
        (m for m in sorted(members.values(), key=lambda m: (not m.active, m.pk)) if m.relation == Member.Relation.HEAD),
        None,
    )
    out = []
    for (benefit, member_id), by_month in rows.items():
        member = members.get(member_id) if member_id is not None else None
        person = member if member_id is not None else head
        label = BENEFIT_LABELS.get(benefit, benefit)
        other = sorted(set(labels.get((benefit, member_id), ())) - {label})
        if other:
            label = f"{label}（{'、'.join(other)}）"
        out.append(
            AccountRows(
                benefit=benefit,
                benefit_label=label,
                member_id=member_id,
                member=member,
                name=person.name if person is not None else "",
                id_number=person.id_number if person is not None else "",
                rows=[by_month[month] for month in sorted(by_month)],
            )
        )
    out.sort(key=lambda a: (a.member_id is not None, a.member_id or 0, BENEFIT_ORDER.get(a.benefit, 99)))
    return out
