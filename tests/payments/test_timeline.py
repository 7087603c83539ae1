"""A household's month-by-month account (救助待遇明细): what the rules grant, the dated amount in force with its cause,
what was paid through the payroll workflow (labelled by payroll and kind), overpayments and the difference; the API
(scoped, masked for auditors, bad input → 400 naming the parameter, documented) and the household page's tab."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance.amounts import record_amount
from assistance.determinations import determine_household
from cases.models import SensitiveAccessLog
from core.masking import mask_id_number
from core.models import PolicyParameter
from payments import bankfiles, services
from payments.models import Payroll
from payments.timeline import household_timeline, parse_range
from tests.helpers import enroll, make_household, make_member, make_overpayment
from tests.payments.conftest import NOV, OCT

pytestmark = pytest.mark.django_db

AUG, SEP, DEC = date(2020, 8, 1), date(2020, 9, 1), date(2020, 12, 1)
RAISED = Decimal("1072.00")


def bank_result(payroll: Payroll, failed: bool = False) -> bytes:
    """The bank's result file: every line of the bank file paid (成功), or every one failed."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*bankfiles.HEADER, "结果", "失败原因"])
    for row in bankfiles.bank_rows(payroll):
        writer.writerow([*row, *(("失败", "账户已冻结") if failed else ("成功", ""))])
    return out.getvalue().encode("utf-8")


def pay(users, township, month, benefit="dibao", payroll=None, failed=False) -> Payroll:
    """The month's regular payroll (or ``payroll``) generated, submitted, approved, disbursed and reconciled from the
    bank's file."""
    cw, county = users["caseworker"], users["county_staff"]
    if payroll is None:
        payroll = services.generate_payroll(actor=cw, township=township, month=month, benefit=benefit)
    services.submit_payroll(actor=cw, payroll=payroll)
    services.approve_payroll(actor=county, payroll=payroll)
    services.disburse_payroll(actor=county, payroll=payroll)
    result = bank_result(payroll, failed)
    report = services.reconcile_payroll(actor=county, payroll=payroll, file_bytes=result, filename="回盘.csv")
    assert report.ok and report.reconciled
    return payroll


@pytest.fixture
def account(users, county, township_a):
    """The 低保 household (1,024.00 from January 2020): a 调标 to 1,072.00 from November under a new rural standard;
    October and November paid through the whole workflow; 24.00 of October recorded as overpaid."""
    version = PolicyParameter.objects.create(
        key="dibao.standard.rural",
        value=Decimal("520"),
        effective_from=NOV,
        source="彭水府发〔2020〕测试号",
        confirmed=True,
    )
    PolicyParameter.objects.filter(key="dibao.standard.rural", effective_from=date(2020, 9, 1)).update(
        effective_to=date(2020, 10, 31)
    )
    record_amount(
        enrollment=county.dibao, from_month=NOV, amount=RAISED, cause="standard", priced_month=NOV, version=version
    )
    pay(users, township_a, OCT)
    pay(users, township_a, NOV)
    make_overpayment(township_a, county.dibao_home, "张大山", "dibao:202010:test", paid="1024.00", due="1000.00")
    return county


def rules_amount(household, month) -> Decimal:
    return determine_household(actor=None, household=household, month=month).dibao_amount


# The selector ---------------------------------------------------------------------------------------------------


