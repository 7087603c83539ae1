"""Bank files (代发文件) and the bank's result files (回盘文件 / 对账文件).

Bank file: one row per payment line of one payroll
---------------------------------------------------
File name ``{乡镇区划代码}-{YYYYMM}-{救助项目代码}-{批次}.csv`` / ``.xlsx``, e.g. ``500243001-202010-dibao-1.csv``.

* CSV: UTF-8 with BOM (``EF BB BF``), comma-separated, CRLF line ends, every field in double quotes, header in
  row 1. ID numbers and accounts are written exactly as recorded (digits, a final ``X``), as text: no spaces, no
  prefix, never in scientific notation. Open it in Excel only through 数据 → 自文本导入 with text columns, or
  use the xlsx file.
* XLSX: sheet 代发明细 with the same header in row 1 and one row per line; 流水号, 户编号, 身份证号, 账号 and
  所属月份 are text cells (format ``@``), 金额 a number with two decimals. Sheet 汇总 holds the count and total.

  ==============  =========================================================================================
  流水号          the payment line's number in this system (digits); the bank returns it in the result file
  乡镇            township name
  户编号          household number (text)
  收款人          payee: the person, the recorded guardian/agent, or the institution (集中供养)
  收款人身份证号  the payee's ID number, 18 characters (an institution: its 统一社会信用代码, may be empty)
  开户银行        bank name
  银行账号        account, 8–30 digits (text)
  金额            yuan, two decimals, > 0 (``1024.00``)
  救助项目        低保 / 单人户施保 / 特困供养 / 临时救助 / 困难残疾人生活补贴 / 重度残疾人护理补贴 / …
  所属月份        the benefit month, ``YYYY-MM``
  摘要            what the payee's statement shows, e.g. ``2020年10月低保金`` or ``2020年10月低保金（失败重发）``
  ==============  =========================================================================================

Result file from the bank: one row per line paid or failed
----------------------------------------------------------
CSV (UTF-8 with or without BOM, or GB18030/GBK; comma- or tab-separated) or Excel (first sheet). The header row
is the first row naming 流水号 (within the first 10 rows); columns are found by name in any order, other columns
are ignored — so the bank file itself with 结果 and 失败原因 added is a valid result file.

  ==========  ====  ==========================================================================================
  流水号      必填  the line's number from the bank file (also accepted: 行号)
  身份证号    必填  must equal the line's 收款人身份证号 (also accepted: 收款人身份证号, 身份证号码)
  账号        必填  must equal the line's 银行账号 (also accepted: 银行账号, 卡号)
  金额        必填  must equal the line's amount to the fen
  结果        必填  成功 or 失败 (also accepted: 处理结果; 已到账 / 到账 / 失败 / 退回 / 不成功)
  失败原因    选填  why the bank could not pay; recorded on the line ("银行未注明原因" when left empty)
  ==========  ====  ==========================================================================================

An unknown 流水号 (not a line of this payroll), a repeated 流水号, an ID, account or amount that does not match
the line, an unknown result, or a line already settled with a different result is a row error; with any error
nothing at all is applied.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from core import exports, spreadsheets
from core.spreadsheets import Problem, Refused, Report
from payments.models import PaymentLine, PayrollBenefit

if TYPE_CHECKING:
    from payments.models import Payroll

HEADER = (
    "流水号",
    "乡镇",
    "户编号",
    "收款人",
    "收款人身份证号",
    "开户银行",
    "银行账号",
    "金额",
    "救助项目",
    "所属月份",
    "摘要",
)
WIDTHS = (10, 12, 18, 10, 21, 18, 24, 12, 18, 10, 30)
TEXT_COLUMNS = {0, 2, 4, 6, 9}
AMOUNT_COLUMN = 7
# The xlsx's columns: the text columns as text cells (format ``@``), 金额 a number shown as ``1024.00``.
BANK_XLSX_COLUMNS = tuple(
    exports.Column(
        title,
        "money" if index == AMOUNT_COLUMN else "id" if index in TEXT_COLUMNS else "text",
        width,
        num_format="0.00" if index == AMOUNT_COLUMN else None,
    )
    for index, (title, width) in enumerate(zip(HEADER, WIDTHS, strict=True))
)

# (column, 必填, meaning) — shown on the reconciliation page.
RESULT_COLUMNS = (
    ("流水号", "必填", "银行文件中的流水号（也可为“行号”）。"),
    ("身份证号", "必填", "与银行文件的收款人身份证号一致（也可为“收款人身份证号”）。"),
    ("账号", "必填", "与银行文件的银行账号一致（也可为“银行账号”“卡号”）。"),
    ("金额", "必填", "与该笔金额一致，精确到分。"),
    ("结果", "必填", "成功 或 失败（也可为“处理结果”列；已到账 / 退回 等亦可识别）。"),
    ("失败原因", "选填", "失败时银行给出的原因，记录在明细上。"),
)

SUMMARY = {
    PayrollBenefit.DIBAO: "低保金",
    PayrollBenefit.SINGLE_PERSON: "低保金（单人户施保）",
    PayrollBenefit.TEKUN: "特困供养金",
    PayrollBenefit.TEMPORARY: "临时救助金",
    PayrollBenefit.DISABILITY_LIVING: "困难残疾人生活补贴",
    PayrollBenefit.DISABILITY_CARE: "重度残疾人护理补贴",
    PayrollBenefit.ORPHAN: "孤儿基本生活费",
    PayrollBenefit.PRICE_SUBSIDY: "价格临时补贴",
}
COVID_SUMMARY = "新冠患者临时救助金"
KIND_SUFFIX: dict[str, str] = {PaymentLine.Kind.REISSUE: "（失败重发）", PaymentLine.Kind.BACK_PAY: "（补发）"}


def filename(payroll: Payroll, suffix: str) -> str:
    return f"{payroll.township.code}-{payroll.month:%Y%m}-{payroll.benefit}-{payroll.batch}.{suffix}"


def summary(benefit: str, month: date, kind: str, covid: bool = False) -> str:
    what = COVID_SUMMARY if covid else SUMMARY[PayrollBenefit(benefit)]
    return f"{month.year}年{month.month}月{what}{KIND_SUFFIX.get(kind, '')}"


def bank_rows(payroll: Payroll) -> list[tuple[str, ...]]:
    """The bank file's rows (all text; the amount as ``1024.00``), in line order. One query."""
    benefit_label = payroll.get_benefit_display()
    month_text = f"{payroll.month:%Y-%m}"
    rows: list[tuple[str, ...]] = []
    lines = payroll.lines.order_by("id").values_list(
        "id",
        "household__number",
        "payee_name",
        "payee_id_number",
        "bank_name",
        "bank_account",
        "amount",
        "kind",
        "month",
        "enrollment_id",
        "temporary_case_id",
    )
    for pk, number, payee, payee_id, bank, account, amount, kind, month, enrollment_id, case_id in lines:
        covid = payroll.benefit == PayrollBenefit.TEMPORARY and enrollment_id is not None and case_id is None
        rows.append(
            (
                str(pk),
                payroll.township.name,
                number,
                payee,
                payee_id,
                bank,
                account,
                f"{amount:.2f}",
                benefit_label,
                month_text,
                summary(payroll.benefit, month, kind, covid),
            )
        )
    return rows


