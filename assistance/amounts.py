"""Dated amounts (EnrollmentAmount): the one answer to "how much is this enrollment paid for month M", and the one
writer of a new amount. The payroll, the rules' view of the 低保 a household is on (``assistance.facts``), back pay
and the household's month-by-month account all read the amount in force here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pghistory
from django.db import connection
from django.db.models import F, OuterRef, Subquery

from assistance.models import AmountCause, AmountChange, Determination, Enrollment, EnrollmentAmount
from cases.models import User
from core.lookups import InIds
from core.models import PolicyParameter
from core.months import month_start


@dataclass(frozen=True, slots=True)
class InForce:
    """An enrollment's amount in force for a month, with where it came from."""

    amount: Decimal
    cause: str
    from_month: date
    priced_month: date
    recorded_at: datetime


def in_force_subquery(month: date, outer: str = "pk") -> Subquery:
    """The amount in force for ``month`` of the enrollment ``outer`` names, for ``annotate`` (None: no amount yet)."""
    return Subquery(
        EnrollmentAmount.objects.filter(enrollment_id=OuterRef(outer), from_month__lte=month)
        .order_by("-from_month", "-id")
        .values("amount")[:1]
    )


def amounts_in_force(enrollment_ids: Iterable[int], month: date) -> dict[int, InForce]:
    """Each enrollment's amount in force for ``month`` (the latest dated amount from on or before it), one query;
    an enrollment without one is left out."""
    rows = (
        EnrollmentAmount.objects.filter(InIds(F("enrollment_id"), list(enrollment_ids)), from_month__lte=month)
        .order_by("enrollment_id", "-from_month", "-id")
        .distinct("enrollment_id")
        .values_list("enrollment_id", "amount", "cause", "from_month", "priced_month", "created_at")
    )
    return {pk: InForce(amount, cause, start, priced, at) for pk, amount, cause, start, priced, at in rows}


def history(enrollment_ids: Iterable[int]) -> dict[int, list[EnrollmentAmount]]:
    """Every dated amount of the enrollments, oldest first."""
    found: dict[int, list[EnrollmentAmount]] = {}
    rows = EnrollmentAmount.objects.filter(InIds(F("enrollment_id"), list(enrollment_ids))).select_related(
        "version", "change", "approved_by", "proposed_by"
    )
    for row in rows.order_by("enrollment_id", "from_month", "id"):
        found.setdefault(row.enrollment_id, []).append(row)
    return found


def in_force_on(rows: list[EnrollmentAmount], month: date) -> EnrollmentAmount | None:
    """The row of ``history`` in force for ``month``."""
    found = None
    for row in rows:
        if row.from_month <= month:
            found = row
    return found


def record_amount(
    *,
    enrollment: Enrollment,
    from_month: date,
    amount: Decimal,
    cause: str,
    priced_month: date,
    proposed_by: User | None = None,
    approved_by: User | None = None,
    version: PolicyParameter | None = None,
    determination: Determination | None = None,
    change: AmountChange | None = None,
    note: str = "",
) -> EnrollmentAmount:
    """Write a dated amount (callers check permissions and run in their transaction) and keep the enrollment's
    latest amount in step. Paid lines are never touched: back pay settles paid months against the new amount."""
    row = EnrollmentAmount(
        enrollment=enrollment,
        from_month=month_start(from_month),
        amount=amount,
        cause=cause,
        priced_month=month_start(priced_month),
        proposed_by=proposed_by,
        approved_by=approved_by,
        version=version,
        determination=determination,
        change=change,
        note=note,
    )
    actor = approved_by or proposed_by
    with pghistory.context(user=actor.pk if actor is not None else None):
        row.save()
        sync_latest([enrollment.pk])
    return row


def first_amount(enrollment: Enrollment, *, determination: Determination | None = None) -> EnrollmentAmount:
    """The 核定 amount of a new enrollment, from its start month (its own ``monthly_amount``)."""
    return EnrollmentAmount(
        enrollment=enrollment,
        from_month=enrollment.start_month,
        priced_month=enrollment.start_month,
        amount=enrollment.monthly_amount,
        cause=AmountCause.INITIAL,
        determination=determination,
    )


def sync_latest(enrollment_ids: Iterable[int]) -> None:
    """Set each enrollment's ``monthly_amount`` (shown in lists) to its latest dated amount, where it differs."""
    ids = list(enrollment_ids)
    if not ids:
        return
    quote = connection.ops.quote_name
    enrollments, amounts = quote(Enrollment._meta.db_table), quote(EnrollmentAmount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {enrollments} AS e SET monthly_amount = latest.amount, updated_at = now() "  # noqa: S608
            f"FROM (SELECT DISTINCT ON (enrollment_id) enrollment_id, amount FROM {amounts} "
            "WHERE enrollment_id = ANY(%s) ORDER BY enrollment_id, from_month DESC, id DESC) AS latest "
            "WHERE e.id = latest.enrollment_id AND e.monthly_amount IS DISTINCT FROM latest.amount",
            [ids],
        )
