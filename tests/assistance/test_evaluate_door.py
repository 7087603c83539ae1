"""The evaluator's two doors (evaluate.md): ``manage.py evaluate`` and ``POST /api/v1/evaluate``, with parameters
read from the table."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pghistory.models
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from assistance import selectors
from assistance.policy.defaults import EVALUATOR_KEYS
from assistance.policy.evaluate import RequestErrors, evaluate_json, evaluate_request, parse_request
from assistance.policy.params import defaults_lookup
from config.startup import database_url
from core.idnumber import check_char
from core.models import PolicyParameter
from tests.assistance.test_policy_evaluate import comparable, load

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = Path(__file__).parent / "evaluate_examples"
EXAMPLE_NAMES = ["gradual_exit", "tekun", "worked_example"]
URL = "/api/v1/evaluate"
ROLES = ["caseworker", "reviewer", "caseworker_b", "county_staff", "county_admin", "auditor"]
VALID_ID = "500243197803150012"
WRONG_CHECK = VALID_ID[:17] + ("3" if check_char(VALID_ID[:17]) != "3" else "4")


def base_request(**changes: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "month": "2020-10",
        "area": "rural",
        "members": [{"ref": "a", "id_number": VALID_ID}],
    }
    request.update(changes)
    return request


def dibao(response: dict[str, Any]) -> dict[str, Any]:
    return next(outcome for outcome in response["outcomes"] if outcome["benefit"] == "dibao")


# ---------------------------------------------------------------------------------------------------------------
# Ways through the doors


def command_file(request: dict[str, Any] | str, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "request.json"
    path.write_text(request if isinstance(request, str) else json.dumps(request, ensure_ascii=False), "utf-8")
    out = io.StringIO()
    call_command("evaluate", str(path), stdout=out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def command_stdin(request: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    out = io.StringIO()
    call_command("evaluate", "-", stdin=io.StringIO(json.dumps(request, ensure_ascii=False)), stdout=out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def command_errors(*args: str, stdin: str | None = None) -> list[str]:
    """The standard-error lines of a run that must fail with status 2 (and print nothing on standard output)."""
    out, err = io.StringIO(), io.StringIO()
    options: dict[str, Any] = {"stdout": out, "stderr": err}
    if stdin is not None:
        options["stdin"] = io.StringIO(stdin)
    with pytest.raises(SystemExit) as stopped:
        call_command("evaluate", *args, **options)
    assert stopped.value.code == 2
    assert out.getvalue() == ""
    return err.getvalue().splitlines()


def command_request_errors(request: Any, tmp_path: Path) -> list[str]:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(request, ensure_ascii=False), "utf-8")
    return command_errors(str(path))


def post(client: Client, body: Any, content_type: str = "application/json") -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
    return client.post(URL, data=data, content_type=content_type)


def api_errors(client: Client, body: Any, content_type: str = "application/json") -> list[str]:
    response = post(client, body, content_type)
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["errors"]
    errors: list[str] = response.json()["errors"]
    return errors


def engine_errors(request: dict[str, Any]) -> list[str]:
    with pytest.raises(RequestErrors) as problem:
        evaluate_json(request, defaults_lookup)
    return problem.value.errors


@pytest.fixture
def api(client_for) -> Client:
    client: Client = client_for("caseworker")
    return client


@pytest.fixture(params=["file", "stdin", "api"])
def evaluate(request, tmp_path, client_for):
    """Evaluate a request through one door; every door gives the same response."""
    if request.param == "file":
        return lambda body: command_file(body, tmp_path)
    if request.param == "stdin":
        return lambda body: command_stdin(body, tmp_path)
    client = client_for("caseworker")

    def through_api(body: dict[str, Any]) -> dict[str, Any]:
        response = post(client, body)
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "application/json"
        result: dict[str, Any] = response.json()
        return result

    return through_api


# ---------------------------------------------------------------------------------------------------------------
# The examples and the parameters


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_examples_give_their_expected_result(evaluate, name):
    response = evaluate(load(f"{name}.request.json"))
    assert comparable(response) == comparable(load(f"{name}.expected.json"))
    assert list(response) == ["month", "area", "standard", "household", "outcomes", "parameters_used"]
    assert all(outcome["reasons"] for outcome in response["outcomes"])


def test_the_examples_are_the_three_of_the_contract():
    assert sorted(path.name.removesuffix(".request.json") for path in EXAMPLES.glob("*.request.json")) == EXAMPLE_NAMES


def test_parameters_used_come_from_the_table(evaluate):
    response = evaluate(load("worked_example.request.json"))
    assert response["parameters_used"]["dibao.standard.rural"] == {
        "value": "496",
        "effective_from": "2020-09-01",
        "source": "database",
    }
    assert response["parameters_used"]["income.employment_cost.pct"]["value"] == "0.3"
    assert {used["source"] for used in response["parameters_used"].values()} == {"database"}


def test_a_new_version_in_the_table_changes_the_result(evaluate):
    request = load("worked_example.request.json")
    before = evaluate(request)
    assert before["standard"] == "496.00"
    assert dibao(before)["monthly_amount"] == "1024.00"

    PolicyParameter.objects.create(
        key="dibao.standard.rural", value=Decimal("500.0000"), effective_from=date(2020, 10, 1), source="测试"
    )
    after = evaluate(request)
    assert after["standard"] == "500.00"
    assert dibao(after)["monthly_amount"] == "1040.00"  # 500 × 4 − 1120 + 160 of add-ons
    assert after["parameters_used"]["dibao.standard.rural"] == {
        "value": "500",  # not "5E+2" nor "500.0000"
        "effective_from": "2020-10-01",
        "source": "database",
    }
    # The month before still has the version of 2020-09-01.
    september = evaluate({**request, "month": "2020-09"})
    assert september["standard"] == "496.00"
    assert september["parameters_used"]["dibao.standard.rural"]["effective_from"] == "2020-09-01"


def test_a_changed_value_is_read_at_once(evaluate):
    PolicyParameter.objects.filter(key="dibao.addon.student", effective_from=date(2018, 1, 1)).update(
        value=Decimal("150.5000")
    )
    response = evaluate(load("worked_example.request.json"))
    assert dibao(response)["monthly_amount"] == "1075.00"  # 1024 + 50.5, half-up to the yuan
    assert response["parameters_used"]["dibao.addon.student"]["value"] == "150.5"


def test_an_ended_version_leaves_no_value(api):
    PolicyParameter.objects.filter(key="dibao.standard.rural", effective_to__isnull=True).update(
        effective_to=date(2022, 12, 31)
    )
    errors = api_errors(api, base_request(month="2023-01"))
    assert errors == ["parameters.dibao.standard.rural: 2023-01 没有生效的参数值"]
    assert post(api, base_request(month="2022-12")).status_code == 200


def test_request_parameters_win_over_the_table(evaluate):
    PolicyParameter.objects.create(key="dibao.standard.rural", value=Decimal("500"), effective_from=date(2020, 10, 1))
    response = evaluate(load("worked_example.request.json") | {"parameters": {"dibao.standard.rural": "600"}})
    assert response["standard"] == "600.00"
    assert dibao(response)["monthly_amount"] == "1440.00"  # 600 × 4 − 1120 + 160
    assert response["parameters_used"]["dibao.standard.rural"] == {
        "value": "600",
        "effective_from": None,
        "source": "request",
    }
    assert response["parameters_used"]["dibao.addon.student"]["source"] == "database"


def test_a_request_may_supply_a_parameter_missing_from_the_table(api):
    request = base_request(month="2017-12")
    missing = engine_errors(request)
    assert "parameters.dibao.standard.rural: 2017-12 没有生效的参数值" in missing
    supplied = {line.split(":")[0].removeprefix("parameters."): "100" for line in missing}
    response = post(api, {**request, "parameters": supplied})
    assert response.status_code == 200, response.content
    assert response.json()["standard"] == "100.00"


# ---------------------------------------------------------------------------------------------------------------
# The lookups


def test_db_lookup_reads_the_version_in_force():
    version = selectors.db_lookup("dibao.standard.rural", date(2020, 10, 1))
    assert version is not None
    assert (version.key, version.value, version.effective_from, version.source) == (
        "dibao.standard.rural",
        Decimal("496"),
        date(2020, 9, 1),
        "database",
    )
    assert str(version.value) == "496"
    assert str(selectors.db_lookup("income.employment_cost.pct", date(2020, 10, 1)).value) == "0.3"
    assert selectors.db_lookup("dibao.standard.rural", date(2017, 12, 1)) is None
    assert selectors.db_lookup("no.such.key", date(2020, 10, 1)) is None


def test_db_lookup_never_gives_the_exponent_form():
    for value in ["500", "1000", "0.0500", "1404"]:
        PolicyParameter.objects.create(key=f"test.{value}", value=Decimal(value), effective_from=date(2020, 1, 1))
        found = selectors.db_lookup(f"test.{value}", date(2020, 10, 1))
        assert str(found.value) == format(Decimal(value).normalize(), "f")
        assert "E" not in str(found.value)


def test_a_table_value_is_no_value_for_the_rules():
    PolicyParameter.objects.create(key="test.table", value_json=[1, 2], effective_from=date(2020, 1, 1))
    assert selectors.db_lookup("test.table", date(2020, 10, 1)) is None
    assert selectors.month_lookup(date(2020, 10, 1))("test.table", date(2020, 10, 1)) is None


def test_month_lookup_answers_one_evaluation_with_one_query(django_assert_num_queries):
    request = parse_request(load("worked_example.request.json"))
    with django_assert_num_queries(1):
        result = evaluate_request(request, selectors.month_lookup(request.month))
    assert comparable(result) == comparable(load("worked_example.expected.json"))


def test_month_lookup_agrees_with_db_lookup():
    on = date(2020, 10, 1)
    lookup = selectors.month_lookup(on)
    for key in sorted(EVALUATOR_KEYS):
        assert lookup(key, on) == selectors.db_lookup(key, on), key
    # Another date is read from the table, not from the month's dictionary.
    assert lookup("dibao.standard.rural", date(2019, 1, 1)).value == Decimal("440")


def test_the_table_agrees_with_the_defaults_for_every_key():
    for on in [date(2018, 1, 1), date(2019, 6, 1), date(2020, 7, 1), date(2020, 10, 1), date(2023, 1, 1)]:
        lookup = selectors.month_lookup(on)
        for key in sorted(EVALUATOR_KEYS):
            from_table, default = lookup(key, on), defaults_lookup(key, on)
            assert (from_table and (from_table.value, from_table.effective_from)) == (
                default and (default.value, default.effective_from)
            ), (key, on)


# ---------------------------------------------------------------------------------------------------------------
# Bad requests: exit status 2 / HTTP 400, one line per problem, the same text through both doors

BAD_REQUESTS = [
    pytest.param(base_request(colour="red"), ["colour: 未知字段"], id="unknown field"),
    pytest.param(
        base_request(members=[{"ref": "a", "id_number": WRONG_CHECK}]),
        [f"members[0].id_number: 身份证号校验位应为 {check_char(VALID_ID[:17])}"],
        id="id check char",
    ),
    pytest.param(
        base_request(members=[{"ref": "a", "id_number": VALID_ID, "incomes": [{"kind": "wage", "monthly": "-5"}]}]),
        ["members[0].incomes[0].monthly: 金额不能为负数"],
        id="negative money",
    ),
    pytest.param(base_request(parameters={"no.such": "1"}), ["parameters.no.such: 未知参数"], id="unknown parameter"),
    pytest.param(
        base_request(month="2017-12"), ["parameters.dibao.standard.rural: 2017-12 没有生效的参数值"], id="before 2018"
    ),
    pytest.param(
        base_request(colour="red", area="city", members=[{"ref": "a", "id_number": WRONG_CHECK}]),
        [
            "colour: 未知字段",
            "area: 取值应为 urban、rural 之一",
            f"members[0].id_number: 身份证号校验位应为 {check_char(VALID_ID[:17])}",
        ],
        id="several problems",
    ),
    pytest.param([1, 2], ["request: 请求应为 JSON 对象"], id="not an object"),
]


@pytest.mark.parametrize(("request_body", "expected"), BAD_REQUESTS)
def test_bad_requests_through_both_doors(request_body, expected, tmp_path, api):
    from_command = command_request_errors(request_body, tmp_path)
    from_api = api_errors(api, request_body)
    assert from_command == from_api
    for line in expected:
        assert line in from_command
    if isinstance(request_body, dict):
        assert from_command == engine_errors(request_body)  # exactly the messages of RequestErrors


def test_a_month_before_2018_names_every_missing_parameter(api):
    errors = api_errors(api, base_request(month="2017-12"))
    assert all(line.startswith("parameters.") and line.endswith(": 2017-12 没有生效的参数值") for line in errors)
    assert "parameters.dibao.standard.rural: 2017-12 没有生效的参数值" in errors
    assert "parameters.dibao.standard.urban: 2017-12 没有生效的参数值" not in errors  # a rural household


def test_invalid_json_is_a_bad_request(tmp_path, api):
    path = tmp_path / "broken.json"
    path.write_text('{"month": "2020-10",', encoding="utf-8")
    [line] = command_errors(str(path))
    assert line.startswith("request: 不是有效的 JSON（第 1 行")
    assert command_errors("-", stdin='{"month": "2020-10",') == [line]
    assert api_errors(api, '{"month": "2020-10",') == [line]


def test_a_missing_file_is_a_bad_request(tmp_path):
    missing = tmp_path / "nowhere.json"
    assert command_errors(str(missing)) == [f"file: 无法读取 {missing}：文件不存在"]
    assert command_errors(str(tmp_path)) == [f"file: 无法读取 {tmp_path}：这是一个目录"]


def test_a_file_that_is_not_utf8_is_a_bad_request(tmp_path, api):
    path = tmp_path / "gbk.json"
    path.write_bytes(json.dumps(base_request(area="农村"), ensure_ascii=False).encode("gbk"))
    assert command_errors(str(path)) == ["request: 应为 UTF-8 编码的 JSON 文本"]
    assert api_errors(api, path.read_bytes()) == ["request: 请求体应为 UTF-8 编码的 JSON"]


def test_a_utf8_file_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(base_request()).encode())
    out = io.StringIO()
    call_command("evaluate", str(path), stdout=out)
    assert json.loads(out.getvalue())["standard"] == "496.00"


def test_the_command_reads_standard_input_by_default(monkeypatch):
    body = json.dumps(load("tekun.request.json"), ensure_ascii=False).encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(body), encoding="ascii"))
    out = io.StringIO()
    call_command("evaluate", "-", stdout=out)
    assert comparable(json.loads(out.getvalue())) == comparable(load("tekun.expected.json"))


def test_the_command_prints_readable_chinese(tmp_path):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(base_request()), encoding="utf-8")
    out = io.StringIO()
    call_command("evaluate", str(path), stdout=out)
    text = out.getvalue()
    assert "低于标准" in text  # ensure_ascii=False
    assert text.startswith('{\n  "month": "2020-10",\n')  # indent 2


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("month=2020-10", "application/x-www-form-urlencoded", "request: 不是有效的 JSON（第 1 行第 1 列"),
        ("", "application/json", "request: 不是有效的 JSON（第 1 行第 1 列"),
        ("<xml/>", "application/xml", "request: 不是有效的 JSON（第 1 行第 1 列"),
        ("[", "application/json", "request: 不是有效的 JSON（第 1 行第 2 列"),
    ],
)
def test_a_body_that_is_not_json_is_a_bad_request(api, body, content_type, expected):
    [line] = api_errors(api, body, content_type)
    assert line.startswith(expected)


def test_a_multipart_form_is_a_bad_request(api):
    response = api.post(URL, data={"month": "2020-10"})
    assert response.status_code == 400
    [line] = response.json()["errors"]
    assert line.startswith("request: 不是有效的 JSON")


# ---------------------------------------------------------------------------------------------------------------
# The command as it is run: exit status and standard error


def _subprocess_env() -> dict[str, str]:
    """The environment of ``manage.py`` reading the test database."""
    url = database_url(connection.settings_dict)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": url}
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    env["PYTHONIOENCODING"] = "ascii"  # the command writes UTF-8 whatever the locale says
    return env


def run_manage(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "manage.py", "evaluate", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=_subprocess_env(),
        timeout=120,
        check=False,
    )


def test_manage_py_exits_with_status_2_and_one_line_per_problem(tmp_path):
    request = base_request(colour="red", members=[{"ref": "a", "id_number": WRONG_CHECK}])
    done = run_manage("-", stdin=json.dumps(request).encode())
    assert done.returncode == 2, done.stderr.decode()
    assert done.stdout == b""
    assert done.stderr.decode("utf-8").splitlines() == engine_errors(request)

    missing = tmp_path / "nowhere.json"
    done = run_manage(str(missing))
    assert done.returncode == 2
    assert done.stderr.decode("utf-8").splitlines() == [f"file: 无法读取 {missing}：文件不存在"]

    done = run_manage("-", stdin=b"{")
    assert done.returncode == 2
    assert done.stderr.decode("utf-8").startswith("request: 不是有效的 JSON（第 1 行第 2 列")


def test_manage_py_prints_the_result_in_utf8():
    request = load("worked_example.request.json")
    # Every parameter from the request: the answer does not depend on what the test database holds.
    on = date(2020, 10, 1)
    request["parameters"] = {key: str(defaults_lookup(key, on).value) for key in sorted(EVALUATOR_KEYS)}
    done = run_manage("-", stdin=json.dumps(request).encode())
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout.decode("utf-8"))
    assert comparable(result) == comparable(load("worked_example.expected.json"))
    assert "低于标准".encode() in done.stdout


# ---------------------------------------------------------------------------------------------------------------
# The API: who may use it, what it documents


def test_the_api_needs_a_signed_in_user():
    response = post(Client(), base_request())
    assert response.status_code in (401, 403)
    assert "errors" not in response.json()


@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_evaluate(client_for, role):
    response = post(client_for(role), load("worked_example.request.json"))
    assert response.status_code == 200, response.content
    assert comparable(response.json()) == comparable(load("worked_example.expected.json"))


def test_the_auditor_may_evaluate(client_for):
    response = post(client_for("auditor"), load("tekun.request.json"))
    assert response.status_code == 200
    assert comparable(response.json()) == comparable(load("tekun.expected.json"))


def test_a_token_signs_in_too(users):
    token = Token.objects.create(user=users["county_staff"])
    response = post(Client(HTTP_AUTHORIZATION=f"Token {token.key}"), base_request())
    assert response.status_code == 200
    assert response.json()["standard"] == "496.00"


def test_only_post_is_allowed(api):
    assert api.get(URL).status_code == 405


def test_the_schema_documents_the_endpoint(api):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    operation = schema["paths"]["/api/v1/evaluate"]["post"]
    assert operation["operationId"] == "policy_evaluate"
    assert operation["summary"] == "政策测算（假设评估）"
    assert "application/json" in operation["requestBody"]["content"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"
    assert set(operation["responses"]) >= {"200", "400"}


# ---------------------------------------------------------------------------------------------------------------
# Nothing is written


def _row_counts() -> dict[str, int]:
    event_model = apps.get_model("core", "PolicyParameterEvent")
    return {
        "parameters": PolicyParameter.objects.count(),
        "parameter events": event_model.objects.count(),
        "pghistory contexts": pghistory.models.Context.objects.count(),
        "tokens": Token.objects.count(),
    }


def test_nothing_is_written(tmp_path, api):
    before = _row_counts()
    good, bad = load("worked_example.request.json"), base_request(colour="red")
    with CaptureQueriesContext(connection) as queries:
        command_file(good, tmp_path)
        command_stdin(good, tmp_path)
        command_request_errors(bad, tmp_path)
        assert post(api, good).status_code == 200
        assert post(api, bad).status_code == 400
        assert post(api, base_request(month="2017-12")).status_code == 400
    assert _row_counts() == before
    statements = [query["sql"].lstrip().split(None, 1)[0].upper() for query in queries.captured_queries]
    assert statements
    assert set(statements) <= {"SELECT", "SAVEPOINT", "RELEASE"}, statements
