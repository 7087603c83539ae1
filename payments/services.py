"""Writes to payrolls (policy.md §14). Each function takes keyword-only arguments with the acting user, runs in a
transaction, locks the payroll it changes, checks who may act, and raises ``PermissionDenied`` (HTTP 403),
``TransitionNotAllowed`` (HTTP 409) or ``ValidationError`` (Chinese, for people) without writing anything.

Workflow: draft (generated; regenerated at will) → submitted by the township → approved by the county (never by
the submitter) → disbursed (the bank file is produced) → reconciled (the bank's result file imported; every line
paid or failed). Failed lines are re-issued once each, in a later batch of the same month.

Who pays whom (the payee is copied onto the line):

* 低保 → the household head's account; a guardian or agent recorded on the head receives instead.
* every other benefit → the person's account, or the recorded guardian/agent (children, incapacitated adults).
* 集中供养 特困 → the institution's account (``InstitutionAccount``, matched by the enrollment's institution name).
* 临时救助 → the cases approved in the month (one-off) and 新冠患者临时救助 enrollments (monthly).

A line without an account is generated with its problem named, and the payroll cannot be submitted until the
account is recorded and the payroll regenerated (or, for a later batch, its payees refreshed).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, FilteredRelation, Q, Sum
from django.utils import timezone
from pghistory import config as pghistory_config

from assistance.models import BenefitKind, Enrollment, TemporaryCase
from cases.models import Member, Township, User
from core.exceptions import TransitionNotAllowed
from core.months import month_label, month_start, next_month
from payments import bankfiles
from payments import permissions as perms
from payments.models import InstitutionAccount, PaymentLine, Payroll, PayrollBenefit, PriceSubsidyMonth

Status = Payroll.Status
Kind = PaymentLine.Kind
Line = PaymentLine.Status
PayeeKind = PaymentLine.PayeeKind

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
PERSON_FIELDS = (
    "id",
    "name",
    "id_number",
    "bank_name",
    "bank_account",
    "payee_kind",
    "payee_name",
    "payee_id_number",
    "date_of_death",
)
LINE_PAYEE_FIELDS = ("payee_kind", "payee_name", "payee_id_number", "bank_name", "bank_account", "problem")
PROBLEMS_SHOWN = 10
NO_LINES = "工资册没有发放明细，不能提交。"
SAME_PERSON = perms.SAME_PERSON
RETURN_NOTE_MAX = 200  # Payroll.return_note


def _now() -> Any:
    return timezone.now()


def _benefit_label(benefit: str) -> str:
    return str(PayrollBenefit(benefit).label)


def _lock(payroll: Payroll) -> Payroll:
    return Payroll.objects.select_for_update().select_related("township").get(pk=payroll.pk)


# Payees -----------------------------------------------------------------------------------------------------


class Payee(NamedTuple):
    """Who receives a line's money; its fields in the order of ``LINE_PAYEE_FIELDS``."""

    kind: str
    name: str
    id_number: str
    bank_name: str
    bank_account: str
    problem: str = ""

    def as_fields(self) -> dict[str, str]:
        return {
            "payee_kind": self.kind,
            "payee_name": self.name,
            "payee_id_number": self.id_number,
            "bank_name": self.bank_name,
            "bank_account": self.bank_account,
            "problem": self.problem,
        }


def person_payee(person: Mapping[str, Any] | None, *, head: bool = False) -> Payee:
    """The person's own account; a guardian or agent recorded on the person receives the money instead."""
    who = "户主" if head else "对象"
    if not person or not person.get("id"):
        return Payee(PayeeKind.SELF, "", "", "", "", "该户没有在册户主，无法确定收款人")
    kind = person.get("payee_kind") or PayeeKind.SELF
    if kind == PayeeKind.SELF:
        name, id_number = person["name"], person["id_number"]
    else:
        name, id_number = person.get("payee_name") or "", person.get("payee_id_number") or ""
    problem = ""
    if head and person.get("date_of_death"):
        problem = "户主已死亡，请变更户主或登记领取人"
    elif kind != PayeeKind.SELF and not name:
        problem = f"{who}登记由{PayeeKind(kind).label}领取，但未登记领取人姓名"
    elif not person.get("bank_account"):
        problem = f"{who}银行账号未登记"
    return Payee(kind, name, id_number, person.get("bank_name") or "", person.get("bank_account") or "", problem)


