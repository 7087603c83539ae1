"""The county's monthly re-pricing (``assistance.repricing``) with real Celery workers (2 processes on this 2-core
machine), at 100,000 households on 低保: wall time from ``start_repricing`` to the county run finished.

Set-up, for the run only: every demo household enrolled on 低保 from 2020-01, its first dated amount priced in
2020-08 (``priced_month`` 2020-08-01) at what the rules grant it in August, so that most households need no change
of their own. The county re-pricing of 2020-09 prices all 100,000 enrollments again and meets the rise of the rural
and urban standards on 2020-09-01: every household the rules still grant gets a 调标 (a dated amount, cause
"standard") by itself. Only about a fifth of the demo households pass the 低保 means test (18,481 in August with
seed 2020); the others are enrolled at a stand-in amount and priced all the same: the rules find them no longer
eligible (exits, left to the screening) or entering 渐退期 (proposed changes). A second run of the same month must
write nothing (idempotent).

The limit, measured in the same run: the pure rules (``assistance.policy``) evaluated on the same 100,000
households' September facts, already in memory (built by ``assistance.facts.household_inputs`` as the re-pricing
builds them, with each household's 低保 in force), on one core, divided by the number of worker processes.
``repricing_100k_s_vs_rules_per_core`` = re-pricing seconds / that limit (goal ≤ 6). ``repricing_standard_rows``:
the 调标 the first run wrote (at least ``MIN_STANDARD_SHARE`` of the households the August rules grant, and those
at least ``MIN_GRANTED_SHARE`` of the households); ``repricing_second_run_rows``: the dated amounts and changes
the second run wrote (anything but 0 fails the benchmark).

Everything the run created (enrollments, dated amounts, proposed changes, job runs, the month's ledgers, their
history rows) is deleted afterwards and the tables vacuumed, so the database is left as it was found. Runs on a
database whose name ends with ``_bench`` (BENCH_ALLOW_ANY_DB=1 to override)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from common import HOUSEHOLDS, bench, guard_database, require, setup_django, versus

QUEUE = f"bench-{os.getpid()}"
os.environ["CELERY_QUEUE"] = QUEUE
setup_django()

from django.apps import apps  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from assistance import selectors  # noqa: E402
from assistance.amounts import first_amount  # noqa: E402
from assistance.facts import benefits_on, household_inputs  # noqa: E402
from assistance.jobs import start_repricing  # noqa: E402
from assistance.models import (  # noqa: E402
    AmountChange,
    Enrollment,
    EnrollmentAmount,
    JobRun,
    LedgerEntry,
    MonthlyLedger,
)
from assistance.policy import model as policy  # noqa: E402
from assistance.policy.params import Parameters  # noqa: E402
from assistance.policy.rules import evaluate_household  # noqa: E402
from assistance.screening import CHUNK  # noqa: E402
from cases.models import Household  # noqa: E402
from core.performance import without_cycle_collection  # noqa: E402

START = date(2020, 1, 1)  # the enrollments' start month
PRICED = date(2020, 8, 1)  # the month whose parameters priced the first amounts
MONTH = date(2020, 9, 1)  # the re-pricing's month: the 低保 standards rise on 2020-09-01 in the default parameters
FALLBACK = Decimal("496.00")  # the first amount of a household the August rules do not grant 低保
WORKERS = 2
STALL_S = 300  # no township finished for this long: the queued tasks were lost
# Measured with seed 2020: 18,481 households (18.5 %) granted in August, 16,385 of them (88.7 %) get a 调标.
MIN_GRANTED_SHARE = 0.15  # of the households, at least this share must pass the August means test
MIN_STANDARD_SHARE = 0.85  # of the households granted in August, at least this share must get a 调标
SETUP_BATCH = 1000  # households enrolled per transaction in the set-up
ROOT = Path(__file__).resolve().parent.parent.parent


def history_model(model: type) -> type:
    return apps.get_model(model._meta.app_label, f"{model.__name__}Event")


def household_ids() -> list[int]:
    return list(Household.objects.order_by("township_id", "pk").values_list("pk", flat=True))


def august_amounts(ids: list[int]) -> dict[int, Decimal]:
    """What the rules grant each household on 低保 in August under August's parameters (households the rules do not
    grant 低保 are left out)."""
    params = Parameters(PRICED, selectors.month_lookup(PRICED))
    on_dibao = policy.CurrentDibao("active", Decimal("0.00"), None)
    granted: dict[int, Decimal] = {}
    with without_cycle_collection():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            for pk, household in household_inputs(chunk, PRICED, dict.fromkeys(chunk, on_dibao)).items():
                if not household.members:
                    continue
                for outcome in evaluate_household(household, PRICED, params.fresh()).outcomes:
                    if outcome.benefit == "dibao" and outcome.decision == "grant":
                        granted[pk] = outcome.monthly_amount
    return granted


def enroll_all(ids: list[int], amounts: dict[int, Decimal], enrollment_ids: list[int]) -> None:
    """低保 for every household from START, its first dated amount priced in PRICED; the enrollments' ids are added
    to ``enrollment_ids`` as each batch commits (for the clean-up, should the set-up stop half-way).

    One transaction per batch: each row's history trigger opens and rolls back subtransactions, and PostgreSQL
    scans every after-trigger event queued in the transaction (the deferred foreign-key checks) on each of those
    rollbacks, so one transaction for all 200,000 rows would take quadratic time (minutes)."""
    townships = dict(Household.objects.values_list("pk", "township_id"))
    for start in range(0, len(ids), SETUP_BATCH):
        new = [
            Enrollment(
                benefit="dibao",
                township_id=townships[pk],
                household_id=pk,
                status=Enrollment.Status.ACTIVE,
                start_month=START,
                monthly_amount=amounts.get(pk, FALLBACK),
            )
            for pk in ids[start : start + SETUP_BATCH]
        ]
        with transaction.atomic():
            created = Enrollment.objects.bulk_create(new)
            first = []
            for enrollment in created:
                row = first_amount(enrollment)
                row.priced_month = PRICED
                first.append(row)
            EnrollmentAmount.objects.bulk_create(first)
        enrollment_ids += [enrollment.pk for enrollment in created]
        if start % (20 * SETUP_BATCH) == 0:  # see ``analyze``
            analyze()


def analyze() -> None:
    """Statistics for the tables being filled, as autovacuum would keep them: the deferred foreign-key checks
    plan their look-up once per session, and a plan made while the table was empty scans it whole for every row."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Enrollment._meta.db_table}, {EnrollmentAmount._meta.db_table}")


