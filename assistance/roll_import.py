"""Go-live import of the existing assistance rolls: the 低保 households and 特困 persons already on the county's
rolls when the system takes over, read from a spreadsheet (Excel or CSV).

File format
-----------
* Excel (.xlsx, .xlsm, .xls; the first worksheet is read) or CSV (UTF-8 with or without BOM, or GB18030/GBK;
  comma- or tab-separated). At most 10 MB.
* The header row is the first row that names the 身份证号 column (normally row 1; a title row above it is
  allowed). Columns are found by name, in any order; other columns are ignored. A note in brackets after a name
  (``月金额（元）``) and ``*`` marks are ignored. Empty rows are skipped. Row numbers in the report are the
  spreadsheet's own row numbers.
* One row per enrollment:

  =========  ====  =========================================================================================
  身份证号   必填  文本格式（数字格式的单元格会丢失位数，被拒绝）。低保：该户任一在册成员；特困：供养对象本人。
             也接受表头“身份证号码”“公民身份号码”。
  救助项目   必填  低保 或 特困（也接受代码 dibao / tekun，以及“最低生活保障”“特困供养”）。
  起始月份   必填  2023-01、2023/1、2023年1月、202301 或一个日期（按该月1日记）；不晚于本月。
  月金额     必填  元，≥ 0，最多两位小数。
  供养方式   选填  仅特困：集中 或 分散（集中供养 / 分散供养、centralized / dispersed 亦可）。
  照料人     条件  分散供养时必填。仅特困。
  供养机构   选填  集中供养时填写供养机构名称。仅特困。
  姓名       选填  填写时须与登记的姓名一致（核对用，不修改登记）。
  =========  ====  =========================================================================================

Rules
-----
* The person must be an active member of the county's registry (家庭档案) and not recorded as dead. A 低保 row
  enrolls that member's household (member NULL); a 特困 row enrolls the person.
* Township users import only persons of their township ("不属于本乡镇"); county staff and admins any; auditors
  never (``PermissionDenied``).
* Two rows for the same beneficiary and benefit (for 低保: the same household) are an error on the later row.
* An open enrollment of the same benefit that already exists for the beneficiary: with the same start month and
  amount the row counts as already imported and is skipped ("已在册，跳过"), so re-importing a file changes
  nothing; otherwise it is an error (changes go through the system's own procedures, not the import).
* A missing required header, an unreadable file or a file without data rows refuses the file as a whole.
* Preview (``commit=False``) writes nothing. Commit writes only when there is no error at all: one transaction,
  one ``bulk_create`` recorded in the history with the actor and the reason "上线导入".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pghistory
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from assistance.amounts import first_amount
from assistance.models import BenefitKind, Enrollment, EnrollmentAmount
from assistance.permissions import can_import_roll_row, ensure_import_roll
from cases.models import Member, User
from core import idnumber, spreadsheets
from core.spreadsheets import Problem, Refused, Report, column_letter

MAX_BYTES = 10 * 1024 * 1024
HISTORY_REASON = "上线导入"
# pg_advisory_xact_lock key: one committing roll import at a time, so two imports of one file cannot race.
_LOCK_KEY = 0x524F4C4C
_CHUNK = 5000
_EARLIEST_YEAR = 1990

ID = "身份证号"
BENEFIT = "救助项目"
START = "起始月份"
AMOUNT = "月金额"
MODE = "供养方式"
CAREGIVER = "照料人"
INSTITUTION = "供养机构"
NAME = "姓名"
REQUIRED = (ID, BENEFIT, START, AMOUNT)
OPTIONAL = (MODE, CAREGIVER, INSTITUTION, NAME)
HEADER_ALIASES = {"身份证号码": ID, "公民身份号码": ID}
_HEADER_NAMES = {name: name for name in (*REQUIRED, *OPTIONAL)} | HEADER_ALIASES

# (column, 必填, what to write) — the upload page shows this table.
FORMAT_COLUMNS = (
    (ID, "必填", "设置为文本格式。低保填该户任一在册成员的身份证号，特困填供养对象本人的。"),
    (BENEFIT, "必填", "低保 或 特困（也可填 dibao / tekun）。"),
    (START, "必填", "如 2023-01、2023年1月 或一个日期，按该月1日记；不晚于本月。"),
    (AMOUNT, "必填", "单位元，不小于 0，最多两位小数。"),
    (MODE, "选填", "仅特困：集中 或 分散。"),
    (CAREGIVER, "分散供养必填", "仅特困：分散供养对象的照料人姓名。"),
    (INSTITUTION, "选填", "仅特困：集中供养的供养机构名称。"),
    (NAME, "选填", "填写时须与系统登记的姓名一致，用于核对。"),
)

BENEFIT_WORDS = {
    "低保": BenefitKind.DIBAO,
    "dibao": BenefitKind.DIBAO,
    "最低生活保障": BenefitKind.DIBAO,
    "特困": BenefitKind.TEKUN,
    "tekun": BenefitKind.TEKUN,
    "特困供养": BenefitKind.TEKUN,
    "特困人员救助供养": BenefitKind.TEKUN,
}
BENEFIT_LABELS: dict[str, str] = {BenefitKind.DIBAO: "低保", BenefitKind.TEKUN: "特困"}
Mode = Enrollment.SupportMode
MODE_WORDS = {
    "集中": Mode.CENTRALIZED,
    "集中供养": Mode.CENTRALIZED,
    "centralized": Mode.CENTRALIZED,
    "分散": Mode.DISPERSED,
    "分散供养": Mode.DISPERSED,
    "dispersed": Mode.DISPERSED,
}

MSG_NUMBER_CELL = "单元格是数字（{value}），可能已丢失位数或末位 X。请将身份证号列设置为文本格式，重新填写后再导入。"
MSG_ALREADY = "已在册，跳过（系统中已有相同的在办{benefit}，起始月份和月金额一致）。"

_MONTH_PATTERNS = (
    re.compile(r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*月?"),
    re.compile(
        r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"
    ),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
)


# Results ------------------------------------------------------------------------------------------------------


def _problem(row: int | None, column: str, message: str, letter: str = "") -> Problem:
    """A problem of the file (``row`` None) or of one of its rows (spreadsheet row number, header = 1)."""
    return Problem.at(row, column, message, letter)


@dataclass(frozen=True)
class RollRow:
    """One data row, parsed and checked on its own (not yet against the registry)."""

    row: int
    id_number: str
    benefit: str
    start_month: date
    monthly_amount: Decimal
    support_mode: str = ""
    caregiver_name: str = ""
    institution_name: str = ""
    name: str = ""


@dataclass(frozen=True)
class PlannedRow:
    """An enrollment the import creates (preview) or created (commit), for display."""

    row: int
    name: str
    id_masked: str
    household_number: str
    benefit_label: str
    start_month: date
    monthly_amount: Decimal
    support_label: str


@dataclass(kw_only=True)
class ImportReport(Report):
    commit: bool
    rows: int = 0
    to_create: int = 0
    skipped: int = 0
    errors: int = 0  # rows with at least one problem (1 for a file refused as a whole)
    created: int = 0
    refused: bool = False  # the file as a whole: nothing was looked at row by row
    notices: list[Problem] = field(default_factory=list)  # rows skipped as already imported
    planned: list[PlannedRow] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as text lines (Chinese), for the command line."""
        mode = "导入" if self.commit else "预览（未写入）"
        out = [f"文件：{self.filename}　{mode}"]
        if self.refused:
            out.append("文件被整体拒绝，没有写入任何记录：")
        else:
            out.append(
                f"数据行 {self.rows} 行：可导入 {self.to_create} 行，已在册跳过 {self.skipped} 行，"
                f"有问题 {self.errors} 行。"
            )
        out.extend(self.problem_lines())
        if self.notices:
            out.append("已在册，跳过：")
            out.extend(f"  {notice}" for notice in self.notices)
        if self.refused:
            return out
        if self.commit:
            out.append(f"已导入 {self.created} 条。" if self.ok else "有问题，没有写入任何记录；请修改文件后重新导入。")
        elif self.ok:
            out.append("没有问题。加 --commit 执行导入。" if self.to_create else "没有需要导入的记录。")
        return out


