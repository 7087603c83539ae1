"""Excel exports of payrolls: Chinese headers, frozen header row, column widths, number formats, a totals row;
ID numbers and accounts written as text and masked for users not allowed to see them (``core.exports``:
XlsxWriter, constant memory, formula-safe). The bank file itself is in ``payments.bankfiles``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from core import export_centre, exports, masking
from core.exports import Column
from payments.models import PaymentLine, Payroll
from payments.selectors import Overview

LINE_COLUMNS = (
    Column("流水号", "id", 10),
    Column("类型", "text", 10),
    Column("户编号", "id", 18),
    Column("对象", "text", 10),
    Column("对象身份证号", "id", 21),
    Column("领取人类别", "text", 10),
    Column("收款人", "text", 14),
    Column("收款人身份证号", "id", 21),
    Column("开户银行", "text", 18),
    Column("银行账号", "id", 24),
    Column("金额（元）", "money", 12),
    Column("发放结果", "text", 10),
    Column("失败原因", "text", 24),
    Column("不能发放的原因", "text", 28),
)
AMOUNT = 10


def _line_rows(lines: Iterable[PaymentLine], full_identity: bool) -> Iterator[tuple[Any, ...]]:
    # Labels from plain dicts: get_FOO_display() costs more than writing the cell, at 100,000 rows.
    kinds = dict(PaymentLine.Kind.choices)
    payee_kinds = dict(PaymentLine._meta.get_field("payee_kind").choices or [])
    statuses = dict(PaymentLine.Status.choices)
    id_as_seen, account_as_seen = masking.id_as_seen, masking.account_as_seen
    for line in lines:
        payee_id = line.payee_id_number  # an institution's credit code is not a person's ID: never masked
        if line.payee_kind != "institution":
            payee_id = id_as_seen(payee_id, full_identity)
        yield (
            str(line.pk),
            kinds.get(line.kind, line.kind),
            line.household.number,
            line.name,
            id_as_seen(line.id_number, full_identity),
            payee_kinds.get(line.payee_kind, line.payee_kind),
            line.payee_name,
            payee_id,
            line.bank_name,
            account_as_seen(line.bank_account, full_identity),
            line.amount,
            statuses.get(line.status, line.status),
            line.failure_reason or None,
            line.problem or None,
        )


def payroll_workbook(*, payroll: Payroll, lines: Iterable[PaymentLine], full_identity: bool) -> bytes:
    """Sheet 发放明细 (one row per line, a totals row at the end) and sheet 汇总 (the payroll's figures; the
    disbursement time in local time)."""

    def write(book: exports.Book) -> None:
        exports.write_sheet(
            book,
            "发放明细",
            LINE_COLUMNS,
            _line_rows(lines, full_identity),
            totals=exports.sum_totals("合计", counted=3),
            autofilter=True,
        )
        exports.write_pairs(book, "汇总", summary_pairs(payroll))

    return exports.xlsx(write)


def summary_pairs(payroll: Payroll) -> list[tuple[str, Any]]:
    """The payroll's figures (sheet 汇总; the disbursement time in local time)."""
    return [
        ("乡镇", payroll.township.name),
        ("救助项目", payroll.get_benefit_display()),
        ("所属月份", f"{payroll.month:%Y-%m}"),
        ("批次", payroll.batch),
        ("状态", payroll.get_status_display()),
        ("明细条数", payroll.line_count),
        ("合计金额（元）", payroll.total_amount),
        ("已到账条数", payroll.paid_count),
        ("已到账金额（元）", payroll.paid_amount),
        ("失败条数", payroll.failed_count),
        ("失败金额（元）", payroll.failed_amount),
        ("提交人", _person(payroll.submitted_by)),
        ("审批人", _person(payroll.approved_by)),
        ("发放时间", payroll.disbursed_at),  # written in local time (Asia/Shanghai)
    ]


def _person(user: object) -> str:
    if user is None:
        return ""
    return user.first_name or user.username  # type: ignore[attr-defined]


def month_columns(overview: Overview) -> list[Column]:
    columns = [Column("乡镇（街道）", "text", 14)]
    for _, label in overview.benefits:
        columns += [Column(f"{label}（元）", "money", 16), Column(f"{label}（笔）", "int", 16)]
    columns += [Column("合计（元）", "money", 16), Column("合计（笔）", "int", 16)]
    return columns