def institution_payee(name: str, accounts: Mapping[str, InstitutionAccount]) -> Payee:
    account = accounts.get(name)
    if account is None or not account.bank_account:
        return Payee(PayeeKind.INSTITUTION, name, "", "", "", f"机构账户未登记（{name}）")
    return Payee(PayeeKind.INSTITUTION, name, account.credit_code, account.bank_name, account.bank_account)


def _institution_accounts(names: Iterable[str]) -> dict[str, InstitutionAccount]:
    wanted = {name for name in names if name}
    if not wanted:
        return {}
    return {account.name: account for account in InstitutionAccount.objects.filter(name__in=wanted)}


def _person(row: Mapping[str, Any], prefix: str) -> dict[str, Any] | None:
    person = {field: row[f"{prefix}__{field}"] for field in PERSON_FIELDS}
    return person if person["id"] else None


# Generating the regular payroll -----------------------------------------------------------------------------


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
class _Plan:
    lines: list[PlannedLine]
    notes: list[str]


# The enrollment rows of a plan: the enrollment, then the person's and the household head's PERSON_FIELDS.
ENROLLMENT_COLUMNS = (
    "id",
    "household_id",
    "member_id",
    "monthly_amount",
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
            head=FilteredRelation(
                "household__members",
                condition=Q(household__members__relation=Member.Relation.HEAD, household__members__active=True),
            )
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


def _plan_regular(township_id: int, month: date, benefit: str) -> _Plan:
    rows = _enrollment_rows(township_id, month, benefit)
    centralized = Enrollment.SupportMode.CENTRALIZED
    accounts = _institution_accounts(row[5] for row in rows if row[4] == centralized)
    regular = Kind.REGULAR.value
    lines: list[PlannedLine] = []
    seen: set[tuple[str, int]] = set()
    zero: list[str] = []
    dead: list[str] = []
    overlapping: list[str] = []
    for row in rows:
        enrollment_id, household_id, member_id, amount, support_mode, institution_name = row[:6]
        member_values = row[_MEMBER]
        key = ("member", member_id) if member_id else ("household", household_id)
        if key in seen:
            overlapping.append(_shown(member_values, row[_HEAD], household_id))
            continue
        seen.add(key)
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
                payee = institution_payee(institution_name, accounts)
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
            member = _person(case, "member")
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
        notes.append(f"月金额为 0，未列入 {len(zero)} 人（户）：{_names(zero)}")
    if dead:
        notes.append(f"本月之前已死亡，未列入 {len(dead)} 人：{_names(dead)}")
    if overlapping:
        notes.append(f"同月有两条救助记录，只列入起始月份较晚的一条：{_names(overlapping)}")
    return _Plan(lines, notes)


def _shown(member: tuple[Any, ...], head: tuple[Any, ...], household_id: int) -> str:
    """How a left-out enrollment is named in the notes: the person, else the household head, else the household."""
    for person in (member, head):
        if person[0]:
            return person[_NAME] or f"家庭{household_id}"
    return f"家庭{household_id}"


def _plan(township_id: int, month: date, benefit: str) -> _Plan:
    if benefit == PayrollBenefit.PRICE_SUBSIDY:
        from payments.price_subsidy import plan_price_subsidy

        lines, notes = plan_price_subsidy(township_id, month)
        return _Plan([PlannedLine.of(line) for line in lines], notes)
    return _plan_regular(township_id, month, benefit)


def _names(names: list[str]) -> str:
    shown = "、".join(names[:PROBLEMS_SHOWN])
    return shown + (f" 等 {len(names)} 人" if len(names) > PROBLEMS_SHOWN else "")


def _drop_paid_elsewhere(plan: _Plan, payroll: Payroll) -> None:
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
    plan.notes.append(f"已列入其他工资册，未重复列入 {len(dropped)} 人（户）：{_names(dropped)}")


SIGNATURE_FIELDS = PlannedLine._fields


def _signature(rows: Iterable[tuple[Any, ...]]) -> Counter[tuple[Any, ...]]:
    """The lines as a multiset of their planned values: equal when regenerating would write the same lines."""
    return Counter(rows)


def _copy_layout(payroll: Payroll) -> tuple[str, tuple[Any, ...]]:
    """The COPY statement for a payroll's planned lines and the values that follow each ``PlannedLine`` in a row:
    the payroll's own (payroll, benefit, month), then every other column at its model default, as ``PaymentLine()``
    would have it (so a field added later with a default needs nothing here)."""
    given = {"payroll": payroll.pk, "benefit": payroll.benefit, "month": payroll.month}
    now = _now()
    meta = PaymentLine._meta
    by_attname = {field.attname: field for field in meta.concrete_fields}
    columns: list[str] = [str(by_attname[name].column) for name in PlannedLine._fields]
    tail = []
    for field in meta.concrete_fields:
        if field.primary_key or field.column in columns:
            continue
        if field.name in given:
            value = given[field.name]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_db_prep_save(field.get_default(), connection)
        columns.append(str(field.column))
        tail.append(value)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    return f"COPY {connection.ops.quote_name(meta.db_table)} ({names}) FROM STDIN", tuple(tail)


def _copy_lines(payroll: Payroll, lines: list[PlannedLine], context: Any) -> None:
    """Write the planned lines with one COPY. The history trigger still records each line: COPY bypasses
    Django's execute wrappers, so the pghistory context (and a defined ``pgtrigger.ignore``, without which each
    trigger call raises and catches an error) is set for the transaction first, as ``cases.demo`` does. A unique
    constraint violated by a row fails the COPY with Django's ``IntegrityError``."""
    if not lines:
        return
    statement, tail = _copy_layout(payroll)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', COALESCE(NULLIF(current_setting('pgtrigger.ignore', true), ''),"
            " '{}'), true), set_config('pghistory.context_id', %s, true),"
            " set_config('pghistory.context_metadata', %s, true)",
            [str(context.id), json.dumps(context.metadata, cls=pghistory_config.json_encoder())],
        )
        with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
            for line in lines:
                copy.write_row((*line, *tail))