# Reading the file ---------------------------------------------------------------------------------------------


_Refused = Refused


def _refuse(message: str, column: str = "") -> Refused:
    return Refused(_problem(None, column, message))


def _find_header(cells: list[list[Any]]) -> tuple[int, dict[str, int]]:
    """The header row's index and the column index of each known header."""
    header = spreadsheets.find_header(cells, _HEADER_NAMES, ID)
    if header is None:
        raise _refuse("文件是空的。第 1 行应为表头（身份证号、救助项目、起始月份、月金额……），其下每行一条在册记录。")
    if header.repeated:
        name, first, again = header.repeated[0]
        raise _refuse(
            f"表头“{name}”出现了两次（{column_letter(first)} 列和 {column_letter(again)} 列），请删除多余的一列。", name
        )
    missing = [name for name in REQUIRED if name not in header.columns]
    if missing:
        raise Refused(
            *(
                _problem(
                    None,
                    name,
                    f"缺少必填列“{name}”（表头在第 {header.row} 行）。请在表头加上这一列，"
                    "列名须为：" + "、".join(REQUIRED) + "。",
                )
                for name in missing
            )
        )
    return header.index, header.columns


# Cells --------------------------------------------------------------------------------------------------------


_is_number = spreadsheets.is_number
_text = spreadsheets.text
_shown = spreadsheets.shown


