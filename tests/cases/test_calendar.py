"""The working-day calendar seeded from the State Council's notices (the ``chinesecalendar`` package): 2020's
Spring Festival (extended to 02-02) and its make-up Sunday 01-19, National Day; the county's own rows win."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from django.core.management import call_command

from cases import selectors
from cases.calendar import sync_official_days
from cases.models import CalendarDay
from core.workdays import HOLIDAY, WORKDAY, add_working_days, official_days

pytestmark = pytest.mark.django_db
Source = CalendarDay.Source


def test_the_package_knows_2020():
    assert chinese_calendar.is_holiday(date(2020, 1, 24)) and chinese_calendar.is_workday(date(2020, 1, 19))
    days = official_days()
    assert days[date(2020, 1, 25)] == (HOLIDAY, "春节")
    assert days[date(2020, 1, 19)] == (WORKDAY, "春节调休")


def test_the_seeded_calendar_knows_2020_spring_festival():
    spring = selectors.special_days(date(2020, 1, 1), date(2020, 2, 29))
    festival = [date(2020, 1, 24) + timedelta(days=n) for n in range(10)]  # 01-24 … 02-02 (extended)
    assert all(spring[day] == HOLIDAY for day in festival)
    assert spring[date(2020, 1, 19)] == WORKDAY  # Sunday, 调休上班
    assert date(2020, 2, 3) not in spring
    row = CalendarDay.objects.get(date=date(2020, 1, 24))
    assert (row.name, row.source) == ("春节", Source.OFFICIAL)
    years = set(CalendarDay.objects.filter(source=Source.OFFICIAL).dates("date", "year"))
    assert {d.year for d in years} == {d.year for d in chinese_calendar.holidays}


def test_add_working_days_across_national_day_2020():
    special = selectors.special_days(date(2020, 9, 1), date(2020, 11, 30))
    # 10-01..10-08 off, Saturday 10-10 a make-up working day.
    assert add_working_days(date(2020, 9, 30), 1, special) == date(2020, 10, 9)
    assert add_working_days(date(2020, 9, 30), 2, special) == date(2020, 10, 10)
    assert add_working_days(date(2020, 9, 30), 10, special) == date(2020, 10, 21)
    assert add_working_days(date(2020, 9, 25), 1, special) == date(2020, 9, 27)  # Sunday 调休


def test_the_loader_is_idempotent(capsys):
    sync_official_days()
    before = list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name", "source"))
    loaded = sync_official_days()
    assert (loaded.created, loaded.updated, loaded.removed) == (0, 0, 0)
    call_command("load_official_calendar")
    assert "新增 0 天" in capsys.readouterr().out
    assert list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name", "source")) == before


def test_the_loader_restores_and_corrects_official_rows():
    CalendarDay.objects.filter(date=date(2020, 10, 1)).delete()
    CalendarDay.objects.filter(date=date(2020, 10, 2)).update(name="错误")
    CalendarDay.objects.create(date=date(2020, 11, 2), kind=HOLIDAY, name="旧数据", source=Source.OFFICIAL)
    loaded = sync_official_days()
    assert (loaded.created, loaded.updated, loaded.removed) == (1, 1, 1)
    assert CalendarDay.objects.get(date=date(2020, 10, 2)).name == "国庆节"
    assert not CalendarDay.objects.filter(date=date(2020, 11, 2)).exists()


def test_the_countys_own_day_wins_over_the_official_one():
    # The county keeps 10-08 open (a working day) and closes Friday 10-09 for its own reason.
    CalendarDay.objects.update_or_create(
        date=date(2020, 10, 8), defaults={"kind": WORKDAY, "name": "县里安排", "source": Source.COUNTY}
    )
    CalendarDay.objects.create(date=date(2020, 10, 9), kind=HOLIDAY, name="县庆", source=Source.COUNTY)
    loaded = sync_official_days()
    assert loaded.county_kept == 1  # 10-08 is an official date too; 10-09 is not
    assert CalendarDay.objects.get(date=date(2020, 10, 8)).kind == WORKDAY
    assert CalendarDay.objects.get(date=date(2020, 10, 9)).source == Source.COUNTY
    special = selectors.special_days(date(2020, 9, 1), date(2020, 11, 30))
    assert add_working_days(date(2020, 9, 30), 1, special) == date(2020, 10, 8)
    assert add_working_days(date(2020, 9, 30), 2, special) == date(2020, 10, 10)


def test_an_admin_edit_makes_the_day_the_countys(client_for):
    admin_client = client_for("county_admin")
    row = CalendarDay.objects.get(date=date(2020, 10, 8))
    response = admin_client.post(
        f"/admin/cases/calendarday/{row.pk}/change/", {"date": "2020-10-08", "kind": WORKDAY, "name": "县里安排"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row.refresh_from_db()
    assert (row.kind, row.source) == (WORKDAY, Source.COUNTY)
    sync_official_days()
    row.refresh_from_db()
    assert row.kind == WORKDAY
    listing = admin_client.get("/admin/cases/calendarday/?source__exact=county").content.decode()
    assert "本县设定" in listing
