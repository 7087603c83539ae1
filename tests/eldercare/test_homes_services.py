"""The homes services: homes, residences (township, overlap, 特困 link), staff, certificates, duty shifts, logs and
patrols, each refusing bad input with the field named and nothing saved."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from eldercare.models import Certificate, DutyShift, NursingHome, Residence, Staff
from eldercare.services import homes as services
from tests.eldercare import fixtures_homes as fx
from tests.eldercare.fixtures_homes import at, make_home, staff_data
from tests.helpers import enroll, make_household, make_member

pytestmark = pytest.mark.django_db
homes_world = fx.homes_world


def fields(error: ValidationError) -> set[str]:
    return set(error.value.message_dict)


def test_a_township_home_needs_its_township_and_a_unique_name(users, homes_world, township_a):
    cw = users["caseworker"]
    with pytest.raises(ValidationError) as error:
        services.save_home(actor=cw, data={"kind": "township", "name": "新敬老院", "beds": 5, "status": "open"})
    assert fields(error) == {"township"}
    with pytest.raises(ValidationError) as error:
        make_home(cw, township_a, "汉葭敬老院")
    assert fields(error) == {"name"}
    with pytest.raises(ValidationError) as error:
        make_home(cw, township_a, "坏账号敬老院", bank_account="12ab")
    assert fields(error) == {"bank_account"}
    assert NursingHome.objects.count() == 2


def test_only_the_county_records_a_county_home_and_no_one_another_townships(users, homes_world, township_b):
    data = {"kind": "county", "township": None, "name": "县社会福利院", "beds": 100, "status": "open"}
    with pytest.raises(PermissionDenied):
        services.save_home(actor=users["caseworker"], data=data)
    assert services.save_home(actor=users["county_staff"], data=data).township_id is None
    with pytest.raises(PermissionDenied):
        make_home(users["caseworker"], township_b, "别的乡镇敬老院")
    with pytest.raises(PermissionDenied):
        services.save_staff(actor=users["auditor"], home=homes_world.home, data=staff_data("审计"))


def test_a_tekun_residence_links_the_centralized_enrollment(users, homes_world):
    w = homes_world
    residence = services.add_residence(
        actor=users["caseworker"], home=w.home, member=w.elder, kind="tekun", start=date(2020, 3, 1)
    )
    assert residence.enrollment == w.tekun and residence.covers(date(2020, 10, 1))


def test_a_tekun_residence_without_a_centralized_enrollment_is_refused(users, homes_world, villages):
    cw = users["caseworker"]
    household = make_household(cw, villages["a"])
    person = make_member(cw, household, name="分散供养", relation="head", born=date(1940, 1, 1))
    enroll(household, "tekun", "700.00", member=person, support_mode="dispersed", caregiver_name="邻居")
    with pytest.raises(ValidationError) as error:
        services.add_residence(actor=cw, home=homes_world.home, member=person, kind="tekun", start=date(2020, 3, 1))
    assert fields(error) == {"kind"} and not Residence.objects.exists()
    other = services.add_residence(actor=cw, home=homes_world.home, member=person, kind="other", start=date(2020, 3, 1))
    assert other.enrollment is None


def test_overlapping_residences_are_refused_naming_the_start(users, homes_world):
    w, cw = homes_world, users["caseworker"]
    services.add_residence(actor=cw, home=w.home, member=w.elder, kind="tekun", start=date(2020, 3, 1))
    second = make_home(cw, w.home.township, "第二敬老院")
    with pytest.raises(ValidationError, match="汉葭敬老院") as error:
        services.add_residence(actor=cw, home=second, member=w.elder, kind="other", start=date(2020, 6, 1))
    assert fields(error) == {"start"} and Residence.objects.count() == 1


def test_ending_then_moving_homes_works_and_a_bad_end_is_refused(users, homes_world):
    w, cw = homes_world, users["caseworker"]
    residence = services.add_residence(actor=cw, home=w.home, member=w.elder, kind="tekun", start=date(2020, 3, 1))
    with pytest.raises(ValidationError) as error:
        services.end_residence(actor=cw, residence=residence, end=date(2020, 2, 1), reason="转院")
    assert fields(error) == {"end"}
    services.end_residence(actor=cw, residence=residence, end=date(2020, 5, 31), reason="转院")
    second = make_home(cw, w.home.township, "第二敬老院")
    moved = services.add_residence(actor=cw, home=second, member=w.elder, kind="tekun", start=date(2020, 6, 1))
    assert moved.home == second


def test_a_member_of_another_township_only_in_a_county_home(users, homes_world):
    w = homes_world
    with pytest.raises(ValidationError) as error:
        services.add_residence(
            actor=users["county_staff"], home=w.home_b, member=w.elder, kind="other", start=date(2020, 3, 1)
        )
    assert fields(error) == {"member"}
    county = services.save_home(
        actor=users["county_staff"],
        data={"kind": "county", "township": None, "name": "县社会福利院", "beds": 100, "status": "open"},
    )
    residence = services.add_residence(
        actor=users["county_staff"], home=county, member=w.elder, kind="tekun", start=date(2020, 3, 1)
    )
    assert residence.home == county


def test_certificates_expiring_before_issue_and_other_without_title_are_refused(users, homes_world):
    cw, cook = users["caseworker"], homes_world.cook
    base = {"kind": "health", "number": "JK001", "issuer": "县疾控中心", "issued_on": date(2020, 1, 1)}
    with pytest.raises(ValidationError) as error:
        services.save_certificate(actor=cw, staff=cook, data={**base, "expires_on": date(2019, 12, 31)})
    assert fields(error) == {"expires_on"}
    with pytest.raises(ValidationError) as error:
        services.save_certificate(actor=cw, staff=cook, data={**base, "kind": "other", "expires_on": None})
    assert fields(error) == {"title"}
    assert not Certificate.objects.exists()
    assert services.save_certificate(actor=cw, staff=cook, data={**base, "expires_on": date(2021, 1, 1)}).pk


def test_staff_id_numbers_are_checked_and_leaving_before_hiring_refused(users, homes_world):
    cw, home = users["caseworker"], homes_world.home
    with pytest.raises(ValidationError) as error:
        services.save_staff(actor=cw, home=home, data=staff_data("错号", id_number="500243197001010000"))
    assert fields(error) == {"id_number"}
    with pytest.raises(ValidationError) as error:
        services.end_staff(actor=cw, staff=homes_world.carer, left_on=date(2018, 1, 1), reason="")
    assert fields(error) == {"left_on"}
    left = services.end_staff(actor=cw, staff=homes_world.carer, left_on=date(2020, 6, 30), reason="辞职")
    assert not left.is_current(date(2020, 7, 1)) and left.is_current(date(2020, 6, 30))


def test_shifts_refuse_cooks_and_ends_before_starts_and_take_overnight(users, homes_world):
    cw, w = users["caseworker"], homes_world
    day = date(2020, 10, 1)
    with pytest.raises(ValidationError, match="炊事员") as error:
        services.add_shift(actor=cw, home=w.home, staff=w.cook, day=day, start=time(8), end=time(20))
    assert fields(error) == {"staff"}
    with pytest.raises(ValidationError) as error:
        services.add_shift(actor=cw, home=w.home, staff=w.manager, day=day, start=time(20), end=time(8))
    assert fields(error) == {"end"}
    with pytest.raises(ValidationError) as error:
        services.add_shift(actor=cw, home=w.home, staff=w.manager, day=day, start=time(8), end=time(9), overnight=True)
    assert fields(error) == {"end"}
    with pytest.raises(ValidationError) as error:
        services.add_shift(actor=cw, home=w.home, staff=w.manager_b, day=day, start=time(8), end=time(20))
    assert fields(error) == {"staff"}
    assert not DutyShift.objects.exists()
    night = services.add_shift(
        actor=cw, home=w.home, staff=w.carer, day=day, start=time(20), end=time(8), overnight=True
    )
    assert str(night) == "2020-10-01 20:00–次日08:00"


def test_duty_logs_and_patrols_need_their_text_and_home_staff(users, homes_world):
    cw, w = users["caseworker"], homes_world
    with pytest.raises(ValidationError) as error:
        services.add_duty_log(actor=cw, home=w.home, day=date(2020, 10, 1), handover="  ")
    assert fields(error) == {"handover"}
    with pytest.raises(ValidationError) as error:
        services.add_patrol(actor=cw, home=w.home, at=at(date(2020, 10, 1), 23), staff=w.manager_b, areas="全院")
    assert fields(error) == {"staff"}
    patrol = services.add_patrol(actor=cw, home=w.home, at=at(date(2020, 10, 1), 23), staff=w.carer, areas="全院")
    assert patrol.staff == w.carer and Staff.objects.filter(home=w.home).count() == 3