def _parse_id(value: Any) -> str:
    try:
        text = spreadsheets.id_text(value)
    except spreadsheets.CellError:
        raise ValueError(
            MSG_NUMBER_CELL.format(value=_shown(value) if _is_number(value) else _text(value).lstrip("'"))
        ) from None
    if not text:
        raise ValueError("请填写身份证号。")
    try:
        return idnumber.normalize_id_number(text, today=timezone.localdate())
    except idnumber.InvalidIdNumber as error:
        raise ValueError(f"{error.message}（{text}）。请核对后更正。") from None


def _parse_benefit(value: Any) -> str:
    text = re.sub(r"\s+", "", _text(value))
    if not text:
        raise ValueError("请填写救助项目：低保 或 特困。")
    benefit = BENEFIT_WORDS.get(text) or BENEFIT_WORDS.get(text.lower())
    if benefit is None:
        raise ValueError(f"无法识别救助项目“{text}”。本导入只接受“低保”或“特困”（或代码 dibao / tekun）。")
    return benefit


def _parse_month(value: Any, this_month: date) -> date:
    hint = "请填写为 2023-01 这样的年月，或一个日期。"
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        month = value.replace(day=1)
    elif _is_number(value):
        number = float(value)
        if not number.is_integer() or not 190001 <= number <= 299912:
            raise ValueError(f"无法识别起始月份“{_shown(value)}”。{hint}")
        month = _month_or_error(int(number) // 100, int(number) % 100, 1, _shown(value), hint)
    else:
        text = _text(value)
        if not text:
            raise ValueError(f"请填写起始月份。{hint}")
        match = next((m for pattern in _MONTH_PATTERNS if (m := pattern.fullmatch(text))), None)
        if match is None:
            raise ValueError(f"无法识别起始月份“{text}”。{hint}")
        parts = match.groupdict()
        month = _month_or_error(int(parts["y"]), int(parts["m"]), int(parts.get("d") or 1), text, hint)
    if month.year < _EARLIEST_YEAR:
        raise ValueError(f"起始月份 {month:%Y-%m} 早于 {_EARLIEST_YEAR} 年，请核对。")
    if month > this_month:
        raise ValueError(f"起始月份 {month:%Y-%m} 晚于本月（{this_month:%Y-%m}）。导入的是已在册的对象，请核对。")
    return month


def _month_or_error(year: int, month: int, day: int, shown: str, hint: str) -> date:
    try:
        return date(year, month, day).replace(day=1)
    except ValueError:
        raise ValueError(f"起始月份“{shown}”不是有效的年月。{hint}") from None


def _parse_amount(value: Any) -> Decimal:
    hint = "请填写不小于 0、最多两位小数的金额（元），如 520 或 520.50。"
    if _is_number(value):
        if not math.isfinite(value):
            raise ValueError(f"月金额无效。{hint}")
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        rounded = amount.quantize(Decimal("0.01"))
        if abs(amount - rounded) < Decimal("0.000001"):  # 333.33000000000004 from a formula is 333.33
            amount = rounded
    else:
        text = re.sub(r"[\s,，¥￥]", "", _text(value)).removesuffix("元")
        if not text:
            raise ValueError(f"请填写月金额。{hint}")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"月金额“{_text(value)}”不是数字。{hint}") from None
        if not amount.is_finite():
            raise ValueError(f"月金额“{_text(value)}”不是数字。{hint}")
    if amount < 0:
        raise ValueError(f"月金额不能为负数（{_shown(value)}）。{hint}")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"月金额最多两位小数（{_shown(value)}）。{hint}")
    if amount >= Decimal("1e10"):
        raise ValueError(f"月金额过大（{_shown(value)}），请核对。")
    return amount.quantize(Decimal("0.01"))


