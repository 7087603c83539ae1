"""External rolls (外部名单): reading, checking and importing the lists other offices send — the poverty registry
(建档立卡, from the poverty-alleviation office), the severe-disability list (残联), the poor-because-of-illness list
(因病致贫), the COVID-19 patient list and the death list — and the selectors the comparison job reads
(policy.md §2, §11, §12).

File format
-----------
* Excel (.xlsx, .xlsm, .xls; the first worksheet) or CSV (UTF-8 with or without BOM, else GB18030/GBK; comma- or
  tab-separated). At most 50 MB.
* The header row is the first of the first 10 rows that names the 身份证号 column (a title row above it is
  allowed). Columns are found by their Chinese header, in any order; other columns are ignored. Spaces, ``*``
  and a note in brackets after a name (``乡镇（街道）``, ``残疾等级（1-4）``) are ignored. Empty rows are skipped.
  Row numbers in reports are the spreadsheet's own.
* Headers per roll (必填 = the column must exist; 选填 columns are read when present). Also accepted: 公民身份号码,
  身份证号码, 证件号码 for 身份证号; 户主关系 for 与户主关系; 户码, 户号 for 户编号; 村（社区）, 社区, 行政村 for 村;
  病种 for 疾病名称; more in ``COLUMNS``.

  ============  ========  ========  ========  ========  ========  ==============================================
  列名          建档立卡  残联      因病致贫  新冠患者  死亡人员  填写
  ============  ========  ========  ========  ========  ========  ==============================================
  身份证号      必填      必填      必填      必填      必填      文本格式；数字格式的单元格使整个文件被拒绝
  姓名          必填      必填      必填      必填      必填
  乡镇          必填      必填      必填      必填      必填      本县乡镇（街道）名称，可省略“镇”“乡”“街道”
  村            必填      选填      选填      选填      选填      该乡镇的村（社区）名称
  户编号        必填      选填      选填      —         —         文本格式
  与户主关系    必填      选填      选填      —         —
  贫困户属性    必填      —         —         —         —         一般贫困户 / 低保贫困户 / 特困供养贫困户，可空
  脱贫状态      必填      —         —         —         —         未脱贫 / 已脱贫（返贫记为未脱贫），可空
  是否监测对象  必填      —         —         —         —         是 / 否，空为否
  残疾类别      —         必填      —         —         —         肢体 视力 听力 言语 智力 精神 多重
  残疾等级      —         必填      —         —         —         一级 至 四级（或 1–4）
  疾病名称      —         —         必填      —         —
  入院日期      —         —         —         必填      —         日期，如 2020-02-03
  出院日期      —         —         —         选填      —         日期；未出院留空
  死亡日期      —         —         —         —         必填      日期
  ============  ========  ========  ========  ========  ========  ==============================================

Rules
-----
* The file is refused as a whole, with one report listing every problem (rows, column, what is wrong, how to
  fix it), and nothing is written, when: a required column is missing; the file is unreadable or has no data
  row; a township (or a village within its township) is unknown; an ID cell is stored as a number (digits and a
  final X are lost: "请将该列设置为文本格式后重新导出"); or a value of a checked column cannot be read (an empty
  name, an unknown 脱贫状态, a date that is not a date, …).
* ID numbers (§12) that are invalid or empty are *kept*: the row is imported with ``id_valid`` False and its raw
  text. A normalised number on several rows marks every one of those rows ``id_duplicate``. They are counted and
  raise ``ID_INVALID`` / ``ID_DUPLICATE`` in the comparison; they are not errors of the file.
* A row is matched to the active member with the same normalised ID number (one query for the file).
* Preview writes nothing. Commit is atomic, stores the file with who, when and the counts, writes the rows with
  COPY, and makes the import the one in force for its kind (a roll is a full snapshot, not an increment).
  Committing a file already committed for the kind (same SHA-256) writes nothing and returns that import.
* Only county staff and county admins import (the rolls are county-wide); county users and county auditors see
  the imports.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import repeat
from operator import itemgetter
from pathlib import PurePath, PureWindowsPath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from cases.models import Member, RollImport, RollKind, RollRecord, Township, User, Village
from cases.models.people import PovertyStatus
from cases.permissions import can_import_rolls, can_view_rolls, ensure_import_rolls, ensure_view_rolls
from core import idnumber, spreadsheets, uploads
from core.masking import id_as_seen
from core.spreadsheets import Problem, Refused, Report, column_letter

__all__ = [
    "COLUMNS",
    "KIND_COLUMNS",
    "RECORD_FILTERS",
    "Problem",
    "RollRefused",
    "RollReport",
    "all_kind_headers",
    "can_import_rolls",
    "can_view_rolls",
    "commit_roll",
    "current_import",
    "current_records",
    "current_registry_status",
    "discard_pending",
    "has_registry",
    "household_registry_status",
    "load_pending",
    "parse_roll",
    "preview_roll",
    "record_row",
    "registry_status_by_id_number",
    "roll_imports",
    "roll_records",
    "stash_pending",
]

MAX_BYTES = 50 * 1024 * 1024
PREVIEW_ROWS = 50
MAX_PROBLEMS = 500
_LOCK_KEY = 0x524F4C53  # pg_advisory_xact_lock(key, kind): one committing import per kind at a time
_KIND_LOCK = {kind: index for index, kind in enumerate(RollKind.values)}


# Columns ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...]
    note: str


COLUMNS: dict[str, Column] = {
    column.key: column
    for column in (
        Column(
            "id_number",
            "身份证号",
            ("身份证号码", "公民身份号码", "公民身份证号码", "身份证件号码", "证件号码", "身份证"),
            "文本格式，18 位（或 15 位旧号码）。无效或重复的号码照常导入并标记。",
        ),
        Column("name", "姓名", ("人员姓名", "成员姓名", "患者姓名", "死者姓名"), "不能为空。"),
        Column(
            "township",
            "乡镇",
            ("乡镇街道", "乡镇(街道)", "所属乡镇", "乡镇名称", "乡(镇)", "镇乡", "乡镇（街道）"),
            "本县乡镇（街道）名称，如“汉葭街道”“郁山镇”，可省略“镇”“乡”“街道”。",
        ),
        Column(
            "village",
            "村",
            ("村(社区)", "村（社区）", "村社区", "社区", "行政村", "村名", "村名称", "村居", "所属村"),
            "该乡镇的村（社区）名称。",
        ),
        Column("household_number", "户编号", ("户码", "户号", "户编码", "家庭编号"), "文本格式。"),
        Column("relation", "与户主关系", ("户主关系", "与户主的关系"), "如 户主、配偶、之子。"),
        Column(
            "poverty_attribute",
            "贫困户属性",
            ("贫困户类型", "户属性", "贫困属性"),
            "一般贫困户、低保贫困户 或 特困供养贫困户；非贫困户的监测对象可留空。",
        ),
        Column("lifted_status", "脱贫状态", ("贫困状态",), "未脱贫 或 已脱贫（“返贫”记为未脱贫）；可留空。"),
        Column(
            "monitored", "是否监测对象", ("监测对象", "是否为监测对象", "是否监测户", "监测户"), "是 或 否，空为否。"
        ),
        Column("disability_category", "残疾类别", ("残疾类型",), "肢体、视力、听力、言语、智力、精神 或 多重。"),
        Column("disability_grade", "残疾等级", ("残疾级别",), "一级、二级、三级 或 四级（也可填 1–4）。"),
        Column("illness", "疾病名称", ("病种", "疾病", "所患疾病", "患病名称", "主要病种"), "不能为空。"),
        Column("covid_admitted", "入院日期", ("入院时间", "住院日期"), "日期，如 2020-02-03。"),
        Column("covid_discharged", "出院日期", ("出院时间",), "日期；尚未出院留空。"),
        Column("date_of_death", "死亡日期", ("死亡时间",), "日期，如 2020-02-03。"),
    )
}

_REQUIRED, _OPTIONAL = True, False
KIND_COLUMNS: dict[str, tuple[tuple[str, bool], ...]] = {
    RollKind.POVERTY_REGISTRY: (
        ("id_number", _REQUIRED),
        ("name", _REQUIRED),
        ("township", _REQUIRED),
        ("village", _REQUIRED),
        ("household_number", _REQUIRED),
        ("relation", _REQUIRED),
        ("poverty_attribute", _REQUIRED),
        ("lifted_status", _REQUIRED),
        ("monitored", _REQUIRED),
    ),
    RollKind.SEVERE_DISABILITY: (
        ("id_number", _REQUIRED),
        ("name", _REQUIRED),
        ("township", _REQUIRED),
        ("village", _OPTIONAL),
        ("disability_category", _REQUIRED),
        ("disability_grade", _REQUIRED),
        ("household_number", _OPTIONAL),
        ("relation", _OPTIONAL),
    ),
    RollKind.ILLNESS_POVERTY: (
        ("id_number", _REQUIRED),
        ("name", _REQUIRED),
        ("township", _REQUIRED),
        ("village", _OPTIONAL),
        ("illness", _REQUIRED),
        ("household_number", _OPTIONAL),
        ("relation", _OPTIONAL),
    ),
    RollKind.COVID_PATIENTS: (
        ("id_number", _REQUIRED),
        ("name", _REQUIRED),
        ("township", _REQUIRED),
        ("village", _OPTIONAL),
        ("covid_admitted", _REQUIRED),
        ("covid_discharged", _OPTIONAL),
    ),
    RollKind.DEATHS: (
        ("id_number", _REQUIRED),
        ("name", _REQUIRED),
        ("township", _REQUIRED),
        ("village", _OPTIONAL),
        ("date_of_death", _REQUIRED),
    ),
}

# Columns whose empty cell is a problem of the file (when the column is required for the kind).
_NOT_EMPTY = {
    "name",
    "township",
    "village",
    "household_number",
    "relation",
    "disability_category",
    "disability_grade",
    "illness",
    "covid_admitted",
    "date_of_death",
}

_HEADER_LOOKUP: dict[str, str] = {}
for _column in COLUMNS.values():
    for _name in (_column.header, *_column.aliases):
        _HEADER_LOOKUP[_name] = _column.key


@dataclass(frozen=True)
class HeaderRow:
    """One line of the headers table on the upload page."""

    header: str
    required: bool
    aliases: str
    note: str


def kind_headers(kind: str) -> list[HeaderRow]:
    return [
        HeaderRow(COLUMNS[key].header, required, "、".join(COLUMNS[key].aliases[:4]), COLUMNS[key].note)
        for key, required in KIND_COLUMNS[kind]
    ]


def all_kind_headers() -> list[tuple[str, str, list[HeaderRow]]]:
    """(kind, label, headers) for every roll, for the upload page."""
    return [(kind, label, kind_headers(kind)) for kind, label in RollKind.choices]


# Record layout: the COPY columns, in order. Slot 0 is the import's id, filled at commit.
RECORD_COLUMNS = (
    "roll_import_id",
    "row_number",
    "id_number_raw",
    "id_number",
    "id_valid",
    "id_duplicate",
    "name",
    "household_number",
    "relation",
    "township_id",
    "village_id",
    "member_id",
    "poverty_attribute",
    "lifted_status",
    "monitored",
    "registry_status",
    "disability_category",
    "disability_grade",
    "illness",
    "covid_admitted",
    "covid_discharged",
    "date_of_death",
)
_SLOT = {name: index for index, name in enumerate(RECORD_COLUMNS)}
_BLANK: list[Any] = [
    None,
    0,
    "",
    "",
    True,
    False,
    "",
    "",
    "",
    None,
    None,
    None,
    "",
    "",
    False,
    "",
    "",
    None,
    "",
    None,
    None,
    None,
]
_TEXT_LIMITS = {"name": 64, "household_number": 40, "relation": 32, "illness": 100}


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
class _Parsed:
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
    return spreadsheets.header_key(cell, _HEADER_LOOKUP)


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
def parse_roll(kind: str, file_bytes: bytes, filename: str, today: date | None = None) -> _Parsed:
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
        return _Parsed([], refused.problems, 0, [], [])
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
        return _filled(key, parse) if required[key] and key in _NOT_EMPTY else parse

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

    for key, limit in _TEXT_LIMITS.items():
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
            values[key] = read(key, checked(key, parse), blank=_BLANK[_SLOT[key]])

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
    columns_in_order = (values.get(name, repeat(_BLANK[slot])) for slot, name in enumerate(RECORD_COLUMNS))
    records = [list(record) for record in zip(*columns_in_order, strict=False)]  # (the repeats are endless)
    found_problems = problems.sorted()
    if not records and not found_problems:
        found_problems.append(
            _file_problem(f"表头（第 {header_index + 1} 行）下面没有数据行", "请在表头下面每行填写一人")
        )
    hidden = max(0, len(found_problems) - MAX_PROBLEMS)
    return _Parsed(records, found_problems[:MAX_PROBLEMS], hidden, columns_read, ignored)


def _match_members(records: list[list[Any]]) -> int:
    """Fill each record's member (the active member with its normalised number): one query. Returns the count of
    matched records."""
    id_slot, member_slot = _SLOT["id_number"], _SLOT["member_id"]
    numbers = {record[id_slot] for record in records if record[id_slot]}
    if not numbers:
        return 0
    with connection.cursor() as cursor:
        # The numbers (digits and X) as one text parameter: quoting an array of 100,000 costs more than the query.
        cursor.execute(
            f"SELECT id_number, id FROM {Member._meta.db_table} "  # noqa: S608
            "WHERE active AND id_number = ANY(string_to_array(%s, ','))",
            [",".join(numbers)],
        )
        members = dict(cursor.fetchall())
    matched = 0
    for record in records:
        member_id = members.get(record[id_slot])
        if member_id is not None:
            record[member_slot] = member_id
            matched += 1
    return matched


def _preview_rows(records: list[list[Any]], kind: str) -> list[PreviewRow]:
    places = dict(Township.objects.values_list("pk", "name"))
    village_ids = {record[_SLOT["village_id"]] for record in records[:PREVIEW_ROWS]} - {None}
    villages = dict(Village.objects.filter(pk__in=village_ids).values_list("pk", "name"))
    return [
        PreviewRow(
            row_number=record[_SLOT["row_number"]],
            id_number=record[_SLOT["id_number"]] or record[_SLOT["id_number_raw"]],
            id_valid=record[_SLOT["id_valid"]],
            id_duplicate=record[_SLOT["id_duplicate"]],
            name=record[_SLOT["name"]],
            township=places.get(record[_SLOT["township_id"]], ""),
            village=villages.get(record[_SLOT["village_id"]], ""),
            household_number=record[_SLOT["household_number"]],
            details=record_details(kind, dict(zip(RECORD_COLUMNS, record, strict=True))),
            matched=record[_SLOT["member_id"]] is not None,
        )
        for record in records[:PREVIEW_ROWS]
    ]


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


# Services -----------------------------------------------------------------------------------------------------


ensure_can_import = ensure_import_rolls


def _check_kind(kind: str) -> None:
    if kind not in RollKind.values:
        raise ValidationError({"kind": "请选择要导入的名单。"})


def file_sha256(file_bytes: bytes) -> str:
    return hashlib.sha256(file_bytes).hexdigest()


def _committed(kind: str, sha256: str) -> RollImport | None:
    return (
        RollImport.objects.filter(kind=kind, file_sha256=sha256, status=RollImport.Status.COMMITTED)
        .select_related("imported_by")
        .first()
    )


def _report(kind: str, filename: str, sha256: str, parsed: _Parsed) -> RollReport:
    id_slot, duplicate_slot = _SLOT["id_number"], _SLOT["id_duplicate"]
    return RollReport(
        kind=kind,
        filename=filename,
        sha256=sha256,
        rows=len(parsed.records),
        invalid_ids=sum(1 for record in parsed.records if not record[id_slot]),
        duplicate_ids=sum(1 for record in parsed.records if record[duplicate_slot]),
        problems=parsed.problems,
        hidden_problems=parsed.hidden_problems,
        columns=parsed.columns,
        ignored_columns=parsed.ignored,
    )


@spreadsheets.gc_paused()
def preview_roll(*, actor: User, kind: str, file_bytes: bytes, filename: str) -> RollReport:
    """What importing the file would do, or why it is refused. Writes nothing."""
    ensure_can_import(actor)
    _check_kind(kind)
    sha256 = file_sha256(file_bytes)
    parsed = parse_roll(kind, file_bytes, filename)
    report = _report(kind, filename, sha256, parsed)
    report.existing = _committed(kind, sha256)
    if not report.refused:
        report.matched = _match_members(parsed.records)
        report.preview = _preview_rows(parsed.records, kind)
    return report


@spreadsheets.gc_paused()
def commit_roll(*, actor: User, kind: str, file_bytes: bytes, filename: str) -> RollImport:
    """Import the file: atomic, all rows or none. Raises ``RollRefused`` (with the report) when the file has
    problems. The same file already committed for the kind is not imported again: that import is returned with
    ``reused`` True. The new import becomes the one in force for the kind (``is_current``)."""
    ensure_can_import(actor)
    _check_kind(kind)
    sha256 = file_sha256(file_bytes)
    existing = _committed(kind, sha256)
    if existing is not None:
        existing.reused = True
        return existing
    parsed = parse_roll(kind, file_bytes, filename)
    if parsed.problems:
        raise RollRefused(_report(kind, filename, sha256, parsed))
    stored: RollImport | None = None
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_KEY, _KIND_LOCK[kind]])
            existing = _committed(kind, sha256)
            if existing is not None:  # committed by somebody else meanwhile
                existing.reused = True
                return existing
            matched = _match_members(parsed.records)
            id_slot, duplicate_slot = _SLOT["id_number"], _SLOT["id_duplicate"]
            stored = RollImport(
                kind=kind,
                file_sha256=sha256,
                original_name=_base_name(filename)[-255:],
                imported_by=actor,
                imported_at=timezone.now(),
                status=RollImport.Status.COMMITTED,
                is_current=True,
                row_count=len(parsed.records),
                invalid_id_count=sum(1 for record in parsed.records if not record[id_slot]),
                duplicate_id_count=sum(1 for record in parsed.records if record[duplicate_slot]),
                matched_count=matched,
                unmatched_count=len(parsed.records) - matched,
            )
            stored.file.save(_stored_name(filename), ContentFile(file_bytes), save=False)
            RollImport.objects.filter(kind=kind, is_current=True).update(is_current=False)
            stored.save()
            _copy_records(stored.pk, parsed.records)
    except BaseException:
        if stored is not None and stored.file.name:
            stored.file.storage.delete(stored.file.name)
        raise
    stored.reused = False
    return stored


def _base_name(filename: str) -> str:
    """The file's own name, without a folder (browsers on Windows may send C:\\…\\name.xlsx)."""
    return PureWindowsPath(filename or "").name or "roll"


