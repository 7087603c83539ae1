"""Excel exports of the monthly ledgers: Chinese headers, frozen header row, column widths, number formats; ID
numbers written as text and masked for users not allowed to see them (``core.exports``: XlsxWriter, constant
memory, formula-safe)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from assistance.models import LedgerEntry
from core import export_centre, exports, masking
from core.exports import Column

COLUMNS = (
    Column("类别", "text", 18),
    Column("村（社区）", "text", 14),
    Column("户编号", "id", 18),
    Column("对象", "text", 10),
    Column("身份证号", "id", 21),
    Column("现月金额（元）", "money", 14),
    Column("测算月金额（元）", "money", 16),
    Column("依据", "text", 60),
    Column("状态", "text", 8),
    Column("责任人", "text", 10),
    Column("处理情况", "text", 30),
)


def _rows(entries: Iterable[LedgerEntry], full_identity: bool) -> Iterator[tuple[Any, ...]]:
    for entry in entries:
        person = entry.member
        number = person.id_number if person else ""
        yield (
            entry.get_category_display(),
            entry.household.village.name,
            entry.household.number,
            person.name if person else "全户",
            masking.id_as_seen(number, full_identity),
            entry.current_amount,
            entry.new_amount,
            "；".join(entry.details.get("reasons", [])),
            entry.get_status_display(),
            entry.owner.first_name if entry.owner else "",
            entry.handled_note,
        )


def ledger_workbook(*, title: str, entries: Iterable[LedgerEntry], full_identity: bool) -> bytes:
    return exports.xlsx(
        lambda book: exports.write_sheet(book, title, COLUMNS, _rows(entries, full_identity), autofilter=True)
    )


# The export centre ---------------------------------------------------------------------------------------------


def _ledger_scope(user: Any, params: Mapping[str, str]) -> tuple[Any, date, str]:
    from assistance import ledgers, selectors
    from core.views import id_param, month_param

    township_pk = id_param(params.get("township"))
    if township_pk is None:
        raise Http404("未找到乡镇")
    township = selectors.township_or_404(user, township_pk)
    first = month_param(params.get("month"))
    kind = params.get("ledger") or "screening"
    if kind not in ledgers.LEDGERS:
        raise Http404("未知的台账")
    return township, first, kind


def _ledger_entries(user: Any, params: Mapping[str, str]) -> QuerySet[LedgerEntry]:
    from assistance import ledgers

    township, first, kind = _ledger_scope(user, params)
    return ledgers.entries(user, township.pk, first, kind).select_related("household__village")


def _ledger_title(user: Any, params: Mapping[str, str]) -> str:
    from assistance import ledgers

    township, first, kind = _ledger_scope(user, params)
    return f"{township.name}{first:%Y年%m月}{ledgers.LEDGERS[kind][0]}"


def _ledger_filename(user: Any, params: Mapping[str, str]) -> str:
    township, first, kind = _ledger_scope(user, params)
    return f"{township.code}-{first:%Y%m}-{kind}.xlsx"


def _log_members(entries: QuerySet[Any], user: Any, what: str) -> None:
    from cases.models import Member
    from cases.services import log_sensitive_access

    members = Member.objects.filter(pk__in=entries.exclude(member=None).values("member_id"))
    log_sensitive_access(actor=user, members=members.iterator(), action="export", what=f"{what}导出")


FLAG_COLUMNS = (
    Column("乡镇（街道）", "text", 12),
    Column("问题类别", "text", 26),
    Column("户编号", "id", 18),
    Column("姓名", "text", 10),
    Column("身份证号", "id", 21),
    Column("依据", "text", 60),
    Column("状态", "text", 8),
    Column("发现时间", "datetime", 17),
    Column("责任人", "text", 10),
    Column("处理情况", "text", 30),
)


def _flags(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    """The flags of the comparison page with the same month, township and filters, within the user's scope."""
    from assistance import comparison
    from assistance.models import ComparisonFlag
    from core.views import id_param, month_param

    flags = comparison.flags_for(
        user, month=month_param(params.get("month")), township_id=id_param(params.get("township"))
    )
    if params.get("code") in ComparisonFlag.Code.values:
        flags = flags.filter(code=params["code"])
    if params.get("status") in ComparisonFlag.Status.values:
        flags = flags.filter(status=params["status"])
    return flags


def _flag_rows(flags: Iterable[Any], full_identity: bool) -> Iterator[tuple[Any, ...]]:
    for flag in flags:
        number = flag.id_number or (flag.member.id_number if flag.member else "")
        yield (
            flag.township.name,
            flag.get_code_display(),
            flag.household.number if flag.household else "",
            flag.name or (flag.member.name if flag.member else ""),
            masking.id_as_seen(number, full_identity),
            "；".join(flag.evidence.get("reasons", [])) if isinstance(flag.evidence, dict) else "",
            flag.get_status_display(),
            flag.opened_at,
            flag.owner.first_name if flag.owner else "",
            flag.resolution_note,
        )


def _flags_title(user: Any, params: Mapping[str, str]) -> str:
    from core.views import month_param

    return f"民政–扶贫信息比对{month_param(params.get('month')):%Y年%m月}"


ENROLLMENT_COLUMNS = (
    Column("乡镇（街道）", "text", 12),
    Column("户编号", "id", 18),
    Column("对象", "text", 10),
    Column("身份证号", "id", 21),
    Column("救助项目", "text", 14),
    Column("状态", "text", 8),
    Column("起始月份", "date", 12),
    Column("截止月份", "date", 12),
    Column("月金额（元）", "money", 12),
)