def _parse_mode(value: Any) -> str:
    text = re.sub(r"\s+", "", _text(value))
    if not text:
        return Mode.NONE
    mode = MODE_WORDS.get(text) or MODE_WORDS.get(text.lower())
    if mode is None:
        raise ValueError(f"无法识别供养方式“{text}”。请填写“集中”或“分散”，或留空。")
    return mode


def _parse_row(number: int, row: Sequence[Any], columns: dict[str, int], this_month: date) -> RollRow | list[Problem]:
    problems: list[Problem] = []

    def cell(name: str) -> Any:
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else ""

    def check(name: str, parse: Any, *args: Any) -> Any:
        try:
            return parse(cell(name), *args)
        except ValueError as error:
            problems.append(_problem(number, name, str(error), column_letter(columns[name])))
            return None

    def limited(name: str, limit: int) -> str:
        text = _text(cell(name))
        if len(text) > limit:
            problems.append(_problem(number, name, f"不能超过 {limit} 个字。", column_letter(columns[name])))
        return text

    id_number = check(ID, _parse_id)
    benefit = check(BENEFIT, _parse_benefit)
    start_month = check(START, _parse_month, this_month)
    amount = check(AMOUNT, _parse_amount)
    mode = check(MODE, _parse_mode) if MODE in columns else Mode.NONE
    caregiver = limited(CAREGIVER, 32) if CAREGIVER in columns else ""
    institution = limited(INSTITUTION, 64) if INSTITUTION in columns else ""
    name = re.sub(r"\s+", "", _text(cell(NAME))) if NAME in columns else ""
    if benefit == BenefitKind.DIBAO:
        for column, given in ((MODE, mode), (CAREGIVER, caregiver), (INSTITUTION, institution)):
            if given:
                problems.append(
                    _problem(
                        number,
                        column,
                        f"低保以家庭为对象，不填写{column}；{column}只适用于特困。请清空该单元格。",
                        column_letter(columns[column]),
                    )
                )
    elif benefit == BenefitKind.TEKUN and mode == Mode.DISPERSED and not caregiver:
        where = column_letter(columns[CAREGIVER]) if CAREGIVER in columns else ""
        problems.append(_problem(number, CAREGIVER, "分散供养须填写照料人。请填写照料人姓名。", where))
    if problems:
        return problems
    return RollRow(
        row=number,
        id_number=id_number,
        benefit=benefit,
        start_month=start_month,
        monthly_amount=amount,
        support_mode=mode or "",
        caregiver_name=caregiver,
        institution_name=institution,
        name=name,
    )


