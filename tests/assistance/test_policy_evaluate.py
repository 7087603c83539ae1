"""The what-if evaluator's JSON door (evaluate.md): examples, response shape, every parser error, overrides."""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from assistance.policy.evaluate import RequestErrors, evaluate_json, evaluate_request, parse_request
from assistance.policy.params import ParamVersion, defaults_lookup
from core.idnumber import check_char

EXAMPLES = Path(__file__).parent / "evaluate_examples"
EXAMPLE_NAMES = sorted(path.name.removesuffix(".request.json") for path in EXAMPLES.glob("*.request.json"))
AMOUNT = re.compile(r"[0-9]+\.[0-9]{2}")


def id_for(born: str, sequence: int = 1) -> str:
    first17 = f"500243{born.replace('-', '')}{sequence:03d}"
    return first17 + check_char(first17)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return data


def base_request(**changes: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "month": "2020-10",
        "area": "rural",
        "members": [{"ref": "a", "id_number": "500243197803150012"}],
    }
    request.update(changes)
    return request


def errors_of(request: dict[str, Any]) -> list[str]:
    with pytest.raises(RequestErrors) as problem:
        evaluate_json(request, defaults_lookup)
    return problem.value.errors


def comparable(response: dict[str, Any]) -> dict[str, Any]:
    """The response without the free wording (reasons, parameters_used) and the order of outcomes."""
    result = copy.deepcopy(response)
    result.pop("parameters_used", None)
    for outcome in result["outcomes"]:
        outcome.pop("reasons", None)
    result["outcomes"] = sorted(result["outcomes"], key=lambda o: json.dumps(o, sort_keys=True))
    return result


# ---------------------------------------------------------------------------------------------------------------
# The examples


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_examples_give_their_expected_result(name: str) -> None:
    response = evaluate_json(load(f"{name}.request.json"), defaults_lookup)
    assert comparable(response) == comparable(load(f"{name}.expected.json"))


def test_there_are_three_examples() -> None:
    assert EXAMPLE_NAMES == ["gradual_exit", "tekun", "worked_example"]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_response_shape(name: str) -> None:
    response = evaluate_json(load(f"{name}.request.json"), defaults_lookup)
    assert list(response) == ["month", "area", "standard", "household", "outcomes", "parameters_used"]
    assert AMOUNT.fullmatch(response["standard"])
    assert AMOUNT.fullmatch(response["household"]["counted_income"])
    assert AMOUNT.fullmatch(response["household"]["per_capita_income"])
    assert response["outcomes"][0]["benefit"] == "dibao"
    for outcome in response["outcomes"]:
        assert AMOUNT.fullmatch(outcome["monthly_amount"])
        assert outcome["reasons"]
        assert all(isinstance(reason, str) and reason for reason in outcome["reasons"])
    json.dumps(response)  # plain JSON types only


def test_worked_example_reasons_name_the_figures() -> None:
    response = evaluate_json(load("worked_example.request.json"), defaults_lookup)
    reasons = response["outcomes"][0]["reasons"]
    assert "人均收入 280.00 低于标准 496.00" in reasons
    assert "m3 年满70周岁加发 60.00" in reasons
    assert "m4 在校学生加发 100.00" in reasons
    assert any("1024.00" in reason for reason in reasons)


def test_parameters_used_name_each_version() -> None:
    response = evaluate_json(load("worked_example.request.json"), defaults_lookup)
    used = response["parameters_used"]
    assert used["dibao.standard.rural"] == {"value": "496", "effective_from": "2020-09-01", "source": "default"}
    assert used["income.employment_cost.pct"]["value"] == "0.30"
    assert "dibao.standard.urban" not in used  # only what the rules read
    assert "tekun.basic" not in used


# ---------------------------------------------------------------------------------------------------------------
# Overrides and parameters without a value


def test_override_changes_the_result_and_is_reported() -> None:
    request = load("worked_example.request.json")
    request["parameters"] = {"income.employment_cost.pct": "0.20", "dibao.standard.rural": 500}
    response = evaluate_json(request, defaults_lookup)
    # 1600 − 320 + 200 − 200 = 1280; 500 × 4 − 1280 + 160 = 880
    assert response["household"]["counted_income"] == "1280.00"
    assert response["standard"] == "500.00"
    assert response["outcomes"][0]["monthly_amount"] == "880.00"
    assert response["parameters_used"]["income.employment_cost.pct"] == {
        "value": "0.20",
        "effective_from": None,
        "source": "request",
    }
    assert response["parameters_used"]["dibao.standard.rural"]["value"] == "500"


