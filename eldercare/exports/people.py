"""eldercare exports: people — the left-behind elderly ledger (with last visit and due date) and its visits, the
失能 特困 willingness list and caregiver visits, care facilities, construction tasks and the app's alerts. Same
filters and scope as the pages; ID numbers as text, masked for users without full-identity access; an export
with children's or disabled persons' records asks for a reason and is logged."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from core import export_centre, masking
from core.exports import Column
from core.views import id_param

ELDER_COLUMNS = (
    Column("姓名", "text", 10),
    Column("身份证号", "id", 21),
    Column("乡镇（街道）", "text", 12),
    Column("村（社区）", "text", 12),
    Column("来源", "text", 12),
    Column("纳入台账日期", "date", 12),
    Column("居住情况", "text", 8),
    Column("外出子女", "text", 16),
    Column("子女外出地点", "text", 16),
    Column("健康状况", "text", 16),
    Column("需求", "text", 24),
    Column("紧急联系人", "text", 10),
    Column("紧急联系人电话", "id", 14),
    Column("探访责任人", "text", 10),
    Column("优先探访", "text", 16),
    Column("最近探访", "date", 12),
    Column("应探访日期", "date", 12),
    Column("是否逾期", "text", 8),
    Column("状态", "text", 8),
)
VISIT_COLUMNS = (
    Column("姓名", "text", 10),
    Column("身份证号", "id", 21),
    Column("乡镇（街道）", "text", 12),
    Column("探访日期", "date", 12),
    Column("探访人", "text", 10),
    Column("方式", "text", 6),
    Column("探访情况", "text", 30),
    Column("需求", "text", 24),
    Column("后续措施", "text", 24),
)
WILLINGNESS_COLUMNS = (
    Column("姓名", "text", 10),
    Column("身份证号", "id", 21),
    Column("乡镇（街道）", "text", 12),
    Column("村（社区）", "text", 12),
    Column("不能达到的自理指标（项）", "int", 10),
    Column("供养方式", "text", 10),
    Column("现住敬老院", "text", 8),
    Column("最近意愿", "text", 8),
    Column("询问日期", "date", 12),
    Column("集中托养试点乡镇", "text", 10),
)
CAREGIVER_COLUMNS = VISIT_COLUMNS
FACILITY_COLUMNS = (
    Column("编号", "id", 8),
    Column("名称", "text", 24),
    Column("类型", "text", 22),
    Column("乡镇（街道）", "text", 12),
    Column("村（社区）", "text", 12),
    Column("用地面积（平方米）", "money", 14),
    Column("建筑面积（平方米）", "money", 14),
    Column("投用日期", "date", 12),
    Column("服务内容", "text", 30),
    Column("状态", "text", 8),
)
TASK_COLUMNS = (
    Column("年度", "int", 8),
    Column("乡镇（街道）", "text", 12),
    Column("设施类型", "text", 22),
    Column("村（社区）", "text", 12),
    Column("计划完成日期", "date", 12),
    Column("完成日期", "date", 12),
    Column("说明", "text", 30),
)
ALERT_COLUMNS = (
    Column("类别", "text", 18),
    Column("对象", "text", 36),
    Column("乡镇（街道）", "text", 12),
    Column("依据", "text", 40),
    Column("发现时间", "datetime", 17),
    Column("解除时间", "datetime", 17),
)


def _township(params: Mapping[str, str]) -> int | None:
    return id_param(params.get("township"))


def _elders(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    from eldercare.models import LeftBehindElder
    from eldercare.selectors import people

    living = params.get("living") or ""
    return people.elders(
        user,
        today=timezone.localdate(),
        query=(params.get("q") or "")[:40],
        township=_township(params),
        overdue=params.get("overdue") == "1",
        ended=params.get("ended") == "1",
        living=living if living in LeftBehindElder.Living.values else "",
    )


def _priority(elder: Any) -> str:
    flags = [("over_80", "高龄"), ("alone", "独居"), ("disabled", "残疾"), ("poor", "低保/特困")]
    return "、".join(label for attr, label in flags if getattr(elder, attr))


def _elder_rows(rows: Iterable[Any], full: bool) -> Iterator[tuple[Any, ...]]:
    for e in rows:
        yield (
            e.member.name,
            masking.id_as_seen(e.member.id_number, full),
            e.township.name,
            e.member.household.village.name,
            e.get_source_display(),
            e.entered_on,
            e.get_living_display(),
            e.children_away,
            e.children_where,
            e.health,
            e.needs,
            e.emergency_name,
            e.emergency_phone,
            e.visitor_display,
            _priority(e),
            e.last_visit,
            e.due if e.active else None,
            "逾期" if e.overdue else "",
            "在台账" if e.active else "已移出",
        )


def _visits(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    from eldercare.selectors import people

    return people.visits(user, township=_township(params)).select_related("elder__member")


def _visit_rows(rows: Iterable[Any], full: bool, member: str = "elder.member") -> Iterator[tuple[Any, ...]]:
    for v in rows:
        person = v.elder.member if member == "elder.member" else v.member
        township = v.elder.township if member == "elder.member" else v.township
        yield (
            person.name,
            masking.id_as_seen(person.id_number, full),
            township.name,
            v.visited_on,
            v.visitor,
            v.get_way_display(),
            v.findings,
            v.needs,
            v.follow_up,
        )


def _willingness(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    from eldercare.selectors import people

    return people.disabled_tekun(
        user, today=timezone.localdate(), township=_township(params), query=(params.get("q") or "")[:40]
    )


def _willingness_rows(rows: Iterable[Any], full: bool) -> Iterator[tuple[Any, ...]]:
    from eldercare.selectors import people

    pilots = people.pilot_townships()
    for e in rows:
        yield (
            e.member.name,
            masking.id_as_seen(e.member.id_number, full),
            e.township.name,
            e.household.village.name,
            e.member.self_care_lost,
            e.get_support_mode_display(),
            "是" if e.in_home else "否",
            "" if e.asked_on is None else ("愿意" if e.willing else "不愿意"),
            e.asked_on,
            "是" if e.township_id in pilots else "",
        )


def _caregiver_visits(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    from eldercare.selectors import people

    return people.caregiver_visits(user, township=_township(params))


def _facilities(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    from eldercare.models import CareFacility
    from eldercare.selectors import people

    kind = params.get("kind") or ""
    return people.facilities(
        user,
        township=_township(params),
        kind=kind if kind in CareFacility.Kind.values else "",
        query=(params.get("q") or "")[:40],
    )


def _facility_rows(rows: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    for f in rows:
        yield (
            str(f.pk),
            f.name,
            f.get_kind_display(),
            f.township.name,
            f.village.name if f.village else "",
            f.land_area,
            f.floor_area,
            f.opened_on,
            f.services,
            f.get_status_display(),
        )


def _tasks(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    from eldercare.selectors import people

    year = id_param(params.get("year"))
    return people.tasks(
        user,
        township=_township(params),
        year=year if year is not None and 2000 <= year <= 2100 else None,
        open_only=params.get("open") == "1",
    )


def _task_rows(rows: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    for t in rows:
        yield (
            t.year,
            t.township.name,
            t.get_kind_display(),
            t.village.name if t.village else "",
            t.planned_on,
            t.completed_on,
            t.note,
        )


def _alerts(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    from eldercare.models import ElderAlert
    from eldercare.selectors import people

    kind = params.get("kind") or ""
    return people.alerts(
        user,
        closed=params.get("closed") == "1",
        kind=kind if kind in ElderAlert.Kind.values else "",
        township=_township(params),
    )


def _alert_rows(rows: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    from eldercare.selectors import people

    for a in rows:
        yield (
            a.get_kind_display(),
            a.subject,
            a.township.name,
            people.evidence_text(a.evidence),
            a.opened_at,
            a.closed_at,
        )


def _log(members: QuerySet[Any], user: Any, what: str) -> None:
    from cases.services import log_sensitive_access

    log_sensitive_access(actor=user, members=members.iterator(), action="export", what=f"{what}导出")


def _members_of(rows: QuerySet[Any], path: str) -> QuerySet[Any]:
    from cases.models import Member

    return Member.objects.filter(pk__in=rows.order_by().values(path))


def register_exports() -> None:
    """Register this area's exports with ``core.export_centre.register``."""
    from cases.permissions import can_see_full_identity
    from cases.selectors import sensitive_member_q

    def member_kind(kind: str, title: str, columns: Any, rows_of: Any, make_rows: Any, path: str) -> None:
        export_centre.register(
            kind,
            lambda user, params: title,
            lambda user, params: columns,
            lambda user, params: make_rows(
                rows_of(user, params).iterator(chunk_size=2000), can_see_full_identity(user)
            ),
            lambda user, params: rows_of(user, params).count(),
            lambda user, params: rows_of(user, params).filter(sensitive_member_q(f"{path}__")).exists(),
            on_download=lambda user, params, what: _log(_members_of(rows_of(user, params), path), user, what),
        )

    member_kind("eldercare_elders", "农村留守老年人台账", ELDER_COLUMNS, _elders, _elder_rows, "member")
    member_kind("eldercare_elder_visits", "留守老年人探访记录", VISIT_COLUMNS, _visits, _visit_rows, "elder__member")
    member_kind(
        "eldercare_willingness",
        "失能特困人员集中供养意愿",
        WILLINGNESS_COLUMNS,
        _willingness,
        _willingness_rows,
        "member",
    )
    member_kind(
        "eldercare_caregiver_visits",
        "分散供养特困人员照料探访",
        CAREGIVER_COLUMNS,
        _caregiver_visits,
        lambda rows, full: _visit_rows(rows, full, member="member"),
        "member",
    )
    export_centre.register(
        "eldercare_facilities",
        lambda user, params: "养老服务设施",
        lambda user, params: FACILITY_COLUMNS,
        lambda user, params: _facility_rows(_facilities(user, params).iterator(chunk_size=2000)),
        lambda user, params: _facilities(user, params).count(),
        lambda user, params: False,
    )
    export_centre.register(
        "eldercare_tasks",
        lambda user, params: "养老服务设施建设任务",
        lambda user, params: TASK_COLUMNS,
        lambda user, params: _task_rows(_tasks(user, params).iterator(chunk_size=2000)),
        lambda user, params: _tasks(user, params).count(),
        lambda user, params: False,
    )
    export_centre.register(
        "eldercare_alerts",
        lambda user, params: "养老服务提醒（已解除）" if params.get("closed") == "1" else "养老服务提醒",
        lambda user, params: ALERT_COLUMNS,
        lambda user, params: _alert_rows(_alerts(user, params).iterator(chunk_size=2000)),
        lambda user, params: _alerts(user, params).count(),
        lambda user, params: False,
    )
