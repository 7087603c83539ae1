"""The what-if evaluator's JSON door (evaluate.md): parse a request, run the rules, write the response.

The management command and the API view both call ``evaluate_json`` (or ``parse_request`` then
``evaluate_request``) and turn ``RequestErrors`` into exit status 2 / HTTP 400. Every error message is
"field.path: 中文说明", and the parser reports every problem it finds, not only the first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from assistance.policy.defaults import EVALUATOR_KEYS
from assistance.policy.model import (
    AREAS,
    CHILD_STATUSES,
    DIBAO_STATUSES,
    DISABILITY_CATEGORIES,
    EXPENSE_KINDS,
    INCOME_KINDS,
    POVERTY_REGISTRY,
    SCHOOLING,
    WORK_CAPACITY,
    Assets,
    Covid,
    CurrentDibao,
    Disability,
    EvalRequest,
    Evaluation,
    Expense,
    Household,
    Income,
    Member,
    Outcome,
)
from assistance.policy.params import Lookup, MissingParameters, Parameters
from assistance.policy.rules import evaluate_household, money
from core.idnumber import InvalidIdNumber, normalize_id_number

__all__ = [
    "RequestErrors",
    "evaluate_json",
    "evaluate_request",
    "evaluation_to_json",
    "load_request_json",
    "parse_request",
]

T = TypeVar("T")

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
# Far above any real monthly amount or asset; keeps every sum well inside Decimal's 28 digits.
_MAX_AMOUNT = Decimal(10) ** 12

_TOP_FIELDS = frozenset(
    {"month", "area", "parameters", "poverty_registry", "current_dibao", "assets", "asset_override", "members"}
)
# A reviewer's written reason for overriding a failed asset test (policy.md §3): kept in a determination's input
# snapshot, so that the determination can be replayed here.
_MAX_REASON = 1000
_DIBAO_FIELDS = frozenset({"status", "monthly_amount", "gradual_exit_since"})
_ASSET_FIELDS = frozenset({"financial", "vehicles", "shop_front", "enterprise", "dwellings", "housing_area_multiple"})
_MEMBER_FIELDS = frozenset(
    {
        "ref",
        "id_number",
        "counted",
        "employed",
        "incomes",
        "expenses",
        "disability",
        "major_illness",
        "schooling",
        "work_capacity",
        "self_care_lost",
        "able_supporter",
        "child_status",
        "covid",
    }
)
_MONEY_FIELDS = frozenset({"kind", "monthly"})
_DISABILITY_FIELDS = frozenset({"category", "grade"})
_COVID_FIELDS = frozenset({"admitted", "discharged"})

MSG_REQUIRED = "缺少此字段"
MSG_UNKNOWN = "未知字段"


class RequestErrors(ValueError):
    """A request that cannot be evaluated; ``errors`` holds one "field.path: 中文说明" line per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def load_request_json(text: str | bytes) -> Any:
    """The JSON value of a request body or file; ``RequestErrors`` when it is not valid JSON. (Bytes that are not
    text raise ``UnicodeDecodeError``: each door words that problem itself.)"""
    try:
        return json.loads(text)
    except json.JSONDecodeError as problem:
        raise RequestErrors(
            [f"request: 不是有效的 JSON（第 {problem.lineno} 行第 {problem.colno} 列：{problem.msg}）"]
        ) from None
    except RecursionError:
        raise RequestErrors(["request: JSON 嵌套层数过多"]) from None


