"""Excel exports of payrolls: Chinese headers, frozen header row, column widths, number formats, a totals row;
ID numbers and accounts written as text and masked for users not allowed to see them (XlsxWriter, constant
memory). The bank file itself is in ``payments.bankfiles``."""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal

import xlsxwriter

from core import masking
from payments.models import PaymentLine, Payroll
from payments.selectors import Overview

LINE_COLUMNS = (
    ("流水号", 10),
    ("类型", 10),
    ("户编号", 18),
    ("对象", 10),
    ("对象身份证号", 21),
    ("领取人类别", 10),
    ("收款人", 14),
    ("收款人身份证号", 21),
    ("开户银行", 18),
    ("银行账号", 24),
    ("金额（元）", 12),
    ("发放结果", 10),
    ("失败原因", 24),
    ("不能发放的原因", 28),
)
AMOUNT = 10


def _formats(book: xlsxwriter.Workbook) -> dict[str, object]:
    return {
        "header": book.add_format({"bold": True, "bg_color": "#EEF1F5", "border": 1, "text_wrap": True}),
        "text": book.add_format({"num_format": "@"}),
        "money": book.add_format({"num_format": "#,##0.00"}),
        "total": book.add_format({"bold": True, "top": 1}),
        "total_money": book.add_format({"bold": True, "top": 1, "num_format": "#,##0.00"}),
    }


def payroll_workbook(*, payroll: Payroll, lines: Iterable[PaymentLine], full_identity: bool) -> bytes:
    """Sheet 发放明细 (one row per line, a totals row at the end) and sheet 汇总 (the payroll's figures)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    f = _formats(book)
    sheet = book.add_worksheet("发放明细")
    for column, (name, width) in enumerate(LINE_COLUMNS):
        sheet.set_column(column, column, width)
        sheet.write_string(0, column, name, f["header"])
    sheet.freeze_panes(1, 0)
    row = 0
    total = Decimal("0.00")
    # Labels from plain dicts: get_FOO_display() costs more than writing the cell, at 100,000 rows.
    kinds = dict(PaymentLine.Kind.choices)
    payee_kinds = dict(PaymentLine._meta.get_field("payee_kind").choices or [])
    statuses = dict(PaymentLine.Status.choices)
    text, money, write = f["text"], f["money"], sheet.write_string
    for row, line in enumerate(lines, start=1):
        id_number = (
            line.id_number if full_identity else masking.mask_id_number(line.id_number) if line.id_number else ""
        )
        payee_id = line.payee_id_number
        if payee_id and not full_identity and len(payee_id) == 18 and line.payee_kind != "institution":
            payee_id = masking.mask_id_number(payee_id)
        write(row, 0, str(line.pk))
        write(row, 1, kinds.get(line.kind, line.kind))
        write(row, 2, line.household.number, text)
        write(row, 3, line.name)
        write(row, 4, id_number, text)
        write(row, 5, payee_kinds.get(line.payee_kind, line.payee_kind))
        write(row, 6, line.payee_name)
        write(row, 7, payee_id, text)
        write(row, 8, line.bank_name)
        write(row, 9, line.bank_account if full_identity else masking.mask_account(line.bank_account), text)
        sheet.write_number(row, AMOUNT, float(line.amount), money)  # Excel stores numbers as doubles
        write(row, 11, statuses.get(line.status, line.status))
        if line.failure_reason:
            write(row, 12, line.failure_reason)
        if line.problem:
            write(row, 13, line.problem)
        total += line.amount
    count = row
    sheet.autofilter(0, 0, max(count, 1), len(LINE_COLUMNS) - 1)
    sheet.write_string(count + 1, 0, "合计", f["total"])
    sheet.write_string(count + 1, 3, f"{count} 条", f["total"])
    sheet.write_number(count + 1, AMOUNT, float(total), f["total_money"])

    figures = book.add_worksheet("汇总")
    figures.set_column(0, 0, 16)
    figures.set_column(1, 1, 36)
    rows: list[tuple[str, object]] = [
        ("乡镇", payroll.township.name),
        ("救助项目", payroll.get_benefit_display()),
        ("所属月份", f"{payroll.month:%Y-%m}"),
        ("批次", payroll.batch),
        ("状态", payroll.get_status_display()),
        ("明细条数", payroll.line_count),
        ("合计金额（元）", payroll.total_amount),
        ("已到账条数", payroll.paid_count),
        ("已到账金额（元）", payroll.paid_amount),
        ("失败条数", payroll.failed_count),
        ("失败金额（元）", payroll.failed_amount),
        ("提交人", _person(payroll.submitted_by)),
        ("审批人", _person(payroll.approved_by)),
        ("发放时间", f"{payroll.disbursed_at:%Y-%m-%d %H:%M}" if payroll.disbursed_at else ""),
    ]
    for index, (name, value) in enumerate(rows):
        figures.write_string(index, 0, name, f["header"])
        if isinstance(value, Decimal):
            figures.write_number(index, 1, float(value), f["money"])
        elif isinstance(value, int):
            figures.write_number(index, 1, value)
        else:
            figures.write_string(index, 1, str(value), f["text"])
    book.close()
    return buffer.getvalue()


def _person(user: object) -> str:
    if user is None:
        return ""
    return user.first_name or user.username  # type: ignore[attr-defined]


def month_workbook(overview: Overview) -> bytes:
    """The month's payrolls: one row per township, amount and count per benefit, totals row and column."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    f = _formats(book)
    sheet = book.add_worksheet(f"{overview.month:%Y年%m月}发放汇总")
    headers = ["乡镇（街道）"]
    for _, label in overview.benefits:
        headers += [f"{label}（元）", f"{label}（笔）"]
    headers += ["合计（元）", "合计（笔）"]
    for column, name in enumerate(headers):
        sheet.set_column(column, column, 16 if column else 14)
        sheet.write_string(0, column, name, f["header"])
    sheet.freeze_panes(1, 1)
    row = 0
    for row, item in enumerate(overview.rows, start=1):
        sheet.write_string(row, 0, item.township.name)
        for index, cell in enumerate(item.cells):
            sheet.write_number(row, 1 + index * 2, float(cell.amount), f["money"])
            sheet.write_number(row, 2 + index * 2, cell.count)
        sheet.write_number(row, 1 + len(item.cells) * 2, float(item.amount), f["money"])
        sheet.write_number(row, 2 + len(item.cells) * 2, item.count)
    last = row + 1
    sheet.write_string(last, 0, "合计", f["total"])
    for index, (count, amount) in enumerate(overview.totals):
        sheet.write_number(last, 1 + index * 2, float(amount), f["total_money"])
        sheet.write_number(last, 2 + index * 2, count, f["total"])
    sheet.write_number(last, 1 + len(overview.benefits) * 2, float(overview.amount), f["total_money"])
    sheet.write_number(last, 2 + len(overview.benefits) * 2, overview.count, f["total"])
    book.close()
    return buffer.getvalue()
