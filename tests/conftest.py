from __future__ import annotations

import importlib

import factory
import pytest
from django.apps import apps as django_apps
from django.test import Client

from cases.models import Township, User, Village

PASSWORD = "Test@12345"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="zh_CN")
    password = factory.django.Password(PASSWORD)


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    township = factory.LazyFunction(lambda: Township.objects.first())
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.township.code}{n % 1000:03d}")  # 12 digits, as 区划代码
    name = factory.Sequence(lambda n: f"测试{n}村")


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests (live server, real Celery worker) end with a flush that empties every table; the
    townships, default parameters, the nursing-home checklist and the pilot township loaded by data migrations are
    put back before each database test."""
    if request.node.get_closest_marker("django_db") is None and "db" not in request.fixturenames:
        return
    request.getfixturevalue("_django_db_helper")
    from assistance.reference import load_default_parameters
    from cases.reference import load_townships
    from core.models import PolicyParameter
    from eldercare.models.safety import seed_checklist
    from eldercare.services.people import seed_pilot_townships

    if not Township.objects.exists():
        load_townships(Township)
        load_default_parameters(PolicyParameter)
        seed_checklist()
        seed_pilot_townships()
        for migration in (  # the beat schedule rows
            "assistance.migrations.0007_monthly_schedule",
            "assistance.migrations.0009_comparison_schedule",
            "assistance.migrations.0022_care_alert_schedules",
            "payments.migrations.0004_timeliness_schedule",
            "core.migrations.0002_purge_schedule",
        ):
            importlib.import_module(migration).schedule(django_apps, None)


@pytest.fixture
def township_a(db) -> Township:
    return Township.objects.get(name="汉葭街道")


@pytest.fixture
def township_b(db) -> Township:
    return Township.objects.get(name="郁山镇")


@pytest.fixture
def villages(township_a, township_b) -> dict[str, Village]:
    return {
        "a": VillageFactory(township=township_a, name="甲村"),
        "b": VillageFactory(township=township_b, name="乙村"),
    }


@pytest.fixture
def users(township_a, township_b) -> dict[str, User]:
    """One user per role; township roles in township A, plus a caseworker of township B."""
    return {
        "caseworker": UserFactory(username="cw_a", role=User.Role.CASEWORKER, township=township_a),
        "reviewer": UserFactory(username="rv_a", role=User.Role.REVIEWER, township=township_a),
        "caseworker_b": UserFactory(username="cw_b", role=User.Role.CASEWORKER, township=township_b),
        "county_staff": UserFactory(username="county", role=User.Role.COUNTY_STAFF, township=None),
        "county_admin": UserFactory(
            username="cadmin", role=User.Role.COUNTY_ADMIN, township=None, is_staff=True, is_superuser=True
        ),
        "auditor": UserFactory(username="audit", role=User.Role.AUDITOR, township=None),
    }


@pytest.fixture
def client_for(users):
    def make(role: str) -> Client:
        client = Client()
        client.force_login(users[role])
        return client

    return make
