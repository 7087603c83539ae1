"""The childcare alert job for the whole county (issue: childcare and special groups): its county run for
December 2020 (``childcare.alerts.run``, one query per kind for the whole county, as the worker runs it), on
the 100,000 households bench_seed loaded plus the childcare rows added here once (and reused): about 8,000
left-behind children with guardians and a year of visits, guardianship cases, and about 800 orphan and
de-facto unsupported children's cases with their insurance and reviews.

The figure is December's run after November's, as the job runs every month (November's alerts kept, closed or
joined by new ones); the first run ever (no alert yet, every row inserted) is printed beside it, not judged.
The limit, measured in the same run: one hand-written SQL per alert kind over the same rows for the whole county,
summed. ``childcare_alerts_s_vs_sql_per_kind`` goal ≤ 5. The job must find exactly what the SQL finds, kind by
kind, and every kind must be found at least once — otherwise no figure is printed."""

from __future__ import annotations

import random
import sys
import time
from datetime import date

from common import HOUSEHOLDS, alert_job_figures, guard_database, require, setup_django

setup_django()

from django.db import connection, transaction  # noqa: E402

from cases.models import (  # noqa: E402
    Household,
    Member,
    User,
)
from childcare import alerts  # noqa: E402
from childcare.models import ChildAlert, ChildCase, ChildVisit, GuardianshipCase, LeftBehindChild  # noqa: E402

MONTH = date(2020, 12, 1)
PREVIOUS_MONTH = date(2020, 11, 1)
DAY = date(2020, 12, 31)
YEAR_START = date(2020, 1, 1)
CHILDREN = 8_000
CASES = 800
TABLES = (
    "childcare_leftbehindchild",
    "childcare_childvisit",
    "childcare_guardianshipcase",
    "childcare_childcase",
)  # vacuumed after the rows are added
SEED = 2021


def prepare() -> None:
    """Add the childcare rows once (reused when the bench's left-behind children are there)."""
    if LeftBehindChild.objects.filter(source="registry", responsible_name="基准网格员").count() >= CHILDREN * 9 // 10:
        print("# childcare rows: reused", flush=True)
        return
    rng = random.Random(SEED)
    actor = User.objects.order_by("pk").first()
    if actor is None:
        sys.exit("BENCH FAILED: bench_seed's users are missing.")
    started = time.perf_counter()
    young = list(
        Member.objects.filter(birth_date__gt=date(2005, 1, 1), date_of_death__isnull=True, active=True)
        .order_by("pk")
        .values_list("pk", "household__township_id")
    )
    rng.shuffle(young)
    left_behind, orphans = young[:CHILDREN], young[CHILDREN : CHILDREN + CASES]
    with transaction.atomic():
        children = LeftBehindChild.objects.bulk_create(
            (
                LeftBehindChild(
                    member_id=member_id,
                    township_id=township_id,
                    source="registry",
                    start=YEAR_START,
                    guardian_name=f"监护人{n}",
                    guardian_relation="祖父母",
                    guardian_age=17 if n % 150 == 0 else 62,
                    guardian_capacity="none" if n % 40 == 0 else "capable",
                    responsible_name="基准网格员",
                    created_by=actor,
                )
                for n, (member_id, township_id) in enumerate(left_behind)
            ),
            batch_size=5000,
        )
        cases = [
            GuardianshipCase(
                child=child,
                township_id=child.township_id,
                reason="incapable",
                guardian_name=child.guardian_name,
                status="resolved",
                opened_on=date(2020, 6, 1),
                due_date=date(2020, 7, 1),
                outcome="capacity_restored",
                resolved_on=date(2020, 6, 20),
                resolved_by=actor,
            )
            for n, child in enumerate(children)
            if child.guardian_capacity == "none" and n % 3 == 0  # a third of them already resolved
        ]
        GuardianshipCase.objects.bulk_create(cases)
        visits = []
        for child in children:
            last_month = 12 if rng.random() < 0.7 else rng.randint(8, 10)  # about 30% overdue at the year's end
            visits += [
                ChildVisit(child=child, visited_on=date(2020, m, rng.randint(1, 28)), visitor="网格员", findings="正常")
                for m in range(1, last_month + 1)
            ]
        ChildVisit.objects.bulk_create(visits, batch_size=5000)
        child_cases = []
        for n, (member_id, township_id) in enumerate(orphans):
            insured = n % 5 != 0  # every 5th without insurance
            child_cases.append(
                ChildCase(
                    member_id=member_id,
                    township_id=township_id,
                    category="orphan" if n % 2 else "de_facto",
                    father_basis="dead",
                    mother_basis="missing",
                    opened_on=date(2019, 3, 1),
                    review_due=date(2020, 11, 1) if n % 10 == 0 else date(2021, 3, 1),  # every 10th overdue
                    insured=insured,
                    insurance_policy=f"BD{n}" if insured else "",
                    insurer="县人保" if insured else "",
                    insurance_from=date(2020, 1, 1) if insured else None,
                    insurance_to=date(2020, 12, 31) if insured else None,
                    created_by=actor,
                )
            )
        ChildCase.objects.bulk_create(child_cases)
    with connection.cursor() as cursor:  # as autovacuum would after a load: statistics and the visibility map
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(TABLES)}")
    print(
        f"# childcare rows added in {time.perf_counter() - started:.1f} s: {len(children):,} left-behind children, "
        f"{len(visits):,} visits, {len(cases)} resolved guardianship cases, {len(child_cases)} orphan and de-facto "
        "unsupported children's cases",
        flush=True,
    )


