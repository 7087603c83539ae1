"""The predicates of ``cases.permissions``: every role × own / other township × predicate, the expected answer
written out. ``ensure_`` agrees with ``can_`` wherever both exist."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied

from cases import permissions, services
from cases.models import Application, Referral, User
from tests.conftest import UserFactory
from tests.permission_tables import by_role

pytestmark = pytest.mark.django_db

ROLES = ["caseworker", "reviewer", "county_staff", "county_admin", "auditor", "auditor_granted"]
T, F = True, False


# predicate: {role: (own township A, other township B)}; the township users belong to A.
# fmt: off
#                          caseworker reviewer county_staff county_admin auditor auditor_granted
TOWNSHIP_WRITERS = by_role((T, F),    (T, F),  (T, T),      (T, T),      (F, F),  (F, F), roles=ROLES)
TOWNSHIP_READERS = by_role((T, F),    (T, F),  (T, T),      (T, T),      (T, T),  (T, T), roles=ROLES)
# fmt: on
TOWNSHIP_MATRIX: dict[str, dict[str, tuple[bool, bool]]] = {
    name: TOWNSHIP_WRITERS
    for name in [
        "edit_household",
        "edit_member",
        "add_fact",
        "receive_application",
        "act_on_application",
        "add_referral",
        "update_referral",
    ]
}
TOWNSHIP_MATRIX["see_township"] = TOWNSHIP_READERS

# predicate without an object: {role: answer}
GLOBAL_MATRIX: dict[str, dict[str, bool]] = {
    "can_write": dict(caseworker=T, reviewer=T, county_staff=T, county_admin=T, auditor=F, auditor_granted=F),
    "can_create_household": dict(
        caseworker=T, reviewer=T, county_staff=T, county_admin=T, auditor=F, auditor_granted=F
    ),
    "can_edit_household": dict(caseworker=T, reviewer=T, county_staff=T, county_admin=T, auditor=F, auditor_granted=F),
    "can_view_rolls": dict(caseworker=F, reviewer=F, county_staff=T, county_admin=T, auditor=T, auditor_granted=T),
    "can_import_rolls": dict(caseworker=F, reviewer=F, county_staff=T, county_admin=T, auditor=F, auditor_granted=F),
    "can_download_roll_file": dict(
        caseworker=F, reviewer=F, county_staff=T, county_admin=T, auditor=F, auditor_granted=T
    ),
    "can_use_admin": dict(caseworker=F, reviewer=F, county_staff=F, county_admin=T, auditor=F, auditor_granted=F),
    "can_see_full_identity": dict(
        caseworker=T, reviewer=T, county_staff=T, county_admin=T, auditor=F, auditor_granted=T
    ),
    "sees_whole_county": dict(caseworker=F, reviewer=F, county_staff=T, county_admin=T, auditor=T, auditor_granted=T),
    "is_granted_auditor": dict(caseworker=F, reviewer=F, county_staff=F, county_admin=F, auditor=F, auditor_granted=T),
}

# workflow step: roles that may take it (in township A, on an application someone else received)
STEP_MATRIX: dict[str, set[str]] = {
    "investigate": {"caseworker", "reviewer"},
    "end_publicity": {"caseworker", "reviewer"},
    "withdraw": {"caseworker", "reviewer"},
    "township_approve": {"reviewer"},
    "township_return": {"reviewer"},
    "township_reject": {"reviewer"},
    "county_approve": {"county_staff", "county_admin"},
    "county_return": {"county_staff", "county_admin"},
    "county_reject": {"county_staff", "county_admin"},
}


@pytest.fixture
def people(users) -> dict[str, User]:
    granted = UserFactory(username="audit_full", role=User.Role.AUDITOR, township=None, full_identity_access=True)
    return {**users, "auditor_granted": granted}


def _obj(name: str, township_id: int):
    """The object a predicate is asked about, as little of it as the predicate reads."""
    if name == "act_on_application" or name == "add_referral":
        return SimpleNamespace(township_id=township_id, is_open=True)
    if name == "update_referral":
        return SimpleNamespace(application=SimpleNamespace(township_id=township_id), status=Referral.Status.SENT)
    return SimpleNamespace(township_id=township_id)


@pytest.mark.parametrize("predicate", sorted(TOWNSHIP_MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_township_predicates(people, township_a, township_b, predicate, role):
    user = people[role]
    expected_own, expected_other = TOWNSHIP_MATRIX[predicate][role]
    if predicate == "see_township":
        assert permissions.can_see_township(user, township_a.pk) is expected_own
        assert permissions.can_see_township(user, township_b.pk) is expected_other
        return
    can = getattr(permissions, f"can_{predicate}")
    ensure = getattr(permissions, f"ensure_{predicate}")
    for township, expected in ((township_a, expected_own), (township_b, expected_other)):
        obj = _obj(predicate, township.pk)
        assert can(user, obj) is expected, (predicate, role, township.name)
        if expected:
            ensure(user, obj)
        else:
            with pytest.raises(PermissionDenied) as refused:
                ensure(user, obj)
            assert str(refused.value)  # a sentence a person can read


@pytest.mark.parametrize("predicate", sorted(GLOBAL_MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_global_predicates(people, predicate, role):
    assert getattr(permissions, predicate)(people[role]) is GLOBAL_MATRIX[predicate][role]


@pytest.mark.parametrize("role", ROLES)
def test_ensure_import_rolls_matches_can(people, role):
    user = people[role]
    if permissions.can_import_rolls(user):
        permissions.ensure_import_rolls(user)
    else:
        with pytest.raises(PermissionDenied):
            permissions.ensure_import_rolls(user)


def test_auditor_refusal_names_read_only(people, township_a):
    with pytest.raises(PermissionDenied, match="审计用户只能查看"):
        permissions.ensure_edit_household(people["auditor_granted"], SimpleNamespace(township_id=township_a.pk))
    with pytest.raises(PermissionDenied, match="本乡镇"):
        permissions.ensure_edit_household(people["caseworker_b"], SimpleNamespace(township_id=township_a.pk))


def test_closed_application_and_referral_offer_no_button(people, township_a):
    closed = SimpleNamespace(township_id=township_a.pk, is_open=False)
    assert not permissions.can_add_referral(people["caseworker"], closed)
    done = SimpleNamespace(application=SimpleNamespace(township_id=township_a.pk), status=Referral.Status.DONE)
    assert not permissions.can_update_referral(people["county_staff"], done)


def test_anonymous_and_inactive_users_may_do_nothing(people, township_a):
    from django.contrib.auth.models import AnonymousUser

    inactive = people["county_admin"]
    inactive.is_active = False
    for user in (AnonymousUser(), inactive):
        assert not permissions.can_write(user)
        assert not permissions.can_see_full_identity(user)
        assert not permissions.sees_whole_county(user)
        assert not permissions.can_edit_household(user, SimpleNamespace(township_id=township_a.pk))


class _Transitions:
    def all(self) -> list[object]:
        return []


@pytest.mark.parametrize("action", sorted(STEP_MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_workflow_steps(people, township_a, township_b, action, role):
    step = services.STEPS[action]
    user = people[role]
    for township in (township_a, township_b):
        application = SimpleNamespace(
            township_id=township.pk,
            status=step.sources[0],
            received_by_id=-1,
            transitions=_Transitions(),
            is_open=step.sources[0] in Application.OPEN_STATUSES,
        )
        own_or_county = township == township_a or permissions.is_county_writer(user)
        expected = role in STEP_MATRIX[action] and own_or_county
        assert permissions.can_take_step(user, application, step) is expected, (action, role, township.name)
        if expected:
            permissions.ensure_take_step(user, application, step)
        else:
            with pytest.raises(PermissionDenied):
                permissions.ensure_take_step(user, application, step)


def test_nobody_approves_what_they_prepared(people, township_a):
    step = services.STEPS["township_approve"]
    reviewer = people["reviewer"]
    application = SimpleNamespace(
        township_id=township_a.pk,
        status=step.sources[0],
        received_by_id=reviewer.pk,
        transitions=_Transitions(),
        is_open=True,
    )
    assert not permissions.can_take_step(reviewer, application, step)
    with pytest.raises(PermissionDenied, match="经办与审批不能是同一人"):
        permissions.ensure_take_step(reviewer, application, step)
