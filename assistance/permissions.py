"""Who may do what in the assistance app, built on the one role vocabulary of ``cases.permissions``.

Each step has ``can_<verb>_<thing>(user, obj=None) -> bool`` and ``ensure_<verb>_<thing>(user, obj=None)``
(raises ``PermissionDenied`` with a sentence a person can read). Without an object, ``can_`` says whether the user
may take the step at all (for some object: a page's button); with one, whether on that object. Where a step also
depends on the object's state (a ledger already submitted, a flag already resolved), ``can_`` with the object
answers for the button too, while ``ensure_`` checks only the person: the service itself refuses the state, with
its own message (409). Services call ``ensure_``; views pass ``can_`` answers to templates as flags. Role names
appear here and in ``cases.permissions`` only. Which rows a user sees is decided by ``cases.selectors.scope``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from cases.permissions import (
    OWN_TOWNSHIP_ONLY,
    READ_ONLY,
    Role,
    can_write,
    can_write_township,
    ensure_can_write,
    ensure_county_writer,
    is_auditor,
    is_county_admin,
    is_county_writer,
    is_reviewer,
    is_township_worker,
    sees_whole_county,
)

PARAMETERS_ADMIN_ONLY = "只有县级管理员可以新增或确认政策参数版本。"
MARKS_COUNTY_ONLY = "待重算月份仅供县级用户查看。"
JOBS_COUNTY_ONLY = "任务运行记录由县民政局查看。"
SCREENING_COUNTY_ONLY = "每月摸排由县民政局启动。"
COMPARISON_COUNTY_ONLY = "信息比对由县民政局启动。"
LEDGER_TOWNSHIP_HANDLES = "台账条目由本乡镇（街道）工作人员处理。"
LEDGER_TOWNSHIP_SUBMITS = "台账由乡镇上报。"
LEDGER_COUNTY_REVIEWS = "台账由县民政局验收。"
EXIT_SECOND_PERSON = "退出须由另一人复核：您提出了该退出申请，不能自己复核。"
TEMPORARY_SAME_PERSON = "经办与审批不能是同一人：您登记了此临时救助，不能审批。"
TEMPORARY_TOWNSHIP_DECIDES = "乡镇审批的临时救助须由本乡镇（街道）的乡镇审核人员审批。"
TEMPORARY_COUNTY_DECIDES = "县级审批和一事一议的临时救助须由县民政局审批。"
INACTIVE = "该用户已停用。"
ROLL_IMPORT_READ_ONLY = "审计用户只能查看，不能导入在册名单。"
CHANGE_TOWNSHIP_CONFIRMS = "待遇调整由本乡镇（街道）工作人员确认。"
CHANGE_COUNTY_APPROVES = "待遇调整由县民政局审批。"
CHANGE_SECOND_PERSON = "审批须由另一人进行：您确认了该待遇调整，不能自己审批。"
ASSET_OVERRIDE_REVIEWERS = "资产核查未通过的审核同意须由乡镇审核人员或县民政局作出。"


def _township_of(obj: Any) -> int | None:
    """The township an object belongs to: a township id, a Township, an object's own ``township_id``, or its
    household's / enrollment's."""
    if obj is None or isinstance(obj, int):
        return obj
    if obj._meta.model_name == "township":
        return int(obj.pk)
    if hasattr(obj, "township_id"):
        return obj.township_id
    for parent in ("household", "enrollment"):
        if getattr(obj, parent, None) is not None:
            return _township_of(getattr(obj, parent))
    return None


def _township_writer(user: Any, obj: Any = None) -> bool:
    """County writers; township workers in the object's township (any township work when no object)."""
    if obj is None:
        return is_county_writer(user) or is_township_worker(user)
    return can_write_township(user, _township_of(obj))


def _ensure_township_writer(user: Any, obj: Any = None) -> None:
    ensure_can_write(user)
    if not _township_writer(user, obj):
        raise PermissionDenied(OWN_TOWNSHIP_ONLY)