def pure_rules(ids: list[int]) -> tuple[float, float, int]:
    """(seconds on one core, seconds with the priced month's parameters as well, households evaluated): the rules
    alone on every household's September facts, read into memory first as the re-pricing reads them (its 低保 in
    force, households without a member alive skipped). The second figure is for information: the re-pricing
    evaluates a household again under the parameters that priced its amount when those differ."""
    areas = dict(Household.objects.values_list("pk", "area_type"))
    inputs: list[policy.Household] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        on = benefits_on(chunk, MONTH)
        inputs += [h for h in household_inputs(chunk, MONTH, on.dibao, areas=areas).values() if h.members]
    params = Parameters(MONTH, selectors.month_lookup(MONTH))
    priced = Parameters(PRICED, selectors.month_lookup(PRICED))
    for household in inputs[:100]:  # resolve every parameter once, as the first households of a township do
        evaluate_household(household, MONTH, params.fresh())
        evaluate_household(household, MONTH, priced.fresh())
    evaluated = 0
    with without_cycle_collection():  # as the re-pricing runs the rules
        started = time.perf_counter()
        for household in inputs:
            evaluated += bool(evaluate_household(household, MONTH, params.fresh()).outcomes)
        rules_s = time.perf_counter() - started
        for household in inputs:
            evaluate_household(household, MONTH, priced.fresh())
        both_s = time.perf_counter() - started
    return rules_s, both_s, evaluated


def written(enrollment_ids: list[int]) -> tuple[int, int]:
    """(dated amounts of the month, proposed changes) of the benchmark's enrollments."""
    amounts = EnrollmentAmount.objects.filter(enrollment_id__in=enrollment_ids, from_month=MONTH).count()
    changes = AmountChange.objects.filter(enrollment_id__in=enrollment_ids).count()
    return amounts, changes


def reprice_county(run_ids: list[int]) -> tuple[float, dict[str, int]]:
    """(seconds, counts) of one county re-pricing of MONTH on the workers; the county run's id is added to
    ``run_ids`` before it is queued to the workers (for the clean-up)."""
    started = time.perf_counter()
    with transaction.atomic():  # the tasks are queued on commit: record the run first
        parent = start_repricing(actor=None, month=MONTH)
        run_ids.append(parent.pk)
    progress, moved = -1, started
    while True:
        parent.refresh_from_db()
        if parent.status in (JobRun.Status.DONE, JobRun.Status.FAILED):
            break
        if parent.counts.get("townships_done", 0) != progress:
            progress, moved = parent.counts.get("townships_done", 0), time.perf_counter()
        elif time.perf_counter() - moved > STALL_S:
            sys.exit(f"BENCH FAILED: re-pricing stalled at {progress} townships for {STALL_S} s (queued tasks lost?)")
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if parent.status != JobRun.Status.DONE:
        failed = JobRun.objects.filter(parent_id=parent.pk, status=JobRun.Status.FAILED).values_list("error", flat=True)
        sys.exit(f"BENCH FAILED: re-pricing failed: {parent.error} {(list(failed)[:1] or [''])[0][:500]}")
    print(f"# re-pricing {MONTH:%Y-%m}: {elapsed:.2f} s, {parent.counts}", flush=True)
    return elapsed, parent.counts


