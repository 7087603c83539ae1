"""The crawler's objects of eldercare_people (see ``tests/crawl/__init__.py``): per township a left-behind elderly
person on the ledger with a visit, a 失能 特困 person (分散供养) with a willingness record and a caregiver visit, a
station, a construction task and an overdue-visit alert."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from eldercare import alerts
from eldercare.models import CaregiverVisit, ElderAlert, TownshipCareSetting
from eldercare.services import people as services
from tests.helpers import enroll, make_household, make_member, valid_id

PK_OBJECT: dict[str, str] = {
    "eldercare-elder-": "eldercare_elder",
    "eldercare-tekun-": "eldercare_tekun_member",
    "eldercare-facility-": "eldercare_facility",
    "eldercare-task-": "eldercare_task",
    "api-eldercare-elder": "eldercare_elder",
    "api-eldercare-elder-visit": "eldercare_elder_visit",
    "api-eldercare-willingness": "eldercare_willingness",
    "api-eldercare-caregiver-visit": "eldercare_caregiver_visit",
    "api-eldercare-facility": "eldercare_facility",
    "api-eldercare-task": "eldercare_task",
    "api-eldercare-alert": "eldercare_alert",
    "api-eldercare-care-setting": "eldercare_care_setting",
}


def build(side: SimpleNamespace, actor, reviewer) -> None:
    """Create this area's objects for the township of ``side``."""
    tag = side.tag
    household = make_household(actor, side.village, address=f"{tag}标记养老地址")
    old = make_member(
        actor,
        household,
        name=f"{tag}标记留守老人",
        relation="head",
        id_number=valid_id(date(1940, 2, 2)),
        left_behind_elderly=True,
        cannot_walk_indoors=True,
    )
    elder = services.add_elder(
        actor=actor,
        member=old,
        data={"living": "alone", "visitor_name": f"{tag}标记探访人", "needs": f"{tag}标记需求"},
        on=date(2020, 1, 1),
    )
    visit = services.record_visit(
        actor=actor,
        elder=elder,
        data={"visited_on": date(2020, 3, 1), "visitor": f"{tag}标记探访人", "way": "home", "findings": "良好"},
    )
    tekun_household = make_household(actor, side.village, address=f"{tag}标记特困地址")
    tekun = make_member(
        actor,
        tekun_household,
        name=f"{tag}标记失能特困",
        relation="head",
        id_number=valid_id(date(1948, 4, 4)),
        cannot_eat=True,
        cannot_bathe=True,
    )
    enroll(tekun_household, "tekun", "700", member=tekun, support_mode="dispersed", caregiver_name=f"{tag}标记照料人")
    willingness = services.record_willingness(
        actor=actor, member=tekun, asked_on=date(2020, 5, 1), willing=False, reason=f"{tag}标记不愿原因"
    )
    caregiver_visit: CaregiverVisit = services.record_caregiver_visit(
        actor=actor,
        member=tekun,
        data={"visited_on": date(2020, 5, 2), "visitor": f"{tag}标记照料人", "way": "phone"},
    )
    facility = services.save_facility(
        actor=actor,
        data={
            "kind": "station",
            "township": side.township,
            "village": side.village,
            "name": f"{tag}标记养老站",
            "land_area": "150",
            "floor_area": "300",
        },
    )
    task = services.save_task(
        actor=actor,
        data={
            "year": 2020,
            "township": side.township,
            "kind": "centre",
            "planned_on": date(2020, 12, 31),
            "note": f"{tag}标记建设任务",
        },
    )
    alerts.run(township_id=side.township.pk, month=date(2020, 10, 1))
    side.eldercare_elder = elder
    side.eldercare_elder_visit = visit
    side.eldercare_tekun_member = tekun
    side.eldercare_willingness = willingness
    side.eldercare_caregiver_visit = caregiver_visit
    side.eldercare_facility = facility
    side.eldercare_task = task
    side.eldercare_care_setting = TownshipCareSetting.objects.get_or_create(township=side.township)[0]
    side.eldercare_alert = ElderAlert.objects.get(object_id=elder.pk, kind="visit_overdue")
    side.markers += [old.name, tekun.name, facility.name, f"{tag}标记建设任务", f"{tag}标记不愿原因"]
    side.secrets += [old.id_number, tekun.id_number]
