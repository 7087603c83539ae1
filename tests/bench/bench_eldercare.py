"""The eldercare alert job for the whole county (issue: eldercare): its county run for December 2020
(``eldercare.alerts.run``, one query per kind for the whole county, as the worker runs it), on the 100,000
households bench_seed loaded plus the eldercare rows added here once (and reused): 39 nursing homes with their
staff and certificates, a year of duty shifts and night patrols, hazards, and about 6,000 left-behind elderly
people with a year of visits.

The figure is December's run after November's, as the job runs every month (November's alerts kept, closed or
joined by new ones); the first run ever (no alert yet, every row inserted) is printed beside it, not judged.
The limit, measured in the same run: one hand-written SQL per alert kind over the same rows for the whole county
(what the alerts would cost if finding them were a single query each and writing them cost nothing), summed.
``eldercare_alerts_s_vs_sql_per_kind`` goal ≤ 5. The job must find exactly what the SQL finds, kind by kind, and
every kind must be found at least once — otherwise no figure is printed."""

from __future__ import annotations

import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock

from common import HOUSEHOLDS, alert_job_figures, guard_database, require, setup_django

setup_django()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases.models import Household, Member, Township, User  # noqa: E402
from eldercare import alerts  # noqa: E402
from eldercare.models import (  # noqa: E402
    Certificate,
    DutyShift,
    ElderAlert,
    ElderVisit,
    Hazard,
    LeftBehindElder,
    NursingHome,
    Patrol,
    Staff,
)