def bank_csv(payroll: Payroll, rows: list[tuple[str, ...]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def bank_xlsx(payroll: Payroll, rows: list[tuple[str, ...]]) -> bytes:
    """The bank file as a workbook (``core.exports``): sheet 代发明细 (header, then one row per line; 流水号, 户编号,
    身份证号, 账号 and 所属月份 text cells, 金额 a number with two decimals) and sheet 汇总 (count and total)."""
    total = sum((Decimal(row[AMOUNT_COLUMN]) for row in rows), Decimal("0.00"))
    buffer = io.BytesIO()
    with exports.workbook(buffer) as book:
        exports.write_sheet(book, "代发明细", BANK_XLSX_COLUMNS, rows)
        exports.write_pairs(
            book,
            "汇总",
            [
                ("乡镇", payroll.township.name),
                ("救助项目", payroll.get_benefit_display()),
                ("所属月份", f"{payroll.month:%Y-%m}"),
                ("批次", str(payroll.batch)),
                ("笔数", len(rows)),
                ("合计金额（元）", total),
            ],
            widths=(14, 40),
        )
    return buffer.getvalue()


# Reading the bank's result file -----------------------------------------------------------------------------

MAX_BYTES = 20 * 1024 * 1024
LINE_NO = "流水号"
ID = "身份证号"
ACCOUNT = "账号"
AMOUNT = "金额"
RESULT = "结果"
REASON = "失败原因"
REQUIRED = (LINE_NO, ID, ACCOUNT, AMOUNT, RESULT)
ALIASES = {
    "行号": LINE_NO,
    "收款人身份证号": ID,
    "身份证号码": ID,
    "银行账号": ACCOUNT,
    "卡号": ACCOUNT,
    "处理结果": RESULT,
    "发放结果": RESULT,
}
PAID_WORDS = {"成功", "已成功", "到账", "已到账", "success", "paid"}
FAILED_WORDS = {"失败", "不成功", "退回", "已退回", "fail", "failed"}
NO_REASON = "银行未注明原因"
_HEADER_NAMES = {name: name for name in (*REQUIRED, REASON)} | ALIASES


def _problem(row: int | None, column: str, message: str) -> Problem:
    """A problem of the file (``row`` None) or of one of its rows (spreadsheet row number, header = 1)."""
    return Problem.at(row, column, message)


@dataclass(frozen=True)
class Change:
    line_id: int
    status: str
    reason: str


@dataclass(kw_only=True)
class ResultReport(Report):
    rows: int = 0
    paid: int = 0
    failed: int = 0
    unchanged: int = 0
    pending_left: int = 0
    changes: list[Change] = field(default_factory=list)
    applied: bool = False
    reconciled: bool = False


_text = spreadsheets.text


def _find_header(cells: list[list[Any]]) -> tuple[int, dict[str, int]]:
    header = spreadsheets.find_header(cells, _HEADER_NAMES, LINE_NO, fallback=False)
    if header is None:
        raise spreadsheets.refuse(
            "找不到表头：前 10 行中没有“流水号”（或“行号”）列。表头须包含 " + "、".join(REQUIRED) + "。"
        )
    missing = [name for name in REQUIRED if name not in header.columns]
    if missing:
        raise spreadsheets.refuse(f"缺少必填列：{'、'.join(missing)}（表头在第 {header.row} 行）。")
    return header.index, header.columns


def _amount(value: Any) -> Decimal:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError
        return Decimal(repr(value)).quantize(Decimal("0.01"))
    text = re.sub(r"[\s,，¥￥]", "", _text(value)).removesuffix("元")
    amount = Decimal(text)
    if not amount.is_finite():
        raise ValueError
    return amount


def _digits(value: Any) -> str:
    return re.sub(r"\s+", "", _text(value)).lstrip("'").upper()


def check_result_file(payroll: Payroll, file_bytes: bytes, name: str) -> ResultReport:
    """Check the bank's result file against the payroll's lines (one query) and list the changes it makes."""
    report = ResultReport(filename=name)
    try:
        if len(file_bytes) > MAX_BYTES:
            raise spreadsheets.refuse(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB。")
        cells = spreadsheets.read_cells(file_bytes, name)
        header_index, columns = _find_header(cells)
    except Refused as refused:
        report.problems.extend(refused.problems)
        return report
    lines = {
        row[0]: row
        for row in payroll.lines.values_list(
            "id", "payee_id_number", "bank_account", "amount", "status", "failure_reason"
        )
    }
    seen: dict[int, int] = {}

    def cell(row: list[Any], column: str) -> Any:
        index = columns.get(column)
        return row[index] if index is not None and index < len(row) else ""

    for index in range(header_index + 1, len(cells)):
        row = cells[index]
        number = index + 1
        if not any(_text(value) for value in row):
            continue
        report.rows += 1
        problems: list[Problem] = []
        raw_id = _text(cell(row, LINE_NO))
        try:
            line_id = int(raw_id)
        except ValueError:
            report.problems.append(_problem(number, LINE_NO, f"流水号“{raw_id}”不是数字。"))
            continue
        line = lines.get(line_id)
        if line is None:
            report.problems.append(_problem(number, LINE_NO, f"流水号 {line_id} 不是本工资册的明细（未知明细）。"))
            continue
        if line_id in seen:
            report.problems.append(_problem(number, LINE_NO, f"流水号 {line_id} 与第 {seen[line_id]} 行重复。"))
            continue
        seen[line_id] = number
        _, payee_id, account, amount, status, _reason = line
        if _digits(cell(row, ID)) != payee_id.upper():
            problems.append(_problem(number, ID, "身份证号与该笔明细的收款人身份证号不一致。"))
        if _digits(cell(row, ACCOUNT)) != account:
            problems.append(_problem(number, ACCOUNT, "账号与该笔明细的银行账号不一致。"))
        try:
            given = _amount(cell(row, AMOUNT))
        except (ValueError, InvalidOperation):
            problems.append(_problem(number, AMOUNT, f"金额“{_text(cell(row, AMOUNT))}”不是数字。"))
        else:
            if given != amount:
                problems.append(_problem(number, AMOUNT, f"金额 {given} 与该笔明细的金额 {amount} 不一致。"))
        word = re.sub(r"\s+", "", _text(cell(row, RESULT))).lower()
        result: str
        if word in PAID_WORDS:
            result, why = PaymentLine.Status.PAID, ""
        elif word in FAILED_WORDS:
            result = PaymentLine.Status.FAILED
            why = _text(cell(row, REASON))[:200] or NO_REASON
        else:
            problems.append(_problem(number, RESULT, f"无法识别结果“{_text(cell(row, RESULT))}”，应为“成功”或“失败”。"))
            result, why = "", ""
        if problems or not result:
            report.problems.extend(problems)
            continue
        if status == result:
            report.unchanged += 1
            continue
        if status != PaymentLine.Status.PENDING:
            settled = PaymentLine.Status(status).label
            report.problems.append(_problem(number, RESULT, f"该笔已对账为“{settled}”，与本行结果不一致。"))
            continue
        report.changes.append(Change(line_id, result, why))
        if result == PaymentLine.Status.PAID:
            report.paid += 1
        else:
            report.failed += 1
    if report.rows == 0 and not report.problems:
        report.problems.append(_problem(None, "", f"表头（第 {header_index + 1} 行）下面没有数据行。"))
    settled_now = {change.line_id for change in report.changes}
    report.pending_left = sum(
        1 for pk, *rest in lines.values() if rest[3] == PaymentLine.Status.PENDING and pk not in settled_now
    )
    if report.problems:
        report.changes = []
        report.paid = report.failed = 0
    return report
