"""集中供养 payees from residences (the home of the residence covering the payroll month) and the data migration's
function that maps enrollments' institution names to homes and residences."""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eldercare.models import NursingHome, Residence
from eldercare.services import homes as services
from payments import planning
from payments.models import InstitutionAccount
from payments.payees import NO_RESIDENCE
from tests.eldercare import fixtures_homes as fx
from tests.eldercare.fixtures_homes import make_home
from tests.helpers import enroll, make_household, make_member

pytestmark = pytest.mark.django_db
homes_world = fx.homes_world

OCT = date(2020, 10, 1)


def tekun_line(township_id: int, month: date = OCT):
    return planning.plan(township_id, month, "tekun").lines


def test_the_payee_is_the_home_of_the_residence_in_the_month(users, homes_world):
    cw, w = users["caseworker"], homes_world
    [line] = tekun_line(w.home.township_id)
    assert (line.payee_kind, line.payee_name, line.problem) == ("institution", "", NO_RESIDENCE)
    first = services.add_residence(actor=cw, home=w.home, member=w.elder, kind="tekun", start=date(2020, 3, 1))
    [line] = tekun_line(w.home.township_id)
    assert (line.payee_name, line.bank_account, line.problem) == ("汉葭敬老院", "6228480000000000999", "")
    services.end_residence(actor=cw, residence=first, end=date(2020, 10, 14), reason="转院")
    second = make_home(cw, w.home.township, "第二敬老院", bank_name="邮储", bank_account="6210980000000000555")
    services.add_residence(actor=cw, home=second, member=w.elder, kind="tekun", start=date(2020, 10, 15))
    [line] = tekun_line(w.home.township_id)
    assert line.payee_name == "汉葭敬老院"  # the home on the month's 1st
    [line] = tekun_line(w.home.township_id, date(2020, 11, 1))
    assert (line.payee_name, line.bank_account) == ("第二敬老院", "6210980000000000555")


def test_a_home_without_account_is_named_as_the_problem(users, homes_world):
    cw, w = users["caseworker"], homes_world
    home = make_home(cw, w.home.township, "无账户敬老院")
    services.add_residence(actor=cw, home=home, member=w.elder, kind="tekun", start=date(2020, 3, 1))
    [line] = tekun_line(w.home.township_id)
    assert line.problem == "机构账户未登记（无账户敬老院）" and line.bank_account == ""


def test_planning_reads_the_residences_in_one_query_whatever_their_number(users, homes_world, villages):
    cw, w = users["caseworker"], homes_world
    services.add_residence(actor=cw, home=w.home, member=w.elder, kind="tekun", start=date(2020, 3, 1))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            tekun_line(w.home.township_id)
        return len(queries.captured_queries)

    before = count()
    for n in range(3):
        household = make_household(cw, villages["a"])
        person = make_member(cw, household, name=f"集中{n}", relation="head", born=date(1940, 1, 1))
        enroll(household, "tekun", "1006.00", member=person, support_mode="centralized", institution_name="汉葭敬老院")
        services.add_residence(actor=cw, home=w.home, member=person, kind="tekun", start=date(2020, 3, 1))
    assert count() == before and len(tekun_line(w.home.township_id)) == 4


# The data migration's function -------------------------------------------------------------------------------


@pytest.fixture
def centralized(users, villages):
    cw, cw_b = users["caseworker"], users["caseworker_b"]

    def person(village, actor, name: str, institution: str, start=date(2020, 1, 1), end=None):
        household = make_household(actor, village)
        member = make_member(actor, household, name=name, relation="head", born=date(1940, 1, 1))
        enrollment = enroll(
            household, "tekun", "1006.00", member=member, support_mode="centralized", institution_name=institution
        )
        if end:
            enrollment.status, enrollment.end_month = "exited", end
            enrollment.save()
        return member

    return {
        "a1": person(villages["a"], cw, "甲一", "汉葭敬老院"),
        "a2": person(villages["a"], cw, "甲二", " 汉葭敬老院 ", end=date(2020, 6, 1)),
        "b1": person(villages["b"], cw_b, "乙一", "县社会福利院"),
        "b2": person(villages["b"], cw_b, "乙二", "郁山敬老院"),
    }


def accounts(*names: str) -> None:
    for n, name in enumerate(names):
        InstitutionAccount.objects.create(name=name, bank_name="农商行", bank_account=f"62284800000000{n:05d}")


def test_names_that_match_become_homes_and_residences(centralized, township_a, township_b):
    accounts("汉葭敬老院", "县社会福利院", "郁山敬老院", "无人入住敬老院")
    result = services.link_institutions(apps)
    assert result == {"homes": 4, "residences": 4}
    homes = {h.name: h for h in NursingHome.objects.all()}
    assert (homes["汉葭敬老院"].kind, homes["汉葭敬老院"].township) == ("township", township_a)
    assert (homes["郁山敬老院"].kind, homes["郁山敬老院"].township) == ("township", township_b)
    assert (homes["县社会福利院"].kind, homes["县社会福利院"].township) == ("county", None)
    assert homes["无人入住敬老院"].kind == "county"  # no resident and no township name in it: the county's
    assert homes["汉葭敬老院"].bank_account == "6228480000000000000"
    ended = Residence.objects.get(member=centralized["a2"])
    assert (ended.home.name, ended.start, ended.end) == ("汉葭敬老院", date(2020, 1, 1), date(2020, 6, 30))
    assert Residence.objects.get(member=centralized["b1"]).home.name == "县社会福利院"
    assert services.link_institutions(apps) == {"homes": 0, "residences": 0}  # a second run adds nothing


def test_a_home_without_residents_takes_the_township_its_name_starts_with(db, township_a):
    accounts(f"{township_a.name[:2]}敬老院")
    services.link_institutions(apps)
    assert NursingHome.objects.get().township == township_a


def test_names_that_match_nothing_stop_with_the_list_and_write_nothing(centralized):
    accounts("汉葭敬老院")
    with pytest.raises(services.UnmatchedInstitutions) as error:
        services.link_institutions(apps)
    assert error.value.names == ["县社会福利院", "郁山敬老院"]
    assert "县社会福利院、郁山敬老院" in str(error.value)
    assert not NursingHome.objects.exists() and not Residence.objects.exists()


def test_an_existing_home_of_that_name_is_used(users, centralized, township_b):
    make_home(users["caseworker_b"], township_b, "郁山敬老院", bank_account="6228480000000000777")
    accounts("汉葭敬老院", "县社会福利院")
    services.link_institutions(apps)
    assert Residence.objects.get(member=centralized["b2"]).home.bank_account == "6228480000000000777"