def _month_text(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


class _Reader:
    """Reads one JSON object field by field, noting each problem under its path and carrying on."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def optional_obj(self, value: object, path: str, fields: frozenset[str]) -> dict[str, Any] | None:
        """``obj`` of a section that may be left out: ``None`` both when absent and when not valid."""
        return None if value is None else self.obj(value, path, fields)

    def obj(self, value: object, path: str, fields: frozenset[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(path, "应为对象")
            return None
        for name in value:
            if name not in fields:
                self.error(f"{path}.{name}" if path else str(name), MSG_UNKNOWN)
        return value

    def field(
        self,
        data: Mapping[str, Any],
        name: str,
        path: str,
        parse: Callable[[Any, str], T],
        default: T,
        *,
        required: bool = False,
    ) -> T:
        """The parsed value of ``data[name]``; ``default`` when it is absent (an error too when required)."""
        field_path = f"{path}.{name}" if path else name
        if name not in data:
            if required:
                self.error(field_path, MSG_REQUIRED)
            return default
        return parse(data[name], field_path)

    # Value parsers: each returns a usable value even after an error, so the rest of the request is checked too.

    def choice(self, options: tuple[str, ...]) -> Callable[[Any, str], str]:
        def parse(value: Any, path: str) -> str:
            if isinstance(value, str) and value in options:
                return value
            self.error(path, f"取值应为 {'、'.join(options)} 之一")
            return options[0]

        return parse

    def boolean(self, value: Any, path: str) -> bool:
        if isinstance(value, bool):
            return value
        self.error(path, "应为 true 或 false")
        return False

    def integer(self, low: int, high: int | None) -> Callable[[Any, str], int]:
        def parse(value: Any, path: str) -> int:
            if isinstance(value, bool) or not isinstance(value, int):
                self.error(path, "应为整数")
                return low
            if value < low or (high is not None and value > high):
                self.error(path, f"应在 {low} 到 {high} 之间" if high is not None else f"不能小于 {low}")
                return low
            return value

        return parse

    def decimal(self, value: Any, path: str, what: str) -> Decimal | None:
        """A non-negative decimal from a string or a JSON number; None (after noting why) when it is not one."""
        number: Decimal | None = None
        if isinstance(value, str):
            # Plain decimal text only: Decimal() alone would also take "1_000", "1e3" or "Infinity".
            if _DECIMAL_TEXT.fullmatch(value.strip()):
                number = Decimal(value.strip())
        elif isinstance(value, int) and not isinstance(value, bool):
            number = Decimal(value)
        elif isinstance(value, float):
            # repr gives the shortest text that reads back as the same float: 1600.1, not 1600.099999…
            number = Decimal(repr(value))
        if number is None or not number.is_finite():
            self.error(path, f"{what}格式不正确，应为数字或数字字符串")
            return None
        if number < 0:
            self.error(path, f"{what}不能为负数")
            return None
        if number >= _MAX_AMOUNT:
            self.error(path, f"{what}过大")
            return None
        return number

    def money(self, value: Any, path: str) -> Decimal:
        number = self.decimal(value, path, "金额")
        return Decimal(0) if number is None else number

    def multiple(self, value: Any, path: str) -> Decimal:
        number = self.decimal(value, path, "数值")
        return Decimal(0) if number is None else number

    def day(self, value: Any, path: str) -> date | None:
        if isinstance(value, str) and _DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.error(path, "日期格式应为 YYYY-MM-DD")
        return None

    def month(self, value: Any, path: str) -> date | None:
        if isinstance(value, str):
            found = _MONTH.fullmatch(value)
            if found and 1 <= int(found.group(2)) <= 12 and int(found.group(1)) >= 1:
                return date(int(found.group(1)), int(found.group(2)), 1)
        self.error(path, "月份格式应为 YYYY-MM")
        return None

    def reason(self, value: Any, path: str) -> str | None:
        """Optional free text: null or a non-empty string (stripped)."""
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(path, "应为非空的文字说明或 null")
            return None
        if len(value) > _MAX_REASON:
            self.error(path, f"不能超过 {_MAX_REASON} 个字")
            return None
        return value.strip()

    def items(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, "应为数组")
            return []
        return value


def parse_request(data: Mapping[str, Any]) -> EvalRequest:
    """Check and convert a request (evaluate.md "Request"); raise ``RequestErrors`` listing every problem."""
    errors: list[str] = []
    read = _Reader(errors)
    if not isinstance(data, dict):
        raise RequestErrors(["request: 请求应为 JSON 对象"])
    read.obj(data, "", _TOP_FIELDS)

    month = read.field(data, "month", "", read.month, None, required=True)
    area = read.field(data, "area", "", read.choice(AREAS), AREAS[0], required=True)
    overrides = _parse_parameters(read, data.get("parameters"))
    registry = read.field(data, "poverty_registry", "", read.choice(POVERTY_REGISTRY), "none")
    current = _parse_current_dibao(read, data.get("current_dibao"), month)
    assets = _parse_assets(read, data.get("assets"))
    asset_override = read.field(data, "asset_override", "", read.reason, None)
    members = _parse_members(read, data, month)

    if errors or month is None:
        raise RequestErrors(errors)
    household = Household(
        area=area,
        members=members,
        poverty_registry=registry,
        current_dibao=current,
        assets=assets,
        asset_override=asset_override,
    )
    return EvalRequest(month=month, household=household, parameters=overrides)


def _parse_parameters(read: _Reader, value: Any) -> dict[str, Decimal]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        read.error("parameters", "应为对象")
        return {}
    overrides = {}
    for key, raw in value.items():
        path = f"parameters.{key}"
        if key not in EVALUATOR_KEYS:
            read.error(path, "未知参数")
            continue
        number = read.decimal(raw, path, "参数值")
        if number is not None:
            overrides[key] = number
    return overrides


def _parse_current_dibao(read: _Reader, value: Any, month: date | None) -> CurrentDibao:
    data = read.optional_obj(value, "current_dibao", _DIBAO_FIELDS)
    if data is None:
        return CurrentDibao()
    path = "current_dibao"
    status = read.field(data, "status", path, read.choice(DIBAO_STATUSES), "none")
    amount = read.field(data, "monthly_amount", path, read.money, Decimal(0))
    since = None
    if data.get("gradual_exit_since") is not None:
        since = read.month(data["gradual_exit_since"], f"{path}.gradual_exit_since")
        if since is not None and month is not None and since > month:
            read.error(f"{path}.gradual_exit_since", f"渐退期起始月份不能晚于评估月份 {_month_text(month)}")
    return CurrentDibao(status=status, monthly_amount=amount, gradual_exit_since=since)


def _parse_assets(read: _Reader, value: Any) -> Assets:
    data = read.optional_obj(value, "assets", _ASSET_FIELDS)
    if data is None:
        return Assets()
    path = "assets"
    return Assets(
        financial=read.field(data, "financial", path, read.money, Decimal(0)),
        vehicles=read.field(data, "vehicles", path, read.integer(0, None), 0),
        shop_front=read.field(data, "shop_front", path, read.boolean, False),
        enterprise=read.field(data, "enterprise", path, read.boolean, False),
        dwellings=read.field(data, "dwellings", path, read.integer(0, None), 1),
        housing_area_multiple=read.field(data, "housing_area_multiple", path, read.multiple, Decimal(0)),
    )


def _parse_members(read: _Reader, data: Mapping[str, Any], month: date | None) -> tuple[Member, ...]:
    if "members" not in data:
        read.error("members", MSG_REQUIRED)
        return ()
    raw_members = data["members"]
    if not isinstance(raw_members, list):
        read.error("members", "应为数组")
        return ()
    if not raw_members:
        read.error("members", "至少需要一名成员")
        return ()
    members = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_members):
        path = f"members[{index}]"
        member = _parse_member(read, raw, path, month)
        if member is None:
            continue
        if member.ref in seen:
            read.error(f"{path}.ref", f"成员编号 {member.ref} 与 members[{seen[member.ref]}] 重复")
        else:
            seen[member.ref] = index
        members.append(member)
    return tuple(members)


def _parse_ref(read: _Reader, value: Any, path: str) -> str:
    if isinstance(value, str) and value.strip():
        return value
    read.error(path, "应为非空字符串")
    return ""


def _parse_id(read: _Reader, value: Any, path: str, month: date | None) -> tuple[str, date | None]:
    if not isinstance(value, str):
        read.error(path, "应为字符串")
        return "", None
    try:
        number = normalize_id_number(value)
    except InvalidIdNumber as problem:
        read.error(path, problem.message)
        return "", None
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    if month is not None and born > month:
        read.error(path, f"出生日期 {born.isoformat()} 晚于评估月份 {_month_text(month)} 的1日")
    return number, born


def _parse_member(read: _Reader, raw: Any, path: str, month: date | None) -> Member | None:
    data = read.obj(raw, path, _MEMBER_FIELDS)
    if data is None:
        return None
    # Fields are read in the order evaluate.md lists them, so that errors come out in that order.
    ref = read.field(data, "ref", path, lambda v, p: _parse_ref(read, v, p), "", required=True)
    no_id: tuple[str, date | None] = ("", None)
    id_number, born = read.field(
        data, "id_number", path, lambda v, p: _parse_id(read, v, p, month), no_id, required=True
    )
    counted = read.field(data, "counted", path, read.boolean, True)
    employed = read.field(data, "employed", path, read.boolean, False)
    incomes = tuple(
        Income(kind, amount)
        for kind, amount in _parse_amounts(read, data.get("incomes"), f"{path}.incomes", INCOME_KINDS)
    )
    expenses = tuple(
        Expense(kind, amount)
        for kind, amount in _parse_amounts(read, data.get("expenses"), f"{path}.expenses", EXPENSE_KINDS)
    )
    return Member(
        ref=ref,
        id_number=id_number,
        birth_date=born or date.min,  # date.min only when the request is rejected anyway
        counted=counted,
        employed=employed,
        incomes=incomes,
        expenses=expenses,
        disability=_parse_disability(read, data.get("disability"), f"{path}.disability"),
        major_illness=read.field(data, "major_illness", path, read.boolean, False),
        schooling=read.field(data, "schooling", path, read.choice(SCHOOLING), "none"),
        work_capacity=read.field(data, "work_capacity", path, read.choice(WORK_CAPACITY), "full"),
        self_care_lost=read.field(data, "self_care_lost", path, read.integer(0, 6), 0),
        able_supporter=read.field(data, "able_supporter", path, read.boolean, True),
        child_status=read.field(data, "child_status", path, read.choice(CHILD_STATUSES), "none"),
        covid=_parse_covid(read, data.get("covid"), f"{path}.covid"),
    )


def _parse_amounts(read: _Reader, value: Any, path: str, kinds: tuple[str, ...]) -> list[tuple[str, Decimal]]:
    amounts = []
    for index, raw in enumerate(read.items(value, path)):
        item_path = f"{path}[{index}]"
        data = read.obj(raw, item_path, _MONEY_FIELDS)
        if data is None:
            continue
        kind = read.field(data, "kind", item_path, read.choice(kinds), kinds[0], required=True)
        amount = read.field(data, "monthly", item_path, read.money, Decimal(0), required=True)
        amounts.append((kind, amount))
    return amounts


def _parse_disability(read: _Reader, value: Any, path: str) -> Disability | None:
    data = read.optional_obj(value, path, _DISABILITY_FIELDS)
    if data is None:
        return None
    category = read.field(data, "category", path, read.choice(DISABILITY_CATEGORIES), "physical", required=True)
    grade = read.field(data, "grade", path, read.integer(1, 4), 4, required=True)
    return Disability(category, grade)


def _parse_covid(read: _Reader, value: Any, path: str) -> Covid | None:
    data = read.optional_obj(value, path, _COVID_FIELDS)
    if data is None:
        return None
    admitted = read.field(data, "admitted", path, read.day, None, required=True)
    discharged = None
    if data.get("discharged") is not None:
        discharged = read.day(data["discharged"], f"{path}.discharged")
        if discharged is not None and admitted is not None and discharged < admitted:
            read.error(f"{path}.discharged", f"出院日期早于入院日期 {admitted.isoformat()}")
    return Covid(admitted or date.min, discharged)


# ---------------------------------------------------------------------------------------------------------------
# Evaluation and the response


def _outcome_to_json(outcome: Outcome) -> dict[str, Any]:
    result: dict[str, Any] = {"benefit": outcome.benefit}
    if outcome.member is not None:
        result["member"] = outcome.member
    result["decision"] = outcome.decision
    if outcome.members is not None:
        result["members"] = outcome.members
    if outcome.care_level is not None:
        result["care_level"] = outcome.care_level
    result["monthly_amount"] = str(outcome.monthly_amount)
    result["reasons"] = outcome.reasons
    return result


def evaluation_to_json(evaluation: Evaluation, params: Parameters) -> dict[str, Any]:
    """The response of evaluate.md, with ``parameters_used`` taken from what ``params`` recorded."""
    return {
        "month": _month_text(evaluation.month),
        "area": evaluation.area,
        "standard": money(evaluation.standard),
        "household": {
            "members": evaluation.members,
            "counted_income": money(evaluation.counted_income),
            "per_capita_income": money(evaluation.per_capita_income),
            "assets_pass": evaluation.assets_pass,
        },
        "outcomes": [_outcome_to_json(outcome) for outcome in evaluation.outcomes],
        "parameters_used": {
            key: {
                "value": str(version.value),
                "effective_from": version.effective_from.isoformat() if version.effective_from else None,
                "source": version.source,
            }
            for key, version in sorted(params.used.items())
        },
    }


def evaluate_request(request: EvalRequest, lookup: Lookup) -> dict[str, Any]:
    """Run the rules on a parsed request with parameters from ``lookup`` (and the request's overrides).

    Raises ``RequestErrors`` naming each parameter that the rules needed and that has no value in force on the
    1st of the month.
    """
    params = Parameters(request.month, lookup, request.parameters)
    try:
        evaluation = evaluate_household(request.household, request.month, params)
    except MissingParameters as missing:
        month = _month_text(request.month)
        raise RequestErrors([f"parameters.{key}: {month} 没有生效的参数值" for key in missing.keys]) from None
    return evaluation_to_json(evaluation, params)


def evaluate_json(data: Mapping[str, Any], lookup: Lookup) -> dict[str, Any]:
    """``parse_request`` then ``evaluate_request``: JSON in, JSON out, ``RequestErrors`` for bad input."""
    return evaluate_request(parse_request(data), lookup)