def test_month_before_2018_names_each_parameter() -> None:
    errors = errors_of(base_request(month="2017-12"))
    assert "parameters.dibao.standard.rural: 2017-12 没有生效的参数值" in errors
    assert all(re.fullmatch(r"parameters\.[a-z_.0-9]+: 2017-12 没有生效的参数值", error) for error in errors)


def test_month_before_2018_with_the_needed_overrides() -> None:
    needed = [error.split(":")[0].removeprefix("parameters.") for error in errors_of(base_request(month="2017-06"))]
    request = base_request(month="2017-06", parameters=dict.fromkeys(needed, "400"))
    request["parameters"]["assets.financial_months"] = "12"
    request["parameters"]["dibao.addon.elderly_age"] = "70"
    response = evaluate_json(request, defaults_lookup)
    assert response["outcomes"][0]["monthly_amount"] == "400.00"


def test_orphan_month_before_2019_errors_only_with_an_orphan() -> None:
    request = base_request(month="2018-10")
    assert evaluate_json(request, defaults_lookup)["outcomes"][0]["monthly_amount"] == "410.00"
    request["members"].append({"ref": "o", "id_number": id_for("2010-05-05"), "child_status": "orphan_community"})
    assert errors_of(request) == ["parameters.orphan.community: 2018-10 没有生效的参数值"]
    request["parameters"] = {"orphan.community": "1100.00"}
    outcomes = evaluate_json(request, defaults_lookup)["outcomes"]
    assert {"benefit": "orphan_allowance", "member": "o", "decision": "grant", "monthly_amount": "1100.00"} in [
        {k: v for k, v in outcome.items() if k != "reasons"} for outcome in outcomes
    ]


def test_lookup_is_asked_for_the_first_of_the_month() -> None:
    asked: list[date] = []

    def lookup(key: str, on: date) -> ParamVersion | None:
        asked.append(on)
        return defaults_lookup(key, on)

    evaluate_request(parse_request(base_request(month="2020-09")), lookup)
    assert set(asked) == {date(2020, 9, 1)}


# ---------------------------------------------------------------------------------------------------------------
# Accepted input


def test_json_numbers_are_accepted_for_money() -> None:
    request = base_request()
    request["members"][0]["incomes"] = [{"kind": "transfer", "monthly": 100}, {"kind": "property", "monthly": 50.5}]
    request["current_dibao"] = {"status": "active", "monthly_amount": 300}
    request["assets"] = {"financial": 1000.25, "housing_area_multiple": 2}
    response = evaluate_json(request, defaults_lookup)
    assert response["household"]["counted_income"] == "150.50"
    assert response["outcomes"][0]["monthly_amount"] == "346.00"  # 345.50 half-up


def test_fifteen_digit_and_lower_case_ids_are_accepted() -> None:
    request = base_request()
    request["members"] = [
        {"ref": "a", "id_number": "500243780315001"},
        {"ref": "b", "id_number": "11010519491231002x"},
    ]
    response = evaluate_json(request, defaults_lookup)
    assert response["household"]["members"] == ["a", "b"]


def test_member_born_on_the_first_of_the_month_is_accepted() -> None:
    request = base_request()
    request["members"].append({"ref": "baby", "id_number": id_for("2020-10-01"), "schooling": "none"})
    assert evaluate_json(request, defaults_lookup)["household"]["members"] == ["a", "baby"]


def test_nulls_for_optional_objects_and_defaults() -> None:
    request = base_request(parameters=None, current_dibao=None, assets=None, poverty_registry="none")
    request["members"][0].update({"disability": None, "covid": None, "incomes": [], "expenses": None})
    response = evaluate_json(request, defaults_lookup)
    assert response["outcomes"][0]["decision"] == "grant"


def test_gradual_exit_since_in_the_month_itself() -> None:
    request = base_request(
        poverty_registry="lifted",
        current_dibao={"status": "gradual_exit", "monthly_amount": "300", "gradual_exit_since": "2020-10"},
    )
    request["members"][0]["incomes"] = [{"kind": "transfer", "monthly": "600"}]
    assert evaluate_json(request, defaults_lookup)["outcomes"][0]["decision"] == "gradual_exit"


