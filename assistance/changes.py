"""待遇调整 (AmountChange): the reviewed path of a change the monthly re-pricing found in a household's facts
(policy.md §3, §4). The township confirms it or records why not; the county, another person, approves or rejects
a change of amount or a return to 在保, which then applies from the month after approval, or from an earlier month
when the household failed to report the change (recorded, with the approver's reason). Entering 渐退期 applies on
the township's confirmation, from the month it was found, keeping the amount in force.

An approved amount for months already paid is settled by back pay (``payments.settle_household``, queued by name
after the commit): never a second regular line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pghistory
from celery import current_app
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from assistance.amounts import amounts_in_force, history, in_force_on, record_amount
from assistance.determinations import determine_household
from assistance.ledgers import answer_findings
from assistance.models import AmountCause, AmountChange, Determination, Enrollment, LedgerEntry
from assistance.permissions import ensure_confirm_amount_change, ensure_decide_amount_change
from cases.models import Member, User
from cases.selectors import scope, search_households
from core.exceptions import TransitionNotAllowed
from core.months import month_label, month_start, next_month, this_month

Kind = AmountChange.Kind
Status = AmountChange.Status
LEDGER_CATEGORIES: dict[str, str] = {
    Kind.CHANGE: LedgerEntry.Category.AMOUNT_CHANGE,
    Kind.RETURN: LedgerEntry.Category.AMOUNT_CHANGE,
    Kind.GRADUAL_EXIT: LedgerEntry.Category.GRADUAL_EXIT_ENTERING,
}
SETTLE_TASK = "payments.settle_household"


# Reads ------------------------------------------------------------------------------------------------------


def changes(
    user: User,
    *,
    status: str | None = None,
    township_id: int | None = None,
    month: date | None = None,
    query: str = "",
) -> QuerySet[AmountChange]:
    """The changes the user may see, with their household head's name (``head_name``), narrowed by status,
    township, month and a household search (``cases.selectors.search_households``)."""
    head = Member.objects.filter(household=OuterRef("household_id"), relation=Member.Relation.HEAD, active=True)
    queryset = scope(
        AmountChange.objects.select_related(
            "household", "member", "enrollment", "township", "confirmed_by", "decided_by"
        ).annotate(head_name=Subquery(head.values("name")[:1])),
        user,
    )
    if status:
        queryset = queryset.filter(status=status)
    if township_id:
        queryset = queryset.filter(township_id=township_id)
    if month is not None:
        queryset = queryset.filter(month=month)
    if query.strip():
        queryset = queryset.filter(household_id__in=search_households(user, query.strip()).values("pk"))
    return queryset.order_by("-month", "household__number", "pk")


# Writes -----------------------------------------------------------------------------------------------------


def _locked(change_id: int) -> AmountChange:
    return AmountChange.objects.select_for_update().select_related("enrollment").get(pk=change_id)


@transaction.atomic
def confirm_change(*, actor: User, change: AmountChange, confirm: bool, note: str = "") -> AmountChange:
    """The township confirms the change (or records why not). Entering 渐退期 applies at once."""
    change = _locked(change.pk)
    ensure_confirm_amount_change(actor, change)
    if change.status != Status.PROPOSED:
        raise TransitionNotAllowed(f"该待遇调整当前为“{change.get_status_display()}”，不能确认。")
    note = (note or "").strip()
    if not confirm and not note:
        raise ValidationError({"note": "不予调整时请写明理由。"})
    change.confirmed_by = actor
    change.confirmed_at = timezone.now()
    change.confirm_note = note
    if not confirm:
        change.status = Status.DECLINED
    else:
        change.determination = determine_household(
            actor=None, household=change.household, month=change.month, purpose=Determination.Purpose.CHANGE
        )
        change.status = Status.CONFIRMED
        if change.kind == Kind.GRADUAL_EXIT:
            _enter_gradual_exit(actor, change)
    with pghistory.context(user=actor.pk, reason=f"待遇调整：{change.get_status_display()}"):
        change.save()
    _answer_finding(change, f"待遇调整{change.get_status_display()}" + (f"：{note}" if note else "。"))
    return change


def _enter_gradual_exit(actor: User, change: AmountChange) -> None:
    enrollment = Enrollment.objects.select_for_update().get(pk=change.enrollment_id)
    if enrollment.status != Enrollment.Status.ACTIVE:
        raise TransitionNotAllowed("只有在保的低保家庭可以进入渐退期。")
    priced = amounts_in_force([enrollment.pk], change.month)[enrollment.pk]
    enrollment.status = Enrollment.Status.GRADUAL_EXIT
    enrollment.gradual_exit_since = change.month
    with pghistory.context(user=actor.pk, reason="进入渐退期（乡镇确认）"):
        enrollment.save(update_fields=["status", "gradual_exit_since", "updated_at"])
    record_amount(
        enrollment=enrollment,
        from_month=change.month,
        amount=change.current_amount,
        cause=AmountCause.GRADUAL_EXIT,
        priced_month=priced.priced_month,
        proposed_by=actor,
        determination=change.determination,
        change=change,
        note=f"{month_label(change.month)}起进入渐退期，保留原金额",
    )
    change.status = Status.APPROVED
    change.effective_month = change.month


@transaction.atomic
def decide_change(
    *,
    actor: User,
    change: AmountChange,
    approve: bool,
    note: str = "",
    unreported_from: date | None = None,
) -> AmountChange:
    """The county approves (from the month after approval, or from ``unreported_from`` when the household failed to
    report the change, with ``note`` as the reason) or rejects (with a reason) a confirmed change."""
    change = _locked(change.pk)
    ensure_decide_amount_change(actor, change)
    if change.status != Status.CONFIRMED:
        raise TransitionNotAllowed(f"该待遇调整当前为“{change.get_status_display()}”，不能审批。")
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": "不予批准时请写明理由。"})
    effective = next_month(this_month())
    if approve and unreported_from is not None:
        if not note:
            raise ValidationError({"note": "按家庭未报告追溯调整时请写明理由。"})
        earlier = month_start(unreported_from)
        if earlier > effective:
            raise ValidationError({"unreported_from": "追溯起始月份不能晚于批准后的次月。"})
        if earlier < change.enrollment.start_month:
            raise ValidationError({"unreported_from": "追溯起始月份不能早于该救助的起始月份。"})
        effective, change.unreported = earlier, True
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note
    change.status = Status.APPROVED if approve else Status.REJECTED
    if approve:
        change.effective_month = effective
        _apply(actor, change)
    with pghistory.context(user=actor.pk, reason=f"待遇调整：{change.get_status_display()}"):
        change.save()
    if approve:  # months from the effective one may be paid already (a payroll can be paid ahead)
        args = [change.household_id, actor.pk, f"{effective:%Y-%m}"]
        transaction.on_commit(lambda: current_app.send_task(SETTLE_TASK, args=args))
    return change


def _apply(actor: User, change: AmountChange) -> None:
    enrollment = Enrollment.objects.select_for_update().get(pk=change.enrollment_id)
    if not enrollment.is_open:
        raise TransitionNotAllowed("该救助已退出，不能调整金额。")
    effective = change.effective_month
    assert effective is not None
    if change.kind == Kind.RETURN:
        enrollment.status = Enrollment.Status.ACTIVE
        enrollment.gradual_exit_since = None
        with pghistory.context(user=actor.pk, reason="渐退期内重新符合条件，恢复在保"):
            enrollment.save(update_fields=["status", "gradual_exit_since", "updated_at"])
    why = "家庭未按规定报告变化，追溯调整：" + change.decision_note if change.unreported else change.decision_note

    def record(from_month: date, amount: Decimal, cause: str, priced_month: date) -> None:
        record_amount(
            enrollment=enrollment,
            from_month=from_month,
            amount=amount,
            cause=cause,
            priced_month=priced_month,
            proposed_by=change.confirmed_by,
            approved_by=actor,
            determination=change.determination,
            change=change,
            note=why,
        )

    if change.kind == Kind.RETURN:
        record(effective, change.proposed_amount, AmountCause.REVIEW, change.month)
        return
    # The household's change carried through every amount in force from the effective month on: an earlier month
    # (not reported) may lie before a 调标 already applied, which must keep the change too.
    difference = change.proposed_amount - change.current_amount
    rows = history([enrollment.pk]).get(enrollment.pk, [])
    first = in_force_on(rows, effective)
    segments = ([first] if first is not None else []) + [row for row in rows if row.from_month > effective]
    found_on = in_force_on(rows, change.month)  # the amount the change was priced against
    for index, row in enumerate(segments):
        start = effective if index == 0 else row.from_month
        priced = change.month if row is found_on else row.priced_month
        record(start, max(row.amount + difference, Decimal(0)), AmountCause.HOUSEHOLD, priced)


def _answer_finding(change: AmountChange, note: str) -> None:
    """The screening's finding of the same change in that month's ledger is answered by the confirmation."""
    answer_findings(
        township_id=change.township_id,
        month=change.month,
        categories=[LEDGER_CATEGORIES[change.kind]],
        households=[change.household_id],
        member_id=change.member_id,
        note=note,
        by=change.confirmed_by,
    )
