"""Invariants of the rules over generated households (hypothesis): amounts never negative, 低保 never rising with
income, the same input always giving the same output."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from assistance.policy import model
from assistance.policy.evaluate import evaluate_json
from assistance.policy.model import Assets, Covid, CurrentDibao, Disability, Expense, Household, Income, Member
from assistance.policy.params import Parameters, defaults_lookup
from assistance.policy.rules import evaluate_household
from core.idnumber import check_char

SETTINGS = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

months = st.builds(date, st.integers(2018, 2023), st.integers(1, 12), st.just(1))
# Mostly small amounts, so that many generated households are near the standard and 低保 is often granted.
amounts = st.decimals(min_value=0, max_value=600, places=2) | st.decimals(min_value=0, max_value=6000, places=2)
small_amounts = st.decimals(min_value=0, max_value=800, places=2)
births = st.dates(min_value=date(1920, 1, 1), max_value=date(2017, 12, 1))
disabilities = st.none() | st.builds(Disability, st.sampled_from(model.DISABILITY_CATEGORIES), st.integers(1, 4))
stays = st.none() | st.builds(
    Covid, st.dates(date(2017, 10, 1), date(2024, 2, 1)), st.none() | st.dates(date(2024, 2, 1), date(2024, 3, 1))
)


@st.composite
def members(draw: st.DrawFn, ref: str) -> Member:
    return Member(
        ref=ref,
        birth_date=draw(births),
        counted=draw(st.sampled_from((True, True, True, False))),  # mostly counted
        employed=draw(st.booleans()),
        incomes=tuple(draw(st.lists(st.builds(Income, st.sampled_from(model.INCOME_KINDS), amounts), max_size=3))),
        expenses=tuple(
            draw(st.lists(st.builds(Expense, st.sampled_from(model.EXPENSE_KINDS), small_amounts), max_size=2))
        ),
        disability=draw(disabilities),
        major_illness=draw(st.booleans()),
        schooling=draw(st.sampled_from(model.SCHOOLING)),
        work_capacity=draw(st.sampled_from(model.WORK_CAPACITY)),
        self_care_lost=draw(st.integers(0, 6)),
        able_supporter=draw(st.booleans()),
        child_status=draw(st.sampled_from(model.CHILD_STATUSES)),
        covid=draw(stays),
    )


@st.composite
def households(draw: st.DrawFn, on_dibao: bool | None = None) -> tuple[Household, date]:
    month = draw(months)
    size = draw(st.integers(1, 6))
    people = tuple(draw(members(f"m{i}")) for i in range(size))
    # Nobody is born after the 1st of the month (the parser rejects it).
    people = tuple(replace(p, birth_date=min(p.birth_date, month)) for p in people)
    statuses = ["none", "active", "gradual_exit"]
    if on_dibao is not None:
        statuses = ["active", "gradual_exit"] if on_dibao else ["none"]
    status = draw(st.sampled_from(statuses))
    since = draw(st.none() | st.builds(date, st.integers(2017, month.year), st.integers(1, 12), st.just(1)))
    current = CurrentDibao(status, draw(amounts), since if since is None or since <= month else month)
    assets = Assets(
        financial=draw(st.just(Decimal(0)) | st.decimals(min_value=0, max_value=80000, places=2)),
        vehicles=draw(st.sampled_from((0, 0, 0, 1))),
        shop_front=draw(st.booleans()) and draw(st.booleans()),
        enterprise=draw(st.booleans()) and draw(st.booleans()),
        dwellings=draw(st.integers(0, 3)),
        housing_area_multiple=draw(st.decimals(min_value=0, max_value=6, places=1)),
    )
    household = Household(
        area=draw(st.sampled_from(("urban", "rural"))),
        members=people,
        poverty_registry=draw(st.sampled_from(model.POVERTY_REGISTRY)),
        current_dibao=current,
        assets=assets,
    )
    return household, month


# Orphan allowances start in 2019: these overrides stand in for earlier months so that every case evaluates.
EARLY_ORPHAN = {"orphan.institution": "1300", "orphan.community": "1100", "orphan.de_facto": "1100"}


def run(household: Household, month: date) -> model.Evaluation:
    overrides = {key: Decimal(value) for key, value in EARLY_ORPHAN.items()} if month.year < 2019 else {}
    return evaluate_household(household, month, Parameters(month, defaults_lookup, overrides))


@SETTINGS
@given(households())
def test_no_amount_is_negative_and_all_are_whole_yuan(case: tuple[Household, date]) -> None:
    evaluation = run(*case)
    assert evaluation.counted_income >= 0
    assert evaluation.per_capita_income >= 0
    for outcome in evaluation.outcomes:
        assert outcome.monthly_amount >= 0
        assert str(outcome.monthly_amount).endswith(".00")
        if outcome.decision in ("deny", "exit"):
            assert outcome.monthly_amount == 0
        assert outcome.reasons


@SETTINGS
@given(households(on_dibao=False), st.data())
def test_more_income_never_raises_dibao(case: tuple[Household, date], data: st.DataObject) -> None:
    household, month = case
    before = run(household, month)
    assume(not any(outcome.benefit == "tekun" for outcome in before.outcomes))
    event(f"before: {before.outcomes[0].decision}")
    index = data.draw(st.integers(0, len(household.members) - 1))
    raise_by = data.draw(st.decimals(min_value=Decimal("0.01"), max_value=3000, places=2))
    kind = data.draw(st.sampled_from(("wage", "business", "property", "transfer")))
    richer = replace(household.members[index], incomes=(*household.members[index].incomes, Income(kind, raise_by)))
    members = (*household.members[:index], richer, *household.members[index + 1 :])
    after = run(replace(household, members=members), month)
    assert after.outcomes[0].monthly_amount <= before.outcomes[0].monthly_amount
    assert after.counted_income >= before.counted_income


@SETTINGS
@given(households())
def test_evaluation_outcome_order_and_members(case: tuple[Household, date]) -> None:
    household, month = case
    evaluation = run(household, month)
    dibao = evaluation.outcomes[0]
    assert dibao.benefit == "dibao"
    assert [o.benefit for o in evaluation.outcomes].count("dibao") == 1
    assert dibao.members == evaluation.members
    tekun = {o.member for o in evaluation.outcomes if o.benefit == "tekun"}
    counted = [m.ref for m in household.members if m.counted]
    assert evaluation.members == [ref for ref in counted if ref not in tekun]
    for outcome in evaluation.outcomes[1:]:
        assert outcome.member in counted
        if outcome.member in tekun:
            assert outcome.benefit in ("tekun", "covid_relief", "orphan_allowance")


def id_for(born: date, sequence: int) -> str:
    first17 = f"500243{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def to_request(household: Household, month: date) -> dict[str, Any]:
    """The JSON request for a generated household, money as strings or JSON numbers."""

    def money(value: Decimal, as_number: bool) -> str | float:
        return float(value) if as_number else str(value)

    return {
        "month": f"{month:%Y-%m}",
        "area": household.area,
        "parameters": EARLY_ORPHAN if month.year < 2019 else {},
        "poverty_registry": household.poverty_registry,
        "current_dibao": {
            "status": household.current_dibao.status,
            "monthly_amount": str(household.current_dibao.monthly_amount),
            "gradual_exit_since": f"{household.current_dibao.gradual_exit_since:%Y-%m}"
            if household.current_dibao.gradual_exit_since
            else None,
        },
        "assets": {
            "financial": str(household.assets.financial),
            "vehicles": household.assets.vehicles,
            "shop_front": household.assets.shop_front,
            "enterprise": household.assets.enterprise,
            "dwellings": household.assets.dwellings,
            "housing_area_multiple": str(household.assets.housing_area_multiple),
        },
        "members": [
            {
                "ref": m.ref,
                "id_number": id_for(m.birth_date, i),
                "counted": m.counted,
                "employed": m.employed,
                "incomes": [{"kind": x.kind, "monthly": money(x.monthly, i % 2 == 1)} for x in m.incomes],
                "expenses": [{"kind": x.kind, "monthly": str(x.monthly)} for x in m.expenses],
                "disability": {"category": m.disability.category, "grade": m.disability.grade}
                if m.disability
                else None,
                "major_illness": m.major_illness,
                "schooling": m.schooling,
                "work_capacity": m.work_capacity,
                "self_care_lost": m.self_care_lost,
                "able_supporter": m.able_supporter,
                "child_status": m.child_status,
                "covid": {
                    "admitted": m.covid.admitted.isoformat(),
                    "discharged": m.covid.discharged.isoformat() if m.covid.discharged else None,
                }
                if m.covid
                else None,
            }
            for i, m in enumerate(household.members)
        ],
    }


@SETTINGS
@given(households())
def test_same_input_same_output(case: tuple[Household, date]) -> None:
    request = to_request(*case)
    untouched = copy.deepcopy(request)
    first = evaluate_json(request, defaults_lookup)
    second = evaluate_json(copy.deepcopy(request), defaults_lookup)
    assert request == untouched  # the request is not modified
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


@SETTINGS
@given(households())
def test_json_door_agrees_with_the_rules(case: tuple[Household, date]) -> None:
    household, month = case
    response = evaluate_json(to_request(household, month), defaults_lookup)
    evaluation = run(household, month)
    assert [(o["benefit"], o.get("member"), o["decision"], o["monthly_amount"]) for o in response["outcomes"]] == [
        (o.benefit, o.member, o.decision, str(o.monthly_amount)) for o in evaluation.outcomes
    ]