MONTH = date(2020, 12, 1)
PREVIOUS_MONTH = date(2020, 11, 1)
DAY = date(2020, 12, 31)
YEAR_START = date(2020, 1, 1)
PREFIX = "基准"
ELDERS = 6_000
TABLES = (
    "eldercare_nursinghome",
    "eldercare_staff",
    "eldercare_certificate",
    "eldercare_dutyshift",
    "eldercare_patrol",
    "eldercare_hazard",
    "eldercare_leftbehindelder",
    "eldercare_eldervisit",
)  # vacuumed after the rows are added
SEED = 2020


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def prepare() -> None:
    """Add the eldercare rows once (reused when the 39 bench homes are there)."""
    if NursingHome.objects.filter(name__startswith=PREFIX).count() == Township.objects.count():
        print("# eldercare rows: reused", flush=True)
        return
    rng = random.Random(SEED)
    actor = User.objects.order_by("pk").first()
    if actor is None:
        sys.exit("BENCH FAILED: bench_seed's users are missing.")
    started = time.perf_counter()
    with transaction.atomic():
        townships = list(Township.objects.order_by("code"))
        homes = NursingHome.objects.bulk_create(
            NursingHome(township=t, name=f"{PREFIX}{t.name}敬老院", beds=60, bank_name="彭水农商行") for t in townships
        )
        staff: list[Staff] = []
        for n, home in enumerate(homes):
            positions = ["carer", "carer", "carer", "cook"] + ([] if n % 5 == 4 else ["manager"])  # every 5th: none
            staff += [
                Staff(
                    home=home,
                    name=f"员工{n}-{i}",
                    position=position,
                    employment="contract",
                    hired_on=date(2018, 1, 1),
                )
                for i, position in enumerate(positions)
            ]
        staff = Staff.objects.bulk_create(staff)
        by_home: dict[int, dict[str, list[Staff]]] = {}
        for person in staff:
            by_home.setdefault(person.home_id, {}).setdefault(person.position, []).append(person)
        certificates = []
        for n, home in enumerate(homes):
            cook = by_home[home.pk]["cook"][0]
            if n % 4 != 3:  # every 4th cook has none after the deadline
                expires = date(2021, 1, 10) if n % 6 == 5 else date(2021, 6, 30)  # every 6th: expiring soon
                certificates.append(
                    Certificate(
                        staff=cook,
                        kind="health",
                        number=f"JK{n}",
                        issuer="县疾控",
                        issued_on=date(2020, 3, 1),
                        expires_on=expires,
                    )
                )
            for m, carer in enumerate(by_home[home.pk]["carer"]):
                certificates.append(
                    Certificate(
                        staff=carer,
                        kind="care_training",
                        number=f"PX{n}-{m}",
                        issuer="县民政局",
                        issued_on=date(2019, 5, 1),
                        expires_on=date(2022, 5, 1),
                    )
                )
        Certificate.objects.bulk_create(certificates)
        shifts, patrols = [], []
        tz = timezone.get_current_timezone()
        for n, home in enumerate(homes):
            carers = by_home[home.pk]["carer"]
            for day in _days(YEAR_START, DAY):
                night_gap = n % 7 == 6 and day.month == 12 and day.day in (5, 6, 20)
                plan = [(clock(0), clock(8), False, carers[0]), (clock(8), clock(16), False, carers[1])]
                if not night_gap:
                    plan.append((clock(16), clock(0), True, carers[2]))
                shifts += [
                    DutyShift(home=home, day=day, staff=who, start=start, end=end, overnight=overnight)
                    for start, end, overnight, who in plan
                ]
                missed = n % 8 == 7 and day.month == 12 and day.day in (3, 14, 27)
                if not missed:
                    at = datetime.combine(day, clock(23, 30), tzinfo=tz)
                    patrols.append(Patrol(home=home, at=at, staff=carers[2], areas="全院"))
        DutyShift.objects.bulk_create(shifts, batch_size=5000)
        Patrol.objects.bulk_create(patrols, batch_size=5000)
        hazards = []
        for n, home in enumerate(homes):
            for k in range(10):
                found = date(2020, 1 + k, 10)
                open_now = k >= 8 or (n + k) % 5 == 0
                hazards.append(
                    Hazard(
                        home=home,
                        description=f"隐患{n}-{k}",
                        owner="院长",
                        found_on=found,
                        deadline=found + timedelta(days=30),
                        status="rectifying" if open_now else "fixed",
                        fixed_on=None if open_now else found + timedelta(days=20),
                        created_by=actor,
                    )
                )
        Hazard.objects.bulk_create(hazards)
        old = list(
            Member.objects.filter(birth_date__lte=date(1960, 12, 31), date_of_death__isnull=True, active=True)
            .order_by("pk")
            .values_list("pk", "household__township_id")
        )
        chosen = rng.sample(old, min(ELDERS, len(old)))
        elders = LeftBehindElder.objects.bulk_create(
            (
                LeftBehindElder(
                    township_id=township_id,
                    member_id=member_id,
                    source="registry",
                    entered_on=YEAR_START,
                    living=rng.choice(["alone", "spouse", "grandchildren"]),
                    visitor_name="网格员",
                    created_by=actor,
                )
                for member_id, township_id in chosen
            ),
            batch_size=5000,
        )
        visits = []
        for elder in elders:
            last_month = 12 if rng.random() < 0.7 else rng.randint(8, 10)  # about 30% overdue at the year's end
            visits += [
                ElderVisit(
                    elder=elder, visited_on=date(2020, m, rng.randint(1, 28)), visitor="网格员", recorded_by=actor
                )
                for m in range(1, last_month + 1)
            ]
        ElderVisit.objects.bulk_create(visits, batch_size=5000)
    with connection.cursor() as cursor:  # as autovacuum would after a load: statistics and the visibility map
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(TABLES)}")
    print(
        f"# eldercare rows added in {time.perf_counter() - started:.1f} s: {len(homes)} homes, {len(staff)} staff, "
        f"{len(shifts):,} duty shifts, {len(patrols):,} patrols, {len(hazards)} hazards, {len(elders):,} "
        f"left-behind elderly, {len(visits):,} visits",
        flush=True,
    )


