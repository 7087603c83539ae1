"""The export centre's case exports (``core.export_centre``): the household search results and the application
queue, with the page's filters, within the user's scope (``cases.selectors``); ID numbers masked for users
without full-identity access."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from cases.models import Application, Household, Member
from core import export_centre, masking
from core.exports import Column

HOUSEHOLD_COLUMNS = (
    Column("户编号", "id", 18),
    Column("户主", "text", 10),
    Column("户主身份证号", "id", 21),
    Column("人数", "int", 6),
    Column("乡镇（街道）", "text", 12),
    Column("村（社区）", "text", 14),
    Column("城乡", "text", 6),
    Column("住址", "text", 30),
)

APPLICATION_COLUMNS = (
    Column("申请编号", "id", 18),
    Column("户编号", "id", 18),
    Column("户主", "text", 10),
    Column("户主身份证号", "id", 21),
    Column("乡镇（街道）", "text", 12),
    Column("受理日期", "date", 12),
    Column("状态", "text", 10),
    Column("办理期限", "date", 12),
    Column("是否超期", "text", 8),
)


def _heads(household_field: str = "pk") -> Any:
    """The active head of the row's household (``household_field``: the row's field holding the household's pk)."""
    return Member.objects.filter(
        household=OuterRef(household_field),
        relation=Member.Relation.HEAD,
        active=True,
    ).order_by("id")


def _log_heads(households: QuerySet[Any], user: Any, what: str) -> None:
    from cases.services import log_sensitive_access

    members = Member.objects.filter(household__in=households, relation=Member.Relation.HEAD, active=True)
    log_sensitive_access(actor=user, members=members.iterator(), action="export", what=f"{what}导出")


def _sensitive_heads(households: QuerySet[Any]) -> bool:
    from cases.selectors import sensitive_member_q

    heads = Member.objects.filter(household__in=households, relation=Member.Relation.HEAD, active=True)
    return heads.filter(sensitive_member_q()).exists()


# 家庭查询 -------------------------------------------------------------------------------------------------------


def households(user: Any, params: Mapping[str, str]) -> QuerySet[Household]:
    """The households of the search page with the same query (all of them without one), within the user's scope."""
    from cases import selectors

    query = (params.get("q") or "").strip()
    found = selectors.search_households(user, query) if query else selectors.all_households(user)
    return found.order_by("number", "id")


def _household_rows(user: Any, params: Mapping[str, str], full_identity: bool) -> Iterator[tuple[Any, ...]]:
    from cases import selectors

    rows = selectors.with_heads(households(user, params)).annotate(
        head_id_number=Subquery(_heads().values("id_number")[:1])
    )
    for household in rows.iterator(chunk_size=2000):
        yield (
            household.number,
            household.head_name or "",
            masking.id_as_seen(household.head_id_number, full_identity),
            household.member_count or 0,
            household.township.name,
            household.village.name,
            household.get_area_type_display(),
            household.address,
        )


def _household_title(user: Any, params: Mapping[str, str]) -> str:
    query = (params.get("q") or "").strip()
    return f"家庭查询（{query}）" if query else "家庭查询"


# 申请办理 -------------------------------------------------------------------------------------------------------


def applications(user: Any, params: Mapping[str, str]) -> QuerySet[Application]:
    """The applications of the queue page with the same search, status and overdue filters, within the user's
    scope."""
    from cases import selectors

    return selectors.searched_application_queue(
        user,
        timezone.localdate(),
        query=params.get("q") or "",
        status=params.get("status") or "",
        overdue_only=params.get("overdue") == "1",
    )


def _application_rows(applications_: Iterable[Any], full_identity: bool) -> Iterator[tuple[Any, ...]]:
    statuses = dict(Application.Status.choices)
    for application in applications_:
        yield (
            application.number,
            application.household.number,
            application.head_name or "",
            masking.id_as_seen(application.head_id_number, full_identity),
            application.township.name,
            application.received_on,
            statuses.get(application.status, application.status),
            application.due_date,
            "是" if application.overdue else "",
        )


def _application_title(user: Any, params: Mapping[str, str]) -> str:
    status = dict(Application.Status.choices).get(params.get("status") or "", "")
    overdue = "（已超期）" if params.get("overdue") == "1" else ""
    return f"申请办理{('（' + status + '）') if status else ''}{overdue}"


