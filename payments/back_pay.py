"""Back pay (补发) and overpayments (多发) (policy.md §0, §14). Paid lines are never edited.

A run settles paid months against the amounts in force (``assistance.amounts``: the dated amounts, which change
only through a 调标 or a reviewed change, never through a fresh evaluation here): for the pending RecomputeMarks
(a parameter version entered late: its 调标 is first applied as dated amounts by ``assistance.repricing``), for a
township and month range, or for one household after an approved change of its amount. For each beneficiary with
a paid regular line in such a month, what is due (the amount in force for the month of the enrollment the line
paid; nothing once it is no longer on its benefit) is compared with what was settled for it:

    settled = paid regular and re-issue lines + back-pay lines not failed − overpayments recorded

A higher amount becomes a back-pay line for the difference, in a later draft batch of the township, month and
benefit; a lower one an ``Overpayment``. Each carries a ``source_key`` naming the beneficiary, month and the settled
amount it was computed from, and the database refuses a second one with the same key, so running again (or two
runs at once) adds nothing.

Deaths: money paid to a person for months after the month of death (person benefits) is recorded as an
overpayment (死亡后发放) to recover, for the run's lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from assistance.amounts import amounts_in_force
from assistance.models import Enrollment, RecomputeMark
from assistance.repricing import reprice_county
from cases.models import Household, Township, User
from core.months import month_start, months, this_month
from payments import permissions as perms
from payments import services
from payments.models import BackPayRun, Overpayment, PaymentLine, Payroll, PayrollBenefit
from payments.payees import current_payees

Kind = PaymentLine.Kind
Line = PaymentLine.Status
ZERO = Decimal("0.00")
COUNTY_ONLY = perms.COUNTY_BACK_PAY
CONCURRENT = "部分补发或多发记录刚刚已由另一次重算生成（可能有人同时在重算），没有写入。请重新运行。"
# Benefits recomputed from the rules (the price subsidy and one-off 临时救助 cases are not).
OUTCOME_BENEFIT = {
    "dibao": PayrollBenefit.DIBAO,
    "single_person_dibao": PayrollBenefit.SINGLE_PERSON,
    "tekun": PayrollBenefit.TEKUN,
    "covid_relief": PayrollBenefit.TEMPORARY,
    "disability_living": PayrollBenefit.DISABILITY_LIVING,
    "disability_care": PayrollBenefit.DISABILITY_CARE,
    "orphan_allowance": PayrollBenefit.ORPHAN,
}
RECOMPUTED = tuple(OUTCOME_BENEFIT.values())

# (benefit, month, household id or None, member id or None): the household for 低保, the person otherwise.
Key = tuple[str, date, int | None, int | None]


def _key(benefit: str, month: date, household_id: int, member_id: int | None) -> Key:
    return (benefit, month, None if member_id else household_id, member_id)


def _key_text(key: Key, settled: Decimal) -> str:
    benefit, month, household_id, member_id = key
    who = f"m{member_id}" if member_id else f"h{household_id}"
    return f"{benefit}:{month:%Y%m}:{who}:{settled}"


def _settled_filter() -> Q:
    return (
        Q(kind__in=(Kind.REGULAR, Kind.REISSUE), status=Line.PAID)
        | Q(kind=Kind.BACK_PAY, status__in=(Line.PENDING, Line.PAID))
        | Q(kind=Kind.REISSUE, status=Line.PENDING, reissue_of__kind=Kind.BACK_PAY)
    )


def settled_amounts(lines: Q) -> dict[Key, Decimal]:
    """What was settled per beneficiary, benefit and month for the lines matching ``lines`` (two queries)."""
    settled: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    rows = (
        PaymentLine.objects.filter(lines, _settled_filter())
        .order_by()
        .values("benefit", "month", "household_id", "member_id")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        settled[_key(row["benefit"], row["month"], row["household_id"], row["member_id"])] += row["total"]
    over_q = Q(month__in={key[1] for key in settled}) if settled else Q(pk__in=[])
    for row in (
        Overpayment.objects.filter(over_q)
        .order_by()
        .values("benefit", "month", "household_id", "member_id")
        .annotate(total=Sum("amount"))
    ):
        key = _key(row["benefit"], row["month"], row["household_id"], row["member_id"])
        if key in settled:
            settled[key] -= row["total"]
    return settled


@dataclass
class _Found:
    """A beneficiary with a paid line in a recomputed month: one of its lines (for the payee) and its township."""

    line: PaymentLine
    township_id: int


@dataclass
class _Result:
    lines: list[PaymentLine] = field(default_factory=list)
    sources: list[tuple[PaymentLine, int]] = field(default_factory=list)  # per line: the paid line, the township
    overpayments: list[Overpayment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    households: int = 0


def _due_amounts(found: dict[Key, _Found], month: date) -> dict[Key, Decimal]:
    """What is due for each paid beneficiary of the month: the amount in force for the month of the enrollment its
    line paid (``assistance.amounts``), nothing when that enrollment is no longer on its benefit in the month."""
    enrollment_ids = {item.line.enrollment_id for item in found.values() if item.line.enrollment_id}
    on = set(Enrollment.objects.in_force(month).filter(pk__in=enrollment_ids).values_list("pk", flat=True))
    amounts = amounts_in_force(on, month)
    return {
        key: amounts[item.line.enrollment_id].amount if item.line.enrollment_id in amounts else ZERO
        for key, item in found.items()
    }


def _recompute_month(month: date, where: Q, result: _Result) -> None:
    scope = Q(month=month, benefit__in=RECOMPUTED, temporary_case__isnull=True) & where
    found: dict[Key, _Found] = {}
    paid = (
        PaymentLine.objects.filter(scope, kind__in=(Kind.REGULAR, Kind.REISSUE), status=Line.PAID)
        .select_related("payroll", "member")
        .order_by("kind", "id")  # the regular line first
    )
    dead_members: set[int] = set()
    for line in paid:
        key = _key(line.benefit, line.month, line.household_id, line.member_id)
        found.setdefault(key, _Found(line, line.payroll.township_id))
        member = line.member
        if member is not None and member.date_of_death and member.date_of_death < month:
            dead_members.add(member.pk)
    if not found:
        return
    due = _due_amounts(found, month)
    result.households += len({item.line.household_id for item in found.values()})
    settled = settled_amounts(scope)
    for key, item in found.items():
        line = item.line
        dead = line.member_id in dead_members
        due_amount = ZERO if dead else due[key]
        had = settled.get(key, ZERO)
        difference = due_amount - had
        if difference > 0:
            result.lines.append(
                PaymentLine(
                    kind=Kind.BACK_PAY,
                    benefit=line.benefit,
                    month=month,
                    household_id=line.household_id,
                    member_id=line.member_id,
                    enrollment_id=line.enrollment_id,
                    name=line.name,
                    id_number=line.id_number,
                    amount=difference,
                    source_key=_key_text(key, had),
                )
            )
            result.sources.append((line, item.township_id))
        elif difference < 0:
            result.overpayments.append(
                Overpayment(
                    township_id=item.township_id,
                    household_id=line.household_id,
                    member_id=line.member_id,
                    benefit=line.benefit,
                    month=month,
                    name=line.name,
                    amount=-difference,
                    paid_amount=had,
                    due_amount=due_amount,
                    reason=Overpayment.DEATH if dead else Overpayment.RECOMPUTED_LOWER,
                    source_key=_key_text(key, had) + ":over",
                )
            )


def _back_pay_batch(actor: User, township_id: int, month: date, benefit: str) -> Payroll:
    """An open (draft) later batch of the township, month and benefit, or a new one."""
    payrolls = list(
        Payroll.objects.select_for_update()
        .filter(township_id=township_id, month=month, benefit=benefit)
        .order_by("batch")
    )
    target = next((p for p in payrolls if p.batch > 1 and p.status == Payroll.Status.DRAFT), None)
    if target is None:
        target = Payroll.objects.create(
            township_id=township_id,
            month=month,
            benefit=benefit,
            batch=max((p.batch for p in payrolls), default=1) + 1,
            created_by=actor,
        )
    return target


def _write(actor: User, run: BackPayRun, result: _Result) -> list[Payroll]:
    payees = current_payees([original for original, _ in result.sources])
    batches: dict[tuple[int, date, str], Payroll] = {}
    for line, (original, township_id) in zip(result.lines, result.sources, strict=True):
        where = (township_id, line.month, line.benefit)
        if where not in batches:
            batches[where] = _back_pay_batch(actor, *where)
        line.payroll = batches[where]
        for name, value in payees[original.pk].as_fields().items():
            setattr(line, name, value)
        line.back_pay_run = run
    for overpayment in result.overpayments:
        overpayment.run = run
    try:
        with transaction.atomic():
            PaymentLine.objects.bulk_create(result.lines, batch_size=2000)
            Overpayment.objects.bulk_create(result.overpayments, batch_size=2000)
    except IntegrityError:
        raise ValidationError(
            "部分补发或多发记录刚刚已由另一次重算生成（可能有人同时在重算），没有写入。请重新运行。"
        ) from None
    for payroll in batches.values():
        payroll.notes = [*payroll.notes, f"补发重算 #{run.pk}：补发差额。"]
        payroll.generated_at = timezone.now()
        services.refresh_totals(payroll)
    return list(batches.values())


def death_overpayments(where: Q | None = None) -> list[Overpayment]:
    """Unsaved overpayments for money settled to persons for months after their month of death (of the lines
    ``where`` selects: a township's, a household's; all by default)."""
    after_death = Q(member__date_of_death__isnull=False, month__gt=F("member__date_of_death"))
    scope = after_death & Q(temporary_case__isnull=True) & (where or Q())
    settled = settled_amounts(scope)
    names = {
        _key(row["benefit"], row["month"], row["household_id"], row["member_id"]): row
        for row in PaymentLine.objects.filter(scope)
        .order_by("id")
        .values("benefit", "month", "household_id", "member_id", "name", "payroll__township_id")
    }
    found = []
    for key, had in settled.items():
        if had <= 0 or key not in names:
            continue
        row = names[key]
        found.append(
            Overpayment(
                township_id=row["payroll__township_id"],
                household_id=row["household_id"],
                member_id=row["member_id"],
                benefit=row["benefit"],
                month=row["month"],
                name=row["name"],
                amount=had,
                paid_amount=had,
                due_amount=ZERO,
                reason=Overpayment.DEATH,
                source_key=_key_text(key, had) + ":over",
            )
        )
    return found


def back_pay_run(
    *,
    actor: User,
    marks: Iterable[RecomputeMark] | None = None,
    township: Township | None = None,
    household: Household | None = None,
    from_month: date | None = None,
    to_month: date | None = None,
) -> BackPayRun:
    """Settle paid months against the amounts in force and record the differences (see the module):

    * a township and month range;
    * one household: the months paid to it (from ``from_month`` when given; after an approved change of its
      amount, ``settle_household``);
    * otherwise every pending RecomputeMark (or those given), county-wide, marked done: the 调标 of each marked month
      is first applied as dated amounts (``assistance.repricing``), then the months are settled.

    County users only."""
    perms.ensure_start_back_pay(actor)
    today_month = this_month()
    with transaction.atomic():
        run = BackPayRun.objects.create(started_by=actor, township=township, household=household)
        plan: list[date] = []
        chosen: list[RecomputeMark] = []
        where = Q()
        if household is not None:
            where = Q(household_id=household.pk)
            plan = paid_months(household, from_month)
            if not plan:
                raise ValidationError("该家庭没有已发放的月份。")
        elif from_month is not None or township is not None:
            if from_month is None:
                raise ValidationError({"from_month": "请选择起始月份。"})
            first = month_start(from_month)
            last = month_start(to_month or from_month)
            if last < first:
                raise ValidationError({"to_month": "截止月份不能早于起始月份。"})
            if last >= today_month:
                raise ValidationError({"to_month": "只能重算本月之前已发放的月份。"})
            plan = months(first, last)
            if township is not None:
                where = Q(payroll__township_id=township.pk)
        else:
            wanted = RecomputeMark.objects.select_for_update().filter(status=RecomputeMark.Status.PENDING)
            if marks is not None:
                wanted = wanted.filter(pk__in=[mark.pk for mark in marks])
            chosen = list(wanted.order_by("from_month", "id"))
            if not chosen:
                raise ValidationError("没有待重算的月份。")
            plan = sorted({month for mark in chosen for month in months(mark.from_month, mark.to_month)})
            for month in plan:
                reprice_county(month=month)
        run.from_month, run.to_month = plan[0], plan[-1]
        result = _Result()
        for month in plan:
            _recompute_month(month, where, result)
        with pghistory.context(user=actor.pk, reason=f"补发重算 #{run.pk}"):
            batches = _write(actor, run, result)
            deaths = death_overpayments(where)
            for overpayment in deaths:
                overpayment.run = run
            try:
                with transaction.atomic():
                    Overpayment.objects.bulk_create(deaths)
            except IntegrityError:
                raise ValidationError("多发记录刚刚已由另一次重算生成，没有写入。请重新运行。") from None
        now = timezone.now()
        if chosen:
            RecomputeMark.objects.filter(pk__in=[mark.pk for mark in chosen]).update(
                status=RecomputeMark.Status.DONE, done_at=now
            )
            run.marks.set(chosen)
        overpayments = [*result.overpayments, *deaths]
        run.counts = {
            "months": len(plan),
            "households": result.households,
            "back_pay_lines": len(result.lines),
            "back_pay_amount": str(sum((line.amount for line in result.lines), ZERO)),
            "overpayments": len(overpayments),
            "overpaid_amount": str(sum((o.amount for o in overpayments), ZERO)),
            "batches": [payroll.pk for payroll in batches],
        }
        run.notes = result.notes
        run.finished_at = now
        run.save()
    return run


def paid_months(household: Household, from_month: date | None = None) -> list[date]:
    """The months paid to the household (from ``from_month`` on), oldest first."""
    lines = PaymentLine.objects.filter(household=household, status=Line.PAID)
    if from_month is not None:
        lines = lines.filter(month__gte=month_start(from_month))
    return sorted(set(lines.values_list("month", flat=True).order_by()))


def settle_household(*, household_id: int, actor_id: int, from_month: date) -> BackPayRun | None:
    """After an approved change of a household's amount from ``from_month``: settle the months already paid to it
    from then on (None when none is)."""
    household = Household.objects.get(pk=household_id)
    if not paid_months(household, from_month):
        return None
    return back_pay_run(actor=User.objects.get(pk=actor_id), household=household, from_month=from_month)


@transaction.atomic
def resolve_overpayment(*, actor: User, overpayment: Overpayment, status: str, note: str = "") -> Overpayment:
    """待追回 → 已追回 or 已核销 (with a note), by the county."""
    perms.ensure_resolve_overpayment(actor, overpayment)
    overpayment = Overpayment.objects.select_for_update().get(pk=overpayment.pk)
    if overpayment.status != Overpayment.Status.OPEN:
        raise ValidationError("该多发记录已处理。")
    if status not in (Overpayment.Status.RECOVERED, Overpayment.Status.WAIVED):
        raise ValidationError({"status": "请选择处理结果。"})
    note = (note or "").strip()
    if status == Overpayment.Status.WAIVED and not note:
        raise ValidationError({"note": "核销须说明原因。"})
    overpayment.status = status
    overpayment.resolved_by = actor
    overpayment.resolved_at = timezone.now()
    overpayment.resolution_note = note[:200]
    with pghistory.context(user=actor.pk, reason=f"多发处理：{overpayment.get_status_display()}"):
        overpayment.save()
    return overpayment
