"""The county's monthly 低保 payroll at scale: every one of the 100,000 demo households enrolled on 低保 (set-based,
for the run only), then the regular payroll generated for each of the 39 townships plus its Excel export and bank
file → ``BENCH payroll_100k_s``. Everything the run created (enrollments, payrolls, lines, their history rows, the
bench user) is deleted afterwards, so other benchmarks see the same database.

Runs on a database whose name ends with ``_bench`` (BENCH_ALLOW_ANY_DB=1 to override)."""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from decimal import Decimal

from common import bench, setup_django

setup_django()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from assistance.models import Enrollment  # noqa: E402
from cases.models import Household, Township, User  # noqa: E402
from payments import bankfiles, services  # noqa: E402
from payments.models import PaymentLine, Payroll  # noqa: E402

USERNAME = "bench_payroll"


def guard_database() -> None:
    name = connection.settings_dict["NAME"]
    if not name.endswith("_bench") and os.environ.get("BENCH_ALLOW_ANY_DB") != "1":
        sys.exit(f"bench_payroll enrolls every household: run it on a *_bench database (this is {name!r}).")


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
    with transaction.atomic():
        created = Enrollment.objects.bulk_create(new, batch_size=5000)
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
        Enrollment.objects.filter(pk__in=enrollment_ids).delete()
        history_model(Enrollment).objects.filter(pgh_obj_id__in=enrollment_ids).delete()
        user.delete()


def main() -> None:
    guard_database()
    call_command("migrate", verbosity=0)
    month = timezone.localdate().replace(day=1)
    if Payroll.objects.filter(month=month, benefit="dibao").exists():
        sys.exit(f"bench_payroll: {month:%Y-%m} already has 低保 payrolls; remove them first.")
    user, _ = User.objects.get_or_create(username=USERNAME, defaults={"role": User.Role.COUNTY_STAFF, "township": None})
    enrollment_ids = enroll_all(date(2020, 1, 1))
    payroll_ids: list[int] = []
    try:
        townships = list(Township.objects.order_by("code"))
        started = time.perf_counter()
        lines = 0
        phases = {"generate": 0.0, "export": 0.0}
        for township in townships:
            mark = time.perf_counter()
            payroll = services.generate_payroll(actor=user, township=township, month=month, benefit="dibao")
            phases["generate"] += time.perf_counter() - mark
            payroll_ids.append(payroll.pk)
            lines += payroll.line_count
            mark = time.perf_counter()
            bankfiles.bank_xlsx(payroll, bankfiles.bank_rows(payroll))
            phases["export"] += time.perf_counter() - mark
        elapsed = time.perf_counter() - started
        shown = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items())
        print(f"payroll: {len(townships)} townships, {lines} lines ({shown})", file=sys.stderr)
        bench("payroll_100k_s", elapsed, "s")
    finally:
        clean_up(payroll_ids, enrollment_ids, user)


if __name__ == "__main__":
    main()