def test_covid_relief_through_the_door() -> None:
    request = base_request(poverty_registry="unlifted")
    request["members"][0]["incomes"] = [{"kind": "wage", "monthly": "5000"}]
    request["members"][0]["covid"] = {"admitted": "2020-09-20", "discharged": "2020-10-01"}
    outcomes = evaluate_json(request, defaults_lookup)["outcomes"]
    assert [(o["benefit"], o.get("member"), o["monthly_amount"]) for o in outcomes] == [
        ("dibao", None, "0.00"),
        ("covid_relief", "a", "992.00"),
    ]
    request["members"][0]["covid"]["discharged"] = "2020-09-30"
    assert len(evaluate_json(request, defaults_lookup)["outcomes"]) == 1


def test_tekun_outcome_has_care_level() -> None:
    outcomes = evaluate_json(load("tekun.request.json"), defaults_lookup)["outcomes"]
    tekun = outcomes[1]
    assert list(tekun) == ["benefit", "member", "decision", "care_level", "monthly_amount", "reasons"]


# ---------------------------------------------------------------------------------------------------------------
# Every error path names its field


def _with_member(**fields: Any) -> dict[str, Any]:
    request = base_request()
    request["members"].append({"ref": "b", "id_number": "500243198006200026", **fields})
    return request


