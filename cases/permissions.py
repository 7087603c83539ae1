"""Who may do what: the one role vocabulary, and the predicates of the case registry.

Every app has one ``permissions`` module of predicates ``can_<verb>_<thing>(user, obj=None) -> bool`` and
``ensure_<verb>_<thing>(...)`` (raises ``PermissionDenied`` with a sentence a person can read). Services call the
``ensure_`` form; views pass the ``can_`` answers to templates as flags; templates hold no rule. Role names appear
in permissions modules only (an architecture test checks it). Which rows a user sees is not decided here but by
``cases.selectors.scope``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from cases.models import User

Role = User.Role
TOWNSHIP_ROLES = frozenset({Role.CASEWORKER, Role.REVIEWER})
COUNTY_ROLES = frozenset({Role.COUNTY_STAFF, Role.COUNTY_ADMIN})

READ_ONLY = "审计用户只能查看，不能修改。"
OWN_TOWNSHIP_ONLY = "只能办理本乡镇（街道）的业务。"
COUNTY_ONLY = "此项由县民政局办理。"


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


# The vocabulary --------------------------------------------------------------------------------------------


def is_auditor(user: Any) -> bool:
    return _active(user) and user.role == Role.AUDITOR


def is_county_writer(user: Any) -> bool:
    """County staff and county admins: the county's decisions (auditors are county-wide but read only)."""
    return _active(user) and user.role in COUNTY_ROLES


def is_county_admin(user: Any) -> bool:
    return _active(user) and user.role == Role.COUNTY_ADMIN


def is_township_worker(user: Any) -> bool:
    return _active(user) and user.role in TOWNSHIP_ROLES


def is_caseworker(user: Any) -> bool:
    return _active(user) and user.role == Role.CASEWORKER


def is_reviewer(user: Any) -> bool:
    return _active(user) and user.role == Role.REVIEWER


def sees_whole_county(user: Any) -> bool:
    """County users and county auditors see every township (scope); this says nothing about writing."""
    return _active(user) and user.township_id is None


# Registry writes -------------------------------------------------------------------------------------------


def can_write(user: Any) -> bool:
    """Anyone but auditors may write something (within their township, for township users)."""
    return _active(user) and user.role != Role.AUDITOR


def can_write_township(user: Any, township_id: int | None) -> bool:
    """County writers everywhere; township workers in their own township; auditors never."""
    if is_county_writer(user):
        return True
    return is_township_worker(user) and township_id is not None and user.township_id == township_id


def ensure_can_write(user: Any) -> None:
    if not can_write(user):
        raise PermissionDenied(READ_ONLY)


def ensure_can_write_township(user: Any, township_id: int | None) -> None:
    ensure_can_write(user)
    if not can_write_township(user, township_id):
        raise PermissionDenied(OWN_TOWNSHIP_ONLY)


def ensure_county_writer(user: Any, message: str = COUNTY_ONLY) -> None:
    ensure_can_write(user)
    if not is_county_writer(user):
        raise PermissionDenied(message)


# Identity ----------------------------------------------------------------------------------------------------


def can_see_full_identity(user: Any) -> bool:
    """Full ID numbers and bank accounts: county writers and township workers (whose queries are already limited
    to their township); auditors only when the county granted it (``full_identity_access``)."""
    if is_auditor(user):
        return bool(user.full_identity_access)
    return _active(user)


def can_use_admin(user: Any) -> bool:
    return is_county_admin(user) and bool(user.is_staff)
