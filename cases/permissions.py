"""Who may do what: the one role vocabulary, and the predicates of the case registry.

Every app has one ``permissions`` module of predicates ``can_<verb>_<thing>(user, obj=None) -> bool`` and
``ensure_<verb>_<thing>(...)`` (raises ``PermissionDenied`` with a sentence a person can read). Services call the
``ensure_`` form; views pass the ``can_`` answers to templates as flags; templates hold no rule. Role names appear
in permissions modules only (an architecture test checks it). Which rows a user sees is not decided here but by
``cases.selectors.scope``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied

from cases.models import Referral, User

Role = User.Role
TOWNSHIP_ROLES = frozenset({Role.CASEWORKER, Role.REVIEWER})
COUNTY_ROLES = frozenset({Role.COUNTY_STAFF, Role.COUNTY_ADMIN})
REVIEWER_ROLES = frozenset({Role.REVIEWER})

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


def is_granted_auditor(user: Any) -> bool:
    """An auditor the county allowed to see full numbers: each such view is written to the access log."""
    return is_auditor(user) and bool(user.full_identity_access)


def can_see_township(user: Any, township_id: int | None) -> bool:
    """Whether the user may learn who is registered in ``township_id`` (names, household numbers)."""
    return sees_whole_county(user) or (_active(user) and township_id is not None and user.township_id == township_id)


# Admin -------------------------------------------------------------------------------------------------------


def can_use_admin(user: Any, obj: Any = None) -> bool:
    return is_county_admin(user) and bool(user.is_staff)


# Households, members, facts -----------------------------------------------------------------------------------


def _township_of(obj: Any) -> int | None:
    return getattr(obj, "township_id", None)


def can_create_household(user: Any, obj: Any = None) -> bool:
    return can_write(user)


def ensure_create_household(user: Any, obj: Any = None) -> None:
    ensure_can_write(user)


def can_edit_household(user: Any, household: Any = None) -> bool:
    """Without a household: may the user edit households at all (a button); with one: that household."""
    if household is None:
        return can_write(user)
    return can_write_township(user, _township_of(household))


def ensure_edit_household(user: Any, household: Any = None) -> None:
    if household is None:
        ensure_can_write(user)
    else:
        ensure_can_write_township(user, _township_of(household))


# Members of a household, and the facts recorded about them (incomes, expenditures, assets): same rule.
can_edit_member = can_edit_household
ensure_edit_member = ensure_edit_household
can_add_fact = can_edit_household
ensure_add_fact = ensure_edit_household


# Applications and their workflow -----------------------------------------------------------------------------


def can_receive_application(user: Any, household: Any = None) -> bool:
    return can_edit_household(user, household)


def ensure_receive_application(user: Any, household: Any = None) -> None:
    ensure_edit_household(user, household)


def can_act_on_application(user: Any, application: Any = None) -> bool:
    """May the user take some step on applications (of this application's township)."""
    return can_edit_household(user, application)


def ensure_act_on_application(user: Any, application: Any = None) -> None:
    ensure_edit_household(user, application)


# Who takes each workflow step of an application (``cases.services.STEPS``).
STEP_ROLES: dict[str, frozenset[str]] = {
    "investigate": TOWNSHIP_ROLES,
    "end_publicity": TOWNSHIP_ROLES,
    "township_approve": REVIEWER_ROLES,
    "township_return": REVIEWER_ROLES,
    "township_reject": REVIEWER_ROLES,
    "county_approve": COUNTY_ROLES,
    "county_return": COUNTY_ROLES,
    "county_reject": COUNTY_ROLES,
    "withdraw": TOWNSHIP_ROLES,
}


def step_roles(action: str) -> frozenset[str]:
    return STEP_ROLES[action]


def roles_label(roles: Iterable[str]) -> str:
    return "、".join(str(Role(role).label) for role in sorted(roles))


def _preparers(application: Any) -> set[int]:
    """Everyone who prepared or already decided on this application."""
    actors = {transition.actor_id for transition in application.transitions.all()}  # uses a prefetch if any
    actors.add(application.received_by_id)
    return actors


def can_take_step(user: Any, application: Any, step: Any) -> bool:
    """A workflow step (``cases.services.Step``) now: right township, right role, right state, and nobody decides
    on what they prepared."""
    if not can_act_on_application(user, application) or application.status not in step.sources:
        return False
    if user.role not in step.roles:
        return False
    return not (step.approves and user.pk in _preparers(application))


def ensure_take_step(user: Any, application: Any, step: Any) -> None:
    """The person's side of a step (the state is the service's: 409)."""
    ensure_act_on_application(user, application)
    if user.role not in step.roles:
        raise PermissionDenied(f"“{step.label}”须由{roles_label(step.roles)}办理。")
    if step.approves and user.pk in _preparers(application):
        raise PermissionDenied("经办与审批不能是同一人：您已参与办理此申请，不能审核或审批。")


def can_add_referral(user: Any, application: Any = None) -> bool:
    if application is None:
        return can_write(user)
    return can_act_on_application(user, application) and bool(application.is_open)


def ensure_add_referral(user: Any, application: Any = None) -> None:
    ensure_act_on_application(user, application)


REFERRAL_OPEN = frozenset({Referral.Status.SENT, Referral.Status.ACCEPTED})


def can_update_referral(user: Any, referral: Any = None) -> bool:
    if referral is None:
        return can_write(user)
    return can_write_township(user, referral.application.township_id) and referral.status in REFERRAL_OPEN


def ensure_update_referral(user: Any, referral: Any = None) -> None:
    if referral is None:
        ensure_can_write(user)
    else:
        ensure_can_write_township(user, referral.application.township_id)


# External rolls (county-wide) ------------------------------------------------------------------------------

ROLLS_COUNTY_ONLY = "外部名单是全县数据，只有县级用户可以查看。"
ROLLS_IMPORTERS_ONLY = "外部名单是全县数据，只有县民政局工作人员可以导入。"


def can_view_rolls(user: Any, obj: Any = None) -> bool:
    """County users and county auditors: the rolls are county-wide."""
    return sees_whole_county(user)


def ensure_view_rolls(user: Any, obj: Any = None) -> None:
    if not can_view_rolls(user):
        raise PermissionDenied(ROLLS_COUNTY_ONLY)


def can_import_rolls(user: Any, obj: Any = None) -> bool:
    return is_county_writer(user)


def ensure_import_rolls(user: Any, obj: Any = None) -> None:
    if is_auditor(user):
        raise PermissionDenied("审计用户只能查看，不能导入名单。")
    if not can_import_rolls(user):
        raise PermissionDenied(ROLLS_IMPORTERS_ONLY)


def can_download_roll_file(user: Any, obj: Any = None) -> bool:
    """The original file holds full ID numbers."""
    return can_view_rolls(user) and can_see_full_identity(user)
