"""The county's monthly 低保 payroll at scale: every one of the 100,000 demo households enrolled on 低保 (set-based,
for the run only), then the regular payroll generated for each of the 39 townships, and separately each one's bank
file. Everything the run created (enrollments, payrolls, lines, their history rows, the bench user) is deleted
afterwards, and the tables it wrote vacuumed, so other benchmarks (and the next run) see the same database.

Figures: ``payroll_generation_100k_s`` (the 39 ``generate_payroll`` calls alone) against its limit measured in the
same run, a plain ``COPY`` of the same lines (same columns, one statement) into an unlogged table without
triggers, indexes or constraints → ``payroll_generation_100k_s_vs_copy_unlogged`` (goal ≤ 5);
``payroll_bank_file_100k_s`` and ``payroll_100k_s`` (both together) are absolute. Fails when the bench database
has fewer than 100,000 households or fewer lines are written than households enrolled.

Runs on a database whose name ends with ``_bench`` (BENCH_ALLOW_ANY_DB=1 to override)."""

from __future__ import annotations

import sys
import time
from datetime import date
from decimal import Decimal

from common import HOUSEHOLDS, bench, copy_into_scratch, guard_database, require, setup_django, versus

setup_django()

import pghistory  # noqa: E402
from django.apps import apps  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from assistance.amounts import first_amount  # noqa: E402
from assistance.models import Enrollment, EnrollmentAmount  # noqa: E402
from cases.models import Household, Township, User  # noqa: E402
from payments import bankfiles, services  # noqa: E402
from payments.models import PaymentLine, Payroll  # noqa: E402

USERNAME = "bench_payroll"
SCRATCH_TABLE = "bench_payroll_copy"


def enroll_all(start: date) -> list[int]:
    """低保 for every household without an open one; returns the new enrollments' ids."""
    taken = set(
        Enrollment.objects.filter(benefit="dibao", status__in=Enrollment.OPEN_STATUSES).values_list(
            "household_id", flat=True
        )
    )
    rows = Household.objects.order_by("pk").values_list("pk", "township_id")
    new = [
        Enrollment(
            benefit="dibao",
            township_id=township_id,
            household_id=pk,
            status=Enrollment.Status.ACTIVE,
            start_month=start,
            monthly_amount=Decimal("496.00"),
        )
        for pk, township_id in rows
        if pk not in taken
    ]
    with transaction.atomic(), pghistory.context(reason="bench"):
        created = Enrollment.objects.bulk_create(new, batch_size=5000)
        EnrollmentAmount.objects.bulk_create((first_amount(e) for e in created), batch_size=5000)
    return [enrollment.pk for enrollment in created]


def history_model(model: type) -> type:
    return apps.get_model(model._meta.app_label, f"{model.__name__}Event")


def clean_up(payroll_ids: list[int], enrollment_ids: list[int], user: User) -> None:
    with transaction.atomic():
        line_ids = list(PaymentLine.objects.filter(payroll_id__in=payroll_ids).values_list("pk", flat=True))
        PaymentLine.objects.filter(pk__in=line_ids).delete()
        history_model(PaymentLine).objects.filter(pgh_obj_id__in=line_ids).delete()
        Payroll.objects.filter(pk__in=payroll_ids).delete()
        history_model(Payroll).objects.filter(pgh_obj_id__in=payroll_ids).delete()
        amount_ids = list(
            EnrollmentAmount.objects.filter(enrollment_id__in=enrollment_ids).values_list("pk", flat=True)
        )
        EnrollmentAmount.objects.filter(pk__in=amount_ids).delete()
        history_model(EnrollmentAmount).objects.filter(pgh_obj_id__in=amount_ids).delete()
        Enrollment.objects.filter(pk__in=enrollment_ids).delete()
        history_model(Enrollment).objects.filter(pgh_obj_id__in=enrollment_ids).delete()
        user.delete()
    # The deleted rows stay in the tables and their indexes until vacuumed, and autovacuum may be off on a bench
    # server: the next run would insert and look up through 100,000s of dead rows (twice as slow after a few runs).
    models = (PaymentLine, Payroll, Enrollment, EnrollmentAmount)
    tables = [model._meta.db_table for model in models]
    tables += [history_model(model)._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM " + ", ".join(connection.ops.quote_name(table) for table in tables))


def copy_limit(payroll_ids: list[int]) -> tuple[float, int]:
    """(seconds, rows) of one plain COPY of the lines just generated — every column ``generate_payroll`` writes —
    into an unlogged table created for it with those columns only (no trigger, index or constraint)."""
    table = PaymentLine._meta.db_table
    fields = [field for field in PaymentLine._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    rows = list(PaymentLine.objects.filter(payroll_id__in=payroll_ids).values_list(*(f.attname for f in fields)))
    create = f"CREATE UNLOGGED TABLE {SCRATCH_TABLE} AS SELECT {columns} FROM {table} WITH NO DATA"  # noqa: S608
    return copy_into_scratch(SCRATCH_TABLE, create, f"({columns})", lambda: rows)


def main() -> None:
    guard_database("bench_payroll enrolls every household")
    require(Household.objects.count(), HOUSEHOLDS, "households in the bench database")
    month = timezone.localdate().replace(day=1)
    if Payroll.objects.filter(month=month, benefit="dibao").exists():
        sys.exit(f"bench_payroll: {month:%Y-%m} already has 低保 payrolls; remove them first.")
    user, _ = User.objects.get_or_create(username=USERNAME, defaults={"role": User.Role.COUNTY_STAFF, "township": None})
    enrollment_ids = enroll_all(date(2020, 1, 1))
    payroll_ids: list[int] = []
    try:
        townships = list(Township.objects.order_by("code"))
        lines = 0
        generation = bank_file = 0.0
        for township in townships:
            mark = time.perf_counter()
            payroll = services.generate_payroll(actor=user, township=township, month=month, benefit="dibao")
            generation += time.perf_counter() - mark
            payroll_ids.append(payroll.pk)
            lines += payroll.line_count
            mark = time.perf_counter()
            bankfiles.bank_xlsx(payroll, bankfiles.bank_rows(payroll))
            bank_file += time.perf_counter() - mark
        written = PaymentLine.objects.filter(payroll_id__in=payroll_ids).count()
        print(f"# payroll: {len(townships)} townships, {lines:,} lines ({written:,} in the table)", flush=True)
        require(min(lines, written), max(len(enrollment_ids), HOUSEHOLDS), "payroll lines written")
        limit, copied = copy_limit(payroll_ids)
        require(copied, written, "payroll lines copied by the COPY limit")
        versus("payroll_generation_100k_s", generation, "s", "copy_unlogged", limit, at_most=5)
        bench("payroll_bank_file_100k_s", bank_file, "s")
        bench("payroll_100k_s", generation + bank_file, "s")
    finally:
        clean_up(payroll_ids, enrollment_ids, user)


if __name__ == "__main__":
    main()
