"""eldercare safety pages per role: lists (filters, tabs, the county's list, export links), the inspection form
rendered from the active checklist, hazard steps, risk assessment and incident forms, renovation with files
(download scoped), completion and the county's acceptance; another township's object is 404, auditors read only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from eldercare.models import ChecklistItem, Hazard, Inspection, ProjectFile, RiskAssessment
from eldercare.services import safety as services
from tests.eldercare import fixtures_safety as fx
from tests.eldercare.fixtures_safety import days_ago, png_upload, today

homes, residents, hazards, projects, media = fx.homes, fx.residents, fx.hazards, fx.projects, fx.media

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_the_hazard_list_is_scoped_with_tabs_overdue_and_export(client_for, hazards):
    page = client_for("caseworker").get(reverse("eldercare-hazard-list"))
    assert page.status_code == 200
    body = text(page)
    assert "甲责任人" in body and "乙责任人" not in body
    assert "kind=eldercare_hazards" in body and "已逾期" in body
    county = text(client_for("county_staff").get(reverse("eldercare-hazard-list") + "?overdue=1"))
    assert "甲责任人" in county and "乙责任人" in county
    filtered = text(client_for("county_staff").get(reverse("eldercare-hazard-list") + f"?home={hazards['b'].home_id}"))
    assert "乙责任人" in filtered and "甲责任人" not in filtered


def test_the_county_list_shows_reported_hazards(client_for, users, hazards):
    services.report_hazard(actor=users["caseworker_b"], hazard=hazards["b"], reason="乙院无力整改")
    county = text(client_for("county_staff").get(reverse("eldercare-hazard-list") + "?reported=1"))
    assert "乙院电线裸露" in county and "厨房燃气管道老化" not in county
    township = text(client_for("caseworker").get(reverse("eldercare-hazard-list") + "?reported=1"))
    assert "乙院电线裸露" not in township


def test_another_townships_objects_are_404(client_for, hazards, projects, residents, media, users):
    record = services.upload_project_file(
        actor=users["caseworker_b"], project=projects["b"], kind="photo", upload=png_upload()
    )
    client = client_for("caseworker")
    for url in (
        reverse("eldercare-hazard-detail", args=[hazards["b"].pk]),
        reverse("eldercare-renovation-detail", args=[projects["b"].pk]),
        reverse("eldercare-project-file", args=[record.pk]),
        reverse("eldercare-resident-safety", args=[residents["b"].pk]),
        reverse("eldercare-home-safety", args=[residents["b"].home_id]),
        reverse("eldercare-inspection-new") + f"?home={residents['b'].home_id}",
    ):
        assert client.get(url).status_code == 404, url
    download = client_for("caseworker_b").get(reverse("eldercare-project-file", args=[record.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == fx.png_bytes()
    assert "attachment" in download["Content-Disposition"]


def test_the_inspection_form_shows_the_active_checklist_and_records(client_for, homes):
    ChecklistItem.objects.filter(text="压疮").update(active=False)
    client = client_for("caseworker")
    url = reverse("eldercare-inspection-new") + f"?home={homes['a'].pk}"
    body = text(client.get(url))
    assert "值班巡查与交接班" in body and "文娱活动意外" in body and ">压疮<" not in body
    items = list(ChecklistItem.objects.filter(active=True))
    data = {"date": days_ago(1).isoformat(), "inspectors": "民政办张三", "findings": "灭火器过期"}
    data |= {f"item_{i.pk}": "ok" for i in items}
    data[f"item_{items[0].pk}"] = "problem"
    refused = client.post(url, {**data, f"note_{items[0].pk}": ""})
    assert refused.status_code == 200 and "存在问题，请填写说明" in text(refused)
    assert not Inspection.objects.exists()
    done = client.post(url, {**data, f"note_{items[0].pk}": "评估表未签字"})
    inspection = Inspection.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("eldercare-inspection-detail", args=[inspection.pk])
    detail = text(client.get(done["Location"]))
    assert "评估表未签字" in detail and "修改记录" in detail
    listed = text(client.get(reverse("eldercare-inspection-list") + f"?by=township&month={days_ago(1):%Y-%m}"))
    assert "民政办张三" in listed and "kind=eldercare_inspections" in listed
    assert client.get(reverse("eldercare-inspection-list") + "?month=2020-99").status_code == 200


def test_hazard_steps_through_the_pages(client_for, hazards, media):
    client = client_for("caseworker")
    hazard = hazards["a"]
    url = reverse("eldercare-hazard-detail", args=[hazard.pk])
    page = text(client.get(url))
    assert "登记整改完成" in page and "整改逾期" in page and "修改记录" in page
    bad = client.post(
        reverse("eldercare-hazard-fix", args=[hazard.pk]),
        {"fixed_on": today().isoformat(), "evidence": "已更换", "evidence_file": fx.pdf_upload("说明.exe")},
    )
    assert bad.status_code == 200 and 'data-field-error="evidence_file"' in text(bad)
    done = client.post(
        reverse("eldercare-hazard-fix", args=[hazard.pk]),
        {"fixed_on": today().isoformat(), "evidence": "已更换", "evidence_file": png_upload()},
    )
    assert done.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.FIXED
    page = text(client.get(url))
    assert "整改完成" in page and "现场照片.png" in page
    assert client.get(reverse("eldercare-hazard-evidence", args=[hazard.pk])).status_code == 200
    assert client_for("caseworker_b").get(reverse("eldercare-hazard-evidence", args=[hazard.pk])).status_code == 404


def test_a_hazard_deadline_before_discovery_is_shown_on_its_field(client_for, homes):
    response = client_for("caseworker").post(
        reverse("eldercare-hazard-new") + f"?home={homes['a'].pk}",
        {
            "description": "电线老化",
            "level": "general",
            "owner": "院长",
            "found_on": today().isoformat(),
            "deadline": (today() - timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert 'data-field-error="deadline"' in text(response) and "整改期限不能早于发现日期" in text(response)
    assert not Hazard.objects.exists()


def test_the_auditor_reads_but_never_writes(client_for, hazards, projects, residents):
    auditor = client_for("auditor")
    assert auditor.get(reverse("eldercare-hazard-detail", args=[hazards["a"].pk])).status_code == 200
    page = text(auditor.get(reverse("eldercare-renovation-detail", args=[projects["a"].pk])))
    assert 'data-testid="upload-form"' not in page and 'data-testid="complete-form"' not in page
    for url in (
        reverse("eldercare-hazard-new"),
        reverse("eldercare-inspection-new"),
        reverse("eldercare-resident-assess", args=[residents["a"].pk]),
        reverse("eldercare-renovation-new"),
        reverse("eldercare-checklist-new"),
    ):
        assert auditor.get(url).status_code == 403, url
    refused = auditor.post(reverse("eldercare-hazard-report", args=[hazards["a"].pk]), {"reason": "x"})
    assert refused.status_code == 403
    assert Hazard.objects.get(pk=hazards["a"].pk).status == Hazard.Status.RECTIFYING


def test_the_home_page_lists_residents_to_assess_and_the_assessment_form(client_for, residents):
    client = client_for("caseworker")
    home = residents["a"].home
    page = text(client.get(reverse("eldercare-home-safety", args=[home.pk])))
    assert "甲入住老人" in page and "待评估" in page and "乙入住老人" not in page
    assert residents["a"].member.id_number not in text(
        client_for("auditor").get(reverse("eldercare-home-safety", args=[home.pk]))
    )
    url = reverse("eldercare-resident-assess", args=[residents["a"].pk])
    assert "九防风险" in text(client.get(url)) and "自理" in text(client.get(url))
    data = {"date": today().isoformat(), "kind": "admission", "assessor": "护理员", "fall": "high"}
    data |= {name: "none" for name in RiskAssessment.RISK_FIELDS if name != "fall"}
    assert client.post(url, data).status_code == 302
    page = text(client.get(reverse("eldercare-resident-safety", args=[residents["a"].pk])))
    assert "入院评估" in page and "跌倒" in page
    home_page = text(client.get(reverse("eldercare-home-safety", args=[home.pk])))
    assert 'data-testid="to-assess-count">待评估 0' in home_page


def test_the_incident_form(client_for, residents):
    client = client_for("caseworker")
    url = reverse("eldercare-resident-incident", args=[residents["a"].pk])
    data = {
        "occurred_at": f"{days_ago(1):%Y-%m-%d}T09:30",
        "kind": "choking",
        "description": "进食呛咳",
        "action": "拍背",
    }
    assert client.post(url, {**data, "kind": "x\x00"}).status_code == 200
    assert client.post(url, data).status_code == 302
    listed = text(client.get(reverse("eldercare-incident-list") + "?kind=choking"))
    assert "甲入住老人" in listed and "噎食" in listed
    assert "甲入住老人" not in text(client_for("caseworker_b").get(reverse("eldercare-incident-list")))


def test_renovation_upload_complete_and_accept_through_the_pages(client_for, projects, media):
    project = projects["a"]
    township = client_for("caseworker")
    detail = reverse("eldercare-renovation-detail", args=[project.pk])
    not_image = township.post(
        reverse("eldercare-renovation-upload", args=[project.pk]),
        {"kind": "photo", "file": fx.pdf_upload("假照片.jpg")},
    )
    assert not_image.status_code == 200 and 'data-field-error="file"' in text(not_image)
    assert not ProjectFile.objects.exists()
    uploaded = township.post(
        reverse("eldercare-renovation-upload", args=[project.pk]), {"kind": "photo", "file": png_upload()}
    )
    assert uploaded.status_code == 302 and ProjectFile.objects.count() == 1
    milestone = township.post(
        reverse("eldercare-renovation-milestone", args=[project.pk]), {"title": "主体完工", "due": "2020-06-30"}
    )
    assert milestone.status_code == 302
    assert (
        township.post(
            reverse("eldercare-renovation-complete", args=[project.pk]), {"actual_end": days_ago(1).isoformat()}
        ).status_code
        == 302
    )
    assert (
        township.post(
            reverse("eldercare-renovation-accept", args=[project.pk]),
            {"accepted_on": today().isoformat(), "note": "好"},
        ).status_code
        == 403
    )
    county = client_for("county_staff")
    page = text(county.get(detail))
    assert "验收通过" in page and "confirm(" in page and "主体完工" in page and "现场照片.png" in page
    accepted = county.post(
        reverse("eldercare-renovation-accept", args=[project.pk]), {"accepted_on": today().isoformat(), "note": "合格"}
    )
    assert accepted.status_code == 302
    assert "已验收" in text(county.get(detail))
    list_page = text(county.get(reverse("eldercare-renovation-list") + "?status=accepted"))
    assert "甲院改厕工程" in list_page and "乙院维修工程" not in list_page and "kind=eldercare_renovations" in list_page


def test_the_one_who_recorded_completion_cannot_accept_on_the_page(client_for, users, projects):
    services.record_completion(actor=users["county_staff"], project=projects["a"], actual_end=days_ago(1))
    page = text(client_for("county_staff").get(reverse("eldercare-renovation-detail", args=[projects["a"].pk])))
    assert "验收通过" not in page and "登记完工的人员不能同时验收" in page
    response = client_for("county_staff").post(
        reverse("eldercare-renovation-accept", args=[projects["a"].pk]),
        {"accepted_on": today().isoformat(), "note": "合格"},
    )
    assert response.status_code == 403


def test_the_checklist_is_edited_by_the_county_only(client_for):
    fx.seed_checklist()
    item = ChecklistItem.objects.get(text="走失")
    assert client_for("caseworker").get(reverse("eldercare-checklist-edit", args=[item.pk])).status_code == 403
    county = client_for("county_admin")
    response = county.post(
        reverse("eldercare-checklist-edit", args=[item.pk]),
        {"heading": "服务防护", "text": "走失（含夜间）", "order": 80},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.text, item.active) == ("走失（含夜间）", False)
    assert "走失（含夜间）" in text(county.get(reverse("eldercare-checklist")))