def _applications_with_heads(user: Any, params: Mapping[str, str]) -> QuerySet[Application]:
    head = _heads("household_id")
    return applications(user, params).annotate(
        head_name=Subquery(head.values("name")[:1]), head_id_number=Subquery(head.values("id_number")[:1])
    )


def _application_households(user: Any, params: Mapping[str, str]) -> QuerySet[Household]:
    return Household.objects.filter(pk__in=applications(user, params).values("household_id"))


# 外部名单 -------------------------------------------------------------------------------------------------------

ROLL_RECORD_COLUMNS = (
    Column("行", "int", 6),
    Column("姓名", "text", 10),
    Column("身份证号", "id", 21),
    Column("身份证号有效", "text", 8),
    Column("身份证号重复", "text", 8),
    Column("乡镇（街道）", "text", 12),
    Column("村（社区）", "text", 14),
    Column("户编号", "id", 18),
    Column("与户主关系", "text", 10),
    Column("名单内容", "text", 40),
    Column("在册成员", "text", 8),
)


def _roll(user: Any, params: Mapping[str, str]) -> Any:
    """The import of the roll page (county users and county auditors only: PermissionDenied; unknown: 404)."""
    from django.http import Http404

    from cases import permissions, selectors
    from core.views import id_param

    permissions.ensure_view_rolls(user)
    pk = id_param(params.get("roll"))
    if pk is None:
        raise Http404("未找到名单")
    return selectors.get_roll_import(pk)


def roll_records(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    """The records of the roll page with the same filter (``show``)."""
    from cases.rolls import selectors as roll_selectors

    show = params.get("show") or "all"
    return roll_selectors.roll_records(_roll(user, params), show if show in roll_selectors.RECORD_FILTERS else "all")


def _roll_record_rows(user: Any, params: Mapping[str, str], full_identity: bool) -> Iterator[tuple[Any, ...]]:
    from cases.rolls.selectors import record_row

    kind = _roll(user, params).kind
    for record in roll_records(user, params).iterator(chunk_size=2000):
        row = record_row(record, kind, full_identity=full_identity)
        yield (
            row.row_number,
            row.name,
            row.id_shown,
            "是" if row.id_valid else "否",
            "是" if row.id_duplicate else "",
            row.township,
            row.village,
            row.household_number,
            row.relation,
            row.details,
            "已匹配" if row.member_id else "未匹配",
        )


def _log_roll_members(user: Any, params: Mapping[str, str], title: str) -> None:
    from cases.services import log_sensitive_access

    matched = roll_records(user, params).exclude(member=None).values("member_id")
    members = Member.objects.filter(pk__in=matched)
    log_sensitive_access(actor=user, members=members.iterator(), action="export", what=f"{title}导出")


def register_exports() -> None:
    from cases.permissions import can_see_full_identity

    export_centre.register(
        "households",
        _household_title,
        lambda user, params: HOUSEHOLD_COLUMNS,
        lambda user, params: _household_rows(user, params, can_see_full_identity(user)),
        lambda user, params: households(user, params).count(),
        lambda user, params: _sensitive_heads(households(user, params)),
        on_download=lambda user, params, title: _log_heads(households(user, params), user, title),
    )
    export_centre.register(
        "applications",
        _application_title,
        lambda user, params: APPLICATION_COLUMNS,
        lambda user, params: _application_rows(
            _applications_with_heads(user, params).iterator(chunk_size=2000), can_see_full_identity(user)
        ),
        lambda user, params: applications(user, params).count(),
        lambda user, params: _sensitive_heads(_application_households(user, params)),
        on_download=lambda user, params, title: _log_heads(_application_households(user, params), user, title),
    )
    export_centre.register(
        "roll_records",
        lambda user, params: f"{_roll(user, params).get_kind_display()}（{_roll(user, params).original_name}）"[:60],
        lambda user, params: ROLL_RECORD_COLUMNS,
        lambda user, params: _roll_record_rows(user, params, can_see_full_identity(user)),
        lambda user, params: roll_records(user, params).count(),
        lambda user, params: False,
        check=lambda user, params: _roll(user, params) and None,
        filename=lambda user, params: f"roll-{_roll(user, params).pk}-{params.get('show') or 'all'}.xlsx",
        on_download=_log_roll_members,
    )