def _stored_name(filename: str) -> str:
    name = _base_name(filename)
    stem, suffix = PurePath(name).stem[:80], PurePath(name).suffix[:10]
    return f"{stem}{suffix}"


def _copy_records(import_id: int, records: list[list[Any]]) -> None:
    """COPY the records, in binary (nothing to escape or to parse), in ID-number order: the two indexes on the
    number are then filled from left to right rather than at random places (a fifth of the write's time). The
    table's order does not matter: records are read by row number."""
    table = RollRecord._meta.db_table
    statement = f"COPY {table} ({', '.join(RECORD_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    fields = {field.column: field for field in RollRecord._meta.concrete_fields}
    types = [fields[name].cast_db_type(connection).partition("(")[0] for name in RECORD_COLUMNS]  # varchar(64) …
    with connection.cursor() as cursor:
        with cursor.cursor.copy(statement) as copy:
            copy.set_types(types)
            for record in sorted(records, key=itemgetter(_SLOT["id_number"])):
                record[0] = import_id
                copy.write_row(record)


# Pending uploads (between the preview and the confirmation) ---------------------------------------------------

UPLOAD_KIND = "external-roll:"


def stash_pending(*, actor: User, kind: str, file_bytes: bytes, filename: str) -> str:
    """Keep an uploaded file until it is confirmed (``core.uploads``): the signed token naming it."""
    return uploads.stash(actor.pk, UPLOAD_KIND + kind, file_bytes, filename)


