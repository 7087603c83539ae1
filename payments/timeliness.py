"""Timeliness (policy.md §14): every benefit is paid every month, by payment.deadline_day (10) of the month; paying
two months, a quarter or a year at once is a violation.

``check_timeliness`` records per township and benefit whether month M's regular payroll (batch 1) was paid
(disbursed) by the deadline — on time, late, missing (nothing disbursed and the deadline passed) or not yet due —
and how many beneficiaries had regular lines of two or more months in one disbursement (lump payments: one payroll,
or payrolls of the township and benefit disbursed on the same day). Back pay and re-issues are not lumps. The
month's results are replaced on each check (idempotent); they are kept for oversight.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from assistance.models import Enrollment, TemporaryCase
from cases.models import User
from core.months import month_start, next_month
from core.parameters import parameter
from payments import permissions as perms
from payments import planning
from payments.models import PaymentLine, Payroll, PayrollBenefit, PriceSubsidyMonth, TimelinessResult

Status = TimelinessResult.Status
PAYROLL_BENEFIT = {
    enrolled: benefit
    for benefit, enrolled_benefits in planning.ENROLLED_BENEFITS.items()
    for enrolled in enrolled_benefits
}
DISBURSED = (Payroll.Status.DISBURSED, Payroll.Status.RECONCILED)


def deadline(month: date) -> date:
    return month.replace(day=int(parameter("payment.deadline_day", month)))


def expected_cells(month: date) -> set[tuple[int, str]]:
    """(township, benefit) pairs with someone to pay in the month (three queries)."""
    cells = {
        (township_id, PAYROLL_BENEFIT[benefit])
        for township_id, benefit in Enrollment.objects.in_force(month)
        .filter(benefit__in=list(PAYROLL_BENEFIT))
        .order_by()
        .values_list("township_id", "benefit")
        .distinct()
    }
    cells |= {
        (township_id, PayrollBenefit.TEMPORARY)
        for township_id in TemporaryCase.objects.filter(
            status=TemporaryCase.Status.APPROVED, decided_on__gte=month, decided_on__lt=next_month(month)
        )
        .order_by()
        .values_list("township_id", flat=True)
        .distinct()
    }
    if PriceSubsidyMonth.objects.filter(month=month).exists():
        cells |= {
            (township_id, PayrollBenefit.PRICE_SUBSIDY) for township_id, _ in cells if _ != PayrollBenefit.PRICE_SUBSIDY
        }
    return cells


def lump_counts(month: date) -> dict[tuple[int, str], int]:
    """Per (township, benefit): beneficiaries with a regular line of ``month`` that shares a disbursement (the same
    payroll, or a payroll of the township and benefit disbursed the same day) with a regular line of another
    month of theirs (two queries)."""
    lines = PaymentLine.objects.filter(
        kind=PaymentLine.Kind.REGULAR, month=month, temporary_case__isnull=True, payroll__status__in=DISBURSED
    ).annotate(paid_day=TruncDate("payroll__disbursed_at"))
    others = PaymentLine.objects.filter(
        kind=PaymentLine.Kind.REGULAR, benefit=OuterRef("benefit"), temporary_case__isnull=True
    ).exclude(month=OuterRef("month"))
    same_disbursement = Q(payroll_id=OuterRef("payroll_id")) | Q(
        payroll__township_id=OuterRef("payroll__township_id"),
        payroll__status__in=DISBURSED,
        payroll__disbursed_at__date=OuterRef("paid_day"),
    )
    counts: dict[tuple[int, str], set[tuple[str, int]]] = {}
    households = lines.filter(member__isnull=True).filter(
        Exists(others.filter(same_disbursement, member__isnull=True, household_id=OuterRef("household_id")))
    )
    persons = lines.filter(member__isnull=False).filter(
        Exists(others.filter(same_disbursement, member_id=OuterRef("member_id")))
    )
    for queryset, kind in ((households, "h"), (persons, "m")):
        field = "household_id" if kind == "h" else "member_id"
        for township_id, benefit, who in queryset.values_list("payroll__township_id", "benefit", field):
            counts.setdefault((township_id, benefit), set()).add((kind, who))
    return {cell: len(who) for cell, who in counts.items()}


@transaction.atomic
def check_timeliness(*, actor: User | None, month: date, today: date | None = None) -> list[TimelinessResult]:
    """Replace the month's results (see the module). ``actor``: the user re-running it from the page; None for the
    monthly task."""
    if actor is not None:
        perms.ensure_check_timeliness(actor)
    month = month_start(month)
    today = today or timezone.localdate()
    due = deadline(month)
    expected = expected_cells(month)
    payrolls = {
        (p.township_id, p.benefit): p
        for p in Payroll.objects.filter(month=month, batch=1).annotate(paid_day=TruncDate("disbursed_at"))
    }
    lumps = lump_counts(month)
    results = []
    for township_id, benefit in sorted(expected | set(payrolls) | set(lumps)):
        payroll = payrolls.get((township_id, benefit))
        paid_on = payroll.paid_day if payroll is not None and payroll.status in DISBURSED else None
        if paid_on is not None:
            status = Status.ON_TIME if paid_on <= due else Status.LATE
        else:
            status = Status.MISSING if today > due else Status.NOT_DUE
        results.append(
            TimelinessResult(
                township_id=township_id,
                month=month,
                benefit=benefit,
                expected=(township_id, benefit) in expected,
                deadline=due,
                payroll=payroll,
                paid_on=paid_on,
                status=status,
                lump_count=lumps.get((township_id, benefit), 0),
            )
        )
    TimelinessResult.objects.filter(month=month).delete()
    return TimelinessResult.objects.bulk_create(results)


__all__ = ["check_timeliness", "deadline", "expected_cells", "lump_counts"]
