"""Reads of payrolls, scoped with ``cases.selectors.scope``: the county sees every township, a township its own."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from assistance.models import RecomputeMark
from cases.models import Member, Township, User
from cases.selectors import get_scoped_or_404, scope, visible_townships
from payments.models import (
    BackPayRun,
    Overpayment,
    PaymentLine,
    Payroll,
    PayrollBenefit,
    PriceSubsidyMonth,
    TimelinessResult,
)

# The columns of the month overview, in the order of the bank's business.
OVERVIEW_BENEFITS = (
    PayrollBenefit.DIBAO,
    PayrollBenefit.SINGLE_PERSON,
    PayrollBenefit.TEKUN,
    PayrollBenefit.TEMPORARY,
    PayrollBenefit.DISABILITY_LIVING,
    PayrollBenefit.DISABILITY_CARE,
    PayrollBenefit.ORPHAN,
    PayrollBenefit.PRICE_SUBSIDY,
)
_ACCOUNT_LIKE = re.compile(r"^\d{8,30}$")
_ID_LIKE = re.compile(r"^(\d{17}[\dXx]|\d{15})$")


def payrolls(user: User) -> QuerySet[Payroll]:
    return scope(
        Payroll.objects.select_related("township", "created_by", "submitted_by", "approved_by", "disbursed_by"), user
    )


def get_payroll(user: User, pk: int) -> Payroll:
    """The payroll, or 404 when it does not exist or belongs to another township."""
    return get_scoped_or_404(payrolls(user), user, pk=pk)


def get_township(user: User, pk: int | None) -> Township:
    """A township the user sees, or 404."""
    return get_scoped_or_404(Township.objects.all(), user, "pk", pk=pk or 0)


def payroll_members(payroll: Payroll) -> QuerySet[Member]:
    """The members paid on the payroll's lines (for the sensitive-access log of an export)."""
    return Member.objects.filter(pk__in=payroll.lines.exclude(member=None).values("member_id"))


def month_payrolls(payroll: Payroll) -> QuerySet[Payroll]:
    """All batches of the payroll's township, month and benefit."""
    return Payroll.objects.filter(
        township_id=payroll.township_id, month=payroll.month, benefit=payroll.benefit
    ).order_by("batch")


# The month overview ---------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One township's payrolls of one benefit in the month: batch 1 and any later batches."""

    payrolls: list[Payroll] = field(default_factory=list)

    @property
    def regular(self) -> Payroll | None:
        return next((p for p in self.payrolls if p.batch == 1), None)

    @property
    def later(self) -> list[Payroll]:
        return [p for p in self.payrolls if p.batch > 1]

    @property
    def amount(self) -> Decimal:
        return sum((p.total_amount for p in self.payrolls), Decimal("0.00"))

    @property
    def count(self) -> int:
        return sum(p.line_count for p in self.payrolls)


class _Summed:
    """``amount`` and ``count`` summed over ``parts()``, which have both."""

    def parts(self) -> list[Any]:
        raise NotImplementedError

    @property
    def amount(self) -> Decimal:
        return sum((part.amount for part in self.parts()), Decimal("0.00"))

    @property
    def count(self) -> int:
        return sum(part.count for part in self.parts())


@dataclass
class OverviewRow(_Summed):
    township: Township
    cells: list[Cell]

    def parts(self) -> list[Any]:
        return self.cells


@dataclass
class Overview(_Summed):
    month: date
    benefits: list[tuple[str, str]]
    rows: list[OverviewRow]

    def parts(self) -> list[Any]:
        return self.rows

    @property
    def totals(self) -> list[tuple[int, Decimal]]:
        return [
            (sum(row.cells[i].count for row in self.rows), sum((row.cells[i].amount for row in self.rows), Decimal(0)))
            for i in range(len(self.benefits))
        ]


def month_overview(user: User, month: date) -> Overview:
    """Per visible township, the month's payrolls by benefit with their totals (two queries)."""
    townships = list(visible_townships(user).order_by("code"))
    found: dict[tuple[int, str], Cell] = {}
    for payroll in scope(Payroll.objects.filter(month=month), user).order_by("batch"):
        found.setdefault((payroll.township_id, payroll.benefit), Cell()).payrolls.append(payroll)
    rows = [
        OverviewRow(township, [found.get((township.pk, benefit), Cell()) for benefit in OVERVIEW_BENEFITS])
        for township in townships
    ]
    return Overview(month, [(b.value, str(b.label)) for b in OVERVIEW_BENEFITS], rows)