def _write_lines(payroll: Payroll, plan: _Plan, context: Any, *, checked: bool) -> None:
    """COPY the plan's lines, each attempt in a savepoint. A new payroll's plan is written unchecked: should the
    unique constraints refuse a beneficiary already on another payroll (a household that moved township), those
    are dropped (``_drop_paid_elsewhere``) and the rest written, so the usual case costs no look-up of the month's
    other lines. A checked plan refused means someone generated meanwhile: nothing is written."""
    if not checked:
        try:
            with transaction.atomic():
                _copy_lines(payroll, plan.lines, context)
            return
        except IntegrityError:
            _drop_paid_elsewhere(plan, payroll)
    try:
        with transaction.atomic():
            _copy_lines(payroll, plan.lines, context)
    except IntegrityError:
        raise ValidationError(
            "生成时发现部分对象刚刚已列入其他工资册（可能有人同时在生成），没有写入任何明细。请重新生成。"
        ) from None


def refusal_to_generate(payroll: Payroll) -> str | None:
    """Why a payroll in this state cannot be regenerated, or None for a draft."""
    what = (
        f"（{payroll.township.name}{payroll.month_label}{payroll.get_benefit_display()}，"
        f"当前状态：{payroll.get_status_display()}）"
    )
    if payroll.status == Status.DRAFT:
        return None
    if payroll.status == Status.SUBMITTED:
        return "该月工资册已提交县民政局审批，不能重新生成；如需修改，请县民政局退回后再生成" + what + "。"
    if payroll.status == Status.APPROVED:
        return "该月工资册已审批，不能重新生成" + what + "。"
    return "该月工资册已审批并发放，不能重新生成；发放失败的明细请办理失败重发" + what + "。"


