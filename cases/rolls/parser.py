"""Reading and checking the file of an external roll (format and rules: ``cases.rolls``): the cells, column by
column, into records in the COPY layout of ``cases.rolls.columns``, or the problems refusing the file as a whole;
the report a preview shows. Nothing here writes."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import repeat
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Member, RollImport, RollKind, RollRecord, Township, Village
from cases.rolls.columns import (
    BLANK,
    COLUMNS,
    HEADER_LOOKUP,
    KIND_COLUMNS,
    NOT_EMPTY,
    RECORD_COLUMNS,
    SLOT,
    TEXT_LIMITS,
    Column,
)
from core import idnumber, spreadsheets
from core.spreadsheets import Problem, Refused, Report, column_letter

MAX_BYTES = 50 * 1024 * 1024
MAX_PROBLEMS = 500


# Results ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ListedRow:
    """A record of a roll as a page lists it: its row, the checks of its ID number and where it places the person."""

    row_number: int
    id_valid: bool
    id_duplicate: bool
    name: str
    township: str
    village: str
    household_number: str
    details: str


@dataclass(frozen=True, kw_only=True)
class PreviewRow(ListedRow):
    id_number: str
    matched: bool


@dataclass(kw_only=True)
class RollReport(Report):
    """What an import of the file would do (preview) — or why the file is refused."""

    kind: str
    sha256: str
    rows: int = 0
    invalid_ids: int = 0
    duplicate_ids: int = 0
    matched: int = 0
    preview: list[PreviewRow] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)  # (letter, header as written) of the columns read
    ignored_columns: list[str] = field(default_factory=list)
    existing: RollImport | None = None  # the same file, already committed for the kind

    @property
    def refused(self) -> bool:
        return bool(self.problems)

    @property
    def unmatched(self) -> int:
        return self.rows - self.matched

    @property
    def kind_label(self) -> str:
        return RollKind(self.kind).label

    def lines(self) -> list[str]:
        out = [f"{self.kind_label}：{self.filename}"]
        if self.refused:
            out.append("文件被整体拒绝，没有导入任何记录：")
            out.extend(self.problem_lines())
        else:
            out.append(
                f"数据行 {self.rows}；身份证号无效 {self.invalid_ids}，重复 {self.duplicate_ids}；"
                f"匹配到在册成员 {self.matched}，未匹配 {self.unmatched}。"
            )
        return out


class RollRefused(ValidationError):
    """The file is refused as a whole; ``report`` lists every problem."""

    def __init__(self, report: RollReport) -> None:
        super().__init__([str(problem) for problem in report.problems] or ["文件被拒绝。"])
        self.report = report


@dataclass
class ParsedRoll:
    records: list[list[Any]]
    problems: list[Problem]
    hidden_problems: int
    columns: list[tuple[str, str]]
    ignored: list[str]


_Refused = Refused
_Bad = spreadsheets.CellError
_text = spreadsheets.text
_strict_text = spreadsheets.id_text
_is_number = spreadsheets.is_number
_shown = spreadsheets.shown


def _file_problem(message: str, fix: str, column: str = "", letter: str = "") -> Problem:
    return Problem(message, fix, column, letter)


# Reading the file ---------------------------------------------------------------------------------------------


read_cells = spreadsheets.read_cells
_SPACES = re.compile(r"\s+")


def _header_key(cell: Any) -> str | None:
    if not isinstance(cell, str):
        return None
    return spreadsheets.header_key(cell, HEADER_LOOKUP)


def _find_header(cells: list[list[Any]], kind: str) -> tuple[int, dict[str, int], list[tuple[str, str]], list[str]]:
    """The header row's index, the column index of each known column of the kind, the columns read and the
    headers ignored."""
    wanted = dict(KIND_COLUMNS[kind])

    def lookup(cell: Any) -> str | None:
        key = _header_key(cell)
        return key if key in wanted else None

    header = spreadsheets.find_header(cells, lookup, "id_number")
    if header is None:
        headers = "、".join(COLUMNS[key].header for key in wanted)
        raise _Refused(_file_problem("文件是空的", f"第 1 行应为表头（{headers}），其下每行一人"))
    problems: list[Problem] = []
    for key, first, again in header.repeated:
        problems.append(
            _file_problem(
                f"表头“{COLUMNS[key].header}”出现了两次（{column_letter(first)} 列和 {column_letter(again)} 列）",
                "请删除多余的一列",
                COLUMNS[key].header,
                column_letter(again),
            )
        )
    for key, required in KIND_COLUMNS[kind]:
        if required and key not in header.columns:
            column = COLUMNS[key]
            also = f"（也可写作：{'、'.join(column.aliases[:4])}）" if column.aliases else ""
            problems.append(
                _file_problem(
                    f"缺少必填列“{column.header}”（表头在第 {header.row} 行）",
                    f"请在表头加上“{column.header}”列{also}，填写：{column.note}",
                    column.header,
                )
            )
    if problems:
        raise _Refused(*problems)
    return header.index, header.columns, header.read, header.ignored


# Cells --------------------------------------------------------------------------------------------------------


_LIFTED_WORDS = {
    "未脱贫": "未脱贫",
    "返贫": "未脱贫",
    "已脱贫": "已脱贫",
    "脱贫": "已脱贫",
    "稳定脱贫": "已脱贫",
    "标注脱贫": "已脱贫",
}
_YES = {"是", "Y", "YES", "TRUE", "1", "监测对象", "√"}
_NO = {"否", "N", "NO", "FALSE", "0", ""}
_ATTRIBUTE_WORDS = {
    "一般贫困户": "一般贫困户",
    "一般户": "一般贫困户",
    "低保贫困户": "低保贫困户",
    "低保户": "低保贫困户",
    "特困供养贫困户": "特困供养贫困户",
    "特困户": "特困供养贫困户",
    "五保户": "特困供养贫困户",
    "五保贫困户": "特困供养贫困户",
}
_CATEGORY_WORDS = {label: value for value, label in Member.DisabilityCategory.choices if value} | {
    f"{label}残疾": value for value, label in Member.DisabilityCategory.choices if value
}
_GRADE_WORDS = {
    f"{prefix}{suffix}": grade
    for grade, numerals in (
        (1, ("一", "1", "壹")),
        (2, ("二", "2", "贰")),
        (3, ("三", "3", "叁")),
        (4, ("四", "4", "肆")),
    )
    for prefix in numerals
    for suffix in ("", "级")
}
_DATE_PATTERN = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"
)
_DATE_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")
_DATE_FIX = "请填写为 2020-02-03 这样的日期，或把单元格设置为日期格式"


def _parse_lifted(value: Any) -> str:
    text = _SPACES.sub("", _text(value))
    if text in _LIFTED_WORDS:
        return _LIFTED_WORDS[text]
    if not text:
        return ""
    raise _Bad(f"无法识别脱贫状态“{text}”", "请填写“未脱贫”或“已脱贫”，不是贫困人口的留空")


def _parse_monitored(value: Any) -> bool:
    text = _SPACES.sub("", _text(value)).upper()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise _Bad(f"无法识别是否监测对象“{_text(value)}”", "请填写“是”或“否”（空为否）")


def _parse_attribute(value: Any) -> str:
    text = _SPACES.sub("", _text(value))
    if not text:
        return ""
    if text in _ATTRIBUTE_WORDS:
        return _ATTRIBUTE_WORDS[text]
    raise _Bad(f"无法识别贫困户属性“{text}”", "请填写“一般贫困户”“低保贫困户”或“特困供养贫困户”，非贫困户留空")


def _parse_category(value: Any) -> str:
    text = _SPACES.sub("", _text(value))
    if text in _CATEGORY_WORDS:
        return _CATEGORY_WORDS[text]
    raise _Bad(f"无法识别残疾类别“{text}”", "请填写肢体、视力、听力、言语、智力、精神或多重")


def _parse_grade(value: Any) -> int:
    text = _SPACES.sub("", _text(value)).removesuffix("残疾")
    if text in _GRADE_WORDS:
        return _GRADE_WORDS[text]
    raise _Bad(f"无法识别残疾等级“{_text(value)}”", "请填写一级、二级、三级或四级（也可填 1 至 4）")


def _date_parser(label: str, today: date) -> Callable[[Any], date | None]:
    def parse(value: Any) -> date | None:
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            day = value
        elif _is_number(value):
            raise _Bad(f"{label}单元格是数字（{_shown(value)}）而不是日期", _DATE_FIX)
        else:
            text = _text(value)
            if not text:
                return None
            match = _DATE_PATTERN.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
            if match is None:
                raise _Bad(f"无法识别{label}“{text}”", _DATE_FIX)
            try:
                day = date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                raise _Bad(f"{label}“{text}”不是有效的日期", _DATE_FIX) from None
        if day > today:
            raise _Bad(f"{label} {day:%Y-%m-%d} 晚于今天", "请核对日期")
        if day.year < 1900:
            raise _Bad(f"{label} {day:%Y-%m-%d} 早于 1900 年", "请核对日期")
        return day

    return parse


def _text_parser(key: str, limit: int) -> Callable[[Any], str]:
    read = _strict_text if key == "household_number" else _text
    header = COLUMNS[key].header

    def parse(value: Any) -> str:
        text = read(value)
        if len(text) > limit:
            raise _Bad(f"{header}超过 {limit} 个字", "请核对后缩短")
        return text

    return parse


def _filled(key: str, parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``parse``, refusing an empty cell."""
    header = COLUMNS[key].header

    def parse_filled(value: Any) -> Any:
        parsed = parse(value)
        if parsed is None or parsed == "":
            raise _Bad(f"未填写{header}", f"请填写{header}")
        return parsed

    return parse_filled


