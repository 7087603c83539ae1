"""Writes to payrolls (policy.md §14). Each function takes keyword-only arguments with the acting user, runs in a
transaction, locks the payroll it changes, checks who may act, and raises ``PermissionDenied`` (HTTP 403),
``TransitionNotAllowed`` (HTTP 409) or ``ValidationError`` (Chinese, for people) without writing anything.

Workflow: draft (generated; regenerated at will) → submitted by the township → approved by the county (never by
the submitter) → disbursed (the bank file is produced) → reconciled (the bank's result file imported; every line
paid or failed). Failed lines are re-issued once each, in a later batch of the same month.

What a payroll holds is planned in ``payments.planning`` (reads only); who is paid, in ``payments.payees``. A line
without an account is generated with its problem named, and the payroll cannot be submitted until the account is
recorded and the payroll regenerated (or, for a later batch, its payees refreshed).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from pghistory import config as pghistory_config

from cases.models import Township, User
from core.exceptions import TransitionNotAllowed
from core.months import month_label, month_start, next_month
from payments import bankfiles, planning
from payments import permissions as perms
from payments.models import PaymentLine, Payroll, PayrollBenefit, PriceSubsidyMonth
from payments.payees import LINE_PAYEE_FIELDS, current_payees

Status = Payroll.Status
Kind = PaymentLine.Kind
Line = PaymentLine.Status

NO_LINES = "工资册没有发放明细，不能提交。"
SAME_PERSON = perms.SAME_PERSON
RETURN_NOTE_MAX = 200  # Payroll.return_note


def _now() -> Any:
    return timezone.now()


def _benefit_label(benefit: str) -> str:
    return str(PayrollBenefit(benefit).label)


def _lock(payroll: Payroll) -> Payroll:
    return Payroll.objects.select_for_update().select_related("township").get(pk=payroll.pk)


# Generating the regular payroll -----------------------------------------------------------------------------


def _copy_layout(payroll: Payroll) -> tuple[str, tuple[Any, ...]]:
    """The COPY statement for a payroll's planned lines and the values that follow each ``PlannedLine`` in a row:
    the payroll's own (payroll, benefit, month), then every other column at its model default, as ``PaymentLine()``
    would have it (so a field added later with a default needs nothing here)."""
    given = {"payroll": payroll.pk, "benefit": payroll.benefit, "month": payroll.month}
    now = _now()
    meta = PaymentLine._meta
    by_attname = {field.attname: field for field in meta.concrete_fields}
    columns: list[str] = [str(by_attname[name].column) for name in planning.PlannedLine._fields]
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


def _copy_lines(payroll: Payroll, lines: list[planning.PlannedLine], context: Any) -> None:
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


def _write_lines(payroll: Payroll, plan: planning.Plan, context: Any, *, checked: bool) -> None:
    """COPY the plan's lines, each attempt in a savepoint. A new payroll's plan is written unchecked: should the
    unique constraints refuse a beneficiary already on another payroll (a household that moved township), those
    are dropped (``planning.drop_paid_elsewhere``) and the rest written, so the usual case costs no look-up of the
    month's other lines. A checked plan refused means someone generated meanwhile: nothing is written."""
    if not checked:
        try:
            with transaction.atomic():
                _copy_lines(payroll, plan.lines, context)
            return
        except IntegrityError:
            planning.drop_paid_elsewhere(plan, payroll)
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
def _generate(
    *, actor: User, township: Township, month: date, benefit: str, plan: planning.Plan | None = None
) -> Payroll:
    """``generate_payroll``; ``plan`` is the month's plan when the caller has just made it (``generate_month``)."""
    perms.ensure_generate_payroll(actor, township)
    if benefit not in planning.ENROLLED_BENEFITS:
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
        plan = planning.plan(township.pk, month, benefit)
    if not created:
        planning.drop_paid_elsewhere(plan, payroll)
    written = payroll.lines.values_list(*planning.SIGNATURE_FIELDS)
    changed = created or planning.signature(written) != planning.signature(plan.lines)
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
        refresh_totals(payroll)
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
    benefits = list(planning.GENERATED_BENEFITS)
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
            plan = planning.plan(township.pk, month, benefit)
            if not plan.lines:
                continue
        try:
            payroll = _generate(actor=actor, township=township, month=month, benefit=benefit, plan=plan)
            outcomes.append(MonthOutcome(benefit, payroll))
        except (TransitionNotAllowed, ValidationError) as error:
            message = error.message if isinstance(error, TransitionNotAllowed) else "；".join(error.messages)
            outcomes.append(MonthOutcome(benefit, None, message))
    return outcomes


def refresh_totals(payroll: Payroll) -> None:
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


@transaction.atomic
def refresh_payees(*, actor: User, payroll: Payroll) -> int:
    """Re-read the payees and accounts of a draft's lines (after accounts were recorded); amounts stay. Returns
    how many lines changed."""
    payroll = _lock(payroll)
    perms.ensure_regenerate_payroll(actor, payroll)
    if payroll.status != Status.DRAFT:
        raise TransitionNotAllowed(f"工资册当前为“{payroll.get_status_display()}”，只有草稿可以更新收款信息。")
    lines = list(payroll.lines.all())
    payees = current_payees(lines)
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
            refresh_totals(payroll)
    return len(changed)


# The workflow -----------------------------------------------------------------------------------------------


def _problem_message(payroll: Payroll) -> str:
    rows = list(payroll.lines.exclude(problem="").values_list("name", "problem")[: planning.PROBLEMS_SHOWN + 1])
    shown = "、".join(f"{name}（{problem}）" for name, problem in rows[: planning.PROBLEMS_SHOWN])
    more = f" 等 {payroll.problem_count} 条" if payroll.problem_count > planning.PROBLEMS_SHOWN else ""
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
        refresh_totals(payroll)
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
    payees = current_payees(failed)
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
                f"{len(unchanged)} 条重发明细的账号与失败时相同，请核实账户是否已更正：{planning.names(unchanged)}",
            ]
        target.generated_at = _now()
        refresh_totals(target)
    return target