def _parse(file_bytes: bytes, filename: str) -> tuple[list[RollRow], list[Problem], dict[str, int] | None]:
    try:
        if len(file_bytes) > MAX_BYTES:
            raise _refuse(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB。请分成几个文件导入。")
        cells = spreadsheets.read_cells(file_bytes, filename)
        header_index, columns = _find_header(cells)
    except _Refused as refused:
        return [], refused.problems, None
    this_month = timezone.localdate().replace(day=1)
    rows: list[RollRow] = []
    problems: list[Problem] = []
    for index in range(header_index + 1, len(cells)):
        row = cells[index]
        if not any(_text(cell) for cell in row):
            continue
        parsed = _parse_row(index + 1, row, columns, this_month)
        if isinstance(parsed, RollRow):
            rows.append(parsed)
        else:
            problems.extend(parsed)
    if not rows and not problems:
        problems.append(_problem(None, "", f"表头（第 {header_index + 1} 行）下面没有数据行。"))
    return rows, problems, columns


def parse_roll(file_bytes: bytes, filename: str) -> tuple[list[RollRow], list[Problem]]:
    """The file's rows, each checked on its own, and the problems found. A problem with ``row`` None refuses the
    file as a whole (no rows are returned then)."""
    rows, problems, _ = _parse(file_bytes, filename)
    return rows, problems


# Checking against the registry and writing --------------------------------------------------------------------


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _members(id_numbers: Iterable[str]) -> dict[str, Member]:
    numbers = sorted(set(id_numbers))
    found: dict[str, Member] = {}
    for chunk in _chunks(numbers):
        for member in Member.objects.filter(id_number__in=chunk, active=True).select_related("household"):
            found[member.id_number] = member
    return found


def _open_enrollments(household_ids: Iterable[int], member_ids: Iterable[int]) -> dict[tuple[str, int], Enrollment]:
    """Open 低保 enrollments by ("dibao", household id) and open 特困 ones by ("tekun", member id)."""
    open_ones = Enrollment.objects.filter(status__in=Enrollment.OPEN_STATUSES)
    found: dict[tuple[str, int], Enrollment] = {}
    for chunk in _chunks(sorted(set(household_ids))):
        for enrollment in open_ones.filter(benefit=BenefitKind.DIBAO, member__isnull=True, household_id__in=chunk):
            found[(BenefitKind.DIBAO, enrollment.household_id)] = enrollment
    for chunk in _chunks(sorted(set(member_ids))):
        for enrollment in open_ones.filter(benefit=BenefitKind.TEKUN, member_id__in=chunk):
            assert enrollment.member_id is not None  # the constraint: 特困 is per person
            found[(BenefitKind.TEKUN, enrollment.member_id)] = enrollment
    return found


def _letter(columns: dict[str, int] | None, name: str) -> str:
    return column_letter(columns[name]) if columns and name in columns else ""


def _plan(actor: User, rows: list[RollRow], report: ImportReport, columns: dict[str, int] | None) -> list[Enrollment]:
    """Check the parsed rows against the registry; fill the report; return the enrollments to create."""
    members = _members(row.id_number for row in rows)
    keyed: list[tuple[RollRow, Member, tuple[str, int]]] = []
    error_rows: set[int] = {problem.row for problem in report.problems if problem.row is not None}

    def error(row: RollRow, column: str, message: str) -> None:
        report.problems.append(_problem(row.row, column, message, _letter(columns, column)))
        error_rows.add(row.row)

    first_row_of: dict[tuple[str, int], int] = {}
    for row in rows:
        member = members.get(row.id_number)
        if member is None:
            error(row, ID, "系统中没有该身份证号的在册人员。请先在家庭档案中登记该人员，或核对身份证号。")
            continue
        if not can_import_roll_row(actor, member.household.township_id):
            error(row, ID, "该人员不属于本乡镇（街道），不能由本乡镇导入。请交所属乡镇或县民政局导入。")
            continue
        if member.date_of_death is not None:
            error(row, ID, f"该人员已登记死亡（{member.date_of_death:%Y-%m-%d}），不能导入。请核对名单。")
            continue
        if row.name and row.name != re.sub(r"\s+", "", member.name):
            error(row, NAME, f"姓名与登记不一致（系统登记为“{member.name}”）。请核对身份证号和姓名。")
            continue
        key = (row.benefit, member.household_id if row.benefit == BenefitKind.DIBAO else member.pk)
        if key in first_row_of:
            who = "同一家庭" if row.benefit == BenefitKind.DIBAO else "同一人"
            error(
                row,
                ID,
                f"与第 {first_row_of[key]} 行重复（{who}的{BENEFIT_LABELS[row.benefit]}只能有一行）。请删除重复的行。",
            )
            continue
        first_row_of[key] = row.row
        keyed.append((row, member, key))

    existing = _open_enrollments(
        (key[1] for _, _, key in keyed if key[0] == BenefitKind.DIBAO),
        (key[1] for _, _, key in keyed if key[0] == BenefitKind.TEKUN),
    )
    to_create: list[Enrollment] = []
    for row, member, key in keyed:
        label = BENEFIT_LABELS[row.benefit]
        current = existing.get(key)
        if current is not None:
            if current.start_month == row.start_month and current.monthly_amount == row.monthly_amount:
                report.notices.append(_problem(row.row, "", MSG_ALREADY.format(benefit=label)))
                report.skipped += 1
                continue
            column = START if current.start_month != row.start_month else AMOUNT
            who = "该家庭" if row.benefit == BenefitKind.DIBAO else "该人员"
            error(
                row,
                column,
                f"{who}已有在办的{label}（{current.get_status_display()}，起始月份 {current.start_month:%Y-%m}，"
                f"月金额 {current.monthly_amount} 元），与本行不一致。已在册的记录不能通过导入修改："
                "如本行有误请更正为系统中的数值，如需调整请在系统中办理。",
            )
            continue
        household = member.household
        enrollment = Enrollment(
            benefit=row.benefit,
            township_id=household.township_id,
            household=household,
            member=None if row.benefit == BenefitKind.DIBAO else member,
            status=Enrollment.Status.ACTIVE,
            start_month=row.start_month,
            monthly_amount=row.monthly_amount,
            support_mode=row.support_mode,
            caregiver_name=row.caregiver_name,
            institution_name=row.institution_name,
        )
        to_create.append(enrollment)
        report.planned.append(
            PlannedRow(
                row=row.row,
                name=member.name,
                id_masked=idnumber.mask(member.id_number),
                household_number=household.number,
                benefit_label=label,
                start_month=row.start_month,
                monthly_amount=row.monthly_amount,
                support_label=Mode(row.support_mode).label if row.support_mode else "",
            )
        )
    report.errors = len(error_rows)
    report.to_create = len(to_create)
    report.problems.sort(key=lambda problem: (problem.row or 0, len(problem.letter), problem.letter))
    return to_create


def import_roll(*, actor: User, file_bytes: bytes, filename: str, commit: bool) -> ImportReport:
    """Check (``commit=False``) or import (``commit=True``) a roll file; see the module docstring."""
    ensure_import_roll(actor)
    report = ImportReport(filename=filename, commit=commit)
    rows, problems, columns = _parse(file_bytes, filename)
    report.problems = problems
    if any(problem.row is None for problem in problems):
        report.refused = True
        report.errors = 1
        return report
    report.rows = len(rows) + len({problem.row for problem in problems})
    if not commit:
        _plan(actor, rows, report, columns)
        return report
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            enrollments = _plan(actor, rows, report, columns)
            if report.problems or not enrollments:
                return report
            with pghistory.context(user=actor.pk, reason=HISTORY_REASON):
                Enrollment.objects.bulk_create(enrollments)
                EnrollmentAmount.objects.bulk_create(first_amount(enrollment) for enrollment in enrollments)
            report.created = len(enrollments)
    except IntegrityError:
        report.created = 0
        report.problems.append(
            _problem(
                None, "", "导入时发现部分对象刚刚已被登记在册（可能有人同时在办理），没有写入任何记录。请重新导入。"
            )
        )
        report.errors += 1
    return report
