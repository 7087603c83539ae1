from __future__ import annotations

import random
from collections import Counter
from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q

from cases import selectors
from cases.demo import (
    DEMO_PASSWORD,
    DEMO_USERS,
    OLD_REGION_CODES,
    REFERENCE_DATE,
    ResetRefused,
    reset_households,
    seed_demo,
    seed_households,
)
from cases.models import (
    COUNTY_CODE,
    Application,
    AssetRecord,
    Household,
    IllnessCatalog,
    IncomeItem,
    Member,
    User,
    Village,
)
from core import idnumber

pytestmark = pytest.mark.django_db

COUNT = 300


def snapshot() -> list[tuple[str, str, str]]:
    return list(Village.objects.order_by("code").values_list("code", "name", "township__name"))


def people() -> list[tuple[str, str, str, date]]:
    return list(
        Member.objects.order_by("household__number", "id_number").values_list(
            "household__number", "id_number", "name", "birth_date"
        )
    )


def test_same_seed_gives_same_data_and_rerun_adds_nothing():
    call_command("seed_demo", seed=7, households=0)
    first = snapshot()
    assert 39 * 6 <= len(first) <= 39 * 10
    call_command("seed_demo", seed=7, households=0)
    assert snapshot() == first
    Village.objects.all().delete()
    call_command("seed_demo", seed=7, households=0)
    assert snapshot() == first
    Village.objects.all().delete()
    call_command("seed_demo", seed=8, households=0)
    assert snapshot() != first


def test_one_demo_user_per_role_can_log_in():
    call_command("seed_demo", seed=1)
    assert {role for _, _, role, _ in DEMO_USERS} == set(User.Role.values)
    for username, _, role, _ in DEMO_USERS:
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None and user.role == role


# Households ---------------------------------------------------------------------------------------------------


@pytest.fixture
def demo() -> dict[str, int]:
    return seed_demo(seed=11, households=COUNT)


def test_same_seed_gives_same_households_and_another_seed_others():
    seed_demo(seed=11, households=COUNT)
    first = people()
    assert len({number for number, *_ in first}) == COUNT
    reset_households()
    seed_demo(seed=11, households=COUNT)
    assert people() == first
    reset_households()
    seed_demo(seed=12, households=COUNT)
    assert people() != first


def test_counts_and_family_sizes(demo):
    assert demo["households"] == Household.objects.count() == COUNT
    assert demo["members"] == Member.objects.count()
    assert demo["assets"] == AssetRecord.objects.count() == COUNT
    assert demo["incomes"] == IncomeItem.objects.count() > COUNT / 2
    sizes = Counter(Household.objects.annotate(n=Count("members")).values_list("n", flat=True))
    assert set(sizes) <= set(range(1, 7)) and len(sizes) >= 4
    assert 1.5 * COUNT < demo["members"] < 4.5 * COUNT


def test_every_id_number_is_valid_and_carries_birth_date_and_sex(demo):
    regions = Counter()
    for number, birth_date, sex in Member.objects.values_list("id_number", "birth_date", "sex"):
        assert idnumber.normalize_id_number(number) == number
        assert idnumber.birth_date(number) == birth_date
        assert idnumber.sex(number) == sex
        assert birth_date <= REFERENCE_DATE
        regions[number[:6]] += 1
    assert set(regions) <= {COUNTY_CODE, *OLD_REGION_CODES}
    assert regions[COUNTY_CODE] > 0.9 * sum(regions.values())


def test_no_duplicate_active_id_numbers_even_after_a_second_run(demo):
    seed_demo(seed=11, households=COUNT)
    assert Household.objects.count() == 2 * COUNT
    numbers = list(Member.objects.filter(active=True).values_list("id_number", flat=True))
    assert len(numbers) == len(set(numbers))
    households = list(Household.objects.values_list("number", flat=True))
    assert len(households) == len(set(households))


def test_exactly_one_head_per_household(demo):
    heads = Household.objects.annotate(
        heads=Count("members", filter=Q(members__relation=Member.Relation.HEAD, members__active=True))
    )
    assert set(heads.values_list("heads", flat=True)) == {1}


def test_ages_fit_the_relations(demo):
    def age(member: Member) -> int:
        return member.age_on(REFERENCE_DATE)

    for household in Household.objects.prefetch_related("members"):
        members = list(household.members.all())
        head = next(m for m in members if m.relation == Member.Relation.HEAD)
        assert 25 <= age(head) <= 85
        for member in members:
            if member.relation in (Member.Relation.CHILD, Member.Relation.GRANDCHILD):
                assert member.birth_date > head.birth_date
                assert age(head) - age(member) >= 18
            elif member.relation == Member.Relation.PARENT:
                assert age(member) - age(head) >= 18
            elif member.relation == Member.Relation.SPOUSE:
                assert 22 <= age(member) <= 90 and member.sex != head.sex
            if member.relation == Member.Relation.GRANDCHILD:
                assert age(member) < 18


