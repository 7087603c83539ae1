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
import zipfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, TYPE_CHECKING, Any

from cases import spreadsheets
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
    """The bank file as a workbook: sheet 代发明细 (header, then one row per line) and sheet 汇总.

    Written straight as SpreadsheetML (the XML that XlsxWriter writes in constant-memory mode: inline strings,
    the same styles), one string per row: XlsxWriter's cell-by-cell API took 6 of the 7 seconds of the county's
    100,000-line export."""
    total = Decimal("0.00")
    for row in rows:
        total += Decimal(row[AMOUNT_COLUMN])
    summary_rows = [
        [(_HEADER_STYLE, name), (_TEXT_STYLE, value)]
        for name, value in (
            ("乡镇", payroll.township.name),
            ("救助项目", payroll.get_benefit_display()),
            ("所属月份", f"{payroll.month:%Y-%m}"),
            ("批次", str(payroll.batch)),
        )
    ]
    summary_rows.append([(_HEADER_STYLE, "笔数"), (_DEFAULT_STYLE, len(rows))])
    summary_rows.append([(_HEADER_STYLE, "合计金额（元）"), (_MONEY_STYLE, float(total))])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=_ZIP_LEVEL) as book:
        for name, content in _XLSX_PARTS.items():
            book.writestr(name, content)
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            _write_detail_sheet(sheet, rows)
        book.writestr("xl/worksheets/sheet2.xml", _summary_sheet(summary_rows))
    return buffer.getvalue()


# SpreadsheetML for bank_xlsx ----------------------------------------------------------------------------------

_ZIP_LEVEL = 1  # a fifth of the time of the default level; the file grows by about a tenth
_DEFAULT_STYLE, _HEADER_STYLE, _TEXT_STYLE, _MONEY_STYLE = 0, 1, 2, 3  # the cellXfs in _STYLES, in that order
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STYLES = (
    f"<styleSheet {_MAIN}>"
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="@"/><numFmt numFmtId="165" formatCode="0.00"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFEEF1F5"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border><border>'
    + "".join(f'<{side} style="thin"><color auto="1"/></{side}>' for side in ("left", "right", "top", "bottom"))
    + '<diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_XLSX_PARTS = {
    "[Content_Types].xml": _XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_SHEET_TYPE}"/>'
    f'<Override PartName="/xl/worksheets/sheet2.xml" ContentType="{_SHEET_TYPE}"/></Types>',
    "_rels/.rels": _XML_HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/_rels/workbook.xml.rels": _XML_HEAD
    + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet2.xml"/>'
    f'<Relationship Id="rId3" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/></Relationships>',
    "xl/workbook.xml": _XML_HEAD
    + f'<workbook {_MAIN} xmlns:r="{_RELATIONSHIPS}"><bookViews><workbookView/></bookViews><sheets>'
    '<sheet name="代发明细" sheetId="1" r:id="rId1"/><sheet name="汇总" sheetId="2" r:id="rId2"/></sheets></workbook>',
    "xl/styles.xml": _XML_HEAD + _STYLES,
}
_NEEDS_ESCAPING = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s\Z")
_EXCEL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


def _inline_text(value: str) -> str:
    """An inline string's ``<is>`` element, escaped as Excel (and XlsxWriter) write it: control characters as
    ``_xHHHH_`` (a literal ``_xHHHH_`` with its underscore escaped), ``& < >`` as entities, leading or trailing
    white space kept."""
    if not _NEEDS_ESCAPING.search(value):
        return f"<is><t>{value}</t></is>"
    value = _EXCEL_ESCAPE.sub(r"_x005F\1", value)
    value = _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", value)
    value = value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    preserve = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f"<is><t{preserve}>{value}</t></is>"


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _cell(reference: str, style: int, value: str | float) -> str:
    styled = f' s="{style}"' if style else ""
    if isinstance(value, str):
        return f'<c r="{reference}"{styled} t="inlineStr">{_inline_text(value)}</c>'
    return f'<c r="{reference}"{styled}><v>{value:.16G}</v></c>'