ERROR_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("month missing", {k: v for k, v in base_request().items() if k != "month"}, "month: 缺少此字段"),
    ("month format", base_request(month="2020-1"), "month: 月份格式应为 YYYY-MM"),
    ("month 13", base_request(month="2020-13"), "month: 月份格式应为 YYYY-MM"),
    ("month not a string", base_request(month=202010), "month: 月份格式应为 YYYY-MM"),
    ("area missing", {k: v for k, v in base_request().items() if k != "area"}, "area: 缺少此字段"),
    ("area", base_request(area="town"), "area: 取值应为 urban、rural 之一"),
    ("unknown top field", base_request(foo=1), "foo: 未知字段"),
    (
        "registry",
        base_request(poverty_registry="poor"),
        "poverty_registry: 取值应为 none、unlifted、lifted、monitored 之一",
    ),
    ("parameters not object", base_request(parameters=[1]), "parameters: 应为对象"),
    ("unknown parameter", base_request(parameters={"x.y": "1"}), "parameters.x.y: 未知参数"),
    (
        "not an evaluator parameter",
        base_request(parameters={"payment.deadline_day": "5"}),
        "parameters.payment.deadline_day: 未知参数",
    ),
    (
        "parameter text",
        base_request(parameters={"tekun.basic": "abc"}),
        "parameters.tekun.basic: 参数值格式不正确，应为数字或数字字符串",
    ),
    ("parameter negative", base_request(parameters={"tekun.basic": "-1"}), "parameters.tekun.basic: 参数值不能为负数"),
    (
        "parameter bool",
        base_request(parameters={"tekun.basic": True}),
        "parameters.tekun.basic: 参数值格式不正确，应为数字或数字字符串",
    ),
    (
        "parameter NaN",
        base_request(parameters={"tekun.basic": "NaN"}),
        "parameters.tekun.basic: 参数值格式不正确，应为数字或数字字符串",
    ),
    ("current_dibao not object", base_request(current_dibao="active"), "current_dibao: 应为对象"),
    (
        "dibao status",
        base_request(current_dibao={"status": "on"}),
        "current_dibao.status: 取值应为 none、active、gradual_exit 之一",
    ),
    (
        "dibao amount",
        base_request(current_dibao={"monthly_amount": "-5"}),
        "current_dibao.monthly_amount: 金额不能为负数",
    ),
    ("dibao unknown", base_request(current_dibao={"since": "2020-01"}), "current_dibao.since: 未知字段"),
    (
        "since format",
        base_request(current_dibao={"status": "gradual_exit", "gradual_exit_since": "2020-01-01"}),
        "current_dibao.gradual_exit_since: 月份格式应为 YYYY-MM",
    ),
    (
        "since after month",
        base_request(current_dibao={"status": "gradual_exit", "gradual_exit_since": "2020-11"}),
        "current_dibao.gradual_exit_since: 渐退期起始月份不能晚于评估月份 2020-10",
    ),
    (
        "assets financial",
        base_request(assets={"financial": "lots"}),
        "assets.financial: 金额格式不正确，应为数字或数字字符串",
    ),
    ("assets vehicles", base_request(assets={"vehicles": 1.5}), "assets.vehicles: 应为整数"),
    ("assets vehicles negative", base_request(assets={"vehicles": -1}), "assets.vehicles: 不能小于 0"),
    ("assets shop", base_request(assets={"shop_front": "no"}), "assets.shop_front: 应为 true 或 false"),
    ("assets enterprise", base_request(assets={"enterprise": 0}), "assets.enterprise: 应为 true 或 false"),
    ("assets dwellings", base_request(assets={"dwellings": True}), "assets.dwellings: 应为整数"),
    (
        "assets housing",
        base_request(assets={"housing_area_multiple": "-0.5"}),
        "assets.housing_area_multiple: 数值不能为负数",
    ),
    ("assets unknown", base_request(assets={"land": 3}), "assets.land: 未知字段"),
    ("members missing", {k: v for k, v in base_request().items() if k != "members"}, "members: 缺少此字段"),
    ("members empty", base_request(members=[]), "members: 至少需要一名成员"),
    ("members not list", base_request(members={"ref": "a"}), "members: 应为数组"),
    ("member not object", base_request(members=["a"]), "members[0]: 应为对象"),
    ("member unknown field", _with_member(foo=1), "members[1].foo: 未知字段"),
    ("ref missing", base_request(members=[{"id_number": "500243197803150012"}]), "members[0].ref: 缺少此字段"),
    ("ref empty", _with_member(ref=""), "members[1].ref: 应为非空字符串"),
    ("ref duplicate", _with_member(ref="a"), "members[1].ref: 成员编号 a 与 members[0] 重复"),
    ("id missing", base_request(members=[{"ref": "a"}]), "members[0].id_number: 缺少此字段"),
    ("id check char", _with_member(id_number="500243198006200020"), "members[1].id_number: 身份证号校验位应为 6"),
    ("id length", _with_member(id_number="5002431980062000"), "members[1].id_number: 身份证号应为18位（或15位旧号码）"),
    ("id date", _with_member(id_number=id_for("1980-02-30")), "members[1].id_number: 身份证号中的出生日期无效"),
    ("id number type", _with_member(id_number=500243198006200026), "members[1].id_number: 应为字符串"),
    (
        "born after the 1st",
        _with_member(id_number=id_for("2020-10-02")),
        "members[1].id_number: 出生日期 2020-10-02 晚于评估月份 2020-10 的1日",
    ),
    ("counted", _with_member(counted="yes"), "members[1].counted: 应为 true 或 false"),
    ("employed", _with_member(employed=1), "members[1].employed: 应为 true 或 false"),
    ("incomes not list", _with_member(incomes={"kind": "wage"}), "members[1].incomes: 应为数组"),
    ("income not object", _with_member(incomes=[100]), "members[1].incomes[0]: 应为对象"),
    (
        "income kind",
        _with_member(incomes=[{"kind": "gift", "monthly": "1"}]),
        "members[1].incomes[0].kind: 取值应为 wage、business、property、transfer、excluded 之一",
    ),
    ("income kind missing", _with_member(incomes=[{"monthly": "1"}]), "members[1].incomes[0].kind: 缺少此字段"),
    ("income missing", _with_member(incomes=[{"kind": "wage"}]), "members[1].incomes[0].monthly: 缺少此字段"),
    (
        "income negative",
        _with_member(incomes=[{"kind": "business", "monthly": "-200"}]),
        "members[1].incomes[0].monthly: 金额不能为负数",
    ),
    (
        "income text",
        _with_member(incomes=[{"kind": "wage", "monthly": "1,600"}]),
        "members[1].incomes[0].monthly: 金额格式不正确，应为数字或数字字符串",
    ),
    (
        "income with underscores",
        _with_member(incomes=[{"kind": "wage", "monthly": "1_600"}]),
        "members[1].incomes[0].monthly: 金额格式不正确，应为数字或数字字符串",
    ),
    (
        "income in exponent text",
        _with_member(incomes=[{"kind": "wage", "monthly": "1e3"}]),
        "members[1].incomes[0].monthly: 金额格式不正确，应为数字或数字字符串",
    ),
    (
        "income too large",
        _with_member(incomes=[{"kind": "wage", "monthly": 1e20}]),
        "members[1].incomes[0].monthly: 金额过大",
    ),
    (
        "income unknown",
        _with_member(incomes=[{"kind": "wage", "monthly": "1", "yearly": "12"}]),
        "members[1].incomes[0].yearly: 未知字段",
    ),
    (
        "expense kind",
        _with_member(expenses=[{"kind": "food", "monthly": "1"}]),
        "members[1].expenses[0].kind: 取值应为 medical、education、care 之一",
    ),
    (
        "expense negative",
        _with_member(expenses=[{"kind": "medical", "monthly": -1}]),
        "members[1].expenses[0].monthly: 金额不能为负数",
    ),
    ("disability not object", _with_member(disability="grade 1"), "members[1].disability: 应为对象"),
    (
        "disability category",
        _with_member(disability={"category": "other", "grade": 1}),
        "members[1].disability.category: 取值应为 "
        "physical、visual、hearing、speech、intellectual、mental、multiple 之一",
    ),
    (
        "disability grade",
        _with_member(disability={"category": "visual", "grade": 5}),
        "members[1].disability.grade: 应在 1 到 4 之间",
    ),
    (
        "disability grade missing",
        _with_member(disability={"category": "visual"}),
        "members[1].disability.grade: 缺少此字段",
    ),
    ("major illness", _with_member(major_illness=None), "members[1].major_illness: 应为 true 或 false"),
    ("schooling", _with_member(schooling="college"), "members[1].schooling: 取值应为 none、preschool、student 之一"),
    (
        "work capacity",
        _with_member(work_capacity="some"),
        "members[1].work_capacity: 取值应为 full、partial、none 之一",
    ),
    ("self care", _with_member(self_care_lost=7), "members[1].self_care_lost: 应在 0 到 6 之间"),
    ("self care type", _with_member(self_care_lost="2"), "members[1].self_care_lost: 应为整数"),
    ("able supporter", _with_member(able_supporter="false"), "members[1].able_supporter: 应为 true 或 false"),
    (
        "child status",
        _with_member(child_status="orphan"),
        "members[1].child_status: 取值应为 none、orphan_institution、orphan_community、de_facto_unsupported 之一",
    ),
    ("covid not object", _with_member(covid=True), "members[1].covid: 应为对象"),
    ("covid admitted missing", _with_member(covid={"discharged": None}), "members[1].covid.admitted: 缺少此字段"),
    (
        "covid admitted format",
        _with_member(covid={"admitted": "2020/10/01"}),
        "members[1].covid.admitted: 日期格式应为 YYYY-MM-DD",
    ),
    (
        "covid impossible date",
        _with_member(covid={"admitted": "2020-02-30"}),
        "members[1].covid.admitted: 日期格式应为 YYYY-MM-DD",
    ),
    (
        "covid discharged before admitted",
        _with_member(covid={"admitted": "2020-10-05", "discharged": "2020-10-04"}),
        "members[1].covid.discharged: 出院日期早于入院日期 2020-10-05",
    ),
    ("covid unknown", _with_member(covid={"admitted": "2020-10-05", "ward": 3}), "members[1].covid.ward: 未知字段"),
]


