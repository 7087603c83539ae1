from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from cases.demo import DEMO_PASSWORD, DEMO_USERS
from cases.models import User, Village

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple[str, str, str]]:
    return list(Village.objects.order_by("code").values_list("code", "name", "township__name"))


def test_same_seed_gives_same_data_and_rerun_adds_nothing():
    call_command("seed_demo", seed=7)
    first = snapshot()
    assert 39 * 6 <= len(first) <= 39 * 10
    call_command("seed_demo", seed=7)
    assert snapshot() == first
    Village.objects.all().delete()
    call_command("seed_demo", seed=7)
    assert snapshot() == first
    Village.objects.all().delete()
    call_command("seed_demo", seed=8)
    assert snapshot() != first


def test_one_demo_user_per_role_can_log_in():
    call_command("seed_demo", seed=1)
    assert {role for _, _, role, _ in DEMO_USERS} == set(User.Role.values)
    for username, _, role, _ in DEMO_USERS:
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None and user.role == role
