"""Who may do what in payments, built on ``cases.permissions`` (the one role vocabulary).

``can_<verb>_<thing>(user, obj=None) -> bool`` answers for buttons and page flags: who may act and, given the object,
whether it is in the state the step starts from (no object: whether the user may take the step at all).
``ensure_<verb>_<thing>(user, obj)`` raises ``PermissionDenied`` with a sentence a person can read when the *user*
may not act; a step from the wrong state is left to the service, which raises ``TransitionNotAllowed`` (409).
Which rows a user sees is decided by ``cases.selectors.scope``, not here.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from cases.models import Township
from cases.permissions import (
    OWN_TOWNSHIP_ONLY,
    can_see_full_identity,
    can_write,
    can_write_township,
    ensure_can_write,
    ensure_can_write_township,
    ensure_county_writer,
    is_county_writer,
    is_township_worker,
)
from payments.models import Overpayment, Payroll

SUBMITTED_BY_TOWNSHIP = "工资册由乡镇（街道）提交，县民政局审批。"
SAME_PERSON = "提交人不能审批自己提交的工资册。"
COUNTY_RETURNS = "工资册由县民政局退回。"
COUNTY_APPROVES = "工资册由县民政局审批。"
COUNTY_DISBURSES = "工资册由县民政局发放。"
COUNTY_RECONCILES = "银行回盘由县民政局导入对账。"
COUNTY_PRICE_SUBSIDY = "价格临时补贴由县民政局录入。"
COUNTY_BACK_PAY = "补发重算由县民政局发起。"
COUNTY_OVERPAYMENTS = "多发记录由县民政局处理。"
COUNTY_TIMELINESS = "按时发放检查由县民政局运行。"
BANK_FILE_IDENTITY = "银行文件含完整身份证号和银行账号，审计用户须经县民政局授权后才能下载。"

BANK_FILE_STATUSES = (Payroll.Status.DISBURSED, Payroll.Status.RECONCILED)


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _township_id(obj: Any) -> int | None:
    """The township of a Township, or of anything with a ``township_id`` (a payroll, an overpayment)."""
    if isinstance(obj, Township):
        return obj.pk
    return getattr(obj, "township_id", None)


def _in_status(obj: Any, *statuses: str) -> bool:
    return obj is None or not isinstance(obj, Payroll) or obj.status in statuses


# Any write ---------------------------------------------------------------------------------------------------


def can_write_payments(user: Any, obj: Any = None) -> bool:
    """Some payments step (auditors: none). Every write page refuses before anything else when this is False."""
    return can_write(user)


def ensure_write_payments(user: Any, obj: Any = None) -> None:
    ensure_can_write(user)


# Generating ---------------------------------------------------------------------------------------------------


def can_generate_payroll(user: Any, obj: Township | Payroll | None = None) -> bool:
    """Township workers for their own township, county writers for any; a payroll only while it is a draft."""
    if obj is None:
        return is_county_writer(user) or is_township_worker(user)
    return can_write_township(user, _township_id(obj)) and _in_status(obj, Payroll.Status.DRAFT)


def ensure_generate_payroll(user: Any, obj: Township | Payroll) -> None:
    ensure_can_write_township(user, _township_id(obj))


def can_regenerate_payroll(user: Any, obj: Payroll | None = None) -> bool:
    """Regenerate a draft (batch 1) or refresh its payees (later batches): as generating."""
    return can_generate_payroll(user, obj)


def ensure_regenerate_payroll(user: Any, obj: Payroll) -> None:
    ensure_generate_payroll(user, obj)


# The workflow -------------------------------------------------------------------------------------------------


def can_submit_payroll(user: Any, obj: Payroll | None = None) -> bool:
    """The township submits its own draft."""
    if not is_township_worker(user):
        return False
    return obj is None or (user.township_id == obj.township_id and obj.status == Payroll.Status.DRAFT)


def ensure_submit_payroll(user: Any, obj: Payroll) -> None:
    ensure_can_write(user)
    if not is_township_worker(user):
        raise PermissionDenied(SUBMITTED_BY_TOWNSHIP)
    if user.township_id != obj.township_id:
        raise PermissionDenied(OWN_TOWNSHIP_ONLY)


def can_return_payroll(user: Any, obj: Payroll | None = None) -> bool:
    """The county sends a submitted payroll back."""
    return is_county_writer(user) and _in_status(obj, Payroll.Status.SUBMITTED)


def ensure_return_payroll(user: Any, obj: Payroll | None = None) -> None:
    ensure_county_writer(user, COUNTY_RETURNS)


def can_approve_payroll(user: Any, obj: Payroll | None = None) -> bool:
    """A county writer approves a submitted payroll, never the person who submitted it (preparer ≠ approver)."""
    if not is_county_writer(user):
        return False
    return obj is None or (obj.status == Payroll.Status.SUBMITTED and obj.submitted_by_id != user.pk)


def ensure_approve_payroll(user: Any, obj: Payroll | None = None) -> None:
    ensure_can_write(user)
    if obj is not None and obj.submitted_by_id is not None and obj.submitted_by_id == user.pk:
        raise PermissionDenied(SAME_PERSON)
    ensure_county_writer(user, COUNTY_APPROVES)


def can_disburse_payroll(user: Any, obj: Payroll | None = None) -> bool:
    return is_county_writer(user) and _in_status(obj, Payroll.Status.APPROVED)


def ensure_disburse_payroll(user: Any, obj: Payroll | None = None) -> None:
    ensure_county_writer(user, COUNTY_DISBURSES)


def can_reconcile_payroll(user: Any, obj: Payroll | None = None) -> bool:
    """Import the bank's result file: county writers, once the payroll is disbursed."""
    return is_county_writer(user) and _in_status(obj, Payroll.Status.DISBURSED)


