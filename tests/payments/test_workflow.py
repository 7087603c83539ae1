"""The payroll workflow: submitted by the township, approved by the county (never by the submitter), disbursed
through a bank file, reconciled from the bank's result file, failed lines re-issued once in a later batch."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from cases import services as case_services
from core.exceptions import TransitionNotAllowed
from payments import bankfiles, services
from payments.models import PaymentLine, Payroll
from tests.helpers import enroll, make_household, make_member
from tests.payments.conftest import OCT

pytestmark = pytest.mark.django_db


def disbursed(users, township, benefit="dibao") -> Payroll:
    payroll = services.generate_payroll(actor=users["caseworker"], township=township, month=OCT, benefit=benefit)
    services.submit_payroll(actor=users["caseworker"], payroll=payroll)
    services.approve_payroll(actor=users["county_staff"], payroll=payroll)
    return services.disburse_payroll(actor=users["county_staff"], payroll=payroll)


def result_csv(
    payroll: Payroll,
    results: dict[int, tuple[str, str]],
    changed: dict[int, dict[int, str]] | None = None,
    extra: list[list[str]] = (),
) -> bytes:
    """The bank file with 结果 and 失败原因 appended — what a bank sends back; ``changed`` alters cells of a line's
    row (by column index), ``extra`` adds rows."""
    rows = bankfiles.bank_rows(payroll)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*bankfiles.HEADER, "结果", "失败原因"])
    for row in rows:
        line_id = int(row[0])
        if line_id not in results:
            continue
        cells = list(row)
        for index, value in (changed or {}).get(line_id, {}).items():
            cells[index] = value
        writer.writerow([*cells, *results[line_id]])
    for row in extra:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def big_dibao(users, county, villages):
    """Two more 低保 households in township A: one head with an ID ending in X and an account with a leading 0."""
    cw = users["caseworker"]
    homes = []
    for name, number, account in [
        ("甲户主", "11010519491231002X", "0123456789012345678"),
        ("乙户主", None, "622848111"),
    ]:
        home = make_household(cw, villages["a"])
        fields = {"id_number": number} if number else {}
        make_member(cw, home, name=name, relation="head", bank_name="农商行", bank_account=account, **fields)
        enroll(home, "dibao", "300.50")
        homes.append(home)
    return homes


def refused(payroll, *attempts) -> None:
    """Each attempt (step, actor, error, message pattern or None) on ``payroll`` raises that error."""
    for step, actor, error, match in attempts:
        with pytest.raises(error, match=match):
            step(actor=actor, payroll=payroll)


def test_the_whole_workflow(users, county, township_a, big_dibao):
    cw, reviewer, county_staff = users["caseworker"], users["reviewer"], users["county_staff"]
    payroll = services.generate_payroll(actor=cw, township=township_a, month=OCT, benefit="dibao")
    assert (payroll.line_count, payroll.total_amount) == (3, Decimal("1625.00"))
    refused(
        payroll,
        (services.submit_payroll, county_staff, PermissionDenied, "县民政局审批"),
        (services.submit_payroll, users["caseworker_b"], PermissionDenied, None),
        (services.approve_payroll, county_staff, TransitionNotAllowed, None),
    )
    payroll = services.submit_payroll(actor=cw, payroll=payroll)
    assert (payroll.status, payroll.submitted_by) == ("submitted", cw)
    refused(
        payroll,
        (services.submit_payroll, reviewer, TransitionNotAllowed, "不能提交"),
        (services.approve_payroll, cw, PermissionDenied, "提交人不能审批自己提交的工资册"),
        (services.approve_payroll, reviewer, PermissionDenied, "县民政局审批"),
        (services.approve_payroll, users["auditor"], PermissionDenied, None),
        (services.disburse_payroll, county_staff, TransitionNotAllowed, None),
    )
    payroll = services.approve_payroll(actor=county_staff, payroll=payroll)
    assert (payroll.status, payroll.approved_by) == ("approved", county_staff)
    refused(payroll, (services.disburse_payroll, cw, PermissionDenied, None))
    payroll = services.disburse_payroll(actor=county_staff, payroll=payroll)
    assert payroll.status == "disbursed" and len(payroll.bank_file_digest) == 64
    refused(payroll, (services.disburse_payroll, county_staff, TransitionNotAllowed, None))
    lines = list(payroll.lines.order_by("id"))
    content = result_csv(
        payroll, {lines[0].pk: ("成功", ""), lines[1].pk: ("失败", "账户已销户"), lines[2].pk: ("成功", "")}
    )
    report = services.reconcile_payroll(actor=county_staff, payroll=payroll, file_bytes=content, filename="回盘.csv")
    assert report.ok and report.applied and report.reconciled and (report.paid, report.failed) == (2, 1)
    payroll.refresh_from_db()
    assert payroll.status == "reconciled" and payroll.reconciled_at is not None
    assert (payroll.paid_count, payroll.failed_count, payroll.failed_amount) == (2, 1, lines[1].amount)
    failed = PaymentLine.objects.get(pk=lines[1].pk)
    assert (failed.status, failed.failure_reason) == ("failed", "账户已销户")
    with pytest.raises(TransitionNotAllowed, match="已对账完毕"):
        services.reconcile_payroll(actor=county_staff, payroll=payroll, file_bytes=content, filename="回盘.csv")
    with pytest.raises(TransitionNotAllowed, match="该月工资册已审批"):
        services.generate_payroll(actor=cw, township=township_a, month=OCT, benefit="dibao")


def test_the_database_keeps_the_approver_apart_from_the_submitter(users, county, township_a):
    payroll = services.generate_payroll(actor=users["caseworker"], township=township_a, month=OCT, benefit="dibao")
    with pytest.raises(IntegrityError), transaction.atomic():
        Payroll.objects.filter(pk=payroll.pk).update(
            submitted_by=users["county_staff"], approved_by=users["county_staff"]
        )


def test_submission_needs_lines_and_the_county_can_return_it(users, county, township_a):
    cw, county_staff = users["caseworker"], users["county_staff"]
    empty = services.generate_payroll(actor=cw, township=township_a, month=OCT, benefit="disability_living")
    with pytest.raises(ValidationError, match="没有发放明细"):
        services.submit_payroll(actor=cw, payroll=empty)
    payroll = services.generate_payroll(actor=cw, township=township_a, month=OCT, benefit="dibao")
    services.submit_payroll(actor=cw, payroll=payroll)
    with pytest.raises(ValidationError):
        services.return_payroll(actor=county_staff, payroll=payroll, reason=" ")
    with pytest.raises(PermissionDenied):
        services.return_payroll(actor=users["reviewer"], payroll=payroll, reason="金额有误")
    payroll = services.return_payroll(actor=county_staff, payroll=payroll, reason="金额有误")
    assert (payroll.status, payroll.return_note, payroll.submitted_by) == ("draft", "金额有误", None)
    payroll = services.generate_payroll(actor=cw, township=township_a, month=OCT, benefit="dibao")
    assert payroll.return_note == ""  # regenerated after the return
    services.submit_payroll(actor=users["reviewer"], payroll=payroll)


def test_bank_file_csv_is_utf8_with_bom_and_ids_as_text(users, county, township_a, big_dibao):
    payroll = disbursed(users, township_a)
    content = bankfiles.bank_csv(payroll, bankfiles.bank_rows(payroll))
    assert content.startswith(b"\xef\xbb\xbf")
    text = content[3:].decode("utf-8")
    assert text.splitlines()[0] == '"' + '","'.join(bankfiles.HEADER) + '"'
    assert '"11010519491231002X"' in text and '"0123456789012345678"' in text and "E+" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3
    first = next(row for row in rows if row["收款人"] == "甲户主")
    assert first["金额"] == "300.50" and first["所属月份"] == "2020-10" and first["乡镇"] == "汉葭街道"
    assert first["摘要"] == "2020年10月低保金" and first["救助项目"] == "低保"
    assert first["户编号"] == big_dibao[0].number
    assert bankfiles.filename(payroll, "csv") == f"{township_a.code}-202010-dibao-1.csv"


def test_bank_file_xlsx_writes_ids_and_accounts_as_text_with_totals(users, county, township_a, big_dibao):
    payroll = disbursed(users, township_a)
    book = openpyxl.load_workbook(io.BytesIO(bankfiles.bank_xlsx(payroll, bankfiles.bank_rows(payroll))))
    sheet = book["代发明细"]
    assert [cell.value for cell in sheet[1]] == list(bankfiles.HEADER)
    row = next(r for r in sheet.iter_rows(min_row=2) if r[3].value == "甲户主")
    assert row[4].value == "11010519491231002X" and row[4].data_type == "s"
    assert row[6].value == "0123456789012345678" and row[6].data_type == "s" and row[6].number_format == "@"
    assert row[0].data_type == "s" and row[7].value == 300.5 and row[7].data_type == "n"
    totals = {r[0].value: r[1].value for r in book["汇总"].iter_rows()}
    assert totals["笔数"] == 3 and totals["合计金额（元）"] == 1625.0


def test_a_result_file_with_an_unknown_line_or_a_wrong_amount_applies_nothing(users, county, township_a, big_dibao):
    payroll = disbursed(users, township_a)
    lines = list(payroll.lines.order_by("id"))
    results = {line.pk: ("成功", "") for line in lines}
    stranger = ["999999", "汉葭街道", "x", "某人", "", "", "6228", "1.00", "低保", "2020-10", "", "成功", ""]
    content = result_csv(payroll, results, extra=[stranger])
    report = services.reconcile_payroll(
        actor=users["county_staff"], payroll=payroll, file_bytes=content, filename="r.csv"
    )
    assert not report.ok and not report.applied
    assert [str(p) for p in report.problems] == ["第 5 行「流水号」：流水号 999999 不是本工资册的明细（未知明细）。"]
    wrong = result_csv(payroll, results, {lines[2].pk: {7: "300.00", 6: "6228480000"}})
    report = services.reconcile_payroll(
        actor=users["county_staff"], payroll=payroll, file_bytes=wrong, filename="r.csv"
    )
    messages = [str(p) for p in report.problems]
    assert messages == [
        "第 4 行「账号」：账号与该笔明细的银行账号不一致。",
        "第 4 行「金额」：金额 300.00 与该笔明细的金额 300.50 不一致。",
    ]
    assert not PaymentLine.objects.filter(payroll=payroll).exclude(status="pending").exists()
    payroll.refresh_from_db()
    assert payroll.status == "disbursed" and payroll.paid_count == 0


def test_result_file_row_errors_are_named(users, county, township_a, big_dibao):
    payroll = disbursed(users, township_a)
    lines = list(payroll.lines.order_by("id"))
    first = lines[0].pk
    content = result_csv(
        payroll,
        {first: ("成功", ""), lines[1].pk: ("待定", "")},
        {first: {4: "500243199001010010"}},
        extra=[[str(first), *[""] * 10, "成功", ""], ["abc", *[""] * 10, "成功", ""]],
    )
    report = services.reconcile_payroll(
        actor=users["county_staff"], payroll=payroll, file_bytes=content, filename="r.csv"
    )
    assert [str(p) for p in report.problems] == [
        "第 2 行「身份证号」：身份证号与该笔明细的收款人身份证号不一致。",
        "第 3 行「结果」：无法识别结果“待定”，应为“成功”或“失败”。",
        f"第 4 行「流水号」：流水号 {first} 与第 2 行重复。",
        "第 5 行「流水号」：流水号“abc”不是数字。",
    ]
    missing_column = "流水号,金额\n1,2\n".encode()
    report = services.reconcile_payroll(
        actor=users["county_staff"], payroll=payroll, file_bytes=missing_column, filename="r.csv"
    )
    # the whole-file place is 整个文件 in the one report format (core.spreadsheets.Problem)
    assert [str(p) for p in report.problems] == ["整个文件：缺少必填列：身份证号、账号、结果（表头在第 1 行）。"]


def test_a_partial_result_file_leaves_the_rest_pending_and_re_importing_changes_nothing(
    users, county, township_a, big_dibao
):
    payroll = disbursed(users, township_a)
    lines = list(payroll.lines.order_by("id"))
    staff = users["county_staff"]
    part = result_csv(payroll, {lines[0].pk: ("成功", ""), lines[1].pk: ("失败", "")})
    report = services.reconcile_payroll(actor=staff, payroll=payroll, file_bytes=part, filename="1.csv")
    assert report.applied and not report.reconciled and report.pending_left == 1
    assert PaymentLine.objects.get(pk=lines[1].pk).failure_reason == bankfiles.NO_REASON
    again = services.reconcile_payroll(actor=staff, payroll=payroll, file_bytes=part, filename="1.csv")
    assert again.ok and again.unchanged == 2 and not again.changes
    conflicting = result_csv(payroll, {lines[0].pk: ("失败", "户名不符")})
    report = services.reconcile_payroll(actor=staff, payroll=payroll, file_bytes=conflicting, filename="2.csv")
    assert [p.message for p in report.problems] == ["该笔已对账为“已到账”，与本行结果不一致。"]
    rest = result_csv(payroll, {lines[2].pk: ("已到账", "")})
    assert services.reconcile_payroll(actor=staff, payroll=payroll, file_bytes=rest, filename="3.csv").reconciled


def test_an_xlsx_result_file_with_numeric_cells_is_read(users, county, township_a):
    payroll = disbursed(users, township_a)
    line = payroll.lines.get()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["银行代发结果"])
    sheet.append(["行号", "收款人身份证号", "银行账号", "金额", "处理结果", "失败原因"])
    sheet.append([line.pk, line.payee_id_number, line.bank_account, 1024, "失败", "账户冻结"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = services.reconcile_payroll(
        actor=users["county_staff"], payroll=payroll, file_bytes=buffer.getvalue(), filename="result.xlsx"
    )
    assert report.ok and report.reconciled and report.failed == 1
    assert PaymentLine.objects.get(pk=line.pk).failure_reason == "账户冻结"


def test_failed_lines_are_re_issued_once_in_a_later_batch(users, county, township_a, big_dibao):
    cw, staff = users["caseworker"], users["county_staff"]
    payroll = disbursed(users, township_a)
    lines = list(payroll.lines.order_by("id"))
    failed = payroll.lines.get(household=county.dibao_home)
    results = {line.pk: ("成功", "") for line in lines} | {failed.pk: ("失败", "账户已销户")}
    services.reconcile_payroll(actor=staff, payroll=payroll, file_bytes=result_csv(payroll, results), filename="r.csv")
    failed.refresh_from_db()
    case_services.save_member(
        actor=cw,
        household=county.dibao_home,
        member=county.head,
        data={"bank_name": "邮储银行", "bank_account": "6210981111111111"},
    )
    with pytest.raises(PermissionDenied):
        services.reissue_failed(actor=users["auditor"], township=township_a, month=OCT, benefit="dibao")
    batch = services.reissue_failed(actor=cw, township=township_a, month=OCT, benefit="dibao")
    assert (batch.batch, batch.status, batch.month, batch.line_count, batch.total_amount) == (
        2, "draft", OCT, 1, failed.amount,
    )  # fmt: skip
    reissue = batch.lines.get()
    assert (reissue.kind, reissue.reissue_of, reissue.household_id) == ("reissue", failed, failed.household_id)
    assert (reissue.bank_name, reissue.bank_account) == ("邮储银行", "6210981111111111")
    assert batch.notes == []
    with pytest.raises(TransitionNotAllowed, match="同一明细只能重发一次"):
        services.reissue_failed(actor=cw, township=township_a, month=OCT, benefit="dibao")
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(
            payroll=batch, kind="reissue", reissue_of=failed, benefit="dibao", month=OCT,
            household=failed.household, name="x", amount=Decimal("1"),
        )  # fmt: skip
    # the re-issue batch takes the same road
    services.submit_payroll(actor=cw, payroll=batch)
    services.approve_payroll(actor=staff, payroll=batch)
    services.disburse_payroll(actor=staff, payroll=batch)
    assert bankfiles.bank_rows(batch)[0][10] == "2020年10月低保金（失败重发）"
    report = services.reconcile_payroll(
        actor=staff, payroll=batch, file_bytes=result_csv(batch, {reissue.pk: ("成功", "")}), filename="r2.csv"
    )
    assert report.reconciled


def test_re_issue_notes_an_unchanged_account_and_refuses_when_nothing_failed(users, county, township_a):
    cw, staff = users["caseworker"], users["county_staff"]
    with pytest.raises(TransitionNotAllowed, match="没有发放失败的明细"):
        services.reissue_failed(actor=cw, township=township_a, month=OCT, benefit="dibao")
    payroll = disbursed(users, township_a)
    line = payroll.lines.get()
    services.reconcile_payroll(
        actor=staff, payroll=payroll, file_bytes=result_csv(payroll, {line.pk: ("失败", "系统繁忙")}), filename="r"
    )
    batch = services.reissue_failed(actor=staff, township=township_a, month=OCT, benefit="dibao")
    assert "账号与失败时相同" in batch.notes[0]


def test_refreshing_payees_of_a_draft_picks_up_a_recorded_account(users, county, township_a, villages):
    cw = users["caseworker"]
    home = make_household(cw, villages["a"])
    person = make_member(cw, home, name="无卡户", relation="head")
    enroll(home, "dibao", "200")
    payroll = services.generate_payroll(actor=cw, township=township_a, month=OCT, benefit="dibao")
    assert payroll.problem_count == 1
    case_services.save_member(actor=cw, household=home, member=person, data={"bank_account": "62284822223333"})
    assert services.refresh_payees(actor=cw, payroll=payroll) == 1
    payroll.refresh_from_db()
    assert payroll.problem_count == 0 and services.refresh_payees(actor=cw, payroll=payroll) == 0
    services.submit_payroll(actor=cw, payroll=payroll)
    with pytest.raises(TransitionNotAllowed):
        services.refresh_payees(actor=cw, payroll=payroll)


def test_history_records_the_actor(users, county, township_a):
    payroll = disbursed(users, township_a)
    events = payroll.events.order_by("pgh_id")  # type: ignore[attr-defined]
    assert [e.status for e in events][-3:] == ["submitted", "approved", "disbursed"]
    assert events.last().pgh_context.metadata["user"] == users["county_staff"].pk