def _check_month(month: date) -> date:
    month = month_start(month)
    today = timezone.localdate()
    if month > next_month(month_start(today)):
        raise ValidationError({"month": f"不能生成{month_label(month)}的工资册：最多提前生成下月的工资册。"})
    return month


def generate_payroll(*, actor: User, township: Township, month: date, benefit: str) -> Payroll:
    """The month's regular payroll (batch 1) for one benefit, from the enrollments paid that month (and, for
    临时救助, the cases approved that month). Regenerating a draft replaces its lines (nothing changes when the
    result is the same); a payroll already submitted, approved or paid is refused with the reason."""
    return _generate(actor=actor, township=township, month=month, benefit=benefit)


@transaction.atomic
def _generate(*, actor: User, township: Township, month: date, benefit: str, plan: _Plan | None = None) -> Payroll:
    """``generate_payroll``; ``plan`` is the month's plan when the caller has just made it (``generate_month``)."""
    perms.ensure_generate_payroll(actor, township)
    if benefit not in ENROLLED_BENEFITS:
        if benefit == PayrollBenefit.PRICE_SUBSIDY:
            if not PriceSubsidyMonth.objects.filter(month=month_start(month)).exists():
                raise ValidationError(
                    {"benefit": "价格临时补贴按县里录入的补贴月份发放：该月尚未录入价格临时补贴，不能生成。"}
                )
        else:
            raise ValidationError({"benefit": "请选择救助项目。"})
    month = _check_month(month)
    payroll, created = Payroll.objects.select_for_update().get_or_create(
        township=township, month=month, benefit=benefit, batch=1, defaults={"created_by": actor}
    )
    payroll.township = township
    refusal = refusal_to_generate(payroll)
    if refusal:
        raise TransitionNotAllowed(refusal)
    if plan is None:
        plan = _plan(township.pk, month, benefit)
    if not created:
        _drop_paid_elsewhere(plan, payroll)
    changed = created or _signature(payroll.lines.values_list(*SIGNATURE_FIELDS)) != _signature(plan.lines)
    with pghistory.context(user=actor.pk, reason="生成工资册") as context:
        if changed:
            if not created:
                payroll.lines.all().delete()
            _write_lines(payroll, plan, context, checked=not created)
        elif payroll.notes == plan.notes and payroll.return_note == "":
            return payroll
        payroll.notes = plan.notes
        payroll.generated_at = _now()
        payroll.return_note = ""
        _refresh_totals(payroll)
    return payroll


@dataclass(frozen=True)
class MonthOutcome:
    benefit: str
    payroll: Payroll | None
    refusal: str = ""


def generate_month(*, actor: User, township: Township, month: date) -> list[MonthOutcome]:
    """Every benefit's regular payroll of the month for one township; benefits with nobody to pay and no payroll
    yet are skipped, payrolls past the draft are left alone (with their reason)."""
    perms.ensure_generate_payroll(actor, township)
    month = _check_month(month)
    outcomes = []
    existing = {p.benefit: p for p in Payroll.objects.filter(township=township, month=month, batch=1)}
    benefits = list(GENERATED_BENEFITS)
    if PriceSubsidyMonth.objects.filter(month=month).exists():
        benefits.append(PayrollBenefit.PRICE_SUBSIDY)
    for benefit in benefits:
        payroll = existing.get(benefit)
        if payroll is not None and payroll.status != Status.DRAFT:
            payroll.township = township
            outcomes.append(MonthOutcome(benefit, payroll, refusal_to_generate(payroll) or ""))
            continue
        plan = None
        if payroll is None:
            plan = _plan(township.pk, month, benefit)
            if not plan.lines:
                continue
        try:
            payroll = _generate(actor=actor, township=township, month=month, benefit=benefit, plan=plan)
            outcomes.append(MonthOutcome(benefit, payroll))
        except (TransitionNotAllowed, ValidationError) as error:
            message = error.message if isinstance(error, TransitionNotAllowed) else "；".join(error.messages)
            outcomes.append(MonthOutcome(benefit, None, message))
    return outcomes