def _enrollments(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    """The roll page's rows with the same search and filters (parsed by the page's form: a value that does not
    parse is left out, as on the page), within the user's scope."""
    from assistance import selectors
    from assistance.forms import EnrollmentFilterForm

    form = EnrollmentFilterForm(params, townships=selectors.townships_by_code(user))
    form.is_valid()
    return selectors.searched_enrollment_roll(user, **form.filters())


def _enrollment_rows(enrollments: Iterable[Any], full_identity: bool) -> Iterator[tuple[Any, ...]]:
    from assistance.models import BenefitKind, Enrollment

    benefits, statuses = dict(BenefitKind.choices), dict(Enrollment.Status.choices)
    for enrollment in enrollments:
        person = enrollment.member
        yield (
            enrollment.township.name,
            enrollment.household.number,
            person.name if person else "全户",
            masking.id_as_seen(person.id_number if person else "", full_identity),
            benefits.get(enrollment.benefit, enrollment.benefit),
            statuses.get(enrollment.status, enrollment.status),
            enrollment.start_month,
            enrollment.end_month,
            enrollment.monthly_amount,
        )


TEMPORARY_COLUMNS = (
    Column("编号", "id", 8),
    Column("救助对象", "text", 10),
    Column("身份证号", "id", 21),
    Column("户编号", "id", 18),
    Column("乡镇（街道）", "text", 12),
    Column("类型", "text", 10),
    Column("事由", "text", 12),
    Column("金额（元）", "money", 12),
    Column("审批层级", "text", 12),
    Column("状态", "text", 8),
    Column("登记日期", "date", 12),
    Column("低保评估期限", "date", 12),
    Column("低保评估完成日期", "date", 14),
)


def _temporary_cases(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    """The 临时救助 page's cases with the same status and overdue filters, within the user's scope."""
    from django.utils import timezone

    from assistance import temporary
    from assistance.models import TemporaryCase

    status = params.get("status") or ""
    if status not in TemporaryCase.Status.values:
        status = ""
    overdue_only = params.get("overdue") == "1"
    return temporary.case_list(user, status or None, overdue_only, today=timezone.localdate())


def _temporary_rows(cases: Iterable[Any], full_identity: bool) -> Iterator[tuple[Any, ...]]:
    from django.utils import timezone

    for case in cases:
        yield (
            str(case.pk),
            case.member.name,
            masking.id_as_seen(case.member.id_number, full_identity),
            case.household.number,
            case.township.name,
            case.get_kind_display(),
            case.get_cause_display(),
            case.amount,
            case.get_level_display(),
            case.get_status_display(),
            timezone.localtime(case.created_at).date(),
            case.followup_due if case.advance else None,
            case.followup_done_on,
        )


def _temporary_title(user: Any, params: Mapping[str, str]) -> str:
    from assistance.models import TemporaryCase

    status = dict(TemporaryCase.Status.choices).get(params.get("status") or "", "")
    overdue = "（低保评估已超期）" if params.get("overdue") == "1" else ""
    return f"临时救助{('（' + status + '）') if status else ''}{overdue}"


def register_exports() -> None:

    from cases.permissions import can_see_full_identity
    from cases.selectors import sensitive_member_q

    export_centre.register(
        "ledger",
        _ledger_title,
        lambda user, params: COLUMNS,
        lambda user, params: _rows(
            _ledger_entries(user, params).iterator(chunk_size=2000), can_see_full_identity(user)
        ),
        lambda user, params: _ledger_entries(user, params).count(),
        lambda user, params: _ledger_entries(user, params).filter(sensitive_member_q("member__")).exists(),
        check=lambda user, params: _ledger_scope(user, params) and None,
        filename=_ledger_filename,
        on_download=lambda user, params, title: _log_members(_ledger_entries(user, params), user, title),
    )
    export_centre.register(
        "comparison",
        _flags_title,
        lambda user, params: FLAG_COLUMNS,
        lambda user, params: _flag_rows(_flags(user, params).iterator(chunk_size=2000), can_see_full_identity(user)),
        lambda user, params: _flags(user, params).count(),
        lambda user, params: _flags(user, params).filter(sensitive_member_q("member__")).exists(),
        on_download=lambda user, params, title: _log_members(_flags(user, params), user, title),
    )
    export_centre.register(
        "enrollments",
        lambda user, params: "救助对象名册",
        lambda user, params: ENROLLMENT_COLUMNS,
        lambda user, params: _enrollment_rows(
            _enrollments(user, params).iterator(chunk_size=2000), can_see_full_identity(user)
        ),
        lambda user, params: _enrollments(user, params).count(),
        lambda user, params: _enrollments(user, params).filter(sensitive_member_q("member__")).exists(),
        on_download=lambda user, params, title: _log_members(_enrollments(user, params), user, title),
    )
    export_centre.register(
        "temporary",
        _temporary_title,
        lambda user, params: TEMPORARY_COLUMNS,
        lambda user, params: _temporary_rows(
            _temporary_cases(user, params).iterator(chunk_size=2000),
            can_see_full_identity(user),
        ),
        lambda user, params: _temporary_cases(user, params).count(),
        lambda user, params: _temporary_cases(user, params).filter(sensitive_member_q("member__")).exists(),
        on_download=lambda user, params, title: _log_members(_temporary_cases(user, params), user, title),
    )
