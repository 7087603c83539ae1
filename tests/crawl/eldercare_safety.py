"""The crawler's objects of eldercare_safety (see ``tests/crawl/__init__.py``): per township a home with a resident
(assessed, with an incident), an inspection with a hazard from it (open), a renovation project with a milestone and
a file record (its bytes are not written: the download answers 404 without touching the media folder); the
county-wide checklist."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from eldercare.models import ChecklistItem, NursingHome, ProjectFile, Residence
from eldercare.models.safety import seed_checklist
from eldercare.services import safety as services
from tests.helpers import make_member

PK_OBJECT: dict[str, str] = {
    "eldercare-inspection-": "safety_inspection",
    "eldercare-hazard-": "safety_hazard",
    "eldercare-home-safety": "safety_home",
    "eldercare-resident-": "safety_residence",
    "eldercare-renovation-": "safety_project",
    "eldercare-milestone-": "safety_milestone",
    "eldercare-project-file": "safety_file",
    "eldercare-checklist-": "safety_checklist_item",
    "api-eldercare-checklist-item": "safety_checklist_item",
    "api-eldercare-inspection": "safety_inspection",
    "api-eldercare-hazard": "safety_hazard",
    "api-eldercare-assessment": "safety_assessment",
    "api-eldercare-incident": "safety_incident",
    "api-eldercare-renovation": "safety_project",
    "api-eldercare-project-file": "safety_file",
    "api-eldercare-milestone": "safety_milestone",
}


def build(side: SimpleNamespace, actor, reviewer) -> None:
    """Create this area's objects for the township of ``side``."""
    tag = side.tag
    seed_checklist()
    side.safety_checklist_item = ChecklistItem.objects.order_by("pk").first()
    home = NursingHome.objects.create(township=side.township, name=f"{tag}安全标记敬老院", beds=30)
    member = make_member(actor, side.household, name=f"{tag}安全标记老人", relation="parent", born=date(1938, 5, 1))
    residence = Residence.objects.create(member=member, home=home, kind="other", start=date(2020, 1, 1))
    items = list(ChecklistItem.objects.filter(active=True)[:2])
    inspection = services.record_inspection(
        actor=actor,
        home=home,
        data={"date": date(2020, 10, 8), "inspectors": f"{tag}安全标记检查组", "findings": f"{tag}安全标记发现"},
        results={items[0].pk: ("ok", ""), items[1].pk: ("problem", f"{tag}安全标记问题")},
    )
    hazard = services.record_hazard(
        actor=actor,
        home=home,
        inspection=inspection,
        data={
            "description": f"{tag}安全标记隐患",
            "level": "major",
            "owner": f"{tag}安全标记责任人",
            "found_on": date(2020, 10, 8),
            "deadline": date(2020, 10, 20),
        },
    )
    assessment = services.record_assessment(
        actor=actor,
        residence=residence,
        data={"date": date(2020, 10, 9), "kind": "admission", "assessor": f"{tag}安全标记评估人", "fall": "high"},
    )
    incident = services.record_incident(
        actor=actor,
        residence=residence,
        data={
            "occurred_at": timezone.make_aware(datetime.combine(date(2020, 10, 10), time(9, 30))),
            "kind": "fall",
            "description": f"{tag}安全标记事件",
            "action": "送医",
        },
    )
    project = services.save_project(
        actor=actor,
        home=home,
        data={
            "name": f"{tag}安全标记改造项目",
            "kind": "three",
            "plan": "改厕",
            "budget": Decimal("100000"),
            "spent": Decimal("20000"),
            "planned_start": date(2020, 5, 1),
            "planned_end": date(2020, 12, 31),
            "actual_start": date(2020, 5, 10),
            "progress": 30,
        },
    )
    milestone = services.add_milestone(actor=actor, project=project, data={"title": "开工", "due": date(2020, 5, 10)})
    file = ProjectFile.objects.create(
        project=project,
        kind="photo",
        file=f"eldercare/crawler-{side.township.pk}-not-written.png",
        original_name=f"{tag}安全标记照片.png",
        size=1,
        uploaded_by=actor,
    )
    side.safety_home = home
    side.safety_residence = residence
    side.safety_inspection = inspection
    side.safety_hazard = hazard
    side.safety_assessment = assessment
    side.safety_incident = incident
    side.safety_project = project
    side.safety_milestone = milestone
    side.safety_file = file
    side.markers += [
        home.name,
        member.name,
        inspection.inspectors,
        hazard.description,
        hazard.owner,
        assessment.assessor,
        incident.description,
        project.name,
        file.original_name,
        member.id_number,
    ]
    side.secrets.append(member.id_number)