def _refresh_totals(payroll: Payroll) -> None:
    """The cached counts and sums, from the lines (one query)."""
    zero = Decimal("0.00")
    totals = payroll.lines.aggregate(
        line_count=Count("pk"),
        total_amount=Sum("amount", default=zero),
        problem_count=Count("pk", filter=~Q(problem="")),
        paid_count=Count("pk", filter=Q(status=Line.PAID)),
        paid_amount=Sum("amount", filter=Q(status=Line.PAID), default=zero),
        failed_count=Count("pk", filter=Q(status=Line.FAILED)),
        failed_amount=Sum("amount", filter=Q(status=Line.FAILED), default=zero),
    )
    for field, value in totals.items():
        setattr(payroll, field, value)
    payroll.save()


# Payees of a draft, re-read -------------------------------------------------------------------------------


def _current_payees(lines: list[PaymentLine]) -> dict[int, Payee]:
    """Each saved line's payee (by line id) from the records as they are now (set-based: four queries at most)."""
    member_ids = {line.member_id for line in lines if line.member_id}
    household_ids = {line.household_id for line in lines if not line.member_id}
    enrollment_ids = {line.enrollment_id for line in lines if line.enrollment_id and line.member_id}
    fields = ("household_id", *PERSON_FIELDS)
    members = {row["id"]: row for row in Member.objects.filter(pk__in=member_ids).values(*fields)}
    heads = {
        row["household_id"]: row
        for row in Member.objects.filter(
            household_id__in=household_ids, relation=Member.Relation.HEAD, active=True
        ).values(*fields)
    }
    institutions = dict(
        Enrollment.objects.filter(pk__in=enrollment_ids, support_mode=Enrollment.SupportMode.CENTRALIZED).values_list(
            "pk", "institution_name"
        )
    )
    accounts = _institution_accounts(institutions.values())
    payees = {}
    for line in lines:
        if not line.member_id:
            payees[line.pk] = person_payee(heads.get(line.household_id), head=True)
        elif line.enrollment_id in institutions:
            payees[line.pk] = institution_payee(institutions[line.enrollment_id], accounts)
        else:
            payees[line.pk] = person_payee(members.get(line.member_id))
    return payees


@transaction.atomic
def refresh_payees(*, actor: User, payroll: Payroll) -> int:
    """Re-read the payees and accounts of a draft's lines (after accounts were recorded); amounts stay. Returns
    how many lines changed."""
    payroll = _lock(payroll)
    perms.ensure_regenerate_payroll(actor, payroll)
    if payroll.status != Status.DRAFT:
        raise TransitionNotAllowed(f"工资册当前为“{payroll.get_status_display()}”，只有草稿可以更新收款信息。")
    lines = list(payroll.lines.all())
    payees = _current_payees(lines)
    changed = []
    for line in lines:
        fields = payees[line.pk].as_fields()
        if any(getattr(line, field) != value for field, value in fields.items()):
            for field, value in fields.items():
                setattr(line, field, value)
            changed.append(line)
    if changed:
        with pghistory.context(user=actor.pk, reason="更新收款信息"):
            PaymentLine.objects.bulk_update(changed, LINE_PAYEE_FIELDS, batch_size=1000)
            _refresh_totals(payroll)
    return len(changed)


# The workflow -----------------------------------------------------------------------------------------------


def _problem_message(payroll: Payroll) -> str:
    rows = list(payroll.lines.exclude(problem="").values_list("name", "problem")[: PROBLEMS_SHOWN + 1])
    shown = "、".join(f"{name}（{problem}）" for name, problem in rows[:PROBLEMS_SHOWN])
    more = f" 等 {payroll.problem_count} 条" if payroll.problem_count > PROBLEMS_SHOWN else ""
    fix = "重新生成工资册" if payroll.batch == 1 else "更新收款信息"
    return (
        f"有 {payroll.problem_count} 条明细不能发放：{shown}{more}。"
        f"请在家庭档案中登记银行账户（集中供养的在供养机构收款账户中登记）后{fix}，再提交。"
    )


