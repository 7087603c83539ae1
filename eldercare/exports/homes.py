"""eldercare exports: homes — the homes ledger (beds, occupancy, account), the residents, the staff with their
certificates, and the duty roster with the patrols (two sheets). Same filters and scope as the homes list
(``q``, ``township``, ``status``); ID numbers and accounts as text, masked for users without full-identity access;
the residents export holds disabled persons' records when it does: then a reason is asked and the download logged."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from core import export_centre, exports, masking
from core.exports import Column
from core.views import id_param

HOME_COLUMNS = (
    Column("名称", "text", 24),
    Column("类型", "text", 12),
    Column("乡镇（街道）", "text", 12),
    Column("地址", "text", 24),
    Column("状态", "text", 8),
    Column("床位数", "int", 8),
    Column("在院人数", "int", 8),
    Column("在职工作人员", "int", 10),
    Column("联系电话", "id", 14),
    Column("统一社会信用代码", "id", 20),
    Column("开户银行", "text", 16),
    Column("银行账号", "id", 24),
)
RESIDENT_COLUMNS = (
    Column("敬老院", "text", 20),
    Column("乡镇（街道）", "text", 12),
    Column("姓名", "text", 10),
    Column("身份证号", "id", 21),
    Column("家庭编号", "id", 16),
    Column("入住类型", "text", 14),
    Column("入住日期", "date", 12),
    Column("离院日期", "date", 12),
    Column("离院原因", "text", 16),
    Column("备注", "text", 20),
)
STAFF_COLUMNS = (
    Column("敬老院", "text", 20),
    Column("姓名", "text", 10),
    Column("身份证号", "id", 21),
    Column("联系电话", "id", 14),
    Column("岗位", "text", 12),
    Column("用工性质", "text", 10),
    Column("入职日期", "date", 12),
    Column("离职日期", "date", 12),
    Column("证书", "text", 14),
    Column("证书编号", "id", 20),
    Column("发证机关", "text", 16),
    Column("发证日期", "date", 12),
    Column("有效期至", "date", 12),
)
DUTY_COLUMNS = (
    Column("敬老院", "text", 20),
    Column("值班日期", "date", 12),
    Column("值班人员", "text", 10),
    Column("岗位", "text", 12),
    Column("开始时间", "text", 8),
    Column("结束时间", "text", 10),
    Column("备注", "text", 20),
)
PATROL_COLUMNS = (
    Column("敬老院", "text", 20),
    Column("巡查时间", "text", 18),
    Column("巡查人", "text", 10),
    Column("巡查区域", "text", 24),
    Column("发现情况", "text", 30),
)


def _homes(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    from eldercare.selectors import homes

    return homes.home_list(
        user,
        query=(params.get("q") or "")[:64],
        township=id_param(params.get("township")),
        status=params.get("status") if params.get("status") in ("open", "renovating", "closed") else "",
    )


def _home_ids(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    return _homes(user, params).order_by().values("pk")


def _home_rows(rows: Iterable[Any], full: bool) -> Iterator[tuple[Any, ...]]:
    for home in rows:
        yield (
            home.name,
            home.get_kind_display(),
            home.township.name if home.township else "县级",
            home.address,
            home.get_status_display(),
            home.beds,
            home.occupancy,
            home.staff_count,
            home.phone,
            home.credit_code,
            home.bank_name,
            masking.account_as_seen(home.bank_account, full),
        )


def _residences(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    from eldercare.selectors import homes

    return homes.residences(user).filter(home__in=_home_ids(user, params)).order_by("home__name", "-start", "pk")


def _residence_rows(rows: Iterable[Any], full: bool) -> Iterator[tuple[Any, ...]]:
    for r in rows:
        yield (
            r.home.name,
            r.home.township.name if r.home.township else "县级",
            r.member.name,
            masking.id_as_seen(r.member.id_number, full),
            r.member.household.number,
            r.get_kind_display(),
            r.start,
            r.end,
            r.end_reason,
            r.note,
        )


def _staff(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    from eldercare.selectors import homes

    return (
        homes.staff(user)
        .filter(home__in=_home_ids(user, params))
        .prefetch_related("certificates")
        .order_by("home__name", "position", "name", "pk")
    )


def _staff_rows(rows: Iterable[Any], full: bool) -> Iterator[tuple[Any, ...]]:
    for person in rows:
        head = (
            person.home.name,
            person.name,
            masking.id_as_seen(person.id_number, full),
            person.phone,
            person.get_position_display(),
            person.get_employment_display(),
            person.hired_on,
            person.left_on,
        )
        certificates = list(person.certificates.all())
        if not certificates:
            yield (*head, "无", "", "", None, None)
        for c in certificates:
            yield (*head, c.title or c.get_kind_display(), c.number, c.issuer, c.issued_on, c.expires_on)


def _shifts(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    from eldercare.selectors import homes

    return homes.shifts(user).filter(home__in=_home_ids(user, params)).order_by("home__name", "-day", "start", "pk")


def _shift_rows(rows: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    for s in rows:
        end = f"{'次日' if s.overnight else ''}{s.end:%H:%M}"
        yield (s.home.name, s.day, s.staff.name, s.staff.get_position_display(), f"{s.start:%H:%M}", end, s.note)


def _patrol_rows(user: Any, params: Mapping[str, str]) -> Iterator[tuple[Any, ...]]:
    from eldercare.selectors import homes

    rows = homes.patrols(user).filter(home__in=_home_ids(user, params)).order_by("home__name", "-at", "pk")
    for p in rows.iterator(chunk_size=2000):
        at = timezone.localtime(p.at)
        yield (p.home.name, f"{at:%Y-%m-%d %H:%M}", p.staff.name, p.areas, p.findings)


def _log(members: QuerySet[Any], user: Any, what: str) -> None:
    from cases.services import log_sensitive_access

    log_sensitive_access(actor=user, members=members.iterator(), action="export", what=f"{what}导出", everyone=True)


def register_exports() -> None:
    """Register this area's exports with ``core.export_centre.register``."""
    from cases.models import Member
    from cases.permissions import can_see_full_identity

    export_centre.register(
        "eldercare_homes",
        lambda user, params: "敬老院台账",
        lambda user, params: HOME_COLUMNS,
        lambda user, params: _home_rows(_homes(user, params).iterator(chunk_size=2000), can_see_full_identity(user)),
        lambda user, params: _homes(user, params).count(),
        lambda user, params: False,
    )
    export_centre.register(
        "eldercare_residents",
        lambda user, params: "敬老院入住人员",
        lambda user, params: RESIDENT_COLUMNS,
        lambda user, params: _residence_rows(
            _residences(user, params).iterator(chunk_size=2000), can_see_full_identity(user)
        ),
        lambda user, params: _residences(user, params).count(),
        lambda user, params: True,  # residents' records are sensitive as a whole: a reason, and every one logged
        on_download=lambda user, params, what: _log(
            Member.objects.filter(pk__in=_residences(user, params).order_by().values("member_id")), user, what
        ),
    )
    export_centre.register(
        "eldercare_staff",
        lambda user, params: "敬老院工作人员与证书",
        lambda user, params: STAFF_COLUMNS,
        lambda user, params: _staff_rows(_staff(user, params).iterator(chunk_size=500), can_see_full_identity(user)),
        lambda user, params: _staff(user, params).count(),
        lambda user, params: False,
    )

    def patrol_sheet(book: Any, user: Any, params: Mapping[str, str]) -> None:
        exports.write_sheet(book, "巡查记录", PATROL_COLUMNS, _patrol_rows(user, params))

    export_centre.register(
        "eldercare_duty",
        lambda user, params: "敬老院值班表与巡查记录",
        lambda user, params: DUTY_COLUMNS,
        lambda user, params: _shift_rows(_shifts(user, params).iterator(chunk_size=2000)),
        lambda user, params: _shifts(user, params).count(),
        lambda user, params: False,
        sheet="值班表",
        more_sheets=patrol_sheet,
    )