def _state_allows(obj: Any, *states: str) -> bool:
    """Whether a record (not a township or an id) is in one of ``states`` (names of its ``Status`` members)."""
    if obj is None or not hasattr(obj, "status"):
        return True
    return obj.status in {getattr(type(obj).Status, state) for state in states}


def _ensure(allowed: bool, user: Any, message: str) -> None:
    ensure_can_write(user)
    if not allowed:
        raise PermissionDenied(message)


# Policy parameters -------------------------------------------------------------------------------------------


def can_add_parameter_version(user: Any, obj: Any = None) -> bool:
    return is_county_admin(user)


def ensure_add_parameter_version(user: Any, obj: Any = None) -> None:
    _ensure(can_add_parameter_version(user), user, PARAMETERS_ADMIN_ONLY)


def can_confirm_parameter_version(user: Any, obj: Any = None) -> bool:
    return is_county_admin(user) and not (obj is not None and obj.confirmed)


def ensure_confirm_parameter_version(user: Any, obj: Any = None) -> None:
    _ensure(is_county_admin(user), user, PARAMETERS_ADMIN_ONLY)


def can_view_recompute_marks(user: Any, obj: Any = None) -> bool:
    """The months marked for recomputation: county writers and auditors (reading only)."""
    return is_county_writer(user) or is_auditor(user)


def ensure_view_recompute_marks(user: Any, obj: Any = None) -> None:
    if not can_view_recompute_marks(user):
        raise PermissionDenied(MARKS_COUNTY_ONLY)


# Determinations and enrollments ------------------------------------------------------------------------------


def can_run_determination(user: Any, obj: Any = None) -> bool:
    """Run the rules for a household (``obj``) and store the result."""
    return _township_writer(user, obj)


def ensure_run_determination(user: Any, obj: Any = None) -> None:
    _ensure_township_writer(user, obj)


def can_change_enrollment(user: Any, obj: Any = None) -> bool:
    """Gradual exit, support mode: the enrollment's township, or the county."""
    return _township_writer(user, obj)


def ensure_change_enrollment(user: Any, obj: Any = None) -> None:
    _ensure_township_writer(user, obj)


def can_request_exit(user: Any, obj: Any = None) -> bool:
    """Propose an exit of an enrollment (``obj``); with an object, only while it is open."""
    return _township_writer(user, obj) and (obj is None or not hasattr(obj, "is_open") or obj.is_open)


def ensure_request_exit(user: Any, obj: Any = None) -> None:
    _ensure_township_writer(user, obj)


def _requested_it(user: Any, review: Any) -> bool:
    return review is not None and review.requested_by_id == user.pk


def can_review_exit(user: Any, obj: Any = None) -> bool:
    """Decide an exit request (``obj``, an ExitReview): a second person, never the one who requested it; with an
    object, only while it is pending."""
    if not _township_writer(user, obj) or _requested_it(user, obj):
        return False
    return _state_allows(obj, "PENDING")


def ensure_review_exit(user: Any, obj: Any = None) -> None:
    _ensure_township_writer(user, obj)
    if _requested_it(user, obj):
        raise PermissionDenied(EXIT_SECOND_PERSON)


def can_override_asset_test(user: Any, obj: Any = None) -> bool:
    """Override a failed asset test with a written reason (policy.md §3) for a household (``obj``): a reviewer of
    its township, or the county (staff and admins); never a caseworker or an auditor."""
    if is_county_writer(user):
        return True
    return is_reviewer(user) and (obj is None or _township_writer(user, obj))


def ensure_override_asset_test(user: Any, obj: Any = None) -> None:
    ensure_can_write(user)
    if not (is_reviewer(user) or is_county_writer(user)):
        raise PermissionDenied(ASSET_OVERRIDE_REVIEWERS)
    _ensure_township_writer(user, obj)


def can_import_roll(user: Any, obj: Any = None) -> bool:
    """Import the existing rolls: the county (any township), township workers (rows of their township: pass the
    row's township as ``obj``, anything with a ``township_id``)."""
    return _township_writer(user, obj)


