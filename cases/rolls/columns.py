"""The columns of the external rolls (``cases.rolls`` describes the format): each column's header, the other names
it is accepted under and what to write in it; which columns each roll requires; the header table of the upload
page; and the record layout — the COPY columns, in order — that ``cases.rolls.parser`` fills and
``cases.rolls.services`` writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cases.models import RollKind


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
NOT_EMPTY = {
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

HEADER_LOOKUP: dict[str, str] = {}
for _column in COLUMNS.values():
    for _name in (_column.header, *_column.aliases):
        HEADER_LOOKUP[_name] = _column.key


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
SLOT = {name: index for index, name in enumerate(RECORD_COLUMNS)}
BLANK: list[Any] = [
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
TEXT_LIMITS = {"name": 64, "household_number": 40, "relation": 32, "illness": 100}