@transaction.atomic
def submit_payroll(*, actor: User, payroll: Payroll) -> Payroll:
    """The township submits its draft to the county; refused while any line has no account."""
    payroll = _lock(payroll)
    perms.ensure_submit_payroll(actor, payroll)
    if payroll.status != Status.DRAFT:
        raise TransitionNotAllowed(f"工资册当前为“{payroll.get_status_display()}”，不能提交。")
    if payroll.line_count == 0:
        raise ValidationError(NO_LINES)
    if payroll.problem_count:
        raise ValidationError(_problem_message(payroll))
    payroll.status = Status.SUBMITTED
    payroll.submitted_by = actor
    payroll.submitted_at = _now()
    payroll.return_note = ""
    with pghistory.context(user=actor.pk, reason="提交审批"):
        payroll.save()
    return payroll


@transaction.atomic
def return_payroll(*, actor: User, payroll: Payroll, reason: str) -> Payroll:
    """The county sends a submitted payroll back to the township as a draft, with the reason."""
    payroll = _lock(payroll)
    perms.ensure_return_payroll(actor, payroll)
    if payroll.status != Status.SUBMITTED:
        raise TransitionNotAllowed(f"工资册当前为“{payroll.get_status_display()}”，不能退回。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回时请写明原因。"})
    if len(reason) > RETURN_NOTE_MAX:
        raise ValidationError({"reason": "退回原因不能超过200字。"})
    payroll.status = Status.DRAFT
    payroll.submitted_by = None
    payroll.submitted_at = None
    payroll.return_note = reason
    with pghistory.context(user=actor.pk, reason=f"退回：{reason}"):
        payroll.save()
    return payroll


@transaction.atomic
def approve_payroll(*, actor: User, payroll: Payroll) -> Payroll:
    """The county approves a submitted payroll; the person who submitted it cannot."""
    payroll = _lock(payroll)
    perms.ensure_write_payments(actor)
    if payroll.status != Status.SUBMITTED:
        raise TransitionNotAllowed(f"工资册当前为“{payroll.get_status_display()}”，不能审批。")
    perms.ensure_approve_payroll(actor, payroll)
    payroll.status = Status.APPROVED
    payroll.approved_by = actor
    payroll.approved_at = _now()
    with pghistory.context(user=actor.pk, reason="审批通过"):
        payroll.save()
    return payroll


@transaction.atomic
def disburse_payroll(*, actor: User, payroll: Payroll) -> Payroll:
    """The county sends an approved payroll to the bank: the bank file is produced (its SHA-256 kept, so the
    file downloaded later can be shown to be the one sent) and the payroll marked disbursed."""
    payroll = _lock(payroll)
    perms.ensure_disburse_payroll(actor, payroll)
    if payroll.status != Status.APPROVED:
        raise TransitionNotAllowed(f"工资册当前为“{payroll.get_status_display()}”，审批通过后才能发放。")
    content = bankfiles.bank_csv(payroll, bankfiles.bank_rows(payroll))
    payroll.status = Status.DISBURSED
    payroll.disbursed_by = actor
    payroll.disbursed_at = _now()
    payroll.bank_file_digest = hashlib.sha256(content).hexdigest()
    with pghistory.context(user=actor.pk, reason="发放"):
        payroll.save()
    return payroll