def ensure_import_roll(user: Any, obj: Any = None) -> None:
    if user is not None and user.is_authenticated and not user.is_active:
        raise PermissionDenied(INACTIVE)
    _ensure(can_import_roll(user, obj), user, ROLL_IMPORT_READ_ONLY if is_auditor(user) else OWN_TOWNSHIP_ONLY)


def can_import_roll_row(user: Any, township_id: int | None) -> bool:
    return can_write_township(user, township_id)


# 临时救助 --------------------------------------------------------------------------------------------------------


def can_register_temporary_case(user: Any, obj: Any = None) -> bool:
    """Register a case for a member (``obj``) of the user's township (the county: any)."""
    return _township_writer(user, obj)


def ensure_register_temporary_case(user: Any, obj: Any = None) -> None:
    _ensure_township_writer(user, obj)


def temporary_decision_refusal(user: Any, case: Any) -> str | None:
    """Why ``user`` may not decide ``case`` (its state aside), or None. Township-level cases: a reviewer of the
    case's township; county level and 一事一议: a county writer; never the person who registered it."""
    if not can_write(user):
        return READ_ONLY
    if not _township_writer(user, case):
        return OWN_TOWNSHIP_ONLY
    if user.pk == case.created_by_id:
        return TEMPORARY_SAME_PERSON
    if case.level == case.Level.TOWNSHIP:
        if not (is_reviewer(user) and user.township_id == case.township_id):
            return TEMPORARY_TOWNSHIP_DECIDES
    elif not is_county_writer(user):
        return TEMPORARY_COUNTY_DECIDES
    return None


def can_decide_temporary_case(user: Any, obj: Any = None) -> bool:
    """Approve or reject a case; with an object, only while it is pending."""
    if obj is None:
        return is_reviewer(user) or is_county_writer(user)
    return _state_allows(obj, "PENDING") and temporary_decision_refusal(user, obj) is None


def ensure_decide_temporary_case(user: Any, obj: Any) -> None:
    refusal = temporary_decision_refusal(user, obj)
    if refusal is not None:
        raise PermissionDenied(refusal)


def can_followup_temporary_case(user: Any, obj: Any = None) -> bool:
    """Record the 低保 assessment after 先行救助; with an object, only while it is due."""
    if not _township_writer(user, obj):
        return False
    return obj is None or (obj.advance and obj.followup_done_on is None)


def ensure_followup_temporary_case(user: Any, obj: Any = None) -> None:
    _ensure_township_writer(user, obj)


# Monthly jobs ------------------------------------------------------------------------------------------------


def can_view_job_runs(user: Any, obj: Any = None) -> bool:
    """The job runs pages: county-wide users (auditors read them)."""
    return sees_whole_county(user) and (is_county_writer(user) or is_auditor(user))


def ensure_view_job_runs(user: Any, obj: Any = None) -> None:
    if not can_view_job_runs(user):
        raise PermissionDenied(JOBS_COUNTY_ONLY)


def can_start_job_run(user: Any, obj: Any = None) -> bool:
    """Start the monthly screening (or a comparison run: ``can_run_comparison``)."""
    return is_county_writer(user)


def ensure_start_job_run(user: Any, obj: Any = None) -> None:
    ensure_county_writer(user, SCREENING_COUNTY_ONLY)


def can_retry_job_run(user: Any, obj: Any = None) -> bool:
    """Queue a run's failed townships again; with an object, only when it failed."""
    return is_county_writer(user) and _state_allows(obj, "FAILED")


def ensure_retry_job_run(user: Any, obj: Any = None) -> None:
    ensure_county_writer(user, SCREENING_COUNTY_ONLY)


# 待遇调整 (AmountChange): the township confirms, the county (another person) approves -----------------------------