def load_pending(*, actor: User, token: str) -> tuple[str, bytes, str]:
    """(kind, file bytes, file name) of a pending upload made by ``actor``; ``ValidationError`` when it has
    expired, was tampered with or is somebody else's."""
    upload_kind = uploads.kind_of(token)
    if not upload_kind.startswith(UPLOAD_KIND):
        raise ValidationError(uploads.EXPIRED)
    data, filename = uploads.load(actor.pk, upload_kind, token)
    return upload_kind.removeprefix(UPLOAD_KIND), data, filename


def discard_pending(token: str) -> None:
    uploads.discard(token)


# Selectors ----------------------------------------------------------------------------------------------------

_RANK: dict[str, int] = {
    PovertyStatus.NONE: 0,
    PovertyStatus.LIFTED: 1,
    PovertyStatus.MONITORED: 2,
    PovertyStatus.UNLIFTED: 3,
}


def _stronger(a: str, b: str) -> str:
    return a if _RANK.get(a, 0) >= _RANK.get(b, 0) else b


def current_import(kind: str) -> RollImport | None:
    return RollImport.objects.filter(kind=kind, is_current=True).first()


def current_records(kind: str) -> QuerySet[RollRecord]:
    """The records of the import in force for ``kind`` (none before the first import), for the comparison job:
    ``id_valid=False`` rows raise ID_INVALID, ``id_duplicate=True`` rows ID_DUPLICATE."""
    return RollRecord.objects.filter(roll_import__kind=kind, roll_import__is_current=True)


