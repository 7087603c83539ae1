"""The children's pages and API as each role: every read of a child's record logged, another township's record
404, auditors read only and see masked ID and phone numbers, forms name the field, hostile input never a 500; the
exports opened with python-calamine (IDs as text, masked for auditors)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from cases.models import SensitiveAccessLog
from childcare import alerts
from childcare.models import ChildAlert, ChildCase, ChildVisit, LeftBehindChild
from core.months import this_month
from tests.childcare.fixtures_children import make_case, make_child_member, make_left_behind

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users, villages, township_a, township_b):
    child = make_left_behind(users["caseworker"], villages["a"], name="甲留守")
    LeftBehindChild.objects.filter(pk=child.pk).update(start=timezone.localdate() - timedelta(days=40))
    case = make_case(users["caseworker"], villages["a"], name="甲孤儿")
    other = make_left_behind(users["caseworker_b"], villages["b"], name="乙留守")
    other_case = make_case(users["caseworker_b"], villages["b"], name="乙孤儿")
    alerts.run(township_id=township_a.pk, month=this_month())
    alerts.run(township_id=township_b.pk, month=this_month())
    return child, case, other, other_case


PAGES = [
    ("childcare-child-list", None),
    ("childcare-child-detail", "child"),
    ("childcare-case-list", None),
    ("childcare-case-detail", "case"),
    ("childcare-difficulty-list", None),
]


@pytest.mark.parametrize(("name", "obj"), PAGES)
@pytest.mark.parametrize("role", ["caseworker", "reviewer", "county_staff", "auditor"])
def test_every_childrens_page_is_logged_and_auditors_see_masked_numbers(client_for, users, world, name, obj, role):
    child, case, _, _ = world
    target = {"child": child, "case": case}.get(obj)
    url = reverse(name, args=[target.pk]) if target else reverse(name)
    response = client_for(role).get(url)
    text = response.content.decode()
    assert response.status_code == 200
    member = target.member if target else child.member if name == "childcare-child-list" else case.member
    assert member.name in text
    assert SensitiveAccessLog.objects.filter(user=users[role], member=member, action="view").exists()
    if role == "auditor":
        assert member.id_number not in text and member.id_number[:6] in text
        assert "13800138000" not in text
    else:
        assert member.id_number in text


@pytest.mark.parametrize(("name", "index"), [("childcare-child-detail", 2), ("childcare-case-detail", 3)])
def test_another_townships_record_is_not_found(client_for, world, name, index):
    assert client_for("caseworker").get(reverse(name, args=[world[index].pk])).status_code == 404
    assert client_for("county_staff").get(reverse(name, args=[world[index].pk])).status_code == 200


def test_lists_show_only_the_users_township(client_for, world):
    text = client_for("caseworker").get(reverse("childcare-child-list")).content.decode()
    assert "甲留守" in text and "乙留守" not in text
    text = client_for("caseworker").get(reverse("childcare-difficulty-list")).content.decode()
    assert "甲孤儿" in text and "乙孤儿" not in text
    text = client_for("caseworker").get(reverse("childcare-alert-list")).content.decode()
    assert "甲留守" in text and "乙留守" not in text


def test_a_caseworker_records_a_visit_and_the_overdue_mark_goes(client_for, world):
    child = world[0]
    client = client_for("caseworker")
    assert 'data-testid="overdue"' in client.get(reverse("childcare-child-detail", args=[child.pk])).content.decode()
    bad = client.post(
        reverse("childcare-child-visit", args=[child.pk]),
        {"visited_on": "2000-01-01", "visitor": "张干部", "way": "home", "findings": "好"},
    )
    assert bad.status_code == 200 and 'data-field-error="visited_on"' in bad.content.decode()
    hostile = client.post(
        reverse("childcare-child-visit", args=[child.pk]),
        {"visited_on": "９９９９-99-99", "visitor": "a\x00b", "way": "x", "findings": "1e28"},
    )
    assert hostile.status_code == 200 and not ChildVisit.objects.exists()
    done = client.post(
        reverse("childcare-child-visit", args=[child.pk]),
        {
            "visited_on": timezone.localdate().isoformat(),
            "visitor": "张干部",
            "way": "home",
            "findings": "好",
            "seen_in_person": "on",
        },
    )
    assert done.status_code == 302
    assert (
        'data-testid="overdue"' not in client.get(reverse("childcare-child-detail", args=[child.pk])).content.decode()
    )


def test_auditors_never_write(client_for, world):
    child = world[0]
    client = client_for("auditor")
    for url in (
        reverse("childcare-child-new"),
        reverse("childcare-child-edit", args=[child.pk]),
        reverse("childcare-case-new"),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("childcare-child-visit", args=[child.pk]), {}).status_code == 403
    assert client.post(reverse("childcare-alert-start")).status_code == 403
    assert client.post(reverse("childcare-child-generate")).status_code == 403
    assert client_for("caseworker").post(reverse("childcare-alert-start")).status_code == 403


def test_add_a_child_to_the_ledger_through_the_pages(client_for, users, villages):
    member = make_child_member(users["caseworker"], villages["a"], name="新儿童")
    client = client_for("caseworker")
    found = client.get(reverse("childcare-child-new"), {"q": "新儿童"}).content.decode()
    assert f"?member={member.pk}" in found
    url = reverse("childcare-child-new") + f"?member={member.pk}"
    response = client.post(
        url,
        {
            "father_situation": "away",
            "mother_situation": "away",
            "guardian_name": "奶奶",
            "guardian_age": "15",
            "guardian_capacity": "capable",
            "responsible_phone": "abc",
        },
    )
    assert 'data-field-error="responsible_phone"' in response.content.decode()
    response = client.post(
        url,
        {
            "father_situation": "away",
            "mother_situation": "away",
            "guardian_name": "姐姐",
            "guardian_age": "15",
            "guardian_capacity": "capable",
        },
    )
    assert response.status_code == 302
    child = LeftBehindChild.objects.get(member=member)
    assert child.guardian_capacity == "none" and child.guardianship_cases.count() == 1
    again = client.post(url, {"father_situation": "away", "mother_situation": "away", "guardian_capacity": "capable"})
    assert 'data-field-error="member"' in again.content.decode() or "已在留守儿童台账中" in again.content.decode()


def test_the_alert_page_tabs_and_the_county_start(client_for, world, township_a):
    client = client_for("county_staff")
    text = client.get(reverse("childcare-alert-list")).content.decode()
    assert "留守儿童探访逾期" in text and reverse("childcare-child-detail", args=[world[0].pk]) in text
    assert "开展月度核查" in text
    ChildAlert.objects.filter(township=township_a).update(closed_at=timezone.now())
    closed = client.get(reverse("childcare-alert-list"), {"tab": "closed", "kind": "visit_overdue"}).content.decode()
    assert "甲留守" in closed


# API --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "index"),
    [("api-childcare-child-detail", 0), ("api-childcare-case-detail", 1)],
)
def test_the_api_logs_reads_scopes_and_masks(client_for, users, world, name, index):
    obj = world[index]
    response = client_for("auditor").get(reverse(name, args=[obj.pk]))
    assert response.status_code == 200
    body = response.json()
    assert body["member_id_number"] != obj.member.id_number and body["member_id_number"].endswith(
        obj.member.id_number[-4:]
    )
    assert SensitiveAccessLog.objects.filter(user=users["auditor"], member=obj.member, action="api").exists()
    assert index == 0 or body["steps"] == []
    assert client_for("caseworker_b").get(reverse(name, args=[obj.pk])).status_code == 404
    assert client_for("caseworker").get(reverse(name, args=[obj.pk])).json()["member_id_number"] == obj.member.id_number


def test_the_api_lists_and_records_a_visit(client_for, users, world):
    child = world[0]
    client = client_for("caseworker")
    rows = client.get(reverse("api-childcare-child-list"), {"overdue": "true"}).json()["results"]
    assert [r["id"] for r in rows] == [child.pk] and rows[0]["overdue"] is True
    assert SensitiveAccessLog.objects.filter(user=users["caseworker"], member=child.member, action="api").exists()
    bad = client.post(
        reverse("api-childcare-child-visit", args=[child.pk]),
        {"visited_on": "1990-01-01", "visitor": "张", "findings": "好"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "visited_on" in bad.json()
    ok = client.post(
        reverse("api-childcare-child-visit", args=[child.pk]),
        {"visited_on": timezone.localdate().isoformat(), "visitor": "张", "findings": "好"},
        content_type="application/json",
    )
    assert ok.status_code == 201
    assert client.get(reverse("api-childcare-child-list"), {"overdue": "true"}).json()["results"] == []
    assert (
        client_for("auditor")
        .post(reverse("api-childcare-child-visit", args=[child.pk]), {}, content_type="application/json")
        .status_code
        == 403
    )
    alerts_rows = client.get(reverse("api-childcare-alert-list")).json()["results"]
    assert {a["subject"].split(" · ")[0] for a in alerts_rows} >= {"甲留守"}
    assert all(a["township"] == child.township_id for a in alerts_rows)
    for name in ("api-childcare-visit-list", "api-childcare-guardianship-list", "api-childcare-case-list"):
        assert client.get(reverse(name)).status_code == 200


# Exports ----------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"


def _export(client, kind: str, **params):
    url = reverse("export-start") + "?" + "&".join(f"{k}={v}" for k, v in {"kind": kind, **params}.items())
    asked = client.get(url)
    assert 'data-testid="export-reason"' in asked.content.decode()  # sensitive: a reason first
    done = client.post(url, {"reason": "核对儿童关爱台账"})
    assert done.content.startswith(b"PK")
    return CalamineWorkbook.from_filelike(io.BytesIO(done.content)).get_sheet_by_index(0).to_python()


@pytest.mark.parametrize(
    ("kind", "name", "index"),
    [("childcare_children", "甲留守", 0), ("childcare_cases", "甲孤儿", 1), ("childcare_difficulty", "甲孤儿", 1)],
)
def test_exports_hold_ids_as_text_masked_for_auditors(client_for, users, world, kind, name, index):
    member = world[index].member
    rows = _export(client_for("caseworker"), kind)
    row = next(r for r in rows if r[0] == name)
    assert row[1] == member.id_number and isinstance(row[1], str)
    assert not any(r[0].startswith("乙") for r in rows[1:])
    assert SensitiveAccessLog.objects.filter(user=users["caseworker"], member=member, action="export").exists()
    audited = _export(client_for("auditor"), kind)
    row = next(r for r in audited if r[0] == name)
    assert row[1] != member.id_number and row[1].endswith(member.id_number[-4:])
    assert member.id_number not in str(audited)
    if kind == "childcare_children":
        assert "13800138000" not in str(audited) and "13800138000" in str(rows)


def test_the_alert_export(client_for, world):
    rows = _export(client_for("county_staff"), "childcare_alerts")
    assert rows[0][0] == "类别" and any("甲留守" in r[1] for r in rows[1:]) and any("乙孤儿" in r[1] for r in rows[1:])


def test_a_case_is_opened_reviewed_and_approved_through_the_pages(client_for, users, villages):
    member = make_child_member(users["caseworker"], villages["a"], name="页面孤儿", age=12)
    client = client_for("caseworker")
    url = reverse("childcare-case-new") + f"?member={member.pk}"
    data = {
        "category": "orphan",
        "father_basis": "dead",
        "father_evidence": "death",
        "father_evidence_ref": "证明1",
        "mother_basis": "dead",
        "mother_evidence": "death",
        "mother_evidence_ref": "证明2",
        "placement": "dispersed",
        "insured": "on",
        "insurance_policy": "P-1",
        "insurer": "人保",
        "insurance_from": "2026-01-01",
        "insurance_to": "2025-12-31",
    }
    bad = client.post(url, data)
    assert 'data-field-error="insurance_to"' in bad.content.decode()
    done = client.post(url, {**data, "insurance_to": "2026-12-31"})
    assert done.status_code == 302
    case = ChildCase.objects.get(member=member)
    detail = reverse("childcare-case-detail", args=[case.pk])
    step = client.post(
        reverse("childcare-case-step", args=[case.pk]),
        {"kind": "review", "on": timezone.localdate().isoformat(), "findings": "情况未变"},
    )
    assert step.status_code == 302
    pending = case.steps.get()
    assert "提交审批" not in client.get(detail).content.decode().split('data-testid="steps"')[1]
    assert client.post(reverse("childcare-step-decide", args=[pending.pk]), {"decision": "approve"}).status_code == 403
    decided = client_for("reviewer").post(reverse("childcare-step-decide", args=[pending.pk]), {"decision": "approve"})
    assert decided.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "approved" and pending.decided_by == users["reviewer"]
    text = client_for("county_staff").get(detail).content.decode()
    assert "年度复核" in text and "修改记录" in text and "已批准" in text


def test_the_schema_describes_every_field_of_the_childrens_api(client_for):
    schema = client_for("county_staff").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ("/api/v1/childcare/children/", "/api/v1/childcare/cases/{id}/", "/api/v1/childcare/alerts/"):
        assert path in schema["paths"]
    for name in ("LeftBehindChild", "ChildVisit", "GuardianshipCase", "ChildCase", "ChildAlert"):
        properties = schema["components"]["schemas"][name]["properties"]
        undescribed = [f for f, spec in properties.items() if f != "id" and not spec.get("description")]
        assert undescribed == [], (name, undescribed)
