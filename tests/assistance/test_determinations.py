"""Determinations from the registry's facts as of the month, stored with their snapshot and reasons."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assistance import enrollments
from assistance.determinations import determine_household, latest_determination
from assistance.policy.evaluate import evaluate_json
from assistance.selectors import month_lookup
from cases import services
from tests.helpers import enroll, make_household, make_member, valid_id

pytestmark = pytest.mark.django_db
OCT = date(2020, 10, 1)


def income(actor, household, member, kind, amount, start=date(2020, 1, 1), end=None):
    fact = services.add_fact(
        actor=actor,
        household=household,
        kind="income",
        data={"member": member, "kind": kind, "monthly_amount": Decimal(amount), "valid_from": start},
    )
    if end:
        services.end_fact(actor=actor, fact=fact, valid_to=end)
    return fact


@pytest.fixture
def worked_example(users, villages):
    """policy.md §3's worked example: rural, October 2020, household of 4 → 低保金 1,024."""
    actor = users["caseworker"]
    household = make_household(actor, villages["a"], area_type="rural")
    worker = make_member(actor, household, name="务工者", relation="head", born=date(1978, 3, 15), employed=True)
    make_member(actor, household, name="配偶", relation="spouse", born=date(1980, 6, 20))
    make_member(actor, household, name="老人", relation="parent", born=date(1948, 1, 1))
    make_member(actor, household, name="学生", relation="child", born=date(2010, 9, 1), schooling="student")
    income(actor, household, worker, "wage", "1600")
    income(actor, household, worker, "property", "200")
    services.add_fact(
        actor=actor,
        household=household,
        kind="expenditure",
        data={"member": worker, "kind": "medical", "monthly_amount": Decimal("200"), "valid_from": date(2020, 1, 1)},
    )
    return household


def test_worked_example_from_the_registry(users, worked_example):
    determination = determine_household(actor=users["caseworker"], household=worked_example, month=date(2020, 10, 15))
    assert determination.month == OCT
    assert determination.dibao_decision == "grant"
    assert determination.dibao_amount == Decimal("1024.00")
    assert determination.result["household"]["per_capita_income"] == "280.00"
    assert determination.parameters_used["dibao.standard.rural"]["effective_from"] == "2020-09-01"
    assert any("280.00" in reason for reason in determination.result["outcomes"][0]["reasons"])
    assert latest_determination(worked_example) == determination


def test_snapshot_replays_through_the_evaluator(users, worked_example):
    determination = determine_household(actor=users["caseworker"], household=worked_example, month=OCT)
    replay = evaluate_json(determination.input_snapshot, month_lookup(OCT))
    assert replay["outcomes"] == determination.result["outcomes"]


def test_facts_of_the_month_are_used(users, worked_example):
    worker = worked_example.members.get(name="务工者")
    services.end_fact(actor=users["caseworker"], fact=worker.incomes.get(kind="wage"), valid_to=date(2020, 9, 30))
    income(users["caseworker"], worked_example, worker, "wage", "3000", start=date(2020, 10, 2))
    sept = determine_household(actor=None, household=worked_example, month=date(2020, 9, 1))
    oct_ = determine_household(actor=None, household=worked_example, month=OCT)
    nov = determine_household(actor=None, household=worked_example, month=date(2020, 11, 1))
    assert sept.result["household"]["counted_income"] == "1120.00"  # the 1,600 wage, valid on 09-01
    assert oct_.result["household"]["counted_income"] == "0.00"  # on 10-01 no wage: 200 rent − 200 medical
    assert nov.result["household"]["counted_income"] == "2504.00"  # 3,000 − min(900, cap 496) + 200 − 200


def test_members_dead_before_the_month_are_left_out(users, worked_example):
    elder = worked_example.members.get(name="老人")
    enrollments.record_death(actor=users["caseworker"], member=elder, died_on=date(2020, 9, 20))
    determination = determine_household(actor=None, household=worked_example, month=OCT)
    assert str(elder.pk) not in determination.result["household"]["members"]
    assert len(determination.result["household"]["members"]) == 3


def test_registry_status_comes_from_the_members(users, villages):
    actor = users["caseworker"]
    household = make_household(actor, villages["a"])
    make_member(actor, household, relation="head", poverty_status="lifted", id_number=valid_id())
    make_member(actor, household, relation="child", poverty_status="monitored", born=date(2005, 1, 1))
    determination = determine_household(actor=None, household=household, month=OCT)
    assert determination.input_snapshot["poverty_registry"] == "monitored"


def test_no_members_or_no_parameters_is_a_clear_error(users, villages):
    household = make_household(users["caseworker"], villages["a"])
    with pytest.raises(ValidationError, match="没有在册成员"):
        determine_household(actor=None, household=household, month=OCT)
    make_member(users["caseworker"], household, born=date(1960, 1, 1))
    with pytest.raises(ValidationError, match=r"dibao\.standard\.rural"):
        determine_household(actor=None, household=household, month=date(2017, 6, 1))


@pytest.mark.parametrize(
    ("status", "start", "end", "seen"),
    [
        ("active", OCT, None, "active"),  # the first month counts
        ("gradual_exit", date(2020, 5, 1), OCT, "gradual_exit"),  # the last month counts
        ("exited", date(2020, 5, 1), OCT, "none"),  # an exit already decided: the rules see it leaving
        ("active", date(2020, 11, 1), None, "none"),
    ],
)
def test_the_rules_see_the_dibao_in_force(worked_example, status, start, end, seen):
    enroll(worked_example, status=status, start_month=start, end_month=end, amount="500")
    determination = determine_household(actor=None, household=worked_example, month=OCT)
    assert determination.input_snapshot["current_dibao"]["status"] == seen