# Lines ----------------------------------------------------------------------------------------------------


def lines(user: User, payroll: Payroll, query: str = "", status: str = "", kind: str = "") -> QuerySet[PaymentLine]:
    """The payroll's lines, searchable by name (prefix, beneficiary or payee), ID number (exact, beneficiary or
    payee), account (exact, or its last four digits) or household number (prefix)."""
    found = scope(
        PaymentLine.objects.filter(payroll=payroll).select_related("household", "reissue_of__payroll", "reissued_by"),
        user,
        "payroll__township",
    )
    query = re.sub(r"\s+", "", query or "")
    if query:
        if _ID_LIKE.match(query):
            number = query.upper()
            found = found.filter(Q(id_number=number) | Q(payee_id_number=number))
        elif _ACCOUNT_LIKE.match(query):
            found = found.filter(Q(bank_account=query) | Q(household__number__startswith=query))
        elif query.isascii() and query.isdigit():
            by_number = Q(bank_account__endswith=query) | Q(household__number__startswith=query)
            found = found.filter(by_number | Q(pk=int(query)) if len(query) <= 18 else by_number)
        else:
            found = found.filter(Q(name__startswith=query) | Q(payee_name__startswith=query))
    if status in PaymentLine.Status.values:
        found = found.filter(status=status)
    elif status == "problem":
        found = found.exclude(problem="")
    if kind in PaymentLine.Kind.values:
        found = found.filter(kind=kind)
    return found.order_by("id")


def line_summary(payroll: Payroll) -> list[dict[str, object]]:
    """Counts and sums by kind and result (one query)."""
    rows = (
        payroll.lines.order_by()
        .values("kind", "status")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("kind", "status")
    )
    return [
        {
            "kind": PaymentLine.Kind(row["kind"]).label,
            "status": PaymentLine.Status(row["status"]).label,
            "count": row["count"],
            "amount": row["amount"],
        }
        for row in rows
    ]


def reissuable_count(payroll: Payroll) -> int:
    """Failed lines of the payroll's township, month and benefit not yet re-issued."""
    return PaymentLine.objects.filter(
        payroll__township_id=payroll.township_id,
        month=payroll.month,
        benefit=payroll.benefit,
        status=PaymentLine.Status.FAILED,
        reissued_by__isnull=True,
    ).count()


# Price subsidy, back pay, overpayments, timeliness -------------------------------------------------------------


def price_subsidy_month(month: date) -> PriceSubsidyMonth | None:
    return PriceSubsidyMonth.objects.filter(month=month).first()


def price_subsidy_months() -> QuerySet[PriceSubsidyMonth]:
    """County decisions, read by everyone: the newest month first."""
    return PriceSubsidyMonth.objects.select_related("decided_by").order_by("-month")


def back_pay_runs(user: User) -> QuerySet[BackPayRun]:
    """County-wide runs (no township) for everyone; a township's runs within the user's scope."""
    runs = BackPayRun.objects.select_related("township", "started_by")
    return runs.filter(township__isnull=True) | scope(runs, user)


def back_pay_lines(user: User) -> QuerySet[PaymentLine]:
    return scope(PaymentLine.objects.filter(kind=PaymentLine.Kind.BACK_PAY), user, "payroll__township")


def overpayments(user: User) -> QuerySet[Overpayment]:
    return scope(Overpayment.objects.select_related("township", "run", "resolved_by"), user)


def status_counts(rows: QuerySet[Any]) -> dict[str, int]:
    """How many of the rows are in each status."""
    return dict(rows.order_by().values_list("status").annotate(n=Count("pk")))


def totals_by(rows: QuerySet[Any], field: str) -> dict[int, dict[str, Any]]:
    """Count and sum of ``amount`` of the rows per value of ``field`` (a run's id)."""
    grouped = rows.order_by().values(field).annotate(count=Count("pk"), amount=Sum("amount"))
    return {row[field]: row for row in grouped}


def get_overpayment(user: User, pk: int) -> Overpayment:
    return get_scoped_or_404(Overpayment.objects.all(), user, pk=pk)


def pending_recompute_count() -> int:
    return RecomputeMark.objects.filter(status=RecomputeMark.Status.PENDING).count()


def timeliness_results(user: User, month: date, townships: QuerySet[Township]) -> QuerySet[TimelinessResult]:
    return scope(TimelinessResult.objects.filter(month=month, township__in=townships), user)
