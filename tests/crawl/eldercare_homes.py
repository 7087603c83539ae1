"""The crawler's objects of eldercare_homes (see ``tests/crawl/__init__.py``): per township a home with an account,
a resident (the township's household head), a manager with an ID number and a certificate, a shift, a duty log
and a patrol."""

from __future__ import annotations

import random
from datetime import date, datetime, time
from types import SimpleNamespace

from django.utils import timezone

from eldercare.services import homes as services
from tests.helpers import valid_id

PK_OBJECT: dict[str, str] = {
    "eldercare-home-": "eldercare_home",
    "eldercare-residence-": "eldercare_residence",
    "eldercare-staff-": "eldercare_staff",
    "eldercare-certificate-": "eldercare_certificate",
    "eldercare-shift-": "eldercare_shift",
    "api-eldercare-home": "eldercare_home",
    "api-eldercare-residence": "eldercare_residence",
    "api-eldercare-staff": "eldercare_staff",
    "api-eldercare-certificate": "eldercare_certificate",
    "api-eldercare-duty-shift": "eldercare_shift",
    "api-eldercare-duty-log": "eldercare_duty_log",
    "api-eldercare-patrol": "eldercare_patrol",
}


def build(side: SimpleNamespace, actor, reviewer) -> None:
    """Create this area's objects for the township of ``side``."""
    tag = side.tag
    account = f"62170000{random.Random(f'home{tag}').randrange(10**10, 10**11)}"
    home = services.save_home(
        actor=actor,
        data={
            "township": side.township,
            "kind": "township",
            "name": f"{tag}标记敬老院",
            "address": f"{tag}标记敬老院地址",
            "beds": 40,
            "status": "open",
            "bank_name": "彭水农商行",
            "bank_account": account,
        },
    )
    residence = services.add_residence(
        actor=actor, home=home, member=side.member, kind="other", start=date(2020, 1, 1), note=f"{tag}标记入住备注"
    )
    id_number = valid_id(date(1975, 3, 3 + len(tag)), male=False)
    manager = services.save_staff(
        actor=actor,
        home=home,
        data={
            "name": f"{tag}标记院长",
            "id_number": id_number,
            "phone": "13800000000",
            "position": "manager",
            "employment": "established",
            "hired_on": date(2019, 1, 1),
        },
    )
    certificate = services.save_certificate(
        actor=actor,
        staff=manager,
        data={
            "kind": "care_training",
            "number": f"{tag}标记证书号",
            "issuer": "彭水县人社局",
            "issued_on": date(2019, 6, 1),
            "expires_on": date(2022, 6, 1),
        },
    )
    shift = services.add_shift(
        actor=actor, home=home, staff=manager, day=date(2020, 10, 1), start=time(8), end=time(8), overnight=True
    )
    duty_log = services.add_duty_log(
        actor=actor, home=home, day=date(2020, 10, 1), staff=manager, handover=f"{tag}标记交接班"
    )
    patrol = services.add_patrol(
        actor=actor,
        home=home,
        staff=manager,
        at=timezone.make_aware(datetime(2020, 10, 1, 23, 0)),
        areas=f"{tag}标记巡查区域",
    )
    side.eldercare_home = home
    side.eldercare_residence = residence
    side.eldercare_staff = manager
    side.eldercare_certificate = certificate
    side.eldercare_shift = shift
    side.eldercare_duty_log = duty_log
    side.eldercare_patrol = patrol
    side.markers += [home.name, manager.name, f"{tag}标记交接班", f"{tag}标记巡查区域", f"{tag}标记证书号"]
    side.secrets += [account, id_number]
