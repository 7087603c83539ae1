"""Monthly screening (每月摸排, policy.md §4, §5, §7, §14): determine every household of a township for a month,
compare with what it is on (``assistance.policy.screening`` decides the ledger findings), and write the township's
ledger entries. Never exits anyone: a household or person that no longer qualifies becomes an exit candidate for
a second review. Only COVID-19 relief ends by itself, with the month of discharge the facts give (policy.md §7).

Set-based: facts are read per chunk of households in a handful of queries, the rules run in memory, and the
entries are written with one delete and one COPY. Re-running a month replaces that month's open entries (keeping
when each finding was first raised) and never touches handled entries or an accepted (locked) ledger."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from assistance import selectors
from assistance.enrollments import end_covid_relief
from assistance.facts import benefits_on, household_inputs
from assistance.models import Enrollment, LedgerEntry, MonthlyLedger
from assistance.permissions import ledger_owners
from assistance.policy.params import MissingParameters, Parameters
from assistance.policy.rules import evaluate_household
from assistance.policy.screening import Finding, classify
from cases.models import Household, User
from core.months import month_start, previous_month
from core.performance import without_cycle_collection

CHUNK = 5000
Status = Enrollment.Status


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def screen_township(*, township_id: int, month: date, run_id: int | None = None) -> dict[str, int]:
    """Screen every household of the township for ``month`` and replace the month's open ledger entries."""
    month = month_start(month)
    ledger, _ = MonthlyLedger.objects.get_or_create(township_id=township_id, month=month)
    if ledger.locked:
        raise ValidationError(f"{month:%Y年%m月} 的摸排台账已验收锁定，不能重新摸排。")
    params = Parameters(month, selectors.month_lookup(month))
    areas = dict(Household.objects.filter(township_id=township_id).order_by("pk").values_list("pk", "area_type"))
    findings: list[Finding] = []
    discharged: dict[int, date] = {}
    screened = 0
    with without_cycle_collection():
        for chunk in _chunks(list(areas)):
            on = benefits_on(chunk, month)
            for household_id, household in household_inputs(chunk, month, on.dibao, areas=areas).items():
                if not household.members:
                    continue
                try:
                    evaluation = evaluate_household(household, month, params.fresh())
                except MissingParameters as error:
                    raise ValidationError(f"{month:%Y年%m月} 缺少生效的政策参数：{'、'.join(error.keys)}") from None
                member_ids = [int(member.ref) for member in household.members]
                for member in household.members:
                    if member.covid is not None and member.covid.discharged is not None:
                        discharged[int(member.ref)] = member.covid.discharged
                findings += classify(household_id, evaluation, on.dibao.get(household_id), on.personal, member_ids)
                screened += 1
        end_covid_relief(actor=None, discharged=discharged)
        written = _replace_open_entries(township_id=township_id, month=month, findings=findings, run_id=run_id)
    counts = Counter(f.category for f in findings)
    return {"households": screened, "entries": written, **counts}


def _default_owner(township_id: int) -> int | None:
    return (
        User.objects.filter(ledger_owners(), township_id=township_id)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


# The entries are written with COPY: a township's thousands of rows in one stream, without a model instance, a
# placeholder and a JSON field adaptation per value.
_COPY_FIELDS = (
    "township",
    "month",
    "category",
    "household",
    "member",
    "current_amount",
    "new_amount",
    "details",
    "status",
    "handled_note",
    "owner",
    "run",
    "opened_at",
)


def _first_opened(township_id: int, month: date) -> dict[tuple[str, int, int | None], datetime]:
    """When each finding still open in this month's or the previous month's ledger was first raised: a re-run and
    the next month's run keep it (policy.md §13: an entry open longer than ``comparison.open_flag_max_days``)."""
    rows = (
        LedgerEntry.objects.filter(
            township_id=township_id, month__in=(previous_month(month), month), status=LedgerEntry.Status.OPEN
        )
        .values_list("category", "household_id", "member_id")
        .annotate(first=Min("opened_at"))
        .order_by()
    )
    return {(category, household, member): first for category, household, member, first in rows}


@transaction.atomic
def _replace_open_entries(*, township_id: int, month: date, findings: list[Finding], run_id: int | None) -> int:
    ledger = MonthlyLedger.objects.select_for_update().get(township_id=township_id, month=month)
    if ledger.locked:
        raise ValidationError(f"{month:%Y年%m月} 的摸排台账已验收锁定。")
    entries = LedgerEntry.objects.filter(township_id=township_id, month=month)
    opened = _first_opened(township_id, month)
    entries.filter(status=LedgerEntry.Status.OPEN).delete()
    handled = set(entries.values_list("category", "household_id", "member_id"))
    owner = _default_owner(township_id)
    open_status = str(LedgerEntry.Status.OPEN)
    now = timezone.now()
    rows = [
        (
            township_id,
            month,
            str(f.category),
            f.household_id,
            f.member_id,
            f.current_amount,
            f.new_amount,
            json.dumps({"reasons": list(f.reasons)}),
            open_status,
            "",
            owner,
            run_id,
            opened.get(f.key, now),
        )
        for f in findings
        if (f.category, f.household_id, f.member_id) not in handled
    ]
    meta, quote = LedgerEntry._meta, connection.ops.quote_name
    columns = ", ".join(quote(str(getattr(meta.get_field(name), "column", name))) for name in _COPY_FIELDS)
    with connection.cursor() as cursor, cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    ledger.screened_at = timezone.now()
    ledger.save(update_fields=["screened_at"])
    return len(rows)