def month_rows(overview: Overview) -> Iterator[list[Any]]:
    return (
        [
            item.township.name,
            *(value for cell in item.cells for value in (cell.amount, cell.count)),
            item.amount,
            item.count,
        ]
        for item in overview.rows
    )


def month_totals(overview: Overview) -> list[Any]:
    return [
        "合计",
        *(value for count, amount in overview.totals for value in (amount, count)),
        overview.amount,
        overview.count,
    ]


def month_workbook(overview: Overview) -> bytes:
    """The month's payrolls: one row per township, amount and count per benefit, totals row and column."""

    def write(book: exports.Book) -> None:
        exports.write_sheet(
            book,
            f"{overview.month:%Y年%m月}发放汇总",
            month_columns(overview),
            month_rows(overview),
            totals=month_totals(overview),
            freeze_columns=1,
        )

    return exports.xlsx(write)


# The export centre ---------------------------------------------------------------------------------------------


def _payroll(user: Any, params: Mapping[str, str]) -> Payroll:
    from core.views import id_param
    from payments import permissions, selectors

    pk = id_param(params.get("payroll"))
    if pk is None:
        raise Http404("未找到工资册")
    payroll = selectors.get_payroll(user, pk)
    permissions.ensure_export_payroll(user, payroll)
    return payroll


def _payroll_lines(user: Any, params: Mapping[str, str]) -> QuerySet[PaymentLine]:
    from payments import selectors

    return selectors.lines(user, _payroll(user, params))


def _overview(user: Any, params: Mapping[str, str]) -> Overview:
    from core.views import month_param
    from payments import permissions, selectors

    month = month_param(params.get("month"))
    permissions.ensure_export_payroll(user)
    return selectors.month_overview(user, month)


def _log_payroll(user: Any, params: Mapping[str, str], title: str) -> None:
    from cases.services import log_sensitive_access
    from payments import selectors

    members = selectors.payroll_members(_payroll(user, params))
    log_sensitive_access(actor=user, members=members.iterator(), action="export", what=f"{title}导出")


# 多发待追回 and 按月按时发放 -----------------------------------------------------------------------------------

OVERPAYMENT_COLUMNS = (
    Column("乡镇（街道）", "text", 12),
    Column("户编号", "id", 18),
    Column("对象", "text", 10),
    Column("身份证号", "id", 21),
    Column("救助项目", "text", 14),
    Column("所属月份", "date", 12),
    Column("已发金额（元）", "money", 14),
    Column("应发金额（元）", "money", 14),
    Column("多发金额（元）", "money", 14),
    Column("原因", "text", 20),
    Column("状态", "text", 8),
    Column("重算编号", "id", 8),
    Column("处理说明", "text", 30),
)