# Places -------------------------------------------------------------------------------------------------------

_TOWNSHIP_SUFFIXES = ("街道办事处", "街道", "镇", "乡")
_VILLAGE_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会", "社区", "村")
_COUNTY_PREFIXES = ("重庆市", "彭水苗族土家族自治县", "彭水县", "彭水")


def _base(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class Places:
    """Townships and villages, looked up once per file: exact names, or names without their 镇/乡/街道 (村/社区)
    suffix when that is unambiguous."""

    def __init__(self) -> None:
        self.township_names: dict[int, str] = {}
        self.townships: dict[str, int] = {}
        bases: dict[str, set[int]] = {}
        for pk, name in Township.objects.values_list("pk", "name"):
            self.township_names[pk] = name
            self.townships[name] = pk
            bases.setdefault(_base(name, _TOWNSHIP_SUFFIXES), set()).add(pk)
        for base, pks in bases.items():
            if len(pks) == 1:
                self.townships.setdefault(base, next(iter(pks)))
        self.village_names: dict[int, str] = {}
        self.villages: dict[tuple[int, str], int] = {}
        village_bases: dict[tuple[int, str], set[int]] = {}
        for pk, township_id, name in Village.objects.values_list("pk", "township_id", "name"):
            self.village_names[pk] = name
            self.villages[(township_id, name)] = pk
            village_bases.setdefault((township_id, _base(name, _VILLAGE_SUFFIXES)), set()).add(pk)
        for key, pks in village_bases.items():
            if len(pks) == 1:
                self.villages.setdefault(key, next(iter(pks)))

    def township(self, value: Any) -> int:
        text = _SPACES.sub("", _text(value))
        if not text:
            raise _Bad("未填写乡镇（街道）", "请填写该行人员所在的乡镇（街道）")
        for prefix in ("", *_COUNTY_PREFIXES):
            name = text.removeprefix(prefix) if prefix else text
            if name in self.townships:
                return self.townships[name]
            base = _base(name, _TOWNSHIP_SUFFIXES)
            if base in self.townships:
                return self.townships[base]
        raise _Bad(
            f"乡镇（街道）“{text}”不是本县的乡镇（街道）",
            "请填写系统中的乡镇（街道）名称，如“汉葭街道”“郁山镇”（可省略“镇”“乡”“街道”）",
        )

    def village(self, township_id: int, value: Any) -> int | None:
        text = _SPACES.sub("", _text(value))
        if not text:
            raise _Bad("未填写村（社区）", "请填写该行人员所在的村（社区）")
        found = self.villages.get((township_id, text)) or self.villages.get(
            (township_id, _base(text, _VILLAGE_SUFFIXES))
        )
        if found is None:
            raise _Bad(
                f"{self.township_names[township_id]}没有村（社区）“{text}”",
                "请核对村（社区）名称，须与系统中该乡镇（街道）的村（社区）名称一致",
            )
        return found


# Parsing ------------------------------------------------------------------------------------------------------


class _Problems:
    """Problems grouped by (column, message): one entry lists every row with that problem."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str], Problem] = {}

    def add(self, column: Column, letter: str, row: int, bad: _Bad) -> None:
        key = (column.key, bad.group)
        problem = self.by_key.get(key)
        if problem is None:
            problem = self.by_key[key] = Problem(bad.message, bad.fix, column.header, letter)
        problem.rows.append(row)

    def sorted(self) -> list[Problem]:
        return sorted(self.by_key.values(), key=lambda problem: (problem.rows[0], problem.letter))


@spreadsheets.gc_paused()
def parse_roll(kind: str, file_bytes: bytes, filename: str, today: date | None = None) -> ParsedRoll:
    """Read and check the file: the records (COPY layout, member not matched yet) or the problems refusing it."""
    today = today or timezone.localdate()
    try:
        if len(file_bytes) > MAX_BYTES:
            raise _Refused(
                _file_problem(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB", "请删去与名单无关的工作表和列后重新上传")
            )
        cells = read_cells(file_bytes, filename)
        header_index, columns, columns_read, ignored = _find_header(cells, kind)
    except _Refused as refused:
        return ParsedRoll([], refused.problems, 0, [], [])
    places = Places()
    problems = _Problems()
    letters = {key: column_letter(index) for key, index in columns.items()}
    required = dict(KIND_COLUMNS[kind])

    # The data rows (empty rows skipped, short rows padded) and their spreadsheet row numbers.
    width = max(columns.values()) + 1
    numbers: list[int] = []
    rows: list[list[Any]] = []
    for index in range(header_index + 1, len(cells)):
        row = cells[index]
        if any(row):
            numbers.append(index + 1)
            rows.append(row if len(row) >= width else [*row, *([""] * (width - len(row)))])

    def read(
        key: str, parse: Callable[[Any], Any], column_cells: list[Any] | None = None, blank: Any = None
    ) -> list[Any]:
        """``parse`` of each cell of the column (``column_cells``, else the cells in the key's column), column by
        column rather than row by row: each distinct cell is parsed once. A cell ``parse`` refuses is a problem of
        its row and reads as ``blank``."""
        if column_cells is None:
            index = columns[key]
            column_cells = [row[index] for row in rows]
        # The cache key tells True, 1 and 1.0 apart: they are equal, but do not read the same.
        keys = [cell if cell.__class__ is str else (cell.__class__, cell) for cell in column_cells]
        outcomes: dict[Any, Any] = {}
        for cell_key, cell in dict(zip(keys, column_cells, strict=True)).items():
            try:
                outcomes[cell_key] = parse(cell)
            except _Bad as bad:
                outcomes[cell_key] = bad
        values = [outcomes[cell_key] for cell_key in keys]
        if any(isinstance(outcome, _Bad) for outcome in outcomes.values()):
            for position, value in enumerate(values):
                if isinstance(value, _Bad):
                    problems.add(COLUMNS[key], letters[key], numbers[position], value)
                    values[position] = blank
        return values

    def checked(key: str, parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
        return _filled(key, parse) if required[key] and key in NOT_EMPTY else parse

    # ID number: a number cell refuses the file; an invalid number is kept and flagged.
    normalize, invalid = idnumber.normalize_id_number, idnumber.InvalidIdNumber

    def read_id(cell: Any) -> tuple[str, str]:
        raw = _strict_text(cell)
        try:
            return raw[:64], normalize(raw, today)
        except invalid:
            return raw[:64], ""

    values: dict[str, Any] = {"row_number": numbers}
    ids = read("id_number", read_id, blank=("", ""))
    values["id_number_raw"] = [raw for raw, _ in ids]
    id_numbers = values["id_number"] = [number for _, number in ids]
    values["id_valid"] = [bool(number) for number in id_numbers]
    # Repeated numbers: every row carrying a number that appears more than once.
    repeated = {number for number, count in Counter(filter(None, id_numbers)).items() if count > 1}
    if repeated:
        values["id_duplicate"] = [number in repeated for number in id_numbers]

    # Township, then the village within it (not read where the township is wrong; when optional, only if filled).
    townships = values["township_id"] = read("township", places.township)
    if "village" in columns:
        village_index, village_required = columns["village"], required["village"]

        def village(place: tuple[int, Any] | None) -> int | None:
            if place is None or not (village_required or _text(place[1])):
                return None
            return places.village(*place)

        cells_by_township = [
            None if township is None else (township, row[village_index])
            for township, row in zip(townships, rows, strict=True)
        ]
        values["village_id"] = read("village", village, cells_by_township)

    for key, limit in TEXT_LIMITS.items():
        if key in columns:
            values[key] = read(key, checked(key, _text_parser(key, limit)), blank="")

    parsers: dict[str, Callable[[Any], Any]] = {
        "poverty_attribute": _parse_attribute,
        "lifted_status": _parse_lifted,
        "monitored": _parse_monitored,
        "disability_category": _parse_category,
        "disability_grade": _parse_grade,
        "covid_admitted": _date_parser("入院日期", today),
        "covid_discharged": _date_parser("出院日期", today),
        "date_of_death": _date_parser("死亡日期", today),
    }
    for key, parse in parsers.items():
        if key in columns:
            values[key] = read(key, checked(key, parse), blank=BLANK[SLOT[key]])

    if kind == RollKind.POVERTY_REGISTRY:
        values["registry_status"] = list(
            map(RollRecord.derive_registry_status, values["lifted_status"], values["monitored"])
        )
    if "covid_admitted" in values and "covid_discharged" in values:
        for number, admitted, discharged in zip(
            numbers, values["covid_admitted"], values["covid_discharged"], strict=True
        ):
            if admitted and discharged and discharged < admitted:
                problems.add(
                    COLUMNS["covid_discharged"],
                    letters["covid_discharged"],
                    number,
                    _Bad("出院日期早于入院日期", "请核对入院日期和出院日期"),
                )

    # The records, row by row in the COPY layout; a column the kind does not have keeps its blank value.
    columns_in_order = (values.get(name, repeat(BLANK[slot])) for slot, name in enumerate(RECORD_COLUMNS))
    records = [list(record) for record in zip(*columns_in_order, strict=False)]  # (the repeats are endless)
    found_problems = problems.sorted()
    if not records and not found_problems:
        found_problems.append(
            _file_problem(f"表头（第 {header_index + 1} 行）下面没有数据行", "请在表头下面每行填写一人")
        )
    hidden = max(0, len(found_problems) - MAX_PROBLEMS)
    return ParsedRoll(records, found_problems[:MAX_PROBLEMS], hidden, columns_read, ignored)


def record_details(kind: str, values: dict[str, Any]) -> str:
    """The kind's own fields of a record, as one line of text."""
    parts: list[str] = []
    if kind == RollKind.POVERTY_REGISTRY:
        parts = [values["lifted_status"], values["poverty_attribute"], "监测对象" if values["monitored"] else ""]
    elif kind == RollKind.SEVERE_DISABILITY:
        category = (
            Member.DisabilityCategory(values["disability_category"]).label if values["disability_category"] else ""
        )
        grade = f"{values['disability_grade']}级" if values["disability_grade"] else ""
        parts = [category, grade]
    elif kind == RollKind.ILLNESS_POVERTY:
        parts = [values["illness"]]
    elif kind == RollKind.COVID_PATIENTS:
        admitted, discharged = values["covid_admitted"], values["covid_discharged"]
        parts = [
            f"入院 {admitted:%Y-%m-%d}" if admitted else "",
            f"出院 {discharged:%Y-%m-%d}" if discharged else "未出院",
        ]
    elif kind == RollKind.DEATHS:
        parts = [f"死亡 {values['date_of_death']:%Y-%m-%d}" if values["date_of_death"] else ""]
    return " · ".join(part for part in parts if part)