# One query per kind, for the whole county, on the same rows and rules as the job (visits every 30 days).
SQL = {
    "visit_overdue": """
        SELECT c.id FROM childcare_leftbehindchild c
        LEFT JOIN LATERAL (SELECT max(v.visited_on) AS last FROM childcare_childvisit v WHERE v.child_id = c.id) v
          ON true
        WHERE c.status = 'active' AND c.start <= %(day)s AND COALESCE(v.last, c.start) + 30 < %(day)s""",
    "guardian_incapable": """
        SELECT c.id FROM childcare_leftbehindchild c
        WHERE c.status = 'active' AND (c.guardian_capacity = 'none' OR c.guardian_age < 18)
          AND NOT EXISTS (SELECT 1 FROM childcare_guardianshipcase g WHERE g.child_id = c.id
                          AND g.status = 'resolved' AND g.guardian_name = c.guardian_name)""",
    "review_overdue": """
        SELECT k.id FROM childcare_childcase k WHERE k.status = 'active' AND k.review_due < %(day)s""",
    "insurance_missing": """
        SELECT k.id FROM childcare_childcase k
        WHERE k.status = 'active' AND k.opened_on <= %(day)s
          AND NOT (k.insured AND k.insurance_from <= %(day)s AND k.insurance_to >= %(day)s)
        UNION ALL
        SELECT e.id FROM assistance_enrollment e
        WHERE e.benefit = 'orphan_allowance' AND e.start_month <= %(month)s
          AND (e.end_month IS NULL OR e.end_month >= %(month)s)
          AND (e.status IN ('active', 'gradual_exit') OR (e.status = 'exited' AND e.end_month IS NOT NULL))
          AND NOT EXISTS (SELECT 1 FROM childcare_childcase k
                          WHERE k.status = 'active' AND k.member_id = e.member_id)""",
}


def main() -> None:
    guard_database("bench_childcare adds childcare rows")
    require(Household.objects.count(), HOUSEHOLDS, "households (bench_seed)")
    prepare()
    require(LeftBehindChild.objects.filter(status="active").count(), CHILDREN * 9 // 10, "left-behind children")
    alert_job_figures(
        "childcare_alerts", ChildAlert, alerts.run, SQL, {"day": DAY, "month": MONTH}, MONTH, PREVIOUS_MONTH
    )


if __name__ == "__main__":
    main()