def _sheet_start(last_cell: str, columns: str, frozen: bool) -> str:
    """The sheet up to its first row; ``frozen``: the first sheet, selected, its header row frozen."""
    view = '<sheetView workbookViewId="0"/>'
    if frozen:
        view = (
            '<sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft"'
            ' state="frozen"/><selection pane="bottomLeft"/></sheetView>'
        )
    return (
        f'{_XML_HEAD}<worksheet {_MAIN} xmlns:r="{_RELATIONSHIPS}"><dimension ref="A1:{last_cell}"/>'
        f"<sheetViews>{view}</sheetViews>"
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{columns}</cols><sheetData>'
    )


_SHEET_END = (
    '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
)


def _column(index: int, width: float, style: int) -> str:
    styled = f' style="{style}"' if style else ""
    return f'<col min="{index + 1}" max="{index + 1}" width="{width + 0.7109375}"{styled} customWidth="1"/>'


def _text_cell_parts(name: str, style: int) -> tuple[str, str]:
    """A text cell of column ``name`` around its row number: ``<c r="B`` and ``" s="2" t="inlineStr">``."""
    styled = f' s="{style}"' if style else ""
    return f'<c r="{name}', f'"{styled} t="inlineStr">'


def _write_detail_sheet(out: IO[bytes], rows: list[tuple[str, ...]]) -> None:
    """Sheet 代发明细: the header, then the rows in chunks. ID numbers, accounts … are text cells (format ``@``,
    also the columns' format), 金额 a number with two decimals."""
    names = [_column_name(column) for column in range(len(HEADER))]
    styles = [_TEXT_STYLE if column in TEXT_COLUMNS else _DEFAULT_STYLE for column in range(len(HEADER))]
    columns = "".join(_column(column, width, styles[column]) for column, width in enumerate(WIDTHS))
    header = "".join(_cell(f"{names[column]}1", _HEADER_STYLE, name) for column, name in enumerate(HEADER))
    out.write(f'{_sheet_start(f"{names[-1]}{len(rows) + 1}", columns, True)}<row r="1">{header}</row>'.encode())
    # per column: the cell's opening up to its row number, and what follows the row number up to the value
    text_cells = [_text_cell_parts(name, style) for name, style in zip(names, styles, strict=True)]
    money_open, money_style = f'<c r="{names[AMOUNT_COLUMN]}', f'" s="{_MONEY_STYLE}"><v>'
    chunk: list[str] = []
    for number, row in enumerate(rows, start=2):
        cells = [f'<row r="{number}">']
        for column, value in enumerate(row):
            if column == AMOUNT_COLUMN:
                cells.append(f"{money_open}{number}{money_style}{float(value):.16G}</v></c>")
            else:
                start, rest = text_cells[column]
                cells.append(f"{start}{number}{rest}{_inline_text(value)}</c>")
        cells.append("</row>")
        chunk.append("".join(cells))
        if len(chunk) == 2000:
            out.write("".join(chunk).encode())
            chunk = []
    out.write(("".join(chunk) + _SHEET_END).encode())


def _summary_sheet(rows: list[list[tuple[int, str | float]]]) -> str:
    columns = _column(0, 14, _DEFAULT_STYLE) + _column(1, 40, _DEFAULT_STYLE)
    body = "".join(
        f'<row r="{number}">'
        + "".join(_cell(f"{_column_name(column)}{number}", style, value) for column, (style, value) in enumerate(row))
        + "</row>"
        for number, row in enumerate(rows, start=1)
    )
    return _sheet_start(f"B{len(rows)}", columns, False) + body + _SHEET_END


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
_HEADER_SEARCH_ROWS = 10
_HEADER_NOTE = re.compile(r"[（(][^（）()]*[）)]$")


@dataclass(frozen=True)
class Problem:
    """Something wrong with the file (``row`` None) or one of its rows (spreadsheet row number, header = 1)."""

    row: int | None
    column: str
    message: str

    @property
    def where(self) -> str:
        place = "文件" if self.row is None else f"第 {self.row} 行"
        return f"{place}「{self.column}」" if self.column else place

    def __str__(self) -> str:
        return f"{self.where}：{self.message}"


@dataclass(frozen=True)
class Change:
    line_id: int
    status: str
    reason: str


@dataclass
class ResultReport:
    filename: str
    rows: int = 0
    paid: int = 0
    failed: int = 0
    unchanged: int = 0
    pending_left: int = 0
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    applied: bool = False
    reconciled: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def error_rows(self) -> int:
        return len({problem.row for problem in self.problems})


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value).strip()


