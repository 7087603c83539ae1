"""eldercare people: the services (ledger from the registry flag, manual additions, visits, willingness,
caregiver visits, facilities, construction tasks) and the bad input they refuse with the field named."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases.models import Township
from eldercare.models import CareFacility, CareWillingness, ElderVisit, LeftBehindElder, TownshipCareSetting
from eldercare.selectors import people as selectors
from eldercare.services import people as services
from tests.eldercare.fixtures_people import days_ago, elder_member, ledger_row, tekun_person, today
from tests.helpers import make_household, make_member

pytestmark = pytest.mark.django_db


def fields(error: ValidationError) -> set[str]:
    return set(error.value.message_dict)


# The ledger ------------------------------------------------------------------------------------------------


def test_generating_from_the_registry_flag_adds_each_flagged_elder_once(users, villages):
    cw = users["caseworker"]
    flagged = elder_member(cw, villages["a"], name="标记老人", left_behind_elderly=True)
    elder_member(cw, villages["a"], name="未标记老人")
    elder_member(cw, villages["a"], name="年轻标记", born=date(1990, 1, 1), left_behind_elderly=True)
    other = elder_member(users["caseworker_b"], villages["b"], name="乙镇老人", left_behind_elderly=True)
    township = flagged.household.township

    assert services.generate_from_registry(actor=cw, township=township) == 1
    assert services.generate_from_registry(actor=cw, township=township) == 0  # idempotent
    rows = LeftBehindElder.objects.all()
    assert [(r.member_id, r.source, r.active) for r in rows] == [(flagged.pk, "registry", True)]
    assert not LeftBehindElder.objects.filter(member=other).exists()
    with pytest.raises(PermissionDenied):
        services.generate_from_registry(actor=users["caseworker_b"], township=township)
    with pytest.raises(PermissionDenied):
        services.generate_from_registry(actor=users["auditor"], township=township)


def test_a_manual_addition_checks_age_duplicates_and_the_visitor(users, villages):
    cw = users["caseworker"]
    member = elder_member(cw, villages["a"])
    data = {"living": "alone", "visitor_name": "李四", "emergency_phone": "13800000000", "needs": "买药"}
    elder = services.add_elder(actor=cw, member=member, data=data)
    assert (elder.source, elder.living, elder.township_id, elder.entered_on) == (
        "manual",
        "alone",
        member.household.township_id,
        today(),
    )
    with pytest.raises(ValidationError) as again:
        services.add_elder(actor=cw, member=member, data=data)
    assert fields(again) == {"member"}

    young = make_member(cw, make_household(cw, villages["a"]), name="青年", born=date(1990, 1, 1))
    with pytest.raises(ValidationError) as too_young:
        services.add_elder(actor=cw, member=young, data=data)
    assert "member" in fields(too_young)

    other = elder_member(cw, villages["a"], name="另一位")
    bad = {"living": "castle", "visitor_name": "", "emergency_phone": "１３８", "needs": "x\x00y"}
    with pytest.raises(ValidationError) as wrong:
        services.add_elder(actor=cw, member=other, data=bad)
    assert fields(wrong) == {"living", "visitor_name", "emergency_phone", "needs"}
    b_user = users["caseworker_b"]
    with pytest.raises(ValidationError) as foreign_visitor:
        services.add_elder(actor=cw, member=other, data={"living": "alone", "visitor_user": b_user})
    assert fields(foreign_visitor) == {"visitor_user"}
    assert LeftBehindElder.objects.count() == 1  # nothing half-saved
    with pytest.raises(PermissionDenied):
        services.add_elder(actor=users["caseworker_b"], member=other, data=data)


def test_a_visit_is_refused_before_birth_in_the_future_or_without_a_visitor(users, villages):
    cw = users["caseworker"]
    elder = ledger_row(cw, elder_member(cw, villages["a"], born=date(1950, 6, 1)))
    good = {"visited_on": days_ago(1), "visitor": "张三", "way": "phone", "findings": "身体尚好"}
    visit = services.record_visit(actor=cw, elder=elder, data=good)
    assert (visit.way, visit.recorded_by, visit.findings) == ("phone", cw, "身体尚好")
    for bad, field in (
        ({**good, "visited_on": date(1949, 1, 1)}, "visited_on"),
        ({**good, "visited_on": today() + timedelta(days=1)}, "visited_on"),
        ({**good, "visited_on": date(9999, 1, 1)}, "visited_on"),
        ({**good, "visitor": " "}, "visitor"),
        ({**good, "way": "letter"}, "way"),
        ({**good, "findings": "a" * 1001}, "findings"),
    ):
        with pytest.raises(ValidationError) as error:
            services.record_visit(actor=cw, elder=elder, data=bad)
        assert field in fields(error)
    assert ElderVisit.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.record_visit(actor=users["auditor"], elder=elder, data=good)


def test_ending_needs_a_reason_and_a_date_after_entry(users, villages):
    cw = users["caseworker"]
    elder = ledger_row(cw, elder_member(cw, villages["a"]), entered_on=days_ago(30))
    with pytest.raises(ValidationError) as error:
        services.end_elder(actor=cw, elder=elder, ended_on=days_ago(40), reason="")
    assert fields(error) == {"ended_on", "end_reason"}
    services.end_elder(actor=cw, elder=elder, ended_on=days_ago(1), reason="子女返乡")
    elder.refresh_from_db()
    assert (elder.active, elder.end_reason) == (False, "子女返乡")
    # once ended, the registry flag may put the person back as a new row
    elder.member.left_behind_elderly = True
    elder.member.save()
    assert services.generate_from_registry(actor=cw, township=elder.township) == 1


def test_the_list_puts_priority_persons_first_and_marks_overdue(users, villages):
    cw = users["caseworker"]
    days = selectors.visit_days(today())
    plain = ledger_row(cw, elder_member(cw, villages["a"], name="普通", born=date(1955, 1, 1)), living="spouse")
    alone = ledger_row(cw, elder_member(cw, villages["a"], name="独居", born=date(1955, 1, 1)), living="alone")
    old = ledger_row(cw, elder_member(cw, villages["a"], name="高龄", born=date(1930, 1, 1)), living="spouse")
    services.record_visit(actor=cw, elder=plain, data={"visited_on": today(), "visitor": "张三", "way": "home"})
    rows = list(selectors.elders(cw, today=today()))
    assert [r.member.name for r in rows][:2] in (["独居", "高龄"], ["高龄", "独居"])
    assert rows[-1].pk == plain.pk and not rows[-1].overdue
    assert rows[-1].due == today() + timedelta(days=days)
    assert {r.pk for r in selectors.elders(cw, today=today(), overdue=True)} == {alone.pk, old.pk}
    assert selectors.overdue_count(cw, today()) == 2
    assert list(selectors.elders(users["caseworker_b"], today=today())) == []


# 集中供养 willingness and caregiver visits ----------------------------------------------------------------------


def test_willingness_only_for_disabled_tekun_persons_with_a_reason_when_unwilling(users, villages):
    cw = users["caseworker"]
    person = tekun_person(cw, villages["a"])
    record = services.record_willingness(actor=cw, member=person, asked_on=days_ago(3), willing=True)
    assert (record.willing, record.enrollment.benefit, record.township_id) == (
        True,
        "tekun",
        person.household.township_id,
    )
    with pytest.raises(ValidationError) as no_reason:
        services.record_willingness(actor=cw, member=person, asked_on=days_ago(1), willing=False)
    assert fields(no_reason) == {"reason"}
    able = tekun_person(cw, villages["a"], name="能自理", lost=0)
    with pytest.raises(ValidationError) as self_care:
        services.record_willingness(actor=cw, member=able, asked_on=days_ago(1), willing=True)
    assert fields(self_care) == {"member"}
    not_tekun = elder_member(cw, villages["a"])
    with pytest.raises(ValidationError) as no_tekun:
        services.record_willingness(actor=cw, member=not_tekun, asked_on=today() + timedelta(1), willing=True)
    assert fields(no_tekun) == {"member", "asked_on"}
    assert CareWillingness.objects.count() == 1


def test_the_disabled_share_counts_persons_living_in_a_home(users, villages):
    from eldercare.models import NursingHome, Residence

    cw = users["caseworker"]
    at_home = tekun_person(cw, villages["a"], name="分散失能")
    in_home = tekun_person(cw, villages["a"], name="集中失能", lost=5, mode="centralized")
    tekun_person(cw, villages["a"], name="能自理", lost=0)
    home = NursingHome.objects.create(township=at_home.household.township, name="测试敬老院")
    enrollment = selectors.tekun_enrollment(in_home)
    Residence.objects.create(member=in_home, home=home, enrollment=enrollment, start=days_ago(100))
    services.record_willingness(actor=cw, member=at_home, asked_on=days_ago(2), willing=False, reason="故土难离")
    rows = selectors.disabled_tekun(cw, today=today())
    by_name = {r.member.name: r for r in rows}
    assert set(by_name) == {"分散失能", "集中失能"}
    assert (by_name["集中失能"].in_home, by_name["分散失能"].in_home) == (True, False)
    assert (by_name["分散失能"].willing, by_name["分散失能"].asked_on) == (False, days_ago(2))
    share = selectors.disabled_share(rows)
    assert (share.total, share.in_home, share.centralized, share.share) == (2, 1, 1, Decimal("50.0"))
    assert selectors.disabled_tekun(users["caseworker_b"], today=today()).count() == 0


def test_caregiver_visits_only_for_dispersed_support(users, villages):
    cw = users["caseworker"]
    dispersed = tekun_person(cw, villages["a"])
    centralized = tekun_person(cw, villages["a"], name="集中", mode="centralized")
    data = {"visited_on": days_ago(1), "visitor": "照料人甲", "way": "home"}
    visit = services.record_caregiver_visit(actor=cw, member=dispersed, data=data)
    assert visit.enrollment.support_mode == "dispersed"
    with pytest.raises(ValidationError) as error:
        services.record_caregiver_visit(actor=cw, member=centralized, data=data)
    assert fields(error) == {"member"}


def test_the_pilot_township_is_marked_by_the_seed_function(db):
    gaogu = Township.objects.get(name="高谷镇")
    TownshipCareSetting.objects.all().delete()
    assert services.seed_pilot_townships() == 1
    assert services.seed_pilot_townships() == 1  # idempotent
    assert selectors.pilot_townships() == {gaogu.pk}


# Facilities and tasks ------------------------------------------------------------------------------------------


def test_one_centre_per_township_and_one_station_per_village(users, villages):
    cw = users["caseworker"]
    township = villages["a"].township
    centre = {
        "kind": "centre",
        "township": township,
        "name": "汉葭养老服务中心",
        "land_area": "500",
        "floor_area": "800",
    }
    services.save_facility(actor=cw, data=centre)
    with pytest.raises(ValidationError) as second:
        services.save_facility(actor=cw, data={**centre, "name": "第二中心"})
    assert fields(second) == {"kind"}
    station = {"kind": "station", "township": township, "village": villages["a"], "name": "甲村站点"}
    services.save_facility(actor=cw, data=station)
    with pytest.raises(ValidationError) as twice:
        services.save_facility(actor=cw, data={**station, "name": "甲村第二站点"})
    assert fields(twice) == {"village"}
    with pytest.raises(ValidationError) as bad:
        services.save_facility(
            actor=cw,
            data={"kind": "station", "township": township, "village": villages["b"], "name": "", "land_area": "-1"},
        )
    assert fields(bad) == {"village", "name", "land_area"}
    with pytest.raises(ValidationError) as huge:
        services.save_facility(actor=cw, data={**station, "village": None, "land_area": "1e30"})
    assert fields(huge) == {"village", "land_area"}
    assert CareFacility.objects.count() == 2
    with pytest.raises(PermissionDenied):
        services.save_facility(actor=users["caseworker_b"], data={**centre, "name": "越权"})


def test_coverage_counts_villages_land_and_registered_residents(users, villages):
    cw = users["caseworker"]
    township = villages["a"].township
    household = make_household(cw, villages["a"])
    for n in range(4):
        make_member(cw, household, name=f"居民{n}", relation="head" if n == 0 else "child", born=date(1980 + n, 1, 1))
    services.save_facility(actor=cw, data={"kind": "centre", "township": township, "name": "中心", "land_area": "0.6"})
    services.save_facility(
        actor=cw,
        data={"kind": "station", "township": township, "village": villages["a"], "name": "站", "land_area": "0.2"},
    )
    row = next(t for t in selectors.township_coverage(cw) if t.pk == township.pk)
    residents = row.residents
    assert residents >= 4
    assert row.has_centre and row.covered_villages == 1 and row.land == Decimal("0.80")
    assert selectors.land_per_resident(row.land, residents) == (Decimal("0.8") / residents).quantize(Decimal("0.001"))
    assert selectors.land_standard(today()) == Decimal("0.2")
    assert [t.pk for t in selectors.township_coverage(cw)] == [township.pk]


def test_construction_tasks_validate_year_and_completion(users, villages):
    cw = users["caseworker"]
    township = villages["a"].township
    task = services.save_task(
        actor=cw, data={"year": 2020, "township": township, "kind": "centre", "planned_on": date(2020, 12, 31)}
    )
    assert task.completed_on is None
    with pytest.raises(ValidationError) as error:
        services.save_task(
            actor=cw,
            data={
                "year": 99999,
                "township": township,
                "kind": "station",
                "planned_on": None,
                "completed_on": today() + timedelta(2),
            },
        )
    assert fields(error) == {"year", "village", "planned_on", "completed_on"}