def test_each_month_shows_rules_amount_in_force_paid_overpaid_and_difference(account, township_a):
    timeline = household_timeline(account.dibao_home, SEP, NOV)
    assert [(a.benefit, a.member_id, a.name) for a in timeline.accounts] == [("dibao", None, "张大山")]
    rows = timeline.accounts[0].rows
    assert [r.month for r in rows] == [SEP, OCT, NOV]
    assert [r.rules.decision for r in rows] == ["grant", "grant", "grant"]
    assert [r.rules.amount for r in rows] == [rules_amount(account.dibao_home, m) for m in (SEP, OCT, NOV)]
    assert rows[0].rules.amount == Decimal("992.00") and rows[2].rules.amount == Decimal("1040.00")  # 2 × standard
    assert [r.in_force.amount for r in rows] == [Decimal("1024.00"), Decimal("1024.00"), RAISED]
    assert [r.in_force.cause_label for r in rows] == ["核定", "核定", "调标"]
    assert [r.paid for r in rows] == [Decimal("0.00"), Decimal("1024.00"), RAISED]
    assert [[p.label for p in r.paid_lines] for r in rows] == [
        [],
        ["2020年10月 低保 第1批 正常发放"],
        ["2020年11月 低保 第1批 正常发放"],
    ]
    assert [r.overpaid for r in rows] == [Decimal("0.00"), Decimal("24.00"), Decimal("0.00")]
    assert [(o.reason, o.status_label) for o in rows[1].overpayments] == [("重算金额减少", "待追回")]
    assert [r.settled for r in rows] == [Decimal("0.00"), Decimal("1000.00"), RAISED]
    assert [r.difference for r in rows] == [Decimal("1024.00"), Decimal("24.00"), Decimal("0.00")]
    totals = timeline.accounts[0]
    assert (totals.in_force_total, totals.paid_total, totals.difference_total) == (
        Decimal("3120.00"),
        Decimal("2096.00"),
        Decimal("1048.00"),
    )
    assert timeline.notes == []


def test_a_failed_line_is_not_paid_and_its_reissue_is(users, county, township_a):
    pay(users, township_a, OCT, failed=True)
    reissue = services.reissue_failed(actor=users["caseworker"], township=township_a, month=OCT, benefit="dibao")
    pay(users, township_a, OCT, payroll=reissue)
    (october,) = household_timeline(county.dibao_home, OCT, OCT).accounts[0].rows
    assert [(p.label, p.kind_label, p.amount) for p in october.paid_lines] == [
        ("2020年10月 低保 第2批 失败重发", "失败重发", Decimal("1024.00"))
    ]
    assert (october.paid, october.settled, october.difference) == (Decimal("1024.00"), Decimal("1024.00"), 0)


def test_query_count_does_not_grow_with_accounts_or_lines(users, county, township_a):
    pay(users, township_a, SEP)
    with CaptureQueriesContext(connection) as before:
        household_timeline(county.dibao_home, SEP, NOV)
    child = county.dibao_home.members.get(name="张小花")
    enroll(county.dibao_home, "disability_living", "60.00", member=child)
    enroll(county.dibao_home, "disability_care", "80.00", member=county.head)
    pay(users, township_a, OCT)
    pay(users, township_a, OCT, "disability_care")
    with CaptureQueriesContext(connection) as after:
        timeline = household_timeline(county.dibao_home, SEP, NOV)
    assert len(timeline.accounts) == 3
    assert len(after.captured_queries) == len(before.captured_queries)


def test_a_standard_row_names_its_cause_and_parameter_version(account):
    november = household_timeline(account.dibao_home, NOV, NOV).accounts[0].rows[0]
    assert (november.in_force.cause, november.in_force.cause_label, november.in_force.from_month) == (
        "standard",
        "调标",
        NOV,
    )
    assert november.in_force.source == "农村低保标准（元/人·月）调整为 520（2020年11月1日起，彭水府发〔2020〕测试号）"


def test_only_months_in_force_paid_or_granted_are_shown(users, county, villages):
    cw = users["caseworker"]
    home = make_household(cw, villages["a"])
    person = make_member(cw, home, name="赵残疾", relation="head", bank_account="6228480000000000077")
    enroll(home, "disability_care", "80.00", member=person, start_month=OCT, end_month=NOV, status="exited")
    timeline = household_timeline(home, AUG, DEC)
    by_benefit = {a.benefit: a for a in timeline.accounts}
    care = by_benefit["disability_care"]
    assert [r.month for r in care.rows] == [OCT, NOV]
    assert [r.in_force.amount for r in care.rows] == [Decimal("80.00")] * 2
    assert [(r.rules, r.rules_note) for r in care.rows] == [(None, "规则未认定该项")] * 2  # no disability recorded
    assert [r.difference for r in care.rows] == [Decimal("80.00")] * 2  # in force, nothing paid
    # The person alone without income: the rules grant 低保 every month, though the household is not enrolled.
    dibao = by_benefit["dibao"]
    assert [r.month for r in dibao.rows] == [AUG, SEP, OCT, NOV, DEC]
    assert all(r.rules.decision == "grant" and r.in_force is None for r in dibao.rows)
    assert [r.difference for r in dibao.rows] == [Decimal("0.00")] * 5
    assert set(by_benefit) == {"disability_care", "dibao"}


