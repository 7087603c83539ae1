"""Safety services of eldercare: inspections, hazards and their steps, risk assessments (self-care from the
registry), incidents, renovation projects, files and the county's acceptance; bad input refused naming the field,
nothing half-saved."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.models import Member
from eldercare.models import (
    ChecklistItem,
    Hazard,
    HazardStep,
    Incident,
    Inspection,
    InspectionResult,
    ProjectFile,
    RenovationProject,
    RiskAssessment,
)
from eldercare.models.safety import GB38600_CHECKLIST, seed_checklist
from eldercare.selectors import safety as selectors
from eldercare.services import safety as services
from tests.eldercare import fixtures_safety as fx
from tests.eldercare.fixtures_safety import days_ago, hazard_data, pdf_upload, png_upload, project_data, today

homes, residents, hazards, projects, media = fx.homes, fx.residents, fx.hazards, fx.projects, fx.media

pytestmark = pytest.mark.django_db


def fields_of(error: ValidationError) -> set[str]:
    return set(error.value.message_dict)


# Checklist ---------------------------------------------------------------------------------------------------------


def test_the_checklist_seed_has_the_gb38600_headings_and_runs_once(db):
    ChecklistItem.objects.all().delete()
    assert seed_checklist() == len(GB38600_CHECKLIST)
    assert seed_checklist() == 0
    headings = set(ChecklistItem.objects.values_list("heading", flat=True))
    assert headings == {"安全风险评估", "服务防护", "管理要求"}
    protections = set(ChecklistItem.objects.filter(heading="服务防护").values_list("text", flat=True))
    assert {"噎食", "食品药品误食", "压疮", "烫伤", "坠床", "跌倒", "他伤和自伤", "走失", "文娱活动意外"} == protections
    assert {"人员培训", "值班巡查与交接班", "应急预案与演练", "消防安全", "食品安全", "设施设备"} <= set(
        ChecklistItem.objects.filter(heading="管理要求").values_list("text", flat=True)
    )


def test_only_the_county_edits_the_checklist(users, homes):
    with pytest.raises(PermissionDenied):
        services.save_checklist_item(actor=users["caseworker"], data={"heading": "管理要求", "text": "x", "order": 1})
    item = services.save_checklist_item(
        actor=users["county_staff"], data={"heading": "管理要求", "text": "防汛", "order": 500, "active": True}
    )
    assert item.pk and item.active


# Inspections --------------------------------------------------------------------------------------------------------


def test_an_inspection_records_its_checklist_and_who_inspected(users, homes):
    items = list(selectors.checklist(active_only=True)[:3])
    results = {items[0].pk: ("ok", ""), items[1].pk: ("problem", "灭火器过期"), items[2].pk: ("unchecked", "")}
    data = {"date": days_ago(2), "inspectors": "张三、李四", "findings": "消防器材不全"}
    township = services.record_inspection(actor=users["caseworker"], home=homes["a"], data=data, results=results)
    county = services.record_inspection(actor=users["county_staff"], home=homes["a"], data=data, results=results)
    assert (township.by, county.by) == (Inspection.By.TOWNSHIP, Inspection.By.COUNTY)
    assert township.results.get(item=items[1]).note == "灭火器过期"
    assert selectors.inspection_list(users["caseworker"]).get(pk=township.pk).problems == 1


def test_an_inspection_with_a_problem_and_no_note_is_refused_whole(users, homes):
    item = selectors.checklist(active_only=True).first()
    with pytest.raises(ValidationError) as error:
        services.record_inspection(
            actor=users["caseworker"],
            home=homes["a"],
            data={"date": today() + timedelta(days=3), "inspectors": ""},
            results={item.pk: ("problem", "")},
        )
    assert {"date", "inspectors", f"item_{item.pk}"} <= fields_of(error)
    assert not Inspection.objects.exists() and not InspectionResult.objects.exists()


def test_a_township_records_only_its_own_homes(users, homes):
    with pytest.raises(PermissionDenied):
        services.record_hazard(actor=users["caseworker"], home=homes["b"], data=hazard_data())
    with pytest.raises(PermissionDenied):
        services.record_hazard(actor=users["auditor"], home=homes["a"], data=hazard_data())


# Hazards ------------------------------------------------------------------------------------------------------------


def test_a_deadline_before_discovery_is_refused_on_the_deadline(users, homes):
    with pytest.raises(ValidationError) as error:
        services.record_hazard(
            actor=users["caseworker"], home=homes["a"], data=hazard_data(found_on=days_ago(3), deadline=days_ago(5))
        )
    assert error.value.message_dict["deadline"] == ["整改期限不能早于发现日期。"]
    assert not Hazard.objects.exists()


def test_bad_hazard_text_and_level_are_refused_naming_the_field(users, homes):
    with pytest.raises(ValidationError) as error:
        services.record_hazard(
            actor=users["caseworker"],
            home=homes["a"],
            data=hazard_data(description="漏\x00电", level="huge", owner="", found_on=date(9999, 1, 1)),
        )
    assert {"description", "level", "owner", "found_on"} <= fields_of(error)


def test_a_hazard_from_another_homes_inspection_is_refused(users, homes):
    inspection = services.record_inspection(
        actor=users["county_staff"], home=homes["b"], data={"date": days_ago(40), "inspectors": "县检查组"}, results={}
    )
    with pytest.raises(ValidationError) as error:
        services.record_hazard(actor=users["county_staff"], home=homes["a"], data=hazard_data(), inspection=inspection)
    assert "inspection" in fields_of(error)


def test_fixing_a_hazard_with_evidence_and_a_photo(users, hazards, media):
    hazard = services.fix_hazard(
        actor=users["caseworker"],
        hazard=hazards["a"],
        data={"fixed_on": today(), "evidence": "已更换燃气管道"},
        upload=png_upload(),
    )
    assert hazard.status == Hazard.Status.FIXED and hazard.evidence_file_name == "现场照片.png"
    stored = Path(hazard.evidence_file.path)
    assert stored.parent == media / "eldercare" and stored.exists() and "现场" not in stored.name
    assert list(HazardStep.objects.filter(hazard=hazard).values_list("action", flat=True)) == ["登记隐患", "整改完成"]
    with pytest.raises(ValidationError):  # not twice
        services.fix_hazard(actor=users["caseworker"], hazard=hazard, data={"fixed_on": today(), "evidence": "再次"})


def test_evidence_that_is_not_an_image_leaves_the_hazard_open(users, hazards, media):
    fake = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as error:
        services.fix_hazard(
            actor=users["caseworker"], hazard=hazards["a"], data={"fixed_on": today(), "evidence": "x"}, upload=fake
        )
    assert "evidence_file" in fields_of(error)
    hazards["a"].refresh_from_db()
    assert hazards["a"].status == Hazard.Status.RECTIFYING
    assert not (media / "eldercare").exists() or not any((media / "eldercare").iterdir())


def test_fixed_before_found_is_refused(users, hazards):
    with pytest.raises(ValidationError) as error:
        services.fix_hazard(
            actor=users["caseworker"], hazard=hazards["a"], data={"fixed_on": days_ago(100), "evidence": "修好"}
        )
    assert "fixed_on" in fields_of(error)


def test_a_reported_hazard_goes_on_the_county_list_and_only_the_county_closes_it(users, hazards):
    services.report_hazard(actor=users["caseworker"], hazard=hazards["a"], reason="需整体改造，资金不足")
    county_list = selectors.hazard_list(users["county_staff"], today(), selectors.HazardFilter(reported=True))
    assert list(county_list) == [hazards["a"]]
    own_list = selectors.hazard_list(users["caseworker_b"], today(), selectors.HazardFilter(reported=True))
    assert list(own_list) == []
    with pytest.raises(PermissionDenied):
        services.close_hazard(actor=users["caseworker"], hazard=hazards["a"], handling="自行处理")
    with pytest.raises(ValidationError) as error:
        services.close_hazard(actor=users["county_staff"], hazard=hazards["a"], handling="")
    assert "handling" in fields_of(error)
    hazard = services.close_hazard(actor=users["county_staff"], hazard=hazards["a"], handling="已安排专项资金更换")
    assert hazard.status == Hazard.Status.CLOSED and hazard.closed_on == today()
    with pytest.raises(ValidationError):  # a fixed (or closed) hazard is not reported again
        services.report_hazard(actor=users["caseworker"], hazard=hazard, reason="再报")


# Residents -------------------------------------------------------------------------------------------------------


def test_an_assessment_takes_the_self_care_level_from_the_registry(users, residents):
    residence = residents["a"]
    data = {"date": days_ago(1), "kind": "admission", "assessor": "护理员甲", "fall": "high", "choking": "low"}
    first = services.record_assessment(actor=users["caseworker"], residence=residence, data=data)
    assert (first.self_care, first.self_care_lost, first.fall, first.scald) == ("self", 0, "high", "none")
    assert first.high_risks() == ["跌倒"]
    row = selectors.residents_with_assessment(residence.home, today()).get(pk=residence.pk)
    assert not row.needs_assessment
    # the registry now says four activities are lost: 全失能, the resident waits for a reassessment
    Member.objects.filter(pk=residence.member_id).update(
        cannot_eat=True, cannot_dress=True, cannot_transfer=True, cannot_toilet=True
    )
    residence.member.refresh_from_db()
    row = selectors.residents_with_assessment(residence.home, today()).get(pk=residence.pk)
    assert (row.level_now, row.assessed_level, row.needs_assessment) == ("full", "self", True)
    again = services.record_assessment(
        actor=users["caseworker"], residence=residence, data={**data, "kind": "change", "date": today()}
    )
    assert (again.self_care, again.self_care_lost) == ("full", 4)
    assert not selectors.residents_with_assessment(residence.home, today()).get(pk=residence.pk).needs_assessment


def test_a_resident_without_an_admission_assessment_is_listed_to_assess(users, residents):
    summary = selectors.home_safety_summary(users["caseworker"], residents["a"].home, today())
    assert [r.pk for r in summary["to_assess"]] == [residents["a"].pk]
    services.record_assessment(
        actor=users["caseworker"],
        residence=residents["a"],
        data={"date": today(), "kind": "regular", "assessor": "甲"},
    )  # a regular assessment is not the admission one
    summary = selectors.home_safety_summary(users["caseworker"], residents["a"].home, today())
    assert [r.pk for r in summary["to_assess"]] == [residents["a"].pk]


def test_an_assessment_outside_the_stay_or_with_bad_risks_is_refused(users, residents):
    with pytest.raises(ValidationError) as error:
        services.record_assessment(
            actor=users["caseworker"],
            residence=residents["a"],
            data={"date": date(2019, 6, 1), "kind": "later", "assessor": "", "fall": "extreme"},
        )
    assert {"date", "kind", "assessor", "fall"} <= fields_of(error)
    assert not RiskAssessment.objects.exists()


def test_an_incident_is_recorded_with_what_was_done(users, residents):
    when = timezone.make_aware(datetime.combine(days_ago(1), datetime.min.time())) + timedelta(hours=15)
    incident = services.record_incident(
        actor=users["caseworker"],
        residence=residents["a"],
        data={
            "occurred_at": when,
            "kind": "fall",
            "description": "浴室滑倒",
            "action": "送医检查",
            "reported_to": "家属",
        },
    )
    assert incident.get_kind_display() == "跌倒"
    with pytest.raises(ValidationError) as error:
        services.record_incident(
            actor=users["caseworker"],
            residence=residents["a"],
            data={"occurred_at": timezone.now() + timedelta(days=1), "kind": "fly", "description": "", "action": ""},
        )
    assert {"occurred_at", "kind", "description", "action"} <= fields_of(error)
    assert Incident.objects.count() == 1


# Renovation -------------------------------------------------------------------------------------------------------


def test_project_bad_input_is_refused_naming_the_field(users, homes):
    bad = project_data(
        budget=Decimal("1000"), spent=Decimal("1500"), planned_end=date(2020, 1, 1), progress=150, name=""
    )
    with pytest.raises(ValidationError) as error:
        services.save_project(actor=users["caseworker"], home=homes["a"], data=bad)
    assert {"spent", "planned_end", "progress", "name"} <= fields_of(error)
    assert not RenovationProject.objects.exists()


def test_progress_makes_a_project_underway(users, projects):
    project = services.save_project(
        actor=users["caseworker"], project=projects["a"], data=project_data(progress=40, spent=Decimal("50000"))
    )
    assert (project.status, project.progress, project.spent) == ("underway", 40, Decimal("50000.00"))


def test_files_are_type_checked_size_limited_and_stored_with_a_random_name(users, projects, media):
    project = projects["a"]
    photo = services.upload_project_file(actor=users["caseworker"], project=project, kind="photo", upload=png_upload())
    document = services.upload_project_file(
        actor=users["caseworker"], project=project, kind="document", upload=pdf_upload()
    )
    assert (photo.original_name, document.original_name) == ("现场照片.png", "验收报告.pdf")
    assert Path(photo.file.path).parent == media / "eldercare" and photo.size == Path(photo.file.path).stat().st_size
    not_image = SimpleUploadedFile("a.png", b"%PDF-1.4 pretending", content_type="image/png")
    with pytest.raises(ValidationError) as error:
        services.upload_project_file(actor=users["caseworker"], project=project, kind="photo", upload=not_image)
    assert error.value.message_dict["file"][0].startswith("照片不是有效的图片文件")
    exe = SimpleUploadedFile("report.pdf", b"MZ\x90\x00", content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        services.upload_project_file(actor=users["caseworker"], project=project, kind="document", upload=exe)
    assert "file" in fields_of(error)
    with pytest.raises(ValidationError) as error:
        services.check_upload(png_upload(), "photo", "file", limit=10)
    assert error.value.message_dict["file"][0].startswith("文件过大")
    assert ProjectFile.objects.count() == 2
    assert len(list((media / "eldercare").iterdir())) == 2


def test_a_file_over_the_size_limit_is_refused(users, projects, media, monkeypatch):
    monkeypatch.setattr(services, "MAX_FILE_BYTES", 1024)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 2048, content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        services.upload_project_file(actor=users["caseworker"], project=projects["a"], kind="document", upload=big)
    assert error.value.message_dict["file"] == ["文件过大：不能超过 1 KB。"]
    assert not ProjectFile.objects.exists()


def test_acceptance_by_a_county_writer_other_than_who_recorded_completion(users, projects):
    project = projects["a"]
    with pytest.raises(ValidationError):  # not completed yet
        services.accept_project(actor=users["county_staff"], project=project, accepted_on=today(), note="好")
    project = services.record_completion(actor=users["county_staff"], project=project, actual_end=days_ago(1))
    assert (project.status, project.progress) == ("completed", 100)
    with pytest.raises(PermissionDenied):
        services.accept_project(actor=users["caseworker"], project=project, accepted_on=today(), note="好")
    with pytest.raises(PermissionDenied) as refused:
        services.accept_project(actor=users["county_staff"], project=project, accepted_on=today(), note="好")
    assert "登记完工的人员不能同时验收" in str(refused.value)
    with pytest.raises(ValidationError) as error:
        services.accept_project(actor=users["county_admin"], project=project, accepted_on=days_ago(5), note="")
    assert {"accepted_on", "note"} <= fields_of(error)
    project = services.accept_project(actor=users["county_admin"], project=project, accepted_on=today(), note="合格")
    assert (project.status, project.accepted_by) == ("accepted", users["county_admin"])
    with pytest.raises(ValidationError):  # an accepted project is no longer changed
        services.save_project(actor=users["county_staff"], project=project, data=project_data())