def can_confirm_amount_change(user: Any, obj: Any = None) -> bool:
    """Confirm a change (``obj``) or record why not: workers of its township, while it is proposed."""
    return is_township_worker(user) and _township_writer(user, obj) and _state_allows(obj, "PROPOSED")


def ensure_confirm_amount_change(user: Any, obj: Any = None) -> None:
    ensure_can_write(user)
    if not is_township_worker(user):
        raise PermissionDenied(CHANGE_TOWNSHIP_CONFIRMS)
    _ensure_township_writer(user, obj)


def _confirmed_it(user: Any, change: Any) -> bool:
    return change is not None and getattr(change, "confirmed_by_id", None) == user.pk


def can_decide_amount_change(user: Any, obj: Any = None) -> bool:
    """Approve or reject a confirmed change (``obj``): the county, never the person who confirmed it."""
    return is_county_writer(user) and not _confirmed_it(user, obj) and _state_allows(obj, "CONFIRMED")


def ensure_decide_amount_change(user: Any, obj: Any = None) -> None:
    ensure_county_writer(user, CHANGE_COUNTY_APPROVES)
    if _confirmed_it(user, obj):
        raise PermissionDenied(CHANGE_SECOND_PERSON)


# Ledgers -----------------------------------------------------------------------------------------------------


def _ledger_open(ledger: Any) -> bool:
    return ledger is None or not ledger.locked


def can_handle_ledger_entry(user: Any, obj: Any = None, ledger: Any = None) -> bool:
    """Record what was done about an entry (``obj``, or the entries of ``ledger``): workers of its township, while
    the month's ledger is not locked (accepted)."""
    target = obj if obj is not None else ledger
    if not is_township_worker(user) or not _township_writer(user, target):
        return False
    return _ledger_open(ledger)


def ensure_handle_ledger_entry(user: Any, obj: Any = None) -> None:
    ensure_can_write(user)
    if not is_township_worker(user):
        raise PermissionDenied(LEDGER_TOWNSHIP_HANDLES)
    _ensure_township_writer(user, obj)


def can_submit_ledger(user: Any, obj: Any = None) -> bool:
    """Report the month's ledger (``obj``) to the county: its township's workers, while draft or returned."""
    if not is_township_worker(user) or not _township_writer(user, obj):
        return False
    return _state_allows(obj, "DRAFT", "RETURNED")


def ensure_submit_ledger(user: Any, obj: Any = None) -> None:
    """``obj``: the ledger, or the township it is for."""
    ensure_can_write(user)
    if not is_township_worker(user):
        raise PermissionDenied(LEDGER_TOWNSHIP_SUBMITS)
    _ensure_township_writer(user, obj)


def can_review_ledger(user: Any, obj: Any = None) -> bool:
    """Accept (lock) or return a ledger: the county, while it is submitted."""
    return is_county_writer(user) and _state_allows(obj, "SUBMITTED")


def ensure_review_ledger(user: Any, obj: Any = None) -> None:
    ensure_county_writer(user, LEDGER_COUNTY_REVIEWS)


def ledger_owners() -> Q:
    """The users who own new ledger entries and comparison flags by default: active caseworkers."""
    return Q(role=Role.CASEWORKER, is_active=True)


# 信息比对 --------------------------------------------------------------------------------------------------------


def can_resolve_comparison_flag(user: Any, obj: Any = None) -> bool:
    """Record how a flag was resolved: its township, or the county; with an object, only while it is open."""
    return _township_writer(user, obj) and _state_allows(obj, "OPEN")


def ensure_resolve_comparison_flag(user: Any, obj: Any = None) -> None:
    _ensure_township_writer(user, obj)


def can_run_comparison(user: Any, obj: Any = None) -> bool:
    return is_county_writer(user)


def ensure_run_comparison(user: Any, obj: Any = None) -> None:
    ensure_county_writer(user, COMPARISON_COUNTY_ONLY)


def can_choose_township(user: Any) -> bool:
    """Whether the pages offer a choice of township (county-wide users) rather than the user's own."""
    return sees_whole_county(user)