def ensure_reconcile_payroll(user: Any, obj: Payroll | None = None) -> None:
    ensure_county_writer(user, COUNTY_RECONCILES)


def can_reissue_failed_lines(user: Any, obj: Township | Payroll | None = None) -> bool:
    """Re-issue failed lines in a later batch: township workers for their own township, county writers for any."""
    if obj is None:
        return is_county_writer(user) or is_township_worker(user)
    return can_write_township(user, _township_id(obj))


def ensure_reissue_failed_lines(user: Any, obj: Township | Payroll) -> None:
    ensure_can_write_township(user, _township_id(obj))


# Files ---------------------------------------------------------------------------------------------------------


def can_export_payroll(user: Any, obj: Payroll | None = None) -> bool:
    """Excel exports of what the user sees (masked unless ``can_see_full_identity``): everyone logged in."""
    return _active(user)


def ensure_export_payroll(user: Any, obj: Payroll | None = None) -> None:
    if not can_export_payroll(user, obj):
        raise PermissionDenied("请先登录。")


def can_download_bank_file(user: Any, obj: Payroll | None = None) -> bool:
    """The bank file has full IDs and accounts: users who may see them, once the payroll is disbursed."""
    return can_see_full_identity(user) and _in_status(obj, *BANK_FILE_STATUSES)


def ensure_download_bank_file(user: Any, obj: Payroll | None = None) -> None:
    if not can_see_full_identity(user):
        raise PermissionDenied(BANK_FILE_IDENTITY)


# Price subsidy, back pay, overpayments, timeliness ------------------------------------------------------------


def can_record_price_subsidy(user: Any, obj: Any = None) -> bool:
    return is_county_writer(user)


def ensure_record_price_subsidy(user: Any, obj: Any = None) -> None:
    ensure_county_writer(user, COUNTY_PRICE_SUBSIDY)


def can_start_back_pay(user: Any, obj: Any = None) -> bool:
    return is_county_writer(user)


def ensure_start_back_pay(user: Any, obj: Any = None) -> None:
    ensure_county_writer(user, COUNTY_BACK_PAY)


def can_resolve_overpayment(user: Any, obj: Overpayment | None = None) -> bool:
    """待追回 → 已追回 / 已核销: county writers, while the overpayment is open."""
    return is_county_writer(user) and (obj is None or obj.status == Overpayment.Status.OPEN)


def ensure_resolve_overpayment(user: Any, obj: Overpayment | None = None) -> None:
    ensure_county_writer(user, COUNTY_OVERPAYMENTS)


def can_check_timeliness(user: Any, obj: Any = None) -> bool:
    return is_county_writer(user)


def ensure_check_timeliness(user: Any, obj: Any = None) -> None:
    ensure_county_writer(user, COUNTY_TIMELINESS)


# A household's account (救助待遇明细) --------------------------------------------------------------------------


def can_view_timeline(user: Any, obj: Any = None) -> bool:
    """Read a household's month-by-month account: everyone logged in, auditors too (which households: the scope;
    ID numbers masked unless ``can_see_full_identity``)."""
    return _active(user)


def ensure_view_timeline(user: Any, obj: Any = None) -> None:
    if not can_view_timeline(user, obj):
        raise PermissionDenied("请先登录。")
