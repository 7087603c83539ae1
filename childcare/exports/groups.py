"""The export centre's exports of the groups area: the left-behind women's screening (``childcare_women``) and the
disabled persons ledger (``childcare_disabled``; ``show=roll_only`` for the 残联 roll's persons not in the
registry), with the pages' filters, within the user's scope; ID numbers as text, masked for users without
full-identity access. Both hold sensitive records: the user gives a reason, and each download is logged per
person (``childcare.services.groups``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from core import export_centre, masking
from core.exports import Column

Params = Mapping[str, str]
CHUNK = 500

WOMAN_COLUMNS = (
    Column("姓名", "text", 10),
    Column("身份证号", "id", 21),
    Column("乡镇（街道）", "text", 12),
    Column("村（社区）", "text", 14),
    Column("户编号", "id", 18),
    Column("年度", "int", 6),
    Column("丈夫外出地点", "text", 18),
    Column("丈夫外出时间", "date", 12),
    Column("照料子女人数", "int", 8),
    Column("照料老人人数", "int", 8),
    Column("照料情况说明", "text", 20),
    Column("健康状况", "text", 8),
    Column("就业（劳动）情况", "text", 16),
    Column("需求", "text", 30),
    Column("摸排日期", "date", 12),
    Column("摸排人", "text", 10),
    Column("来源", "text", 12),
)

DISABLED_COLUMNS = (
    Column("姓名", "text", 10),
    Column("身份证号", "id", 21),
    Column("乡镇（街道）", "text", 12),
    Column("村（社区）", "text", 14),
    Column("户编号", "id", 18),
    Column("残疾类别", "text", 8),
    Column("残疾等级", "int", 6),
    Column("是否重度", "text", 6),
    Column("来源", "text", 14),
    Column("贫困状况", "text", 14),
    Column("困难残疾人生活补贴", "text", 30),
    Column("重度残疾人护理补贴", "text", 30),
    Column("待处理的应保未保", "text", 18),
    Column("福康工程服务（次）", "int", 8),
)

ROLL_ONLY_COLUMNS = (
    Column("行", "int", 6),
    Column("姓名", "text", 10),
    Column("身份证号", "id", 21),
    Column("乡镇（街道）", "text", 12),
    Column("村（社区）", "text", 14),
    Column("残疾类别", "text", 8),
    Column("残疾等级", "int", 6),
    Column("说明", "text", 30),
)


def _full(user: Any) -> bool:
    from cases.permissions import can_see_full_identity

    return can_see_full_identity(user)


# 农村留守妇女 -------------------------------------------------------------------------------------------------


def _woman_filters(user: Any, params: Params) -> Any:
    from childcare.forms.groups import WomanFilterForm
    from childcare.selectors import groups as selectors

    form = WomanFilterForm(dict(params), townships=selectors.townships(user))
    form.is_valid()
    return form


def women(user: Any, params: Params) -> Any:
    from childcare.selectors import groups as selectors

    return selectors.women(user, **_woman_filters(user, params).filters())


def _woman_rows(user: Any, params: Params) -> Iterator[tuple[Any, ...]]:
    full = _full(user)
    for woman in women(user, params).iterator(chunk_size=2000):
        member = woman.member
        yield (
            member.name,
            masking.id_as_seen(member.id_number, full),
            woman.township.name,
            member.household.village.name,
            member.household.number,
            woman.year,
            woman.husband_away_where,
            woman.husband_away_since,
            woman.children_in_care,
            woman.elderly_in_care,
            woman.care_note,
            woman.get_health_display() if woman.health else "",
            woman.work,
            woman.needs,
            woman.screened_on,
            woman.screened_by,
            woman.get_source_display(),
        )


def _woman_title(user: Any, params: Params) -> str:
    form = _woman_filters(user, params)
    township = form.townships.filter(pk=form.value("township")).first() if form.value("township") else None
    year = form.value("year")
    return f"{township.name if township else ''}{f'{year}年' if year else ''}农村留守妇女台账"


def _log_women(user: Any, params: Params, title: str) -> None:
    from cases.services import log_sensitive_access

    members = [woman.member for woman in women(user, params).iterator(chunk_size=2000)]
    log_sensitive_access(actor=user, members=members, action="export", what=f"{title}导出", everyone=True)


# 残疾人台账 -----------------------------------------------------------------------------------------------------


def _disabled_filters(user: Any, params: Params) -> Any:
    from childcare.forms.groups import DisabledFilterForm
    from childcare.selectors import groups as selectors

    form = DisabledFilterForm(dict(params), townships=selectors.townships(user))
    form.is_valid()
    return form


def disabled(user: Any, params: Params) -> Any:
    from childcare.selectors import groups as selectors

    form = _disabled_filters(user, params)
    values = form.filters()
    if form.roll_only():
        return selectors.roll_only_persons(user, township_id=values["township_id"], query=values["query"])
    return selectors.disabled_ledger(user, **values)


def _ledger_rows(user: Any, params: Params) -> Iterator[tuple[Any, ...]]:
    from childcare.selectors import groups as selectors

    full = _full(user)
    members = disabled(user, params)
    if _disabled_filters(user, params).roll_only():
        for record in members.iterator(chunk_size=2000):
            yield (
                record.row_number,
                record.name,
                masking.id_as_seen(record.id_number, full),
                record.township.name if record.township else "",
                record.village.name if record.village else "",
                record.get_disability_category_display() if record.disability_category else "",
                record.disability_grade,
                "残联名单有、户籍中未登记",
            )
        return
    counts = selectors.service_counts
    chunk: list[Any] = []
    for member in members.iterator(chunk_size=CHUNK):
        chunk.append(member)
        if len(chunk) == CHUNK:
            yield from _rows_of(selectors.ledger_rows(chunk), counts(chunk), full)
            chunk = []
    if chunk:
        yield from _rows_of(selectors.ledger_rows(chunk), counts(chunk), full)


def _rows_of(rows: list[Any], service_counts: dict[int, int], full: bool) -> Iterator[tuple[Any, ...]]:
    for row in rows:
        member = row.member
        entry = ""
        if member.open_entry_id:
            entry = f"{member.open_entry_month.year}年{member.open_entry_month.month}月摸排：待处理"
        yield (
            member.name,
            masking.id_as_seen(member.id_number, full),
            member.household.township.name,
            member.household.village.name,
            member.household.number,
            row.category,
            row.grade,
            "是" if row.grade in (1, 2) else "",
            row.source,
            row.poverty,
            "已享受" if row.living.granted else f"未享受：{row.living.text}",
            "已享受" if row.care.granted else f"未享受：{row.care.text}",
            entry,
            service_counts.get(member.pk, 0),
        )


def _disabled_title(user: Any, params: Params) -> str:
    form = _disabled_filters(user, params)
    township = form.townships.filter(pk=form.value("township")).first() if form.value("township") else None
    name = township.name if township else ""
    return f"{name}残疾人台账（残联名单中未在册的人员）" if form.roll_only() else f"{name}残疾人台账"


def _log_disabled(user: Any, params: Params, title: str) -> None:
    from cases.services import log_sensitive_access

    if _disabled_filters(user, params).roll_only():
        return  # persons not in the registry: no member to log
    log_sensitive_access(
        actor=user, members=disabled(user, params).iterator(chunk_size=2000), action="export", what=f"{title}导出"
    )


def register_exports() -> None:
    """Register this area's exports with ``core.export_centre.register``."""
    export_centre.register(
        "childcare_women",
        _woman_title,
        lambda user, params: WOMAN_COLUMNS,
        _woman_rows,
        lambda user, params: women(user, params).count(),
        lambda user, params: True,
        on_download=_log_women,
    )
    export_centre.register(
        "childcare_disabled",
        _disabled_title,
        lambda user, params: ROLL_ONLY_COLUMNS if _disabled_filters(user, params).roll_only() else DISABLED_COLUMNS,
        _ledger_rows,
        lambda user, params: disabled(user, params).count(),
        lambda user, params: True,
        on_download=_log_disabled,
    )
