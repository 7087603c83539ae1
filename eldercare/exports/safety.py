"""eldercare exports: safety — the inspections, hazards and renovation projects lists as Excel, with the page's
filters (the list's query string), scoped like the pages. They hold no personal identity numbers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.utils import timezone

from core import export_centre
from core.exports import Column
from core.views import id_param, month_param
from eldercare.models.safety import Hazard, Inspection, RenovationProject
from eldercare.selectors import safety as selectors

Params = Mapping[str, str]


def _choice(params: Params, name: str, values: list[str]) -> str:
    value = params.get(name, "")
    return value if value in values else ""


def _inspections(user: Any, params: Params) -> Any:
    month = params.get("month") or ""
    filters = selectors.InspectionFilter(
        township=id_param(params.get("township")),
        home=id_param(params.get("home")),
        by=_choice(params, "by", Inspection.By.values),
        month=month_param(month) if month else None,
        q=(params.get("q") or "")[:60],
    )
    return selectors.inspection_list(user, filters).order_by("-date", "-pk")


INSPECTION_COLUMNS = [
    Column("编号", "id", 8),
    Column("敬老院", "text", 20),
    Column("乡镇", "text", 12),
    Column("检查日期", "date"),
    Column("检查单位", "text", 10),
    Column("检查人员", "text", 24),
    Column("存在问题项", "int"),
    Column("登记隐患", "int"),
    Column("检查发现", "text", 40),
]


def _inspection_rows(rows: Any) -> Iterator[list[Any]]:
    for i in rows:
        township = i.home.township.name if i.home.township else "县级"
        yield [
            str(i.pk),
            i.home.name,
            township,
            i.date,
            i.get_by_display(),
            i.inspectors,
            i.problems,
            i.hazard_count,
            i.findings,
        ]


def _hazards(user: Any, params: Params) -> Any:
    filters = selectors.HazardFilter(
        status=_choice(params, "status", Hazard.Status.values),
        overdue=params.get("overdue") == "1",
        reported=params.get("reported") == "1",
        township=id_param(params.get("township")),
        home=id_param(params.get("home")),
        level=_choice(params, "level", Hazard.Level.values),
        q=(params.get("q") or "")[:60],
    )
    return selectors.hazard_list(user, timezone.localdate(), filters)


HAZARD_COLUMNS = [
    Column("编号", "id", 8),
    Column("敬老院", "text", 20),
    Column("乡镇", "text", 12),
    Column("隐患描述", "text", 40),
    Column("等级", "text", 6),
    Column("整改责任人", "text", 10),
    Column("发现日期", "date"),
    Column("整改期限", "date"),
    Column("状态", "text", 12),
    Column("是否逾期", "text", 8),
    Column("整改完成日期", "date"),
    Column("整改情况", "text", 30),
    Column("上报原因", "text", 30),
    Column("县民政局处理情况", "text", 30),
    Column("办结日期", "date"),
]


def _hazard_rows(rows: Any) -> Iterator[list[Any]]:
    for h in rows:
        yield [
            str(h.pk),
            h.home.name,
            h.home.township.name if h.home.township else "县级",
            h.description,
            h.get_level_display(),
            h.owner,
            h.found_on,
            h.deadline,
            h.get_status_display(),
            "逾期" if h.overdue else "",
            h.fixed_on,
            h.evidence,
            h.report_reason,
            h.county_handling,
            h.closed_on,
        ]


def _projects(user: Any, params: Params) -> Any:
    filters = selectors.ProjectFilter(
        status=_choice(params, "status", RenovationProject.Status.values),
        kind=_choice(params, "kind", RenovationProject.Kind.values),
        township=id_param(params.get("township")),
        home=id_param(params.get("home")),
        q=(params.get("q") or "")[:60],
    )
    return selectors.project_list(user, filters).select_related("accepted_by")


PROJECT_COLUMNS = [
    Column("编号", "id", 8),
    Column("敬老院", "text", 20),
    Column("乡镇", "text", 12),
    Column("项目名称", "text", 24),
    Column("类型", "text", 16),
    Column("预算（元）", "money"),
    Column("已支出（元）", "money"),
    Column("计划开工", "date"),
    Column("计划完工", "date"),
    Column("实际开工", "date"),
    Column("实际完工", "date"),
    Column("进度（%）", "int"),
    Column("状态", "text", 12),
    Column("验收日期", "date"),
    Column("验收人", "text", 10),
    Column("验收意见", "text", 30),
]


def _project_rows(rows: Any) -> Iterator[list[Any]]:
    for p in rows:
        accepted_by = p.accepted_by.first_name or p.accepted_by.username if p.accepted_by else ""
        yield [
            str(p.pk),
            p.home.name,
            p.home.township.name if p.home.township else "县级",
            p.name,
            p.get_kind_display(),
            p.budget,
            p.spent,
            p.planned_start,
            p.planned_end,
            p.actual_start,
            p.actual_end,
            p.progress,
            p.get_status_display(),
            p.accepted_on,
            accepted_by,
            p.acceptance_note,
        ]


def register_exports() -> None:
    """Register this area's exports with ``core.export_centre.register``."""
    export_centre.register(
        "eldercare_inspections",
        lambda user, params: "敬老院安全检查",
        lambda user, params: INSPECTION_COLUMNS,
        lambda user, params: _inspection_rows(_inspections(user, params).iterator(chunk_size=2000)),
        lambda user, params: _inspections(user, params).count(),
        lambda user, params: False,
        check=lambda user, params: _inspections(user, params) and None,
    )
    export_centre.register(
        "eldercare_hazards",
        lambda user, params: "敬老院安全隐患" + ("（县民政局处理清单）" if params.get("reported") == "1" else ""),
        lambda user, params: HAZARD_COLUMNS,
        lambda user, params: _hazard_rows(_hazards(user, params).iterator(chunk_size=2000)),
        lambda user, params: _hazards(user, params).count(),
        lambda user, params: False,
    )
    export_centre.register(
        "eldercare_renovations",
        lambda user, params: "敬老院改造维修项目",
        lambda user, params: PROJECT_COLUMNS,
        lambda user, params: _project_rows(_projects(user, params).iterator(chunk_size=2000)),
        lambda user, params: _projects(user, params).count(),
        lambda user, params: False,
    )