def clean_up(enrollment_ids: list[int], run_ids: list[int], ledgers_before: set[int]) -> None:
    with transaction.atomic():
        amount_ids = list(
            EnrollmentAmount.objects.filter(enrollment_id__in=enrollment_ids).values_list("pk", flat=True)
        )
        EnrollmentAmount.objects.filter(pk__in=amount_ids).delete()
        history_model(EnrollmentAmount).objects.filter(pgh_obj_id__in=amount_ids).delete()
        change_ids = list(AmountChange.objects.filter(enrollment_id__in=enrollment_ids).values_list("pk", flat=True))
        AmountChange.objects.filter(pk__in=change_ids).delete()
        history_model(AmountChange).objects.filter(pgh_obj_id__in=change_ids).delete()
        Enrollment.objects.filter(pk__in=enrollment_ids).delete()
        history_model(Enrollment).objects.filter(pgh_obj_id__in=enrollment_ids).delete()
        JobRun.objects.filter(parent_id__in=run_ids).delete()
        JobRun.objects.filter(pk__in=run_ids).delete()
        MonthlyLedger.objects.filter(month=MONTH).exclude(pk__in=ledgers_before).delete()
    # The deleted rows stay in the tables and their indexes until vacuumed, and autovacuum may be off on a bench
    # server: the next run would look up through 100,000s of dead rows.
    models = (Enrollment, EnrollmentAmount, AmountChange)
    tables = [model._meta.db_table for model in (*models, JobRun, MonthlyLedger)]
    tables += [history_model(model)._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM " + ", ".join(connection.ops.quote_name(table) for table in tables))


def main() -> None:
    guard_database("bench_repricing enrolls every household")
    have = Household.objects.count()
    if have != HOUSEHOLDS:
        sys.exit(f"BENCH FAILED: {have:,} households in the bench database, bench_seed's {HOUSEHOLDS:,} expected.")
    if Enrollment.objects.filter(benefit="dibao", status__in=Enrollment.OPEN_STATUSES).exists():
        sys.exit("bench_repricing: the bench database already has open 低保 enrollments; remove them first.")
    if (
        JobRun.objects.filter(kind=JobRun.Kind.REPRICING, month=MONTH).exists()
        or LedgerEntry.objects.filter(month=MONTH).exists()
    ):
        sys.exit(f"bench_repricing: {MONTH:%Y-%m} already has re-pricing runs or ledger entries; remove them first.")
    ledgers_before = set(MonthlyLedger.objects.filter(month=MONTH).values_list("pk", flat=True))
    ids = household_ids()
    mark = time.perf_counter()
    amounts = august_amounts(ids)
    enrollment_ids: list[int] = []
    run_ids: list[int] = []
    worker = None
    try:
        enroll_all(ids, amounts, enrollment_ids)
        print(
            f"# set-up: {len(enrollment_ids):,} households enrolled on 低保 from {START:%Y-%m}, {len(amounts):,} at "
            f"the amount the rules grant in {PRICED:%Y-%m}, in {time.perf_counter() - mark:.0f} s",
            flush=True,
        )
        require(len(enrollment_ids), HOUSEHOLDS, "households enrolled on 低保")
        require(len(amounts), int(HOUSEHOLDS * MIN_GRANTED_SHARE), f"households the rules grant 低保 in {PRICED:%Y-%m}")
        analyze()
        rules_s, both_s, evaluated = pure_rules(ids)
        print(
            f"# pure rules: {evaluated:,} households in {rules_s:.2f} s on one core "
            f"({both_s:.2f} s with the priced month's parameters as well)",
            flush=True,
        )
        command = ["-m", "celery", "-A", "config", "worker", "-Q", QUEUE, "-c", str(WORKERS), "-l", "warning"]
        worker = subprocess.Popen([sys.executable, *command], cwd=ROOT, env=dict(os.environ))
        time.sleep(6)  # let the worker connect
        seconds, counts = reprice_county(run_ids)
        standard, changes = written(enrollment_ids)
        print(f"# first run: {standard:,} dated amounts of {MONTH:%Y-%m}, {changes:,} proposed changes", flush=True)
        require(evaluated, HOUSEHOLDS * 99 // 100, "households evaluated by the pure rules")
        require(int(counts.get("enrollments", 0)), HOUSEHOLDS, "enrollments re-priced")
        require(standard, int(len(amounts) * MIN_STANDARD_SHARE), "调标 dated amounts written")
        require(int(counts.get("applied", 0)), standard, "调标 counted by the runs")
        _, counts_again = reprice_county(run_ids)
        standard_again, changes_again = written(enrollment_ids)
        extra = (standard_again - standard) + (changes_again - changes)
        if extra or counts_again.get("applied", 0) or counts_again.get("proposed", 0):
            sys.exit(
                f"BENCH FAILED: the second run of {MONTH:%Y-%m} wrote {standard_again - standard:,} dated amounts and "
                f"{changes_again - changes:,} changes ({counts_again}); it must write nothing."
            )
        versus("repricing_100k_s", seconds, "s", "rules_per_core", rules_s / WORKERS, at_most=6)
        bench("repricing_standard_rows", standard, "rows")
        bench("repricing_second_run_rows", extra, "rows")
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
        clean_up(enrollment_ids, run_ids, ledgers_before)


if __name__ == "__main__":
    main()