def test_household_township_is_its_village_township(demo):
    assert not Household.objects.exclude(township=F("village__township")).exists()
    assert Household.objects.values("township").distinct().count() > 20
    for number, code in Household.objects.values_list("number", "village__code"):
        assert number.startswith(code)


def test_attributes_are_consistent(demo):
    members = Member.objects.all()
    assert not members.filter(~Q(disability_category=""), disability_grade__isnull=True).exists()
    for certificate, number in members.exclude(disability_category="").values_list(
        "disability_certificate", "id_number"
    ):
        assert certificate.startswith(number) and len(certificate) == 20
    assert not members.filter(disability_grade__lte=2, work_capacity=Member.WorkCapacity.FULL).exists()
    assert not members.filter(schooling=Member.Schooling.PRESCHOOL, birth_date__lt=date(2014, 10, 1)).exists()
    heads = members.filter(relation=Member.Relation.HEAD)
    assert not heads.filter(bank_account="").exists()
    assert all(account.isdigit() for account in heads.values_list("bank_account", flat=True))
    assert not members.filter(relation=Member.Relation.HEAD, date_of_death__isnull=False).exists()
    assert not IncomeItem.objects.filter(member__date_of_death__isnull=False).exists()
    assert not members.filter(employed=True).exclude(not_counted_reason="").exists()
    assert IllnessCatalog.objects.filter(name="尿毒症").exists()
    # 建档立卡 status is the same for everybody in a household.
    assert not Household.objects.annotate(n=Count("members__poverty_status", distinct=True)).filter(n__gt=1).exists()
    assert IncomeItem.objects.filter(valid_from__year__in=[2019, 2020]).count() == IncomeItem.objects.count()


def test_rates_over_a_larger_county():
    counts = seed_households(random.Random(5), 0)
    assert counts == {"households": 0}
    seed_demo(seed=5, households=3000)
    members = Member.objects.all()
    total = members.count()
    assert 0.04 < members.exclude(disability_category="").count() / total < 0.08
    assert 0.015 < members.filter(major_illness__isnull=False).count() / total < 0.045
    poor = Household.objects.filter(members__relation="head").exclude(members__poverty_status="none").count()
    assert 0.05 < poor / 3000 < 0.11
    urban = Household.objects.filter(area_type="urban")
    assert urban.filter(township__kind="街道").count() > 0.8 * Household.objects.filter(township__kind="街道").count()
    assert urban.filter(township__kind="乡").count() < 0.1 * Household.objects.filter(township__kind="乡").count()
    assert members.filter(left_behind_elderly=True).exists() and members.filter(left_behind_child=True).exists()
    assert members.exclude(child_status="none").exists()


def test_history_is_skipped_unless_asked_for():
    member_events = apps.get_model("cases", "MemberEvent").objects
    household_events = apps.get_model("cases", "HouseholdEvent").objects
    seed_demo(seed=3, households=20)
    assert not member_events.exists() and not household_events.exists()
    second = seed_demo(seed=3, households=20, history=True)
    assert member_events.count() == second["members"]
    assert household_events.count() == 20
    assert set(member_events.values_list("pgh_context__metadata__source", flat=True)) == {"seed_demo"}


def test_search_finds_demo_households(demo, users):
    county = users["county_staff"]
    member = Member.objects.order_by("id")[7]
    found = selectors.search_households(county, member.id_number)
    assert list(found) == [member.household]
    prefix = member.name[:1]
    by_name = selectors.search_households(county, prefix)
    assert member.household in by_name and by_name.count() >= 2
    page = list(selectors.with_heads(by_name.order_by("number"))[:20])
    assert all(h.head_name and h.member_count for h in page)


def test_reset_is_all_or_nothing(demo, users):
    household = Household.objects.order_by("number").first()
    Application.objects.create(
        number="SQ0001",
        township=household.township,
        household=household,
        received_on=REFERENCE_DATE,
        received_by=users["caseworker"],
        reason="演示",
    )
    with pytest.raises(ResetRefused):
        reset_households()
    with pytest.raises(CommandError):
        call_command("seed_demo", seed=2, households=10, reset=True)
    assert Household.objects.count() == COUNT
    Application.objects.all().delete()
    call_command("seed_demo", seed=2, households=10, reset=True)
    assert Household.objects.count() == 10
    assert not Member.objects.exclude(household__in=Household.objects.all()).exists()
