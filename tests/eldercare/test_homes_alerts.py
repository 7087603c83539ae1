"""The homes alerts from crafted data: a cook without a valid 健康证 after the deadline, a certificate expiring,
a home without a manager, a duty gap, a night without a patrol; each closes when fixed; the job is idempotent;
the findings take a fixed number of queries."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.alerts import object_type_of
from eldercare import alerts
from eldercare.models import Certificate, ElderAlert, NursingHome, Staff
from eldercare.selectors import homes as selectors
from eldercare.services import homes as services
from tests.eldercare import fixtures_homes as fx
from tests.eldercare.fixtures_homes import at, make_home, staff_data

pytestmark = pytest.mark.django_db
homes_world = fx.homes_world

OCT = date(2020, 10, 1)
DAY = date(2020, 10, 31)


def kinds(township_id: int, day: date = DAY) -> dict[str, list]:
    found: dict[str, list] = {}
    for finding in selectors.alert_findings(township_id, day):
        found.setdefault(finding.kind, []).append(finding)
    return found


def full_roster(actor, home, staff, first: date, last: date) -> None:
    day = first
    while day <= last:
        services.add_shift(actor=actor, home=home, staff=staff, day=day, start=time(8), end=time(8), overnight=True)
        day += timedelta(days=1)


def patrol_every_night(actor, home, staff, first: date, last: date) -> None:
    day = first
    while day <= last:
        services.add_patrol(actor=actor, home=home, at=at(day, 23, 30), staff=staff, areas="全院")
        day += timedelta(days=1)


def health(actor, person, issued: date, expires: date | None) -> Certificate:
    data = {"kind": "health", "number": "JK1", "issuer": "疾控", "issued_on": issued, "expires_on": expires}
    return services.save_certificate(actor=actor, staff=person, data=data)


def test_a_cook_without_a_valid_health_certificate_after_the_deadline(users, homes_world):
    cw, w = users["caseworker"], homes_world
    township = w.home.township_id
    assert not kinds(township, date(2020, 5, 31)).get("cook_no_certificate")  # the deadline itself: not yet
    found = kinds(township)["cook_no_certificate"]
    assert [(f.object_type, f.object_id) for f in found] == [(object_type_of(Staff), w.cook.pk)]
    assert found[0].subject == "张炊事 · 炊事员 · 汉葭敬老院" and found[0].evidence == {"deadline": "2020-05-31"}
    health(cw, w.cook, date(2019, 1, 1), date(2020, 1, 1))  # expired: still alerted
    assert kinds(township).get("cook_no_certificate")
    health(cw, w.cook, date(2020, 9, 1), date(2021, 9, 1))
    assert not kinds(township).get("cook_no_certificate")


def test_an_expiring_certificate_until_it_is_renewed(users, homes_world):
    cw, w = users["caseworker"], homes_world
    township = w.home.township_id
    health(cw, w.cook, date(2019, 12, 1), date(2021, 1, 1))
    assert not kinds(township).get("certificate_expiring")  # 62 days away, warned at 30
    old = health(cw, w.cook, date(2019, 11, 20), date(2020, 11, 20))
    found = kinds(township).get("certificate_expiring", [])
    assert not any(f.object_id == old.pk for f in found)  # a later-expiring one of the same kind supersedes it
    training = services.save_certificate(
        actor=cw,
        staff=w.carer,
        data={"kind": "care_training", "number": "PX1", "issuer": "人社", "issued_on": date(2018, 1, 1),
              "expires_on": date(2020, 11, 15)},
    )  # fmt: skip
    found = kinds(township)["certificate_expiring"]
    assert [(f.object_type, f.object_id) for f in found] == [(object_type_of(Certificate), training.pk)]
    assert found[0].evidence == {"expires_on": "2020-11-15", "expired": False, "warn_days": 30, "staff_id": w.carer.pk}
    assert "李护理 · 护理员 · 汉葭敬老院 · 护理员培训证" in found[0].subject
    services.save_certificate(
        actor=cw,
        staff=w.carer,
        data={"kind": "care_training", "number": "PX2", "issuer": "人社", "issued_on": date(2020, 10, 1),
              "expires_on": date(2023, 10, 1)},
    )  # fmt: skip
    assert not kinds(township).get("certificate_expiring")


def test_an_open_home_without_a_current_manager(users, homes_world):
    cw, w = users["caseworker"], homes_world
    township = w.home.township_id
    assert not kinds(township).get("no_manager")
    services.end_staff(actor=cw, staff=w.manager, left_on=date(2020, 9, 30), reason="调离")
    found = kinds(township)["no_manager"]
    assert [(f.object_type, f.object_id) for f in found] == [(object_type_of(NursingHome), w.home.pk)]
    closed = make_home(cw, w.home.township, "停用敬老院", status="closed")
    assert closed.pk not in {f.object_id for f in kinds(township)["no_manager"]}
    services.save_staff(actor=cw, home=w.home, data=staff_data("新院长", hired_on=date(2020, 10, 1)))
    assert not kinds(township).get("no_manager")


def test_a_duty_gap_names_the_days_and_hours(users, homes_world):
    cw, w = users["caseworker"], homes_world
    township = w.home.township_id
    full_roster(cw, w.home, w.manager, date(2020, 9, 30), date(2020, 10, 9))
    services.add_shift(actor=cw, home=w.home, staff=w.carer, day=date(2020, 10, 10), start=time(8), end=time(20))
    full_roster(cw, w.home, w.carer, date(2020, 10, 11), DAY)
    found = kinds(township)["duty_gap"]
    assert len(found) == 1 and found[0].object_id == w.home.pk
    # the 10th: covered 00:00–08:00 (the 9th's night) and 08:00–20:00; nobody from 20:00 to the 11th's 08:00
    assert found[0].evidence == {
        "days": [
            {"date": "2020-10-10", "hours": [20, 21, 22, 23]},
            {"date": "2020-10-11", "hours": [0, 1, 2, 3, 4, 5, 6, 7]},
        ]
    }
    services.add_shift(
        actor=cw, home=w.home, staff=w.manager, day=date(2020, 10, 10), start=time(20), end=time(8), overnight=True
    )
    assert not kinds(township).get("duty_gap")


def test_a_half_covered_hour_is_a_gap(users, homes_world):
    cw, w = users["caseworker"], homes_world
    township = w.home.township_id
    full_roster(cw, w.home, w.manager, date(2020, 9, 30), DAY)
    assert not kinds(township).get("duty_gap")
    shift = w.home.shifts.get(day=date(2020, 10, 5))
    services.remove_shift(actor=cw, shift=shift)
    services.add_shift(
        actor=cw, home=w.home, staff=w.carer, day=date(2020, 10, 5), start=time(8, 30), end=time(8), overnight=True
    )
    days = kinds(township)["duty_gap"][0].evidence["days"]
    assert days == [{"date": "2020-10-05", "hours": [8]}]


def test_a_night_without_a_patrol_in_the_window(users, homes_world):
    cw, w = users["caseworker"], homes_world
    township = w.home.township_id
    patrol_every_night(cw, w.home, w.carer, OCT, date(2020, 10, 29))
    # the night of the 30th is checked from the 31st on; night of the 12th patrolled at 05:30 on the 13th instead
    w.home.patrols.filter(at=at(date(2020, 10, 12), 23, 30)).delete()
    services.add_patrol(actor=cw, home=w.home, at=at(date(2020, 10, 13), 5, 30), staff=w.carer, areas="全院")
    services.add_patrol(actor=cw, home=w.home, at=at(date(2020, 10, 30), 6, 0), staff=w.carer, areas="全院")
    found = kinds(township)["night_patrol_missing"]
    assert found[0].object_id == w.home.pk and found[0].evidence == {"dates": ["2020-10-30"], "window": [22, 6]}
    assert not kinds(township, date(2020, 10, 30)).get("night_patrol_missing")
    services.add_patrol(actor=cw, home=w.home, at=at(date(2020, 10, 30), 22, 0), staff=w.carer, areas="全院")
    assert not kinds(township).get("night_patrol_missing")


def test_the_monthly_job_opens_then_keeps_then_closes(users, homes_world):
    cw, w = users["caseworker"], homes_world
    township = w.home.township_id
    alerts.run(township_id=township, month=OCT)
    rows = set(ElderAlert.objects.filter(closed_at__isnull=True).values_list("kind", "object_id", "opened_at"))
    assert {kind for kind, _, _ in rows} >= {"cook_no_certificate", "duty_gap", "night_patrol_missing"}
    alerts.run(township_id=township, month=OCT)
    again = set(ElderAlert.objects.filter(closed_at__isnull=True).values_list("kind", "object_id", "opened_at"))
    assert again == rows  # identical rows
    health(cw, w.cook, date(2020, 9, 1), date(2021, 9, 1))
    alerts.run(township_id=township, month=OCT)
    cook_alert = ElderAlert.objects.get(kind="cook_no_certificate")
    assert cook_alert.closed_at is not None
    # township B's home is not township A's business
    assert not ElderAlert.objects.filter(township_id=w.home_b.township_id).exists()


def test_the_findings_take_a_fixed_number_of_queries(users, homes_world):
    cw, w = users["caseworker"], homes_world
    township = w.home.township_id

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            selectors.alert_findings(township, DAY)
        return len(queries.captured_queries)

    before = count()
    for n in range(3):
        home = make_home(cw, w.home.township, f"另一敬老院{n}")
        cook = services.save_staff(actor=cw, home=home, data=staff_data(f"炊事{n}", "cook"))
        health(cw, cook, date(2019, 11, 1), date(2020, 11, 1))
        full_roster(cw, home, services.save_staff(actor=cw, home=home, data=staff_data(f"院长{n}")), OCT, OCT)
        patrol_every_night(cw, home, cook, OCT, date(2020, 10, 3))
    assert count() == before