@transaction.atomic
def reconcile_payroll(*, actor: User, payroll: Payroll, file_bytes: bytes, filename: str) -> bankfiles.ResultReport:
    """Import the bank's result file (layout in ``payments.bankfiles``). Any row error → nothing is applied.
    Otherwise each listed line becomes paid or failed at once; a line already settled with the same result is
    left alone (re-importing a file changes nothing). When no line is left pending the payroll is reconciled."""
    payroll = _lock(payroll)
    perms.ensure_reconcile_payroll(actor, payroll)
    if payroll.status != Status.DISBURSED:
        if payroll.status == Status.RECONCILED:
            raise TransitionNotAllowed("该工资册已对账完毕。")
        raise TransitionNotAllowed(f"工资册当前为“{payroll.get_status_display()}”，发放后才能导入银行结果。")
    report = bankfiles.check_result_file(payroll, file_bytes, filename)
    if not report.ok or not report.changes:
        return report
    now = _now()
    lines = {line.pk: line for line in payroll.lines.filter(pk__in=[change.line_id for change in report.changes])}
    for change in report.changes:
        line = lines[change.line_id]
        line.status = change.status
        line.failure_reason = change.reason
        line.result_at = now
    with pghistory.context(user=actor.pk, reason=f"导入银行结果：{filename}"):
        PaymentLine.objects.bulk_update(lines.values(), ["status", "failure_reason", "result_at"], batch_size=1000)
        _refresh_totals(payroll)
        if payroll.pending_count == 0:
            payroll.status = Status.RECONCILED
            payroll.reconciled_at = now
            payroll.save()
    report.applied = True
    report.reconciled = payroll.status == Status.RECONCILED
    return report


# Re-issuing failed lines ------------------------------------------------------------------------------------


@transaction.atomic
def reissue_failed(*, actor: User, township: Township, month: date, benefit: str) -> Payroll:
    """A later batch of the same month with one re-issue line per failed line not yet re-issued, paid to the
    account recorded now (correct the account on the member first). A line is re-issued once: the database
    refuses a second re-issue of it. New failures join an open (draft) re-issue batch rather than a new one."""
    perms.ensure_reissue_failed_lines(actor, township)
    month = month_start(month)
    payrolls = list(
        Payroll.objects.select_for_update().filter(township=township, month=month, benefit=benefit).order_by("batch")
    )
    failed = list(
        PaymentLine.objects.select_for_update(of=("self",))
        .filter(payroll__in=payrolls, status=Line.FAILED, reissued_by__isnull=True)
        .order_by("id")
    )
    if not failed:
        already = PaymentLine.objects.filter(payroll__in=payrolls, status=Line.FAILED).exists()
        if already:
            raise TransitionNotAllowed("发放失败的明细均已办理失败重发，同一明细只能重发一次。")
        raise TransitionNotAllowed(f"{township.name}{month_label(month)}{_benefit_label(benefit)}没有发放失败的明细。")
    target = next((p for p in payrolls if p.batch > 1 and p.status == Status.DRAFT), None)
    if target is None:
        target = Payroll.objects.create(
            township=township,
            month=month,
            benefit=benefit,
            batch=max(p.batch for p in payrolls) + 1,
            created_by=actor,
        )
    payees = _current_payees(failed)
    lines = []
    unchanged = []
    for original in failed:
        payee = payees[original.pk]
        if payee.bank_account and payee.bank_account == original.bank_account:
            unchanged.append(original.name)
        lines.append(
            PaymentLine(
                payroll=target,
                kind=Kind.REISSUE,
                benefit=original.benefit,
                month=original.month,
                household_id=original.household_id,
                member_id=original.member_id,
                enrollment_id=original.enrollment_id,
                temporary_case_id=original.temporary_case_id,
                reissue_of=original,
                name=original.name,
                id_number=original.id_number,
                amount=original.amount,
                **payee.as_fields(),
            )
        )
    with pghistory.context(user=actor.pk, reason="失败重发"):
        try:
            with transaction.atomic():
                PaymentLine.objects.bulk_create(lines, batch_size=2000)
        except IntegrityError:
            raise TransitionNotAllowed(
                "部分失败明细刚刚已办理重发（可能有人同时在办理），同一明细只能重发一次。"
            ) from None
        if unchanged:
            target.notes = [
                *target.notes,
                f"{len(unchanged)} 条重发明细的账号与失败时相同，请核实账户是否已更正：{_names(unchanged)}",
            ]
        target.generated_at = _now()
        _refresh_totals(target)
    return target