def overpayments(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    """The back-pay page's overpayments with the same run and status filters (default: 待追回), within the user's
    scope."""
    from core.views import id_param
    from payments import selectors
    from payments.models import Overpayment

    found = selectors.overpayments(user).select_related("household", "member")
    run_pk = id_param(params.get("run"))
    if run_pk is not None:
        found = found.filter(run_id=run_pk)
    status = params.get("status", Overpayment.Status.OPEN)
    if status in Overpayment.Status.values:
        found = found.filter(status=status)
    return found.order_by("-month", "township__code", "id")


def _overpayment_rows(rows: Iterable[Any], full_identity: bool) -> Iterator[tuple[Any, ...]]:
    from payments.models import Overpayment, PayrollBenefit

    benefits, statuses = dict(PayrollBenefit.choices), dict(Overpayment.Status.choices)
    for row in rows:
        number = row.member.id_number if row.member else ""
        yield (
            row.township.name,
            row.household.number,
            row.name,
            masking.id_as_seen(number, full_identity),
            benefits.get(row.benefit, row.benefit),
            row.month,
            row.paid_amount,
            row.due_amount,
            row.amount,
            row.reason,
            statuses.get(row.status, row.status),
            str(row.run_id or ""),
            row.resolution_note,
        )


TIMELINESS_COLUMNS = (
    Column("乡镇（街道）", "text", 12),
    Column("救助项目", "text", 14),
    Column("应发放", "text", 8),
    Column("发放期限", "date", 12),
    Column("发放日期", "date", 12),
    Column("结果", "text", 10),
    Column("一次发放多月的对象数", "int", 12),
    Column("工资册", "text", 24),
    Column("检查时间", "datetime", 17),
)


def _timeliness_month(params: Mapping[str, str]) -> Any:
    from core.months import previous_month, this_month
    from core.views import month_param

    return month_param(params.get("month")) if params.get("month") else previous_month(this_month())


def timeliness(user: Any, params: Mapping[str, str]) -> QuerySet[Any]:
    """The timeliness page's results: the month (default the previous one) and township (404 outside the user's
    scope), within the user's scope."""
    from cases.selectors import visible_townships
    from core.views import id_param
    from payments import selectors

    townships = visible_townships(user)
    if params.get("township"):
        townships = townships.filter(pk=selectors.get_township(user, id_param(params["township"])).pk)
    results = selectors.timeliness_results(user, _timeliness_month(params), townships)
    return results.select_related("township", "payroll").order_by("township__code", "benefit", "id")


def _check_timeliness(user: Any, params: Mapping[str, str]) -> None:
    """What the page refuses: a month that does not parse, a township outside the user's scope (404)."""
    from core.views import id_param
    from payments import selectors

    _timeliness_month(params)
    if params.get("township"):
        selectors.get_township(user, id_param(params["township"]))


def _timeliness_rows(results: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    for result in results:
        yield (
            result.township.name,
            result.get_benefit_display(),
            "是" if result.expected else "否",
            result.deadline,
            result.paid_on,
            result.get_status_display(),
            result.lump_count,
            str(result.payroll) if result.payroll else "",
            result.checked_at,
        )


def _log_overpayments(user: Any, params: Mapping[str, str], title: str) -> None:
    from cases.models import Member
    from cases.services import log_sensitive_access

    rows = overpayments(user, params).exclude(member=None).values("member_id")
    log_sensitive_access(
        actor=user, members=Member.objects.filter(pk__in=rows).iterator(), action="export", what=f"{title}导出"
    )


def register_exports() -> None:
    from cases.permissions import can_see_full_identity
    from cases.selectors import sensitive_member_q
    from payments import bankfiles

    def payroll_title(user: Any, params: Mapping[str, str]) -> str:
        payroll = _payroll(user, params)
        return f"{payroll.township.name}{payroll}"

    export_centre.register(
        "payroll",
        payroll_title,
        lambda user, params: LINE_COLUMNS,
        lambda user, params: _line_rows(
            _payroll_lines(user, params).iterator(chunk_size=2000), can_see_full_identity(user)
        ),
        lambda user, params: _payroll_lines(user, params).count(),
        lambda user, params: _payroll_lines(user, params).filter(sensitive_member_q("member__")).exists(),
        check=lambda user, params: _payroll(user, params) and None,
        filename=lambda user, params: f"payroll-{bankfiles.filename(_payroll(user, params), 'xlsx')}",
        sheet="发放明细",
        totals=lambda user, params: exports.sum_totals("合计", counted=3),
        more_sheets=lambda book, user, params: exports.write_pairs(book, "汇总", summary_pairs(_payroll(user, params))),
        on_download=_log_payroll,
    )
    export_centre.register(
        "payroll_month",
        lambda user, params: f"{_overview(user, params).month:%Y年%m月}发放汇总",
        lambda user, params: month_columns(_overview(user, params)),
        lambda user, params: month_rows(_overview(user, params)),
        lambda user, params: len(_overview(user, params).rows),
        lambda user, params: False,
        check=lambda user, params: _overview(user, params) and None,
        filename=lambda user, params: f"payrolls-{_overview(user, params).month:%Y%m}.xlsx",
        totals=lambda user, params: month_totals(_overview(user, params)),
        freeze_columns=1,
    )
    export_centre.register(
        "overpayments",
        lambda user, params: "多发待追回",
        lambda user, params: OVERPAYMENT_COLUMNS,
        lambda user, params: _overpayment_rows(
            overpayments(user, params).iterator(chunk_size=2000), can_see_full_identity(user)
        ),
        lambda user, params: overpayments(user, params).count(),
        lambda user, params: overpayments(user, params).filter(sensitive_member_q("member__")).exists(),
        on_download=_log_overpayments,
    )
    export_centre.register(
        "timeliness",
        lambda user, params: f"{_timeliness_month(params):%Y年%m月}按月按时发放",
        lambda user, params: TIMELINESS_COLUMNS,
        lambda user, params: _timeliness_rows(timeliness(user, params).iterator(chunk_size=2000)),
        lambda user, params: timeliness(user, params).count(),
        lambda user, params: False,
        check=_check_timeliness,
        filename=lambda user, params: f"timeliness-{_timeliness_month(params):%Y%m}.xlsx",
    )
