"""Who may do what in childcare, on the one role vocabulary of ``cases.permissions``.

Children's and disability records are sensitive: readable only by their township and the county (auditors see
them masked), every read logged (``cases.services.log_sensitive_access``). Township workers record their own
township's children, cases, visits and ledgers; a case's review or end is prepared by one person and approved by
another (the reviewer or the county); auditors read only. Which rows a user sees is decided by the selectors
(``cases.selectors.scope``). Each area adds its predicates in its own section below."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from cases.permissions import (
    can_see_township,
    can_write,
    can_write_township,
    ensure_can_write,
    ensure_can_write_township,
)

__all__ = ["can_record", "can_view", "ensure_record"]


def _township_of(obj: Any) -> int | None:
    """An object's township: its own, or its member's household's, or given as an id."""
    if obj is None or isinstance(obj, int):
        return obj
    if hasattr(obj, "township_id"):
        return obj.township_id
    member = getattr(obj, "member", None)
    household = getattr(member, "household", None)
    return getattr(household, "township_id", None)


def can_view(user: Any, obj: Any = None) -> bool:
    """Read a childcare record (or, without one, the childcare pages at all)."""
    return can_see_township(user, _township_of(obj)) if obj is not None else bool(user and user.is_authenticated)


def can_record(user: Any, obj: Any = None) -> bool:
    """Create or change a record of ``obj``'s township (a township id, or any object with a township or a member)."""
    if obj is None:
        return can_write(user)
    return can_write_township(user, _township_of(obj))


def ensure_record(user: Any, obj: Any = None) -> None:
    if obj is None:
        ensure_can_write(user)
    else:
        ensure_can_write_township(user, _township_of(obj))


# Left-behind children, orphans and de-facto unsupported children, children in difficulty (area ``children``) ----


STEP_BY_OTHER = "复核（终止）须由经办人以外的另一人审批。"
STEP_DECIDERS = "复核（终止）由乡镇审核人员或县民政局审批。"


def can_decide_case_step(user: Any, step: Any = None) -> bool:
    """Approve or return a case's annual review or end: a township reviewer of the case's township or a county
    writer, never the person who prepared it."""
    from cases.permissions import is_county_writer, is_reviewer

    if not (is_reviewer(user) or is_county_writer(user)):
        return False
    if step is None:
        return True
    return can_record(user, step.case) and step.prepared_by_id != user.pk


def ensure_decide_case_step(user: Any, step: Any = None) -> None:
    from cases.permissions import is_county_writer, is_reviewer

    ensure_record(user, step.case if step is not None else None)
    if not (is_reviewer(user) or is_county_writer(user)):
        raise PermissionDenied(STEP_DECIDERS)
    if step is not None and step.prepared_by_id == user.pk:
        raise PermissionDenied(STEP_BY_OTHER)


def can_start_child_alerts(user: Any, obj: Any = None) -> bool:
    """Start the month's childcare check for the county (the monthly job)."""
    from cases.permissions import is_county_writer

    return is_county_writer(user)


# Left-behind women, the disabled persons ledger (area ``groups``) -----------------------------------------------

ACCESS_LOG_ADMINS_ONLY = "敏感信息访问记录只有县民政局管理员可以查看。"


def can_view_access_log(user: Any, obj: Any = None) -> bool:
    """The log of reads of children's, disabled persons' and left-behind women's records: county admins."""
    from cases.permissions import is_county_admin

    return is_county_admin(user)


def ensure_view_access_log(user: Any, obj: Any = None) -> None:
    if not can_view_access_log(user):
        raise PermissionDenied(ACCESS_LOG_ADMINS_ONLY)


def can_record_groups(user: Any, township_id: int | None = None) -> bool:
    """Record the township's left-behind women and 福康工程 services (any township user of it, the county)."""
    return can_record(user, township_id)


def ensure_record_groups(user: Any, township_id: int | None = None) -> None:
    ensure_record(user, township_id)
