"""childcare exports: children — the left-behind children's ledger, the cases of orphans and de-facto unsupported
children, the 困境儿童 list and the alerts, each with its page's filters, within the user's scope; ID numbers as
text, masked for users without full-identity access; all sensitive (the user gives a reason; each download is
logged per child, ``cases.services.log_sensitive_access``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.utils import timezone

from cases.models import Member
from core import export_centre, masking
from core.exports import Column
from core.views import id_param

CHILD_COLUMNS = (
    Column("姓名", "text", 10),
    Column("身份证号", "id", 21),
    Column("乡镇（街道）", "text", 12),
    Column("户编号", "id", 18),
    Column("父亲情况", "text", 14),
    Column("母亲情况", "text", 14),
    Column("监护人", "text", 10),
    Column("监护人关系", "text", 10),
    Column("监护人年龄", "int", 8),
    Column("监护能力", "text", 10),
    Column("受委托监护人", "text", 8),
    Column("就读学校", "text", 20),
    Column("帮扶责任人", "text", 10),
    Column("帮扶责任人职务", "text", 12),
    Column("帮扶责任人电话", "id", 14),
    Column("纳入台账日期", "date", 12),
    Column("上次探访", "date", 12),
    Column("下次探访期限", "date", 12),
    Column("探访逾期", "text", 8),
    Column("状态", "text", 8),
)
CASE_COLUMNS = (
    Column("姓名", "text", 10),
    Column("身份证号", "id", 21),
    Column("乡镇（街道）", "text", 12),
    Column("类别", "text", 14),
    Column("父亲情况", "text", 14),
    Column("母亲情况", "text", 14),
    Column("养育方式", "text", 10),
    Column("基本生活费", "text", 10),
    Column("月金额（元）", "money", 12),
    Column("民政惠民济困保", "text", 10),
    Column("保单号", "id", 20),
    Column("承保机构", "text", 14),
    Column("保险起期", "date", 12),
    Column("保险止期", "date", 12),
    Column("建档日期", "date", 12),
    Column("下次年度复核", "date", 12),
    Column("状态", "text", 8),
)
DIFFICULTY_COLUMNS = (
    Column("姓名", "text", 10),
    Column("身份证号", "id", 21),
    Column("户编号", "id", 18),
    Column("乡镇（街道）", "text", 12),
    Column("困境类别", "text", 30),
    Column("享受救助", "text", 30),
    Column("关爱档案", "text", 30),
)
ALERT_COLUMNS = (
    Column("类别", "text", 18),
    Column("对象", "text", 36),
    Column("乡镇（街道）", "text", 12),
    Column("发现时间", "text", 18),
    Column("发现月份", "text", 12),
    Column("解除时间", "text", 18),
)


def _full(user: Any) -> bool:
    from cases.permissions import can_see_full_identity

    return can_see_full_identity(user)


def _township(params: Mapping[str, str]) -> int | None:
    return id_param(params.get("township"))


def _log(user: Any, members: Any, title: str) -> None:
    from cases.services import log_sensitive_access

    log_sensitive_access(actor=user, members=members, action="export", what=f"{title}导出")


# 留守儿童台账 -----------------------------------------------------------------------------------------------------


def children(user: Any, params: Mapping[str, str]) -> Any:
    from childcare.models import LeftBehindChild
    from childcare.models.children import Capacity
    from childcare.selectors import children as selectors

    status = params.get("status", "")
    capacity = params.get("capacity", "")
    return selectors.children_list(
        user,
        timezone.localdate(),
        status=status if status in LeftBehindChild.Status.values else "",
        overdue_only=params.get("overdue") == "1",
        query=(params.get("q") or "")[:40],
        township=_township(params),
        capacity=capacity if capacity in Capacity.values else "",
    )


def _child_rows(user: Any, params: Mapping[str, str]) -> Iterator[tuple[Any, ...]]:
    from core.masking import mask_phone

    full = _full(user)
    for c in children(user, params).iterator(chunk_size=2000):
        yield (
            c.member.name,
            masking.id_as_seen(c.member.id_number, full),
            c.township.name,
            c.member.household.number,
            c.get_father_situation_display() + (f"（{c.father_place}）" if c.father_place else ""),
            c.get_mother_situation_display() + (f"（{c.mother_place}）" if c.mother_place else ""),
            c.guardian_name,
            c.guardian_relation,
            c.guardian_age,
            c.get_guardian_capacity_display(),
            "是" if c.entrusted else "否",
            c.school,
            c.responsible_name,
            c.responsible_post,
            c.responsible_phone if full else mask_phone(c.responsible_phone),
            c.start,
            c.last_visit,
            c.visit_due,
            "是" if c.overdue else "",
            c.get_status_display(),
        )


# 孤儿和事实无人抚养儿童 -------------------------------------------------------------------------------------------


def cases(user: Any, params: Mapping[str, str]) -> Any:
    from childcare.models import ChildCase
    from childcare.selectors import children as selectors

    status = params.get("status", "")
    category = params.get("category", "")
    return selectors.case_list(
        user,
        timezone.localdate(),
        status=status if status in ChildCase.Status.values else "",
        category=category if category in ChildCase.Category.values else "",
        query=(params.get("q") or "")[:40],
        township=_township(params),
        review_overdue=params.get("overdue") == "1",
    )


def _case_rows(user: Any, params: Mapping[str, str]) -> Iterator[tuple[Any, ...]]:
    full = _full(user)
    for c in cases(user, params).iterator(chunk_size=2000):
        yield (
            c.member.name,
            masking.id_as_seen(c.member.id_number, full),
            c.township.name,
            c.get_category_display(),
            c.get_father_basis_display(),
            c.get_mother_basis_display(),
            c.get_placement_display(),
            c.enrollment.get_status_display() if c.enrollment else "未纳入",
            c.enrollment.monthly_amount if c.enrollment else None,
            "在保" if c.insured_now else "未在保险期内",
            c.insurance_policy,
            c.insurer,
            c.insurance_from,
            c.insurance_to,
            c.opened_on,
            c.review_due,
            c.get_status_display(),
        )


# 困境儿童 ---------------------------------------------------------------------------------------------------------


def difficulty(user: Any, params: Mapping[str, str]) -> Any:
    from childcare.selectors import children as selectors

    kind = params.get("kind", "")
    return selectors.difficulty_children(
        user,
        timezone.localdate(),
        kind=kind if kind in selectors.DIFFICULTY_KINDS else "",
        query=(params.get("q") or "")[:40],
        township=_township(params),
    )


def _difficulty_rows(user: Any, params: Mapping[str, str]) -> Iterator[tuple[Any, ...]]:
    from childcare.selectors import children as selectors

    full = _full(user)
    today = timezone.localdate()
    rows = difficulty(user, params)
    for start in range(0, rows.count(), 1000):
        chunk = list(rows[start : start + 1000])
        support = selectors.support_of(chunk, today)
        for m in chunk:
            yield (
                m.name,
                masking.id_as_seen(m.id_number, full),
                m.household.number,
                m.household.township.name,
                "、".join(selectors.difficulty_labels(m)),
                "、".join(support[m.pk].enrollments),
                "、".join(support[m.pk].cases),
            )


# 提醒 -------------------------------------------------------------------------------------------------------------


def alerts(user: Any, params: Mapping[str, str]) -> Any:
    from childcare.models import ChildAlert
    from childcare.selectors import children as selectors

    kind = params.get("kind", "")
    return selectors.alert_list(
        user,
        is_open=params.get("tab") != "closed",
        kind=kind if kind in ChildAlert.Kind.values else "",
        township=_township(params),
        query=(params.get("q") or "")[:40],
    )


def _alert_rows(user: Any, params: Mapping[str, str]) -> Iterator[tuple[Any, ...]]:
    for a in alerts(user, params).iterator(chunk_size=2000):
        yield (
            a.get_kind_display(),
            a.subject,
            a.township.name,
            timezone.localtime(a.opened_at).strftime("%Y-%m-%d %H:%M"),
            f"{a.month:%Y-%m}",
            timezone.localtime(a.closed_at).strftime("%Y-%m-%d %H:%M") if a.closed_at else "",
        )


def _alert_members(user: Any, params: Mapping[str, str]) -> Any:
    from childcare.models import ChildCase, LeftBehindChild
    from core.alerts import object_type_of

    rows = alerts(user, params)
    child_ids = rows.filter(object_type=object_type_of(LeftBehindChild)).values("object_id")
    case_ids = rows.filter(object_type=object_type_of(ChildCase)).values("object_id")
    return Member.objects.filter(
        pk__in=LeftBehindChild.objects.filter(pk__in=child_ids)
        .values("member_id")
        .union(ChildCase.objects.filter(pk__in=case_ids).values("member_id"))
    )


def register_exports() -> None:
    """Register this area's exports with ``core.export_centre.register``."""
    from cases.models import Member as M

    export_centre.register(
        "childcare_children",
        lambda user, params: "留守儿童台账",
        lambda user, params: CHILD_COLUMNS,
        _child_rows,
        lambda user, params: children(user, params).count(),
        lambda user, params: True,
        on_download=lambda user, params, title: _log(
            user, M.objects.filter(pk__in=children(user, params).values("member_id")).iterator(), title
        ),
    )
    export_centre.register(
        "childcare_cases",
        lambda user, params: "孤儿和事实无人抚养儿童档案",
        lambda user, params: CASE_COLUMNS,
        _case_rows,
        lambda user, params: cases(user, params).count(),
        lambda user, params: True,
        on_download=lambda user, params, title: _log(
            user, M.objects.filter(pk__in=cases(user, params).values("member_id")).iterator(), title
        ),
    )
    export_centre.register(
        "childcare_difficulty",
        lambda user, params: "困境儿童名单",
        lambda user, params: DIFFICULTY_COLUMNS,
        _difficulty_rows,
        lambda user, params: difficulty(user, params).count(),
        lambda user, params: True,
        on_download=lambda user, params, title: _log(
            user, M.objects.filter(pk__in=difficulty(user, params).values("pk")).iterator(), title
        ),
    )
    export_centre.register(
        "childcare_alerts",
        lambda user, params: "儿童关爱提醒",
        lambda user, params: ALERT_COLUMNS,
        _alert_rows,
        lambda user, params: alerts(user, params).count(),
        lambda user, params: True,
        on_download=lambda user, params, title: _log(user, _alert_members(user, params).iterator(), title),
    )