def test_a_month_without_parameters_says_so_instead_of_failing(users, villages):
    cw = users["caseworker"]
    home = make_household(cw, villages["a"])
    make_member(cw, home, name="钱老早", relation="head")
    enroll(home, "dibao", "300.00", start_month=date(2017, 11, 1))
    timeline = household_timeline(home, date(2017, 11, 1), date(2018, 2, 1))
    rows = timeline.accounts[0].rows
    assert [r.month for r in rows] == [date(2017, 11, 1), date(2017, 12, 1), date(2018, 1, 1), date(2018, 2, 1)]
    assert rows[0].rules is None and rows[0].rules_note.startswith("缺少生效的政策参数：")
    assert "农村低保标准（元/人·月）" in rows[0].rules_note and "dibao." not in rows[0].rules_note
    assert rows[2].rules is not None and rows[2].rules_note == ""
    assert [n.split("：")[0] for n in timeline.notes] == ["2017年11月", "2017年12月"]
    assert [r.in_force.amount for r in rows] == [Decimal("300.00")] * 4


def test_more_than_36_months_or_a_reversed_range_is_refused(county):
    household_timeline(county.dibao_home, date(2018, 1, 1), date(2020, 12, 1))  # 36 months
    with pytest.raises(ValidationError) as too_long:
        household_timeline(county.dibao_home, date(2018, 1, 1), date(2021, 1, 1))
    assert too_long.value.message_dict == {"last_month": ["月份范围不能超过 36 个月。"]}
    with pytest.raises(ValidationError) as reversed_range:
        household_timeline(county.dibao_home, NOV, OCT)
    assert "last_month" in reversed_range.value.message_dict


def test_the_range_defaults_to_the_last_12_months(settings):
    first, last = parse_range({})
    assert len({first, last}) == 2 and (last.year * 12 + last.month) - (first.year * 12 + first.month) == 11
    assert parse_range({"from": "2020-01"}) == (date(2020, 1, 1), date(2020, 12, 1))
    assert parse_range({"to": "2020-10"}) == (date(2019, 11, 1), OCT)


# The API --------------------------------------------------------------------------------------------------------


