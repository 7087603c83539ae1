"""Builders for the safety tests of eldercare (imported explicitly by the test modules)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from eldercare.models import Hazard, NursingHome, RenovationProject, Residence
from eldercare.models.safety import seed_checklist
from eldercare.services import safety as services
from tests.helpers import make_household, make_member


def today() -> date:
    return timezone.localdate()


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)


def make_home(township, name: str) -> NursingHome:
    return NursingHome.objects.create(township=township, name=name, beds=40)


def make_resident(actor, home: NursingHome, village=None, *, name="入住老人甲", lost: int = 0, start=None) -> Residence:
    from cases.models import Member

    household = make_household(actor, village)
    flags = {field: True for field in list(Member.SELF_CARE_FIELDS)[:lost]}
    member = make_member(actor, household, name=name, born=date(1940, 1, 1), **flags)
    return Residence.objects.create(member=member, home=home, kind="other", start=start or date(2020, 1, 1))


def hazard_data(**overrides) -> dict:
    data = {
        "description": "厨房燃气管道老化",
        "level": Hazard.Level.MAJOR,
        "owner": "王院长",
        "found_on": days_ago(30),
        "deadline": days_ago(10),
    }
    return {**data, **overrides}


def project_data(**overrides) -> dict:
    data = {
        "name": "改厕改浴工程",
        "kind": RenovationProject.Kind.THREE,
        "plan": "改造卫生间 12 间",
        "budget": Decimal("200000.00"),
        "spent": Decimal("0"),
        "planned_start": date(2020, 3, 1),
        "planned_end": date(2020, 9, 30),
        "actual_start": None,
        "progress": 0,
    }
    return {**data, **overrides}


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name: str = "现场照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def pdf_upload(name: str = "验收报告.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n", content_type="application/pdf")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def homes(township_a, township_b, db):
    seed_checklist()
    return {"a": make_home(township_a, "甲安全敬老院"), "b": make_home(township_b, "乙安全敬老院")}


@pytest.fixture
def residents(users, villages, homes):
    return {
        "a": make_resident(users["caseworker"], homes["a"], villages["a"], name="甲入住老人"),
        "b": make_resident(users["caseworker_b"], homes["b"], villages["b"], name="乙入住老人"),
    }


@pytest.fixture
def hazards(users, homes):
    return {
        "a": services.record_hazard(actor=users["caseworker"], home=homes["a"], data=hazard_data(owner="甲责任人")),
        "b": services.record_hazard(
            actor=users["caseworker_b"], home=homes["b"], data=hazard_data(owner="乙责任人", description="乙院电线裸露")
        ),
    }


@pytest.fixture
def projects(users, homes):
    return {
        "a": services.save_project(actor=users["caseworker"], home=homes["a"], data=project_data(name="甲院改厕工程")),
        "b": services.save_project(
            actor=users["caseworker_b"], home=homes["b"], data=project_data(name="乙院维修工程")
        ),
    }
