"""eldercare safety API under /api/v1/eldercare/: scoped lists and details (404 outside the township), filters,
the hazard steps through the same services (auditors refused), files as metadata with a scoped download link, and
every field described in the schema."""

from __future__ import annotations

import pytest

from eldercare.models import Hazard
from eldercare.services import safety as services
from tests.eldercare import fixtures_safety as fx
from tests.eldercare.fixtures_safety import days_ago, png_upload, today

homes, residents, hazards, projects, media = fx.homes, fx.residents, fx.hazards, fx.projects, fx.media

pytestmark = pytest.mark.django_db

BASE = "/api/v1/eldercare"


def test_hazards_are_scoped_filtered_and_described(client_for, hazards):
    township = client_for("caseworker")
    rows = township.get(f"{BASE}/hazards/").json()["results"]
    assert [r["owner"] for r in rows] == ["甲责任人"]
    assert rows[0]["status_label"] == "整改中" and rows[0]["overdue"] is True
    assert township.get(f"{BASE}/hazards/{hazards['b'].pk}/").status_code == 404
    county = client_for("county_staff")
    assert len(county.get(f"{BASE}/hazards/?overdue=true").json()["results"]) == 2
    assert county.get(f"{BASE}/hazards/?reported=true").json()["results"] == []
    assert county.get(f"{BASE}/hazards/?status=nonsense").status_code == 400


def test_hazard_steps_through_the_api(client_for, users, homes):
    township = client_for("caseworker")
    bad = township.post(
        f"{BASE}/hazards/",
        {
            "home": homes["a"].pk,
            "description": "护栏松动",
            "level": "general",
            "owner": "院长",
            "found_on": today().isoformat(),
            "deadline": days_ago(2).isoformat(),
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and "deadline" in bad.json()
    created = township.post(
        f"{BASE}/hazards/",
        {
            "home": homes["a"].pk,
            "description": "护栏松动",
            "level": "general",
            "owner": "院长",
            "found_on": days_ago(2).isoformat(),
            "deadline": today().isoformat(),
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    other_home = township.post(
        f"{BASE}/hazards/",
        {**created.json(), "home": homes["b"].pk, "found_on": days_ago(2).isoformat()},
        content_type="application/json",
    )
    assert other_home.status_code == 404
    auditor = client_for("auditor")
    assert (
        auditor.post(f"{BASE}/hazards/{pk}/report/", {"reason": "x"}, content_type="application/json").status_code
        == 403
    )
    reported = township.post(f"{BASE}/hazards/{pk}/report/", {"reason": "无力整改"}, content_type="application/json")
    assert reported.status_code == 200 and reported.json()["status"] == "reported"
    closed = client_for("county_staff").post(
        f"{BASE}/hazards/{pk}/close/",
        {"handling": "县里更换", "closed_on": today().isoformat()},
        content_type="application/json",
    )
    assert closed.status_code == 200 and closed.json()["status_label"] == "县民政局已办结"
    assert [step["action"] for step in closed.json()["steps"]] == ["登记隐患", "上报县民政局", "县民政局办结"]
    assert Hazard.objects.get(pk=pk).status == Hazard.Status.CLOSED


def test_projects_and_files_with_a_scoped_download_link(client_for, users, projects, media):
    record = services.upload_project_file(
        actor=users["caseworker"], project=projects["a"], kind="photo", upload=png_upload()
    )
    services.add_milestone(actor=users["caseworker"], project=projects["a"], data={"title": "开工", "due": days_ago(1)})
    township = client_for("caseworker")
    projects_page = township.get(f"{BASE}/renovation-projects/").json()["results"]
    assert [p["name"] for p in projects_page] == ["甲院改厕工程"]
    assert projects_page[0]["milestones"][0]["title"] == "开工" and projects_page[0]["budget"] == "200000.00"
    files = township.get(f"{BASE}/project-files/").json()["results"]
    assert files[0]["original_name"] == "现场照片.png" and files[0]["size"] == record.size
    assert township.get(files[0]["download_url"]).status_code == 200
    assert client_for("caseworker_b").get(files[0]["download_url"]).status_code == 404
    assert client_for("caseworker_b").get(f"{BASE}/project-files/").json()["results"] == []
    assert [m["title"] for m in township.get(f"{BASE}/milestones/").json()["results"]] == ["开工"]
    assert client_for("caseworker_b").get(f"{BASE}/milestones/").json()["results"] == []


def test_inspections_assessments_and_incidents(client_for, users, residents):
    fx.seed_checklist()
    services.record_inspection(
        actor=users["caseworker"],
        home=residents["a"].home,
        data={"date": days_ago(1), "inspectors": "张三"},
        results={},
    )
    services.record_assessment(
        actor=users["caseworker"],
        residence=residents["a"],
        data={"date": today(), "kind": "admission", "assessor": "甲"},
    )
    township = client_for("caseworker")
    assert [i["inspectors"] for i in township.get(f"{BASE}/inspections/").json()["results"]] == ["张三"]
    assert township.get(f"{BASE}/risk-assessments/").json()["results"][0]["self_care"] == "self"
    created = township.post(
        f"{BASE}/incidents/",
        {
            "residence": residents["a"].pk,
            "occurred_at": f"{days_ago(1).isoformat()}T10:00:00+08:00",
            "kind": "fall",
            "description": "跌倒",
            "action": "送医",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    other = township.post(
        f"{BASE}/incidents/",
        {**created.json(), "residence": residents["b"].pk, "occurred_at": f"{days_ago(1).isoformat()}T10:00:00+08:00"},
        content_type="application/json",
    )
    assert other.status_code == 404
    assert client_for("caseworker_b").get(f"{BASE}/incidents/").json()["results"] == []
    assert len(township.get(f"{BASE}/checklist-items/").json()["results"]) >= 16


def test_the_schema_describes_every_field(client_for):
    schema = client_for("county_staff").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert f"{BASE}/hazards/{{id}}/close/" in schema["paths"]
    for name in (
        "Hazard",
        "Inspection",
        "RiskAssessment",
        "Incident",
        "RenovationProject",
        "ProjectFile",
        "Milestone",
        "HazardStep",
    ):
        properties = schema["components"]["schemas"][name]["properties"]
        missing = [field for field, spec in properties.items() if not (spec.get("description") or "$ref" in spec)]
        assert missing == [], (name, missing)
