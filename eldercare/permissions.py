"""Who may do what in eldercare, on the one role vocabulary of ``cases.permissions``.

Township workers (caseworkers and reviewers) record their own township's homes, staff, duty, inspections,
residents and visits; county staff record everywhere and take what a township reports up to the county (hazards
it cannot fix, renovation acceptance); auditors read only. Which rows a user sees is decided by the selectors
(``cases.selectors.scope``). Each area adds its predicates in its own section below."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from cases.permissions import (
    OWN_TOWNSHIP_ONLY,
    READ_ONLY,
    can_see_township,
    can_write,
    can_write_township,
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
    if not can_write(user):
        raise PermissionDenied(READ_ONLY)
    if not can_record(user, obj):
        raise PermissionDenied(OWN_TOWNSHIP_ONLY)


def can_county_act(user: Any, obj: Any = None) -> bool:
    """The county's own acts: sign-off, acceptance, the county's list of reported hazards, the checklist."""
    return is_county_writer(user)


def ensure_county_act(user: Any, obj: Any = None) -> None:
    ensure_county_writer(user)


# Homes, staff, duty, inspections, safety, renovation (area ``homes``) ------------------------------------------


# 集中供养 willingness, community care coverage, left-behind elderly and visits (area ``people``) -----------------