def has_registry() -> bool:
    """Whether a poverty registry has been imported (from then on it, not the caseworker, decides the status)."""
    return RollImport.objects.filter(kind=RollKind.POVERTY_REGISTRY, is_current=True).exists()


def registry_status_by_id_number(id_numbers: Iterable[str] | None = None) -> dict[str, str]:
    """Normalised ID number → status (unlifted / monitored / lifted / none) in the poverty registry in force, for
    the numbers given (all of the registry when None). A number on several rows takes the strongest status.
    Numbers absent from the registry are absent from the result; empty when no registry was imported."""
    current = current_import(RollKind.POVERTY_REGISTRY)
    if current is None:
        return {}
    records = RollRecord.objects.filter(roll_import=current, id_valid=True)
    if id_numbers is not None:
        records = records.filter(id_number__in=list(set(id_numbers)))
    out: dict[str, str] = {}
    for number, status in records.values_list("id_number", "registry_status").iterator(chunk_size=10_000):
        out[number] = _stronger(status, out.get(number, PovertyStatus.NONE))
    return out


def current_registry_status(member_ids: Iterable[int]) -> dict[int, str]:
    """Member id → 建档立卡 status: from the registry in force (``none`` when the person is not in it); before any
    registry import, the status the caseworker recorded (policy.md §2)."""
    members = list(Member.objects.filter(pk__in=list(member_ids)).values_list("pk", "id_number", "poverty_status"))
    if not has_registry():
        return {pk: status for pk, _, status in members}
    by_number = registry_status_by_id_number(number for _, number, _ in members)
    return {pk: by_number.get(number, PovertyStatus.NONE) for pk, number, _ in members}


