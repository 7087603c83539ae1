"""Who may do what in eldercare, on the one role vocabulary of ``cases.permissions``.

Township workers (caseworkers and reviewers) record their own township's homes, staff, duty, inspections,
residents and visits; county staff record everywhere and take what a township reports up to the county (hazards
it cannot fix, renovation acceptance); auditors read only. Which rows a user sees is decided by the selectors
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
    ensure_county_writer,
    is_county_writer,
)

__all__ = ["can_county_act", "can_record", "can_view", "ensure_county_act", "ensure_record"]


def _township_of(obj: Any) -> int | None:
    """An object's township: its own, or its home's (staff, duty, inspections…), or given as an id."""
    if obj is None or isinstance(obj, int):
        return obj
    if hasattr(obj, "township_id"):
        return obj.township_id
    home = getattr(obj, "home", None)
    return getattr(home, "township_id", None)


def can_view(user: Any, obj: Any = None) -> bool:
    """Read an eldercare record (or, without one, the eldercare pages at all)."""
    return can_see_township(user, _township_of(obj)) if obj is not None else bool(user and user.is_authenticated)


def can_record(user: Any, obj: Any = None) -> bool:
    """Create or change a record of ``obj``'s township (a township id, or any object with a township or a home)."""
    if obj is None:
        return can_write(user)
    return can_write_township(user, _township_of(obj))


def ensure_record(user: Any, obj: Any = None) -> None:
    if obj is None:
        ensure_can_write(user)
    else:
        ensure_can_write_township(user, _township_of(obj))


def can_county_act(user: Any, obj: Any = None) -> bool:
    """The county's own acts: sign-off, acceptance, the county's list of reported hazards, the checklist."""
    return is_county_writer(user)


def ensure_county_act(user: Any, obj: Any = None) -> None:
    ensure_county_writer(user)


# Homes, staff, duty, inspections, safety, renovation (area ``homes``) ------------------------------------------


# 集中供养 willingness, community care coverage, left-behind elderly and visits (area ``people``) -----------------


# Inspections, hazards, resident safety, renovation (area safety) ------------------------------------------------


def can_record_safety(user: Any, home: Any = None) -> bool:
    """Record an inspection, a hazard, a risk assessment, an incident or a project of ``home`` (its township's
    workers and county staff)."""
    return can_record(user, home)


def ensure_record_safety(user: Any, home: Any = None) -> None:
    ensure_record(user, home)


def can_close_hazard(user: Any, hazard: Any = None) -> bool:
    """The county records its handling of a reported hazard and closes it."""
    return can_county_act(user)


def ensure_close_hazard(user: Any, hazard: Any = None) -> None:
    ensure_county_act(user)


def can_edit_checklist(user: Any) -> bool:
    return can_county_act(user)


def ensure_edit_checklist(user: Any) -> None:
    ensure_county_act(user)


SAME_PERSON_ACCEPTS = "登记完工的人员不能同时验收该项目，请由县民政局其他人员验收。"


def acceptance_refusal(user: Any, project: Any) -> str | None:
    """Why ``user`` may not accept ``project``'s completion (None: they may): county writers only, and not the
    one who recorded the completion."""
    if not can_county_act(user):
        return "只有县民政局工作人员可以验收项目。"
    if project is not None and project.completed_by_id == user.pk:
        return SAME_PERSON_ACCEPTS
    return None


def can_accept_project(user: Any, project: Any = None) -> bool:
    return acceptance_refusal(user, project) is None


def ensure_accept_project(user: Any, project: Any = None) -> None:
    ensure_county_act(user)
    reason = acceptance_refusal(user, project)
    if reason:
        raise PermissionDenied(reason)
