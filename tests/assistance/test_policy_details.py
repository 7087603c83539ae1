"""Policy details as parameters and inputs, without a database: the orphan age limit (policy.md §10), each income
kind's excluded flag (§2), the reviewer's override of a failed asset test (§3) and the 2019 rows' flags (§3)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from assistance.policy import model
from assistance.policy.defaults import DEFAULT_PARAMETERS, EVALUATOR_KEYS
from assistance.policy.evaluate import RequestErrors, evaluate_json, parse_request
from assistance.policy.model import Assets, CurrentDibao, Household, Income, Member
from assistance.policy.params import Parameters, defaults_lookup
from assistance.policy.rules import counted_income, evaluate_household
from assistance.policy.snapshot import household_request

OCT_2020 = date(2020, 10, 1)  # rural standard 496
EXAMPLES = Path(__file__).parent / "evaluate_examples"
OVERRIDE_NOTE = "资产核查未通过，经审核同意（理由：车辆为残疾人代步车，已核实）"


def evaluate(household: Household, overrides: dict[str, str] | None = None) -> tuple[model.Evaluation, Parameters]:
    params = Parameters(OCT_2020, defaults_lookup, {k: Decimal(v) for k, v in (overrides or {}).items()})
    return evaluate_household(household, OCT_2020, params), params


def outcome(evaluation: model.Evaluation, benefit: str) -> model.Outcome | None:
    return next((o for o in evaluation.outcomes if o.benefit == benefit), None)


# ---------------------------------------------------------------------------------------------------------------
# Orphan age limit


def orphan_household(born: date) -> Household:
    child = Member(ref="c", birth_date=born, child_status="orphan_community")
    return Household(area="rural", members=(child, Member(ref="g", birth_date=date(1950, 1, 1))))


def test_orphan_age_limit_is_a_default_parameter() -> None:
    version = defaults_lookup("orphan.age_limit", OCT_2020)
    assert version is not None and version.value == 18
    assert version.effective_from == date(2018, 1, 1)
    rows = [row for row in DEFAULT_PARAMETERS if row.key == "orphan.age_limit"]
    assert len(rows) == 1 and rows[0].confirmed
    assert rows[0].source == next(row.source for row in DEFAULT_PARAMETERS if row.key == "orphan.institution")
    assert "orphan.age_limit" in EVALUATOR_KEYS


@pytest.mark.parametrize(
    ("born", "overrides", "granted"),
    [
        (date(2003, 10, 2), {}, True),  # 16
        (date(2002, 10, 2), {}, True),  # 17
        (date(2002, 10, 1), {}, False),  # 18 on the 1st
        (date(2002, 10, 2), {"orphan.age_limit": "17"}, False),  # 17, limit lowered
        (date(2002, 10, 1), {"orphan.age_limit": "20"}, True),  # 18, limit raised
    ],
)
def test_orphan_allowance_follows_the_age_limit(born: date, overrides: dict[str, str], granted: bool) -> None:
    evaluation, params = evaluate(orphan_household(born), overrides)
    allowance = outcome(evaluation, "orphan_allowance")
    assert (allowance is not None) is granted
    assert "orphan.age_limit" in params.used
    if allowance is not None:
        assert allowance.reasons[0].startswith(f"社会散居孤儿，未满{overrides.get('orphan.age_limit', '18')}周岁")


def test_age_limit_not_read_without_a_child_in_difficulty() -> None:
    _, params = evaluate(Household(area="rural", members=(Member(ref="a", birth_date=date(1980, 1, 1)),)))
    assert "orphan.age_limit" not in params.used


# ---------------------------------------------------------------------------------------------------------------
# Income kinds' excluded flags


def test_excluded_flags_are_default_parameters() -> None:
    flags = {row.key: (row.value, row.confirmed, row.effective_from) for row in DEFAULT_PARAMETERS}
    for kind in model.INCOME_KINDS:
        key = f"income.excluded.{kind}"
        assert flags[key] == ("1" if kind == "excluded" else "0", True, date(2018, 1, 1))
        assert key in EVALUATOR_KEYS


def test_member_sums_each_kind_once() -> None:
    member = Member(
        ref="a",
        birth_date=date(1980, 1, 1),
        incomes=(
            Income("excluded", Decimal(50)),
            Income("wage", Decimal(100)),
            Income("wage", Decimal("20.5")),
            Income("transfer", Decimal(7)),
        ),
    )
    assert member.income_by_kind == (("wage", Decimal("120.5")), ("transfer", Decimal(7)), ("excluded", Decimal(50)))


def earner(*incomes: tuple[str, str], employed: bool = True) -> Member:
    return Member(
        ref="a",
        birth_date=date(1980, 1, 1),
        employed=employed,
        incomes=tuple(Income(kind, Decimal(amount)) for kind, amount in incomes),
    )


@pytest.mark.parametrize(
    ("overrides", "gross", "cost", "counted"),
    [
        ({}, "1100", "300", "800"),  # the excluded kind is not counted by default
        ({"income.excluded.excluded": "0"}, "1600", "300", "1300"),  # …unless its flag says so
        ({"income.excluded.wage": "1"}, "100", "0", "100"),  # an excluded wage: no employment cost either
        ({"income.excluded.property": "1"}, "1000", "300", "700"),
    ],
)
def test_counted_income_applies_the_flags(overrides: dict[str, str], gross: str, cost: str, counted: str) -> None:
    params = Parameters(OCT_2020, defaults_lookup, {k: Decimal(v) for k, v in overrides.items()})
    member = earner(("wage", "1000"), ("property", "100"), ("excluded", "500"))
    calc = counted_income((member,), Decimal(496), params)
    assert (calc.gross, calc.employment_cost, calc.counted) == (Decimal(gross), Decimal(cost), Decimal(counted))


def test_only_the_flags_of_kinds_present_are_read() -> None:
    params = Parameters(OCT_2020, defaults_lookup)
    counted_income((earner(("wage", "1000"), employed=False),), Decimal(496), params)
    assert [key for key in params.used if key.startswith("income.excluded.")] == ["income.excluded.wage"]


def test_worked_example_reads_the_flags_of_its_kinds() -> None:
    """The worked example has wage and property income: it really reads those two flags (its expected file leaves
    ``parameters_used`` out, so it is unchanged)."""
    response = evaluate_json(json.loads((EXAMPLES / "worked_example.request.json").read_text()), defaults_lookup)
    used = {key for key in response["parameters_used"] if key.startswith("income.excluded.")}
    assert used == {"income.excluded.wage", "income.excluded.property"}
    assert response["outcomes"][0]["monthly_amount"] == "1024.00"


def test_evaluator_accepts_a_flag_override() -> None:
    request = json.loads((EXAMPLES / "worked_example.request.json").read_text())
    request["parameters"] = {"income.excluded.property": "1"}
    response = evaluate_json(request, defaults_lookup)
    # 1,120 − 200 medical = 920 counted, per capita 230; 496 × 4 − 920 + 160 = 1,224
    assert response["household"]["counted_income"] == "920.00"
    assert response["outcomes"][0]["monthly_amount"] == "1224.00"
    assert response["parameters_used"]["income.excluded.property"]["source"] == "request"


# ---------------------------------------------------------------------------------------------------------------
# A reviewer's override of a failed asset test


def car_household(override: str | None, *, status: str = "none") -> Household:
    return Household(
        area="rural",
        members=(
            Member(ref="a", birth_date=date(1978, 3, 15), id_number="500243197803150012"),
            Member(ref="b", birth_date=date(1949, 12, 31), id_number="11010519491231002X"),
        ),
        assets=Assets(vehicles=1, shop_front=True),
        current_dibao=CurrentDibao(status, Decimal(900)),
        asset_override=override,
    )


def test_failed_assets_deny_without_an_override() -> None:
    evaluation, _ = evaluate(car_household(None))
    dibao = evaluation.outcomes[0]
    assert dibao.decision == "deny"
    assert not evaluation.assets_pass
    assert not any("经审核同意" in reason for reason in dibao.reasons)


def test_override_lists_the_failures_then_counts_the_test_as_passed() -> None:
    evaluation, _ = evaluate(car_household("车辆为残疾人代步车，已核实"))
    dibao = evaluation.outcomes[0]
    assert dibao.decision == "grant"
    assert dibao.monthly_amount == Decimal("1052.00")  # 496 × 2 + 60 (aged 70)
    assert evaluation.assets_pass
    at = dibao.reasons.index("家庭有机动车 1 辆")
    assert dibao.reasons[at : at + 3] == ["家庭有机动车 1 辆", "家庭有门面房", OVERRIDE_NOTE]
    assert "家庭财产符合规定" not in dibao.reasons


def test_override_without_failures_changes_nothing() -> None:
    plain = Household(area="rural", members=(Member(ref="a", birth_date=date(1980, 1, 1)),), asset_override="理由")
    evaluation, _ = evaluate(plain)
    assert evaluation.outcomes[0].decision == "grant"
    assert "家庭财产符合规定" in evaluation.outcomes[0].reasons
    assert not any("经审核同意" in reason for reason in evaluation.outcomes[0].reasons)


def test_override_lets_a_tekun_member_pass_the_household_test() -> None:
    elder = Member(ref="e", birth_date=date(1940, 1, 1), work_capacity="none", able_supporter=False)
    household = Household(area="rural", members=(elder,), assets=Assets(vehicles=1), asset_override="报废车辆")
    evaluation, _ = evaluate(household)
    tekun = outcome(evaluation, "tekun")
    assert tekun is not None and tekun.decision == "grant"
    assert "家庭有机动车 1 辆" in tekun.reasons
    assert "资产核查未通过，经审核同意（理由：报废车辆）" in tekun.reasons
    without, _ = evaluate(Household(area="rural", members=(elder,), assets=Assets(vehicles=1)))
    assert outcome(without, "tekun") is None


def test_override_reaches_the_snapshot_and_replays() -> None:
    household = car_household("车辆为残疾人代步车，已核实")
    request = household_request(household, OCT_2020)
    assert request["asset_override"] == "车辆为残疾人代步车，已核实"
    assert "asset_override" not in household_request(car_household(None), OCT_2020)
    assert parse_request(request).household.asset_override == "车辆为残疾人代步车，已核实"
    replay = evaluate_json(request, defaults_lookup)
    assert replay["outcomes"][0]["decision"] == "grant"
    assert OVERRIDE_NOTE in replay["outcomes"][0]["reasons"]


@pytest.mark.parametrize(("value", "message"), [(3, "应为非空的文字说明或 null"), ("  ", "应为非空的文字说明或 null")])
def test_asset_override_in_a_request_is_checked(value: object, message: str) -> None:
    request = json.loads((EXAMPLES / "worked_example.request.json").read_text())
    request["asset_override"] = value
    with pytest.raises(RequestErrors) as problem:
        parse_request(request)
    assert problem.value.errors == [f"asset_override: {message}"]


def test_asset_override_null_is_no_override() -> None:
    request = json.loads((EXAMPLES / "worked_example.request.json").read_text())
    request["asset_override"] = None
    assert parse_request(request).household.asset_override is None


# ---------------------------------------------------------------------------------------------------------------
# The 2019 rows (policy.md §3 table: "2019-01-01 (start date proposed) … values yes")


def test_2019_standards_are_confirmed_values_with_a_proposed_start() -> None:
    rows = [row for row in DEFAULT_PARAMETERS if row.effective_from == date(2019, 1, 1)]
    table = {
        "dibao.standard.urban": "580",
        "dibao.standard.rural": "440",
        "tekun.basic": "754",
        "orphan.institution": "1404",
        "orphan.community": "1204",
    }
    by_key = {row.key: row for row in rows}
    for key, value in table.items():
        row = by_key[key]
        assert row.value == value
        assert not row.confirmed, key  # the start date is proposed: 待确认
        assert row.note == "金额已确认，起始日期待确认", key
    assert not by_key["orphan.de_facto"].confirmed  # 2020's de-facto figure is proposed too (§10)


@pytest.mark.parametrize(
    ("key", "on"),
    [
        ("dibao.standard.urban", date(2018, 1, 1)),
        ("dibao.standard.rural", date(2020, 9, 1)),
        ("tekun.basic", date(2021, 9, 1)),
        ("orphan.institution", date(2020, 9, 1)),
        ("orphan.community", date(2021, 9, 1)),
    ],
)
def test_other_standard_rows_are_confirmed(key: str, on: date) -> None:
    row = next(row for row in DEFAULT_PARAMETERS if row.key == key and row.effective_from == on)
    assert row.confirmed