def api_url(household, **query) -> str:
    url = reverse("api-household-timeline", args=[household.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_api_gives_the_account_with_full_ids_for_staff(client_for, account):
    response = client_for("county_staff").get(api_url(account.dibao_home, **{"from": "2020-09", "to": "2020-11"}))
    assert response.status_code == 200
    body = response.json()
    assert (body["first_month"], body["last_month"], body["household_number"]) == (
        "2020-09",
        "2020-11",
        account.dibao_home.number,
    )
    (dibao,) = body["accounts"]
    assert (dibao["benefit_label"], dibao["whole_household"], dibao["member"]) == ("低保", True, None)
    assert (dibao["name"], dibao["id_number"]) == ("张大山", account.head.id_number)
    months = {m["month"]: m for m in dibao["months"]}
    assert list(months) == ["2020-09", "2020-10", "2020-11"]
    october, november = months["2020-10"], months["2020-11"]
    assert (october["in_force"]["amount"], october["paid"], october["overpaid"], october["difference"]) == (
        "1024.00",
        "1024.00",
        "24.00",
        "24.00",
    )
    assert october["paid_lines"] == [
        {"label": "2020年10月 低保 第1批 正常发放", "kind": "regular", "kind_label": "正常发放", "amount": "1024.00"}
    ]
    assert (november["in_force"]["cause"], november["in_force"]["cause_label"]) == ("standard", "调标")
    assert november["in_force"]["from_month"] == "2020-11" and november["difference"] == "0.00"
    assert months["2020-09"]["difference"] == "1024.00" and months["2020-09"]["rules"]["decision_label"] == "符合"


def test_api_masks_ids_for_auditors_but_shows_names(client_for, account):
    response = client_for("auditor").get(api_url(account.dibao_home, **{"from": "2020-10", "to": "2020-10"}))
    assert response.status_code == 200
    (dibao,) = response.json()["accounts"]
    assert dibao["name"] == "张大山"
    assert dibao["id_number"] == mask_id_number(account.head.id_number) != account.head.id_number


def test_api_is_scoped_to_the_users_township(client_for, account):
    assert client_for("caseworker_b").get(api_url(account.dibao_home)).status_code == 404
    assert client_for("caseworker").get(api_url(account.b_home)).status_code == 404
    assert client_for("caseworker").get(api_url(account.dibao_home)).status_code == 200
    assert client_for("caseworker").get("/api/v1/households/99999999999999999999999/timeline/").status_code == 404


@pytest.mark.parametrize(
    ("query", "parameter", "words"),
    [
        ("from=2026-13", "from", "起始月份 from 格式不正确"),
        ("to=2020-00", "to", "截止月份 to 格式不正确"),
        ("from=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%90-01", "from", "格式不正确"),  # full-width digits
        ("from=2020-1", "from", "格式不正确"),
        ("from=1989-12", "from", "格式不正确"),
        ("from=2020-10&to=2020-09", "to", "不能早于起始月份 from"),
        ("from=2018-01&to=2021-01", "to", "不能超过 36 个月"),
        ("from=" + "9" * 5000, "from", "格式不正确"),
    ],
)
def test_api_refuses_bad_ranges_naming_the_parameter(client_for, county, query, parameter, words):
    url = reverse("api-household-timeline", args=[county.dibao_home.pk])
    response = client_for("caseworker").get(f"{url}?{query}")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [parameter] and words in body[parameter][0]


def test_nul_bytes_are_refused_before_and_by_the_range(client_for, county):
    url = reverse("api-household-timeline", args=[county.dibao_home.pk])
    response = client_for("caseworker").get(url + "?from=2020-01%00")
    # The edge check (config.middleware.EdgeChecks) answers every API request holding a control character first.
    assert response.status_code == 400 and "控制字符" in response.json()["errors"][0]
    with pytest.raises(ValidationError) as refused:
        parse_range({"from": "2020-01\x00"})
    assert refused.value.message_dict == {"from": ["起始月份 from：不能包含控制字符（如 NUL），请删除后重新输入。"]}


def test_api_logs_reading_a_childs_account(client_for, users, county):
    client_for("county_staff").get(api_url(county.orphan.household, **{"from": "2020-10", "to": "2020-10"}))
    log = SensitiveAccessLog.objects.get(member=county.orphan)
    assert log.action == "api" and "待遇明细" in log.what


def test_the_schema_documents_the_path_and_its_parameters(client_for):
    schema = client_for("county_staff").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    (path,) = [p for p in schema["paths"] if p.endswith("/timeline/")]
    assert path.startswith("/api/v1/households/{")
    operation = schema["paths"][path]["get"]
    assert {p["name"] for p in operation["parameters"] if p["in"] == "query"} == {"from", "to"}
    assert operation["summary"] == "救助待遇明细" and "400" in operation["responses"]


# The household page's tab ---------------------------------------------------------------------------------------


def test_the_household_page_has_the_tab(client_for, county):
    page = client_for("caseworker").get(reverse("household-detail", args=[county.dibao_home.pk])).content.decode()
    assert "待遇明细" in page and reverse("household-timeline", args=[county.dibao_home.pk]) in page


def test_the_tab_shows_money_and_labels_without_codes(client_for, account):
    url = reverse("household-timeline", args=[account.dibao_home.pk]) + "?from=2020-09&to=2020-11"
    page = client_for("auditor").get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "2020年10月 低保 第1批 正常发放：1,024.00" in page and "1,072.00" in page
    assert "调标" in page and "核定" in page and "农村低保标准（元/人·月）调整为 520" in page
    assert "未发放" in page and "少发" in page and "重算金额减少" in page  # September unpaid; October 24.00 short
    assert mask_id_number(account.head.id_number) in page and account.head.id_number not in page
    for code in ("dibao.standard", "standard", "regular", "grant"):
        assert code not in page.replace('name="', "")


def test_the_tab_shows_a_wrong_range_on_its_form_and_is_scoped(client_for, county):
    url = reverse("household-timeline", args=[county.dibao_home.pk])
    response = client_for("caseworker").get(url + "?from=2026-13", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "起始月份 from 格式不正确" in response.content.decode()
    assert client_for("caseworker_b").get(url).status_code == 404