@pytest.mark.parametrize(
    ("request_data", "message"), [case[1:] for case in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_each_error_names_its_field(request_data: dict[str, Any], message: str) -> None:
    assert errors_of(request_data) == [message]


def test_every_problem_is_reported_at_once() -> None:
    request = {
        "month": "2020-10",
        "area": "suburb",
        "parameters": {"x.y": 1},
        "members": [
            {"ref": "a", "id_number": "500243197803150012", "foo": 1},
            {
                "ref": "b",
                "id_number": "500243198006200020",
                "incomes": [{"kind": "wage", "monthly": "-1"}, {"kind": "wage", "monthly": "10"}],
                "covid": {"admitted": "2020-10-05", "discharged": "2020-10-01"},
            },
        ],
    }
    assert errors_of(request) == [
        "area: 取值应为 urban、rural 之一",
        "parameters.x.y: 未知参数",
        "members[0].foo: 未知字段",
        "members[1].id_number: 身份证号校验位应为 6",
        "members[1].incomes[0].monthly: 金额不能为负数",
        "members[1].covid.discharged: 出院日期早于入院日期 2020-10-05",
    ]


def test_request_must_be_an_object() -> None:
    with pytest.raises(RequestErrors) as problem:
        parse_request([])  # type: ignore[arg-type]
    assert problem.value.errors == ["request: 请求应为 JSON 对象"]


def test_errors_are_a_value_error_with_one_line_each() -> None:
    problem = RequestErrors(["a: x", "b: y"])
    assert isinstance(problem, ValueError)
    assert str(problem) == "a: x\nb: y"


def test_parse_request_builds_the_dataclasses() -> None:
    request = parse_request(load("worked_example.request.json"))
    assert request.month == date(2020, 10, 1)
    assert request.household.area == "rural"
    assert [m.ref for m in request.household.members] == ["m1", "m2", "m3", "m4"]
    assert request.household.members[2].birth_date == date(1948, 1, 1)
    assert request.household.members[0].income_by_kind == (("wage", 1600), ("property", 200))