def household_registry_status(household_ids: Iterable[int]) -> dict[int, str]:
    """Household id → 建档立卡 status (policy.md §2): unlifted if any active member is 未脱贫, else monitored if
    any is a 监测对象, else lifted if any is 已脱贫, else none."""
    household_ids = list(household_ids)
    members = dict(Member.objects.filter(household_id__in=household_ids, active=True).values_list("pk", "household_id"))
    out: dict[int, str] = dict.fromkeys(household_ids, PovertyStatus.NONE.value)
    for member_id, status in current_registry_status(members).items():
        household = members[member_id]
        out[household] = _stronger(status, out[household])
    return out


def roll_imports(user: User) -> QuerySet[RollImport]:
    ensure_view_rolls(user)
    return RollImport.objects.select_related("imported_by").order_by("-imported_at", "-id")


RECORD_FILTERS = {
    "all": ("全部", {}),
    "invalid": ("身份证号无效", {"id_valid": False}),
    "duplicate": ("身份证号重复", {"id_duplicate": True}),
    "unmatched": ("未匹配在册成员", {"member__isnull": True}),
    "matched": ("已匹配在册成员", {"member__isnull": False}),
}


def roll_records(roll_import: RollImport, show: str = "all") -> QuerySet[RollRecord]:
    lookup = RECORD_FILTERS.get(show, RECORD_FILTERS["all"])[1]
    return (
        RollRecord.objects.filter(roll_import=roll_import, **lookup)
        .select_related("township", "village", "member__household")
        .order_by("row_number")
    )


@dataclass(frozen=True, kw_only=True)
class RecordRow(ListedRow):
    id_shown: str
    relation: str
    member_id: int | None
    household_id: int | None


def record_row(record: RollRecord, kind: str, *, full_identity: bool) -> RecordRow:
    """A record as the detail page shows it: the ID masked unless the user may see full numbers."""
    shown = record.id_number or record.id_number_raw
    member = record.member
    return RecordRow(
        row_number=record.row_number,
        id_shown=id_as_seen(shown, full_identity),
        id_valid=record.id_valid,
        id_duplicate=record.id_duplicate,
        name=record.name,
        township=record.township.name if record.township else "",
        village=record.village.name if record.village else "",
        household_number=record.household_number,
        relation=record.relation,
        details=record_details(kind, {name: getattr(record, name) for name in RECORD_COLUMNS}),
        member_id=record.member_id,
        household_id=member.household_id if member else None,
    )
