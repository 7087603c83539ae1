"""The groups area's services and the disabled persons ledger from crafted data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from childcare.models import FukangService, LeftBehindWoman
from childcare.selectors import groups as selectors
from childcare.services import groups as services
from tests.childcare.fixtures_groups import build_world, determination
from tests.helpers import make_household, make_member, valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users, villages, township_a, township_b):
    return build_world(users, villages, township_a, township_b)


YEAR = 2026


def field_of(error: ValidationError) -> set[str]:
    return set(error.value.message_dict)


# Left-behind women ------------------------------------------------------------------------------------------


def test_generate_from_registry_flags_is_idempotent_and_skips_men_and_the_unmarried(world):
    cw = world.users["caseworker"]
    first = services.generate_women(actor=cw, township_id=world.a.pk, year=YEAR)
    assert first.created == 1 and first.existing == 0
    assert sorted(first.skipped) == ["王女儿（户籍中看不出已婚）", "王标错（男性）"]
    second = services.generate_women(actor=cw, township_id=world.a.pk, year=YEAR)
    assert (second.created, second.existing) == (0, 1)
    rows = LeftBehindWoman.objects.filter(year=YEAR)
    assert [(r.member_id, r.source, r.township_id) for r in rows] == [(world.wife.pk, "registry", world.a.pk)]


def test_generate_is_refused_in_another_township_and_for_auditors(world):
    with pytest.raises(PermissionDenied):
        services.generate_women(actor=world.users["caseworker_b"], township_id=world.a.pk, year=YEAR)
    with pytest.raises(PermissionDenied):
        services.generate_women(actor=world.users["auditor"], township_id=world.a.pk, year=YEAR)
    assert not LeftBehindWoman.objects.exists()


def test_add_woman_refuses_a_man_naming_the_member_field(world):
    with pytest.raises(ValidationError) as error:
        services.add_woman(actor=world.users["caseworker"], member=world.man, year=YEAR, data={})
    assert field_of(error) == {"member"}
    assert "男性" in error.value.message_dict["member"][0]
    assert not LeftBehindWoman.objects.exists()


def test_add_woman_refuses_one_the_registry_does_not_know_as_married(world):
    with pytest.raises(ValidationError) as error:
        services.add_woman(actor=world.users["caseworker"], member=world.daughter, year=YEAR, data={})
    assert field_of(error) == {"member"}


def test_a_head_with_a_husband_in_the_household_is_married(world):
    cw = world.users["caseworker"]
    home = make_household(cw, world.villages["a"])
    head = make_member(cw, home, name="陈户主", id_number=valid_id(date(1985, 1, 1), male=False), relation="head")
    make_member(cw, home, name="陈丈夫", id_number=valid_id(date(1984, 1, 1)), relation="spouse")
    woman = services.add_woman(actor=cw, member=head, year=YEAR, data={"children_in_care": 2})
    assert woman.children_in_care == 2 and woman.source == "manual"


def test_add_woman_twice_a_year_and_bad_values_are_refused_with_the_field(world):
    cw = world.users["caseworker"]
    services.add_woman(actor=cw, member=world.wife, year=YEAR, data={"husband_away_where": "广东东莞"})
    with pytest.raises(ValidationError) as error:
        services.add_woman(actor=cw, member=world.wife, year=YEAR, data={})
    assert field_of(error) == {"member"}
    future = timezone.localdate() + timedelta(days=2)
    for data, field in (
        ({"screened_on": future}, "screened_on"),
        ({"husband_away_since": future}, "husband_away_since"),
        ({"children_in_care": 99}, "children_in_care"),
        ({"screened_on": date(2019, 5, 1)}, "screened_on"),
    ):
        with pytest.raises(ValidationError) as error:
            services.add_woman(actor=cw, member=world.wife, year=YEAR - 1, data=data)
        assert field_of(error) == {field}
    with pytest.raises(ValidationError) as error:
        services.add_woman(actor=cw, member=world.wife, year=99999, data={})
    assert field_of(error) == {"year"}
    assert LeftBehindWoman.objects.count() == 1


def test_update_woman_keeps_the_record_and_its_history(world):
    cw = world.users["caseworker"]
    woman = services.add_woman(actor=cw, member=world.wife, year=YEAR, data={})
    services.update_woman(actor=cw, woman=woman, data={"health": "ill", "needs": "就医帮扶"})
    woman.refresh_from_db()
    assert (woman.health, woman.needs) == ("ill", "就医帮扶")
    history = selectors.record_history(woman, full_identity=True)
    assert history[0].action_label == "修改"
    assert ("健康状况", ("", "患病")) in history[0].changes


# 福康工程 -------------------------------------------------------------------------------------------------------


def service_data(**changes):
    return {"kind": "rehabilitation", "started_on": date(2025, 3, 1), "provider": "县康复中心", **changes}


def test_a_service_for_a_poor_severely_disabled_person_needs_no_reason(world):
    service = services.add_service(actor=world.users["caseworker"], member=world.severe, data=service_data())
    assert service.township_id == world.a.pk and service.exception_reason == ""


def test_a_service_for_another_disabled_person_needs_the_exception_reason(world):
    cw = world.users["caseworker"]
    with pytest.raises(ValidationError) as error:
        services.add_service(actor=cw, member=world.mild, data=service_data())
    assert field_of(error) == {"exception_reason"}
    service = services.add_service(actor=cw, member=world.mild, data=service_data(exception_reason="县残联特批"))
    assert service.exception_reason == "县残联特批"


def test_a_person_on_the_roll_only_counts_as_disabled(world):
    # 孙名单 has no disability in the registry; the 残联 roll says grade 2 — not poor, so a reason is asked.
    with pytest.raises(ValidationError) as error:
        services.add_service(actor=world.users["caseworker"], member=world.on_roll, data=service_data())
    assert field_of(error) == {"exception_reason"}


def test_a_service_for_a_person_without_disability_is_refused(world):
    with pytest.raises(ValidationError) as error:
        services.add_service(actor=world.users["caseworker"], member=world.husband, data=service_data())
    assert field_of(error) == {"member"}


def test_service_dates_and_fields_are_checked(world):
    cw = world.users["caseworker"]
    for data, field in (
        (service_data(ended_on=date(2025, 2, 1)), "ended_on"),
        (service_data(started_on=timezone.localdate() + timedelta(days=1)), "started_on"),
        (service_data(started_on=date(1901, 1, 1)), "started_on"),
        (service_data(kind="magic"), "kind"),
        (service_data(provider="  "), "provider"),
    ):
        with pytest.raises(ValidationError) as error:
            services.add_service(actor=cw, member=world.severe, data=data)
        assert field_of(error) == {field}
    assert not FukangService.objects.exists()


def test_service_in_another_township_is_refused(world):
    with pytest.raises(PermissionDenied):
        services.add_service(actor=world.users["caseworker_b"], member=world.severe, data=service_data())


# The ledger -------------------------------------------------------------------------------------------------


def rows_by_name(user, **filters):
    return {row.member.name: row for row in selectors.ledger_rows(list(selectors.disabled_ledger(user, **filters)))}


def test_the_ledger_lists_registry_and_roll_members_with_subsidies_and_reasons(world):
    rows = rows_by_name(world.users["caseworker"])
    assert set(rows) == {"赵重残", "钱轻残", "孙名单"}
    severe = rows["赵重残"]
    assert (severe.category, severe.grade, severe.source) == ("肢体", 1, "户籍")
    assert severe.care.granted and severe.care.text == "已享受"
    assert not severe.living.granted
    assert "家庭未纳入低保或单人户施保" in severe.living.text and "不低于标准" in severe.living.text
    assert severe.poverty == "未脱贫"
    assert severe.member.open_entry_id == world.entry.pk
    mild = rows["钱轻残"]
    assert (mild.living.text, mild.care.text) == ("未测算", "未测算")
    assert mild.member.open_entry_id is None
    roll = rows["孙名单"]
    assert (roll.category, roll.grade, roll.source) == ("智力", 2, "残联名单")


def test_the_determinations_outcome_reason_is_shown_when_it_has_one(world):
    cw = world.users["caseworker"]
    determination(
        world.mild.household,
        [
            {"benefit": "dibao", "decision": "grant", "monthly_amount": "300.00", "reasons": ["人均收入低于标准"]},
            {
                "benefit": "disability_living",
                "member": str(world.mild.pk),
                "decision": "grant",
                "monthly_amount": "80.00",
                "reasons": ["听力4级，低保"],
            },
        ],
        [str(world.mild.pk)],
        [{"ref": str(world.mild.pk), "disability": {"category": "hearing", "grade": 4}}],
    )
    mild = rows_by_name(cw)["钱轻残"]
    assert "符合（听力4级，低保），尚未纳入" in mild.living.text
    assert "残疾等级为4级，不属重度残疾" in mild.care.text


def test_a_tekun_person_gets_the_engines_tekun_reason(world):
    determination(
        world.mild.household,
        [
            {
                "benefit": "tekun",
                "member": str(world.mild.pk),
                "decision": "grant",
                "monthly_amount": "700.00",
                "reasons": ["无劳动能力"],
            }
        ],
        [str(world.mild.pk)],
        [{"ref": str(world.mild.pk), "disability": {"category": "hearing", "grade": 4}}],
    )
    mild = rows_by_name(world.users["caseworker"])["钱轻残"]
    assert "属特困供养人员" in mild.living.text


def test_the_ledger_filters(world):
    cw = world.users["caseworker"]
    assert set(rows_by_name(cw, grade="severe")) == {"赵重残", "孙名单"}
    assert set(rows_by_name(cw, grade="4")) == {"钱轻残"}
    assert set(rows_by_name(cw, care="yes")) == {"赵重残"}
    assert set(rows_by_name(cw, care="no")) == {"钱轻残", "孙名单"}
    assert set(rows_by_name(cw, living="yes")) == set()
    assert set(rows_by_name(cw, poverty="unlifted")) == {"赵重残"}
    assert set(rows_by_name(cw, poverty="not_covered")) == {"赵重残", "钱轻残", "孙名单"}
    assert set(rows_by_name(cw, uncovered=True)) == {"赵重残"}
    assert set(rows_by_name(cw, query="钱")) == {"钱轻残"}
    assert set(rows_by_name(cw, query=world.severe.id_number)) == {"赵重残"}


def test_the_ledger_is_scoped_and_roll_only_persons_listed_apart(world):
    assert set(rows_by_name(world.users["caseworker_b"])) == {"周乙残"}
    assert set(rows_by_name(world.users["county_staff"])) == {"赵重残", "钱轻残", "孙名单", "周乙残"}
    only = list(selectors.roll_only_persons(world.users["caseworker"]))
    assert [(r.name, r.id_number) for r in only] == [("吴不在册", world.stranger_id)]
    assert list(selectors.roll_only_persons(world.users["caseworker_b"])) == []


def test_the_ledger_reads_a_page_in_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    cw = world.users["caseworker"]
    with django_assert_max_num_queries(3):
        selectors.ledger_rows(list(selectors.disabled_ledger(cw)))
