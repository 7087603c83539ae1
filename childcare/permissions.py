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
    OWN_TOWNSHIP_ONLY,
    READ_ONLY,
    can_see_township,
    can_write,
    can_write_township,
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
    if not can_write(user):
        raise PermissionDenied(READ_ONLY)
    if not can_record(user, obj):
        raise PermissionDenied(OWN_TOWNSHIP_ONLY)


# Left-behind children, orphans and de-facto unsupported children, children in difficulty (area ``children``) ----


# Left-behind women, the disabled persons ledger (area ``groups``) -----------------------------------------------
