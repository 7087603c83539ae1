"""Households, members and facts: validation, one person one record, history with the actor."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from cases import services
from cases.models import AssetRecord, Household, IncomeItem, Member, SensitiveAccessLog
from cases.selectors import household_history
from tests.helpers import make_household, make_member, valid_id

pytestmark = pytest.mark.django_db


def test_household_takes_its_township_from_the_village_and_gets_a_number(users, villages, township_a):
    household = make_household(users["caseworker"], villages["a"])
    assert household.township == township_a
    assert household.number == f"{villages['a'].code}0001"  # the village's code + a 4-digit sequence


def test_township_user_cannot_register_in_another_township(users, villages):
    with pytest.raises(PermissionDenied):
        make_household(users["caseworker"], villages["b"])
    with pytest.raises(PermissionDenied):
        make_household(users["auditor"], villages["a"])
    assert not Household.objects.exists()


def test_member_birth_date_and_sex_come_from_the_id_number(users, villages):
    household = make_household(users["caseworker"], villages["a"])
    member = make_member(users["caseworker"], household, id_number="11010519491231002x")
    assert member.id_number == "11010519491231002X"
    assert member.birth_date == date(1949, 12, 31)
    assert member.sex == "F"


def test_fifteen_digit_numbers_are_converted(users, villages):
    household = make_household(users["caseworker"], villages["a"])
    member = make_member(users["caseworker"], household, id_number="512327750101001")
    assert len(member.id_number) == 18 and member.id_number.startswith("51232719750101001")


def test_documented_override_keeps_the_given_birth_date(users, villages):
    household = make_household(users["caseworker"], villages["a"])
    member = make_member(
        users["caseworker"],
        household,
        id_number=valid_id(date(1950, 1, 1)),
        identity_override_reason="户籍登记出生日期有误，见派出所证明",
        birth_date=date(1951, 6, 1),
        sex="F",
    )
    assert member.birth_date == date(1951, 6, 1) and member.sex == "F"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("500243199001010010", "身份证号校验位应为 7"),
        ("50024319900101001", "身份证号应为18位"),
        ("500243199002300017", "出生日期无效"),
        ("500243209901010017", "晚于今天"),
    ],
)
def test_bad_id_numbers_are_field_errors(users, villages, raw, message):
    household = make_household(users["caseworker"], villages["a"])
    with pytest.raises(ValidationError) as error:
        make_member(users["caseworker"], household, id_number=raw)
    assert message in error.value.message_dict["id_number"][0]
    assert not Member.objects.exists()


def test_one_person_one_record(users, villages):
    number = valid_id()
    first = make_member(users["caseworker"], make_household(users["caseworker"], villages["a"]), id_number=number)
    with pytest.raises(ValidationError) as error:
        make_member(users["caseworker"], make_household(users["caseworker"], villages["a"]), id_number=number)
    detail = error.value.error_dict["id_number"][0]
    assert detail.code == "duplicate" and detail.params["member_id"] == first.pk
    # Seen from another township, the message does not reveal who it is.
    with pytest.raises(ValidationError) as error:
        make_member(users["caseworker_b"], make_household(users["caseworker_b"], villages["b"]), id_number=number)
    assert first.name not in error.value.message_dict["id_number"][0]
    # The database refuses it too, whatever path writes it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(
            household=first.household,
            name="x",
            id_number=number,
            birth_date=date(1980, 1, 1),
            sex="M",
            relation="other",
        )
    # Once deactivated, the number may be registered again.
    services.deactivate_member(actor=users["caseworker"], member=first, reason="重复登记")
    make_member(users["caseworker"], make_household(users["caseworker"], villages["a"]), id_number=number)


def test_only_one_head_per_household(users, villages):
    household = make_household(users["caseworker"], villages["a"])
    make_member(users["caseworker"], household, relation="head")
    with pytest.raises(ValidationError) as error:
        make_member(users["caseworker"], household, relation="head")
    assert "已有户主" in error.value.message_dict["relation"][0]


def test_moving_a_member_keeps_the_history(users, villages):
    old = make_household(users["caseworker"], villages["a"])
    new = make_household(users["caseworker"], villages["a"])
    member = make_member(users["caseworker"], old, relation="head")
    services.move_member(actor=users["caseworker"], member=member, to_household=new, relation="spouse")
    rows = household_history(new)
    moved = [row for row in rows if row.action_label == "修改" and row.object_label.endswith(member.name)]
    assert moved and moved[0].actor_name == users["caseworker"].first_name
    assert ("家庭", (old.number, new.number)) in moved[0].changes  # the households by their numbers, not their ids


def test_history_names_the_actor(users, villages):
    household = make_household(users["caseworker"], villages["a"])
    services.save_household(
        actor=users["reviewer"], household=household, data={"village": villages["a"], "address": "新地址"}
    )
    rows = household_history(household)
    assert rows[0].action_label == "修改" and rows[0].actor_name == users["reviewer"].first_name
    assert ("住址", ("测试地址1号", "新地址")) in rows[0].changes
    assert rows[-1].action_label == "新增" and rows[-1].actor_name == users["caseworker"].first_name


def test_unchanged_save_writes_no_history(users, villages):
    household = make_household(users["caseworker"], villages["a"])
    before = len(household_history(household))
    services.save_household(actor=users["caseworker"], household=household, data={"village": villages["a"]})
    assert len(household_history(household)) == before


def test_facts_are_dated_and_never_negative(users, villages):
    household = make_household(users["caseworker"], villages["a"])
    member = make_member(users["caseworker"], household)
    with pytest.raises(ValidationError) as error:
        services.add_fact(
            actor=users["caseworker"],
            household=household,
            kind="income",
            data={"member": member, "kind": "wage", "monthly_amount": Decimal("-1"), "valid_from": date(2020, 1, 1)},
        )
    assert "monthly_amount" in error.value.message_dict
    income = services.add_fact(
        actor=users["caseworker"],
        household=household,
        kind="income",
        data={"member": member, "kind": "wage", "monthly_amount": Decimal("1600"), "valid_from": date(2020, 1, 1)},
    )
    services.end_fact(actor=users["caseworker"], fact=income, valid_to=date(2020, 9, 30))
    assert list(IncomeItem.objects.valid_on(date(2020, 9, 1))) == [income]
    assert not IncomeItem.objects.valid_on(date(2020, 10, 1)).exists()
    asset = services.add_fact(
        actor=users["caseworker"],
        household=household,
        kind="asset",
        data={"financial": 1000, "valid_from": date(2020, 1, 1)},
    )
    assert AssetRecord.objects.valid_on(date(2020, 2, 1)).get() == asset
    with pytest.raises(ValidationError):
        services.end_fact(actor=users["caseworker"], fact=asset, valid_to=date(2019, 1, 1))


def test_fact_must_belong_to_the_household(users, villages):
    one = make_household(users["caseworker"], villages["a"])
    other = make_household(users["caseworker"], villages["a"])
    member = make_member(users["caseworker"], other)
    with pytest.raises(ValidationError):
        services.add_fact(
            actor=users["caseworker"],
            household=one,
            kind="expenditure",
            data={"member": member, "kind": "medical", "monthly_amount": 200, "valid_from": date(2020, 1, 1)},
        )


def test_access_to_children_and_disabled_is_logged(users, villages):
    household = make_household(users["caseworker"], villages["a"])
    adult = make_member(users["caseworker"], household, relation="head")
    child = make_member(users["caseworker"], household, relation="child", born=date(2015, 1, 1))
    disabled = make_member(
        users["caseworker"], household, relation="parent", disability_category="physical", disability_grade=2
    )
    count = services.log_sensitive_access(
        actor=users["auditor"], members=[adult, child, disabled], action="view", what="测试"
    )
    assert count == 2
    assert set(SensitiveAccessLog.objects.values_list("member_id", "user__username")) == {
        (child.pk, "audit"),
        (disabled.pk, "audit"),
    }


def test_member_rules_are_field_errors(users, villages):
    household = make_household(users["caseworker"], villages["a"])
    cases = [
        ({"disability_category": "physical"}, "disability_grade"),
        ({"covid_discharged": date(2020, 2, 1)}, "covid_admitted"),
        ({"covid_admitted": date(2020, 2, 1), "covid_discharged": date(2020, 1, 1)}, "covid_discharged"),
        ({"bank_account": "62-2848"}, "bank_account"),
        ({"payee_id_number": "500243199001010010"}, "payee_id_number"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationError) as error:
            make_member(users["caseworker"], household, **data)
        assert field in error.value.message_dict, data
    assert not Member.objects.exists()


def test_the_head_cannot_leave_a_household_without_a_head(users, villages):
    old = make_household(users["caseworker"], villages["a"])
    head = make_member(users["caseworker"], old, relation="head")
    make_member(users["caseworker"], old, relation="spouse")
    new = make_household(users["caseworker"], villages["a"])
    with pytest.raises(ValidationError, match="新的户主"):
        services.move_member(actor=users["caseworker"], member=head, to_household=new, relation="head")
    services.deactivate_member(actor=users["caseworker"], member=head, reason="迁出县外")
    with pytest.raises(ValidationError, match="已注销"):
        services.move_member(actor=users["caseworker"], member=head, to_household=new, relation="head")


def test_search_by_id_number_household_number_and_name(users, villages):
    from cases.selectors import search_households

    household = make_household(users["caseworker"], villages["a"])
    member = make_member(users["caseworker"], household, name="欧阳明", id_number=valid_id(date(1960, 5, 5)))
    cw = users["caseworker"]
    assert list(search_households(cw, member.id_number.lower())) == [household]
    assert list(search_households(cw, household.number[:15])) == [household]  # 15 digits: also a number prefix
    assert list(search_households(cw, household.number[:10])) == [household]
    assert list(search_households(cw, "欧阳")) == [household]
    assert list(search_households(users["caseworker_b"], "欧阳")) == []
    assert list(search_households(cw, "")) == []
