"""The care apps' demo data (``make run`` loads it after the registry's): made through the services for the demo
townships, with the month's alerts checked, and loaded only once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from childcare.models import ChildVisit, LeftBehindChild, LeftBehindWoman
from eldercare.models import ElderAlert, LeftBehindElder, NursingHome, Patrol

pytestmark = pytest.mark.django_db


def run(command: str) -> str:
    out = StringIO()
    call_command(command, "--if-empty", stdout=out)
    return out.getvalue()


def test_the_demo_townships_get_their_care_records_and_alerts_once():
    call_command("seed_demo", seed=2020, households=2000, stdout=StringIO())  # as make run loads it
    assert "已生成" in run("seed_demo_eldercare") and "已生成" in run("seed_demo_childcare")
    assert set(NursingHome.objects.values_list("township__name", flat=True)) == {"汉葭街道", "郁山镇"}
    assert Patrol.objects.count() == 2 * 6  # a week of nights, one missed in each home
    open_kinds = set(ElderAlert.objects.filter(closed_at__isnull=True).values_list("kind", flat=True))
    assert {"cook_no_certificate", "night_patrol_missing", "hazard_overdue"} <= open_kinds
    assert LeftBehindElder.objects.exists() and LeftBehindChild.objects.exists() and LeftBehindWoman.objects.exists()
    assert ChildVisit.objects.exists()  # every other child visited; the others fall due a month after entry
    counts = (NursingHome.objects.count(), LeftBehindChild.objects.count(), ElderAlert.objects.count())
    assert "未生成" in run("seed_demo_eldercare") and "未生成" in run("seed_demo_childcare")
    assert (NursingHome.objects.count(), LeftBehindChild.objects.count(), ElderAlert.objects.count()) == counts


def test_without_the_demo_accounts_it_says_what_to_do():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="seed_demo"):
        run("seed_demo_eldercare")
