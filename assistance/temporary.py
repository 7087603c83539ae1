"""临时救助 (policy.md §7): registering a case, deciding it at the level its amount calls for, and the 低保
assessment that follows 先行救助. Services take keyword-only arguments with the acting user, run in a
transaction, check that the actor may write to the township, validate, record history with the actor, and raise
``ValidationError`` (per field, in Chinese), ``PermissionDenied`` or ``TransitionNotAllowed`` without writing
anything. The selectors below them are the only reads the pages use, all scoped to the user's township."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from assistance.models import TemporaryCase
from assistance.permissions import (
    ensure_decide_temporary_case,
    ensure_followup_temporary_case,
    ensure_register_temporary_case,
)
from cases.models import Member, User
from cases.permissions import ensure_can_write_township
from cases.selectors import get_scoped_or_404, scope
from core import idnumber, parameters
from core.exceptions import TransitionNotAllowed

Level = TemporaryCase.Level
Status = TemporaryCase.Status

URBAN_STANDARD = "dibao.standard.urban"
TOWNSHIP_MULTIPLE = "temporary.township_cap_std_multiple"
CAP_MULTIPLE = "temporary.cap_std_multiple"
FOLLOWUP_DAYS = "temporary.advance_followup_days"

CASE_BY_CASE_MIN_DESCRIPTION = 20  # characters of 情况说明 a 一事一议 case needs
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")  # max_digits=12, decimal_places=2


# Approval level ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """The amounts that decide who approves, from the urban 低保 standard in force on ``on``."""

    on: date
    standard: Decimal
    township_multiple: Decimal
    cap_multiple: Decimal

    @property
    def township_cap(self) -> Decimal:
        return (self.standard * self.township_multiple).quantize(CENT)

    @property
    def cap(self) -> Decimal:
        return (self.standard * self.cap_multiple).quantize(CENT)

    def level_for(self, amount: Decimal) -> str:
        if amount <= self.township_cap:
            return Level.TOWNSHIP
        if amount <= self.cap:
            return Level.COUNTY
        return Level.CASE_BY_CASE


def _max_length(field: str) -> int:
    return int(getattr(TemporaryCase._meta.get_field(field), "max_length", 0) or 0)


def limits_on(on: date) -> Limits:
    return Limits(
        on=on,
        standard=parameters.parameter(URBAN_STANDARD, on),
        township_multiple=parameters.parameter(TOWNSHIP_MULTIPLE, on),
        cap_multiple=parameters.parameter(CAP_MULTIPLE, on),
    )


def parse_amount(raw: Any) -> Decimal:
    """Yuan with at most two decimals (fen), more than zero; a ValidationError on ``amount`` otherwise."""
    try:
        amount = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": "请填写正确的金额（元）。"}) from None
    if not amount.is_finite():
        raise ValidationError({"amount": "请填写正确的金额（元）。"})
    if amount <= 0:
        raise ValidationError({"amount": "救助金额须大于0。"})
    if amount != amount.quantize(CENT):
        raise ValidationError({"amount": "金额最多保留两位小数（精确到分）。"})
    if amount > MAX_AMOUNT:
        raise ValidationError({"amount": "金额过大，请核实。"})
    return amount.quantize(CENT)


def level_preview(raw: Any, on: date) -> dict[str, Any]:
    """For the form: the level a typed amount calls for, or why the amount is not valid (nothing when empty)."""
    limits = limits_on(on)
    try:
        amount = parse_amount(raw)
    except ValidationError as error:
        return {"limits": limits, "error": error.message_dict["amount"][0] if raw not in (None, "") else ""}
    return {"limits": limits, "amount": amount, "level": Level(limits.level_for(amount))}


# Services ----------------------------------------------------------------------------------------------------


def _today() -> date:
    return timezone.localdate()


def _earlier_case_message(member: Member, earlier: TemporaryCase) -> str:
    registered = timezone.localtime(earlier.created_at).date()
    return (
        f"{member.name} {earlier.year} 年已因“{earlier.get_cause_display()}”获得临时救助"
        f"（第 {earlier.pk} 号，{registered:%Y-%m-%d} 登记，{earlier.amount} 元，{earlier.get_status_display()}）。"
        "同一对象同一事由一年内原则上只救助一次；如确需再次救助，请填写理由。"
    )


@transaction.atomic
def register_case(
    *,
    actor: User,
    member: Member,
    kind: str,
    cause: str,
    description: str,
    amount: Decimal | str,
    advance: bool = False,
    repeat_reason: str = "",
    on: date | None = None,
) -> TemporaryCase:
    """登记 a temporary-assistance case for ``member`` on ``on`` (default today). The approval level follows from
    the amount and the urban standard in force that day; 先行救助 sets the date by which 低保 must be assessed."""
    member = Member.objects.select_for_update().select_related("household").get(pk=member.pk)  # one at a time
    ensure_register_temporary_case(actor, member)
    on = on or _today()
    errors: dict[str, list[str]] = {}

    def error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not member.active:
        error("member", "该成员已注销，不能登记临时救助。")
    if member.date_of_death is not None and member.date_of_death < on:
        error("member", "该成员已死亡，不能登记临时救助。")
    if on > _today():
        error("on", "登记日期不能晚于今天。")
    if kind not in TemporaryCase.Kind.values:
        error("kind", "请选择救助类型（急难型或支出型）。")
    if cause not in TemporaryCase.Cause.values:
        error("cause", "请选择救助事由。")
    description = (description or "").strip()
    repeat_reason = (repeat_reason or "").strip()
    level = None
    try:
        amount = parse_amount(amount)
    except ValidationError as amount_error:
        for message in amount_error.message_dict["amount"]:
            error("amount", message)
    else:
        level = limits_on(on).level_for(amount)
    if not description:
        error("description", "请填写情况说明。")
    elif level == Level.CASE_BY_CASE and len(description) < CASE_BY_CASE_MIN_DESCRIPTION:
        error(
            "description",
            f"金额超过县级审批上限，须一事一议：请详细说明困难情况和救助金额的依据"
            f"（不少于 {CASE_BY_CASE_MIN_DESCRIPTION} 字）。",
        )
    if len(repeat_reason) > _max_length("repeat_reason"):
        error("repeat_reason", "理由不能超过200字。")
    if cause in TemporaryCase.Cause.values and not repeat_reason:
        earlier = (
            TemporaryCase.objects.filter(member=member, cause=cause, year=on.year)
            .exclude(status=Status.REJECTED)
            .order_by("created_at", "id")
            .first()
        )
        if earlier is not None:
            error("repeat_reason", _earlier_case_message(member, earlier))
    if errors or level is None:
        raise ValidationError(errors)
    case = TemporaryCase(
        township_id=member.household.township_id,
        household_id=member.household_id,
        member=member,
        kind=kind,
        cause=cause,
        description=description,
        amount=amount,
        year=on.year,
        level=level,
        advance=bool(advance),
        repeat_reason=repeat_reason,
        created_by=actor,
    )
    if advance:
        case.followup_due = on + timedelta(days=int(parameters.parameter(FOLLOWUP_DAYS, on)))
    with pghistory.context(user=actor.pk):
        case.save()
    return case


@transaction.atomic
def decide_case(*, actor: User, case: TemporaryCase, approve: bool, note: str = "") -> TemporaryCase:
    """批准 or 不予批准 a pending case: township level by a reviewer of its township, county level and 一事一议
    by the county; never by the person who registered it. Rejecting needs a reason."""
    case = TemporaryCase.objects.select_for_update().get(pk=case.pk)
    ensure_can_write_township(actor, case.township_id)
    if case.status != Status.PENDING:
        raise TransitionNotAllowed(f"该临时救助已{case.get_status_display()}，不能再次审批。")
    ensure_decide_temporary_case(actor, case)
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": "不予批准须填写理由。"})
    case.status = Status.APPROVED if approve else Status.REJECTED
    case.decided_by = actor
    case.decided_on = _today()
    case.decision_note = note
    with pghistory.context(user=actor.pk):
        case.save(update_fields=["status", "decided_by", "decided_on", "decision_note"])
    return case


@transaction.atomic
def complete_followup(*, actor: User, case: TemporaryCase, note: str) -> TemporaryCase:
    """Record that 低保 was assessed after 先行救助, with the result."""
    case = TemporaryCase.objects.select_for_update().get(pk=case.pk)
    ensure_followup_temporary_case(actor, case)
    if not case.advance:
        raise TransitionNotAllowed("该临时救助不是先行救助，无需低保评估。")
    if case.followup_done_on is not None:
        raise TransitionNotAllowed(f"低保评估已于 {case.followup_done_on:%Y-%m-%d} 完成登记。")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "请填写低保评估结果。"})
    if len(note) > _max_length("followup_note"):
        raise ValidationError({"note": "评估结果不能超过200字。"})
    case.followup_done_on = _today()
    case.followup_note = note
    with pghistory.context(user=actor.pk):
        case.save(update_fields=["followup_done_on", "followup_note"])
    return case


# Selectors ---------------------------------------------------------------------------------------------------


def _cases(user: User) -> QuerySet[TemporaryCase]:
    return scope(
        TemporaryCase.objects.select_related("township", "household", "member", "created_by", "decided_by"), user
    )


def followup_overdue(case: TemporaryCase, today: date) -> bool:
    """The rule of ``_overdue`` below for one case."""
    return (
        case.advance
        and case.followup_done_on is None
        and case.status != Status.REJECTED
        and case.followup_due is not None
        and case.followup_due < today
    )


def _overdue(cases: QuerySet[TemporaryCase], today: date) -> QuerySet[TemporaryCase]:
    """先行救助 whose 低保 assessment is past its date and not done (a rejected case paid nothing: not counted)."""
    return cases.filter(advance=True, followup_done_on__isnull=True, followup_due__lt=today).exclude(
        status=Status.REJECTED
    )


def case_list(
    user: User, status: str | None = None, overdue_followups: bool = False, *, today: date | None = None
) -> QuerySet[TemporaryCase]:
    cases = _cases(user)
    if status:
        cases = cases.filter(status=status)
    if overdue_followups:
        cases = _overdue(cases, today or _today()).order_by("followup_due", "id")
    return cases


def overdue_followups(user: User, today: date) -> QuerySet[TemporaryCase]:
    return _overdue(_cases(user), today).order_by("followup_due", "id")


def status_counts(user: User) -> dict[str, int]:
    return dict(scope(TemporaryCase.objects.all(), user).order_by().values_list("status").annotate(n=Count("pk")))


def get_case(user: User, pk: int) -> TemporaryCase:
    return get_scoped_or_404(_cases(user), user, pk=pk)


def get_member(user: User, pk: int) -> Member:
    """An active member the user may see (another township's member is 404)."""
    return get_scoped_or_404(
        Member.objects.select_related("household", "household__township"), user, "household__township", pk=pk
    )


def find_member(user: User, raw_id_number: str) -> Member | None:
    """The active member with this ID number within the user's scope, or None (also for an invalid number)."""
    try:
        number = idnumber.normalize_id_number(raw_id_number)
    except idnumber.InvalidIdNumber:
        number = raw_id_number.strip().upper()
    members = Member.objects.filter(id_number=number, active=True).select_related("household")
    return scope(members, user, "household__township").first()


def member_cases(member: Member, year: int) -> QuerySet[TemporaryCase]:
    """The member's cases of one calendar year (the once-per-cause rule), oldest first."""
    return TemporaryCase.objects.filter(member=member, year=year).order_by("created_at", "id")