def _read_cells(file_bytes: bytes, name: str) -> list[list[Any]]:
    try:
        return spreadsheets.read_cells(file_bytes, name)
    except spreadsheets.UnreadableFile as error:
        raise _Refused(str(error)) from None


def _header_name(cell: Any) -> str:
    name = _HEADER_NOTE.sub("", re.sub(r"\s+", "", _text(cell)).replace("*", ""))
    return ALIASES.get(name, name)


def _find_header(cells: list[list[Any]]) -> tuple[int, dict[str, int]]:
    index = next(
        (i for i, row in enumerate(cells[:_HEADER_SEARCH_ROWS]) if LINE_NO in {_header_name(c) for c in row}), None
    )
    if index is None:
        raise _Refused("找不到表头：前 10 行中没有“流水号”（或“行号”）列。表头须包含 " + "、".join(REQUIRED) + "。")
    columns: dict[str, int] = {}
    for column, cell in enumerate(cells[index]):
        name = _header_name(cell)
        if name in (*REQUIRED, REASON) and name not in columns:
            columns[name] = column
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise _Refused(f"缺少必填列：{'、'.join(missing)}（表头在第 {index + 1} 行）。")
    return index, columns


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
            raise _Refused(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB。")
        cells = _read_cells(file_bytes, name)
        header_index, columns = _find_header(cells)
    except _Refused as refused:
        report.problems.append(Problem(None, "", refused.message))
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
            report.problems.append(Problem(number, LINE_NO, f"流水号“{raw_id}”不是数字。"))
            continue
        line = lines.get(line_id)
        if line is None:
            report.problems.append(Problem(number, LINE_NO, f"流水号 {line_id} 不是本工资册的明细（未知明细）。"))
            continue
        if line_id in seen:
            report.problems.append(Problem(number, LINE_NO, f"流水号 {line_id} 与第 {seen[line_id]} 行重复。"))
            continue
        seen[line_id] = number
        _, payee_id, account, amount, status, _reason = line
        if _digits(cell(row, ID)) != payee_id.upper():
            problems.append(Problem(number, ID, "身份证号与该笔明细的收款人身份证号不一致。"))
        if _digits(cell(row, ACCOUNT)) != account:
            problems.append(Problem(number, ACCOUNT, "账号与该笔明细的银行账号不一致。"))
        try:
            given = _amount(cell(row, AMOUNT))
        except (ValueError, InvalidOperation):
            problems.append(Problem(number, AMOUNT, f"金额“{_text(cell(row, AMOUNT))}”不是数字。"))
        else:
            if given != amount:
                problems.append(Problem(number, AMOUNT, f"金额 {given} 与该笔明细的金额 {amount} 不一致。"))
        word = re.sub(r"\s+", "", _text(cell(row, RESULT))).lower()
        result: str
        if word in PAID_WORDS:
            result, why = PaymentLine.Status.PAID, ""
        elif word in FAILED_WORDS:
            result = PaymentLine.Status.FAILED
            why = _text(cell(row, REASON))[:200] or NO_REASON
        else:
            problems.append(Problem(number, RESULT, f"无法识别结果“{_text(cell(row, RESULT))}”，应为“成功”或“失败”。"))
            result, why = "", ""
        if problems or not result:
            report.problems.extend(problems)
            continue
        if status == result:
            report.unchanged += 1
            continue
        if status != PaymentLine.Status.PENDING:
            settled = PaymentLine.Status(status).label
            report.problems.append(Problem(number, RESULT, f"该笔已对账为“{settled}”，与本行结果不一致。"))
            continue
        report.changes.append(Change(line_id, result, why))
        if result == PaymentLine.Status.PAID:
            report.paid += 1
        else:
            report.failed += 1
    if report.rows == 0 and not report.problems:
        report.problems.append(Problem(None, "", f"表头（第 {header_index + 1} 行）下面没有数据行。"))
    settled_now = {change.line_id for change in report.changes}
    report.pending_left = sum(
        1 for pk, *rest in lines.values() if rest[3] == PaymentLine.Status.PENDING and pk not in settled_now
    )
    if report.problems:
        report.changes = []
        report.paid = report.failed = 0
    return report
