"""The township's monthly ledgers (摸排台账, 单人户台账, 渐退期台账; policy.md §14): entries handled by their owner,
the month submitted by the township, accepted (and so locked) or returned by the county."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from assistance.models import AmountChange, LedgerEntry, MonthlyLedger
from assistance.permissions import ensure_handle_ledger_entry, ensure_review_ledger, ensure_submit_ledger
from cases.models import User
from cases.selectors import scope
from core.exceptions import TransitionNotAllowed
from core.months import month_start

C = LedgerEntry.Category
SINGLE_PERSON_LEDGER = (C.SINGLE_PERSON_CANDIDATE, C.SINGLE_PERSON)
GRADUAL_EXIT_LEDGER = (C.GRADUAL_EXIT_ENTERING, C.GRADUAL_EXIT, C.GRADUAL_EXIT_EXPIRING)
# Findings answered through a 待遇调整 (assistance.changes) while one is open, not with a note.
REVIEWED_CATEGORIES = (C.AMOUNT_CHANGE, C.GRADUAL_EXIT_ENTERING)
LEDGERS = {
    "screening": ("摸排台账", tuple(C.values)),
    "single_person": ("单人户台账", SINGLE_PERSON_LEDGER),
    "gradual_exit": ("渐退期台账", GRADUAL_EXIT_LEDGER),
}


# Reads ------------------------------------------------------------------------------------------------------


def ledgers(user: User, month: date | None = None) -> QuerySet[MonthlyLedger]:
    queryset = scope(MonthlyLedger.objects.select_related("township", "submitted_by", "reviewed_by"), user)
    if month:
        queryset = queryset.filter(month=month_start(month))
    return queryset.order_by("-month", "township__code")


def entries(user: User, township_id: int, month: date, ledger: str = "screening") -> QuerySet[LedgerEntry]:
    categories = LEDGERS[ledger][1]
    return scope(
        LedgerEntry.objects.filter(township_id=township_id, month=month_start(month), category__in=categories)
        .select_related("household", "member", "owner", "handled_by")
        .order_by("category", "household__number", "member_id"),
        user,
    )


def category_counts(township_id: int, month: date) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    rows = (
        LedgerEntry.objects.filter(township_id=township_id, month=month_start(month))
        .values_list("category", "status")
        .annotate(n=Count("pk"))
    )
    for category, status, n in rows:
        counts.setdefault(category, {"open": 0, "handled": 0})[status] = n
    return counts


# Writes -----------------------------------------------------------------------------------------------------


@transaction.atomic
def handle_entry(*, actor: User, entry: LedgerEntry, note: str) -> LedgerEntry:
    """The owner (or anyone of the township) records what was done about an entry."""
    entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    ensure_handle_ledger_entry(actor, entry)
    if _ledger(entry.township_id, entry.month).locked:
        raise TransitionNotAllowed("该月台账已验收锁定，不能修改。")
    if entry.status == LedgerEntry.Status.HANDLED:
        raise TransitionNotAllowed("该条目已处理。")
    if entry.category in REVIEWED_CATEGORIES and _open_change(entry):
        raise TransitionNotAllowed("该变化已列入待遇调整，请在“待遇调整”中确认或写明不予调整的理由。")
    if not note.strip():
        raise ValidationError({"note": "请填写处理情况。"})
    entry.status = LedgerEntry.Status.HANDLED
    entry.handled_note = note.strip()
    entry.handled_by = actor
    entry.handled_at = timezone.now()
    entry.save(update_fields=["status", "handled_note", "handled_by", "handled_at"])
    return entry


def _open_change(entry: LedgerEntry) -> bool:
    changes = AmountChange.objects.filter(household_id=entry.household_id, status__in=AmountChange.OPEN_STATUSES)
    return (
        changes.filter(member__isnull=True).exists()
        if entry.member_id is None
        else changes.filter(member_id=entry.member_id).exists()
    )


def answer_findings(
    *,
    township_id: int,
    month: date,
    categories: Iterable[str],
    households: Iterable[int],
    note: str,
    member_id: int | None = None,
    by: User | None = None,
) -> int:
    """Mark the month's open findings of ``households`` (the household's own, or ``member_id``'s) as handled by a
    decision taken elsewhere — a confirmed 待遇调整, a 调标 — with its note. A locked month is left as it was."""
    if MonthlyLedger.objects.filter(
        township_id=township_id, month=month, status=MonthlyLedger.Status.ACCEPTED
    ).exists():
        return 0
    return (
        LedgerEntry.objects.filter(
            township_id=township_id,
            month=month,
            category__in=list(categories),
            household_id__in=list(households),
            status=LedgerEntry.Status.OPEN,
        )
        .filter(Q(member_id=member_id) if member_id else Q(member__isnull=True))
        .update(status=LedgerEntry.Status.HANDLED, handled_note=note, handled_by=by, handled_at=timezone.now())
    )


def _ledger(township_id: int, month: date) -> MonthlyLedger:
    ledger, _ = MonthlyLedger.objects.get_or_create(township_id=township_id, month=month_start(month))
    return ledger


@transaction.atomic
def submit_ledger(*, actor: User, township_id: int, month: date) -> MonthlyLedger:
    """The township reports the month's ledger to the county (draft or returned → submitted)."""
    ensure_submit_ledger(actor, township_id)
    ledger = MonthlyLedger.objects.select_for_update().get(pk=_ledger(township_id, month).pk)
    if ledger.status not in (MonthlyLedger.Status.DRAFT, MonthlyLedger.Status.RETURNED):
        raise TransitionNotAllowed(f"台账当前为“{ledger.get_status_display()}”，不能上报。")
    if ledger.screened_at is None:
        raise ValidationError("该月尚未完成摸排，不能上报。")
    ledger.status = MonthlyLedger.Status.SUBMITTED
    ledger.submitted_by = actor
    ledger.submitted_at = timezone.now()
    ledger.save()
    return ledger


@transaction.atomic
def review_ledger(*, actor: User, ledger: MonthlyLedger, accept: bool, note: str = "") -> MonthlyLedger:
    """The county accepts (locks) or returns a submitted ledger."""
    ensure_review_ledger(actor, ledger)
    ledger = MonthlyLedger.objects.select_for_update().get(pk=ledger.pk)
    if ledger.status != MonthlyLedger.Status.SUBMITTED:
        raise TransitionNotAllowed(f"台账当前为“{ledger.get_status_display()}”，不能验收或退回。")
    if not accept and not note.strip():
        raise ValidationError({"note": "退回时请写明原因。"})
    ledger.status = MonthlyLedger.Status.ACCEPTED if accept else MonthlyLedger.Status.RETURNED
    ledger.reviewed_by = actor
    ledger.reviewed_at = timezone.now()
    ledger.review_note = note.strip()
    ledger.save()
    return ledger