# One query per kind, for the whole county, on the same rows and the same rules as the job (parameters fixed at
# their 2020 values: cook certificate deadline 2020-05-31, warning 30 days, night 22:00–06:00, visits every 30 days).
SQL = {
    "cook_no_certificate": """
        SELECT s.id FROM eldercare_staff s JOIN eldercare_nursinghome h ON h.id = s.home_id
        WHERE h.status = 'open' AND s.position = 'cook' AND s.hired_on <= %(day)s
          AND (s.left_on IS NULL OR s.left_on >= %(day)s) AND %(day)s > DATE '2020-05-31'
          AND NOT EXISTS (SELECT 1 FROM eldercare_certificate c WHERE c.staff_id = s.id AND c.kind = 'health'
                          AND c.issued_on <= %(day)s AND (c.expires_on IS NULL OR c.expires_on >= %(day)s))""",
    "certificate_expiring": """
        SELECT c.id FROM eldercare_certificate c JOIN eldercare_staff s ON s.id = c.staff_id
        JOIN eldercare_nursinghome h ON h.id = s.home_id
        WHERE h.status = 'open' AND s.hired_on <= %(day)s AND (s.left_on IS NULL OR s.left_on >= %(day)s)
          AND c.expires_on IS NOT NULL AND c.expires_on <= %(day)s + 30
          AND NOT EXISTS (SELECT 1 FROM eldercare_certificate n WHERE n.staff_id = c.staff_id AND n.kind = c.kind
                          AND n.title = c.title AND (n.expires_on IS NULL OR n.expires_on > c.expires_on))""",
    "no_manager": """
        SELECT h.id FROM eldercare_nursinghome h WHERE h.status = 'open' AND NOT EXISTS (
            SELECT 1 FROM eldercare_staff s WHERE s.home_id = h.id AND s.position = 'manager'
            AND s.hired_on <= %(day)s AND (s.left_on IS NULL OR s.left_on >= %(day)s))""",
    "duty_gap": """
        SELECT DISTINCT h.id FROM eldercare_nursinghome h
        CROSS JOIN generate_series(%(month)s::timestamp, %(day)s::timestamp, interval '1 day') AS d(day)
        CROSS JOIN generate_series(0, 23) AS hr(hour)
        WHERE h.status = 'open' AND NOT EXISTS (
            SELECT 1 FROM eldercare_dutyshift f JOIN eldercare_staff s ON s.id = f.staff_id
            WHERE f.home_id = h.id AND s.position IN ('manager', 'carer')
              AND f.day + f.start <= d.day + make_interval(hours => hr.hour)
              AND (f.day + f.end + CASE WHEN f.overnight THEN interval '1 day' ELSE interval '0' END)
                  >= d.day + make_interval(hours => hr.hour + 1)
              AND f.day BETWEEN d.day::date - 1 AND d.day::date)""",
    "night_patrol_missing": """
        SELECT DISTINCT h.id FROM eldercare_nursinghome h
        CROSS JOIN generate_series(%(month)s::timestamp, %(eve)s::timestamp, interval '1 day') AS d(day)
        WHERE h.status = 'open' AND NOT EXISTS (
            SELECT 1 FROM eldercare_patrol p WHERE p.home_id = h.id
              AND p.at >= (d.day + interval '22 hours') AT TIME ZONE 'Asia/Shanghai'
              AND p.at < (d.day + interval '30 hours') AT TIME ZONE 'Asia/Shanghai')""",
    "hazard_overdue": """
        SELECT z.id FROM eldercare_hazard z JOIN eldercare_nursinghome h ON h.id = z.home_id
        WHERE z.status IN ('rectifying', 'reported') AND z.deadline < %(day)s""",
    "visit_overdue": """
        SELECT e.id FROM eldercare_leftbehindelder e
        LEFT JOIN LATERAL (SELECT max(v.visited_on) AS last FROM eldercare_eldervisit v WHERE v.elder_id = e.id) v
          ON true
        WHERE e.active AND COALESCE(v.last, e.entered_on) + 30 < %(day)s""",
}


def main() -> None:
    guard_database("bench_eldercare adds eldercare rows")
    require(Household.objects.count(), HOUSEHOLDS, "households (bench_seed)")
    prepare()
    require(LeftBehindElder.objects.filter(active=True).count(), ELDERS * 9 // 10, "left-behind elderly people")
    alert_job_figures(
        "eldercare_alerts",
        ElderAlert,
        alerts.run,
        SQL,
        {"day": DAY, "eve": DAY - timedelta(days=1), "month": MONTH},
        MONTH,
        PREVIOUS_MONTH,
    )


if __name__ == "__main__":
    main()
