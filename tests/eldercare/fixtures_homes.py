"""Builders for the homes tests of eldercare (imported explicitly by the test modules)."""

from __future__ import annotations

from datetime import date, datetime, time
from types import SimpleNamespace

import pytest
from django.utils import timezone

from eldercare.services import homes as services
from tests.helpers import enroll, make_household, make_member, valid_id


def staff_data(name: str, position: str = "manager", **overrides) -> dict:
    data = {
        "name": name,
        "id_number": "",
        "phone": "13900000000",
        "position": position,
        "employment": "contract",
        "hired_on": date(2019, 1, 1),
    }
    return {**data, **overrides}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def make_home(actor, township, name: str, **data):
    values = {"township": township, "kind": "township", "name": name, "beds": 20, "status": "open"}
    return services.save_home(actor=actor, data={**values, **data})


@pytest.fixture
def homes_world(users, villages, township_a, township_b):
    """Township A: 汉葭敬老院 (account, a manager with ID number, a carer, a cook), a 集中供养 特困 elder; township B:
    郁山敬老院 with its own manager."""
    cw, cw_b = users["caseworker"], users["caseworker_b"]
    home = make_home(cw, township_a, "汉葭敬老院", bank_name="彭水农商行", bank_account="6228480000000000999")
    home_b = make_home(cw_b, township_b, "郁山敬老院", bank_name="农行", bank_account="6228480000000000888")
    manager_id = valid_id(date(1970, 1, 1))
    manager = services.save_staff(actor=cw, home=home, data=staff_data("王院长", id_number=manager_id))
    carer = services.save_staff(actor=cw, home=home, data=staff_data("李护理", "carer"))
    cook = services.save_staff(actor=cw, home=home, data=staff_data("张炊事", "cook"))
    manager_b = services.save_staff(actor=cw_b, home=home_b, data=staff_data("郁山院长"))
    elder_home = make_household(cw, villages["a"])
    elder = make_member(cw, elder_home, name="李老汉", relation="head", born=date(1935, 1, 1))
    tekun = enroll(
        elder_home, "tekun", "1006.00", member=elder, support_mode="centralized", institution_name="汉葭敬老院"
    )
    return SimpleNamespace(
        home=home,
        home_b=home_b,
        manager=manager,
        manager_id=manager_id,
        carer=carer,
        cook=cook,
        manager_b=manager_b,
        elder=elder,
        elder_household=elder_home,
        tekun=tekun,
    )
