"""eldercare people API under /api/v1/eldercare/: scope, masking, filters, writes through the services, bad input
refused with the field named, and the schema describing every field."""

from __future__ import annotations

from datetime import date

import pytest

from eldercare import alerts
from eldercare.models import CareFacility, ElderVisit
from tests.eldercare.fixtures_people import days_ago, elder_member, ledger_row, tekun_person

pytestmark = pytest.mark.django_db

API = "/api/v1/eldercare"


@pytest.fixture
def elders(users, villages):
    cw, cw_b = users["caseworker"], users["caseworker_b"]
    a = ledger_row(cw, elder_member(cw, villages["a"], name="甲镇老人"), entered_on=date(2020, 1, 1))
    b = ledger_row(cw_b, elder_member(cw_b, villages["b"], name="乙镇老人"), entered_on=date(2020, 1, 1))
    return {"a": a, "b": b}


def test_the_ledger_is_scoped_masked_and_filtered(client_for, elders):
    rows = client_for("caseworker").get(f"{API}/elders/").json()["results"]
    assert [r["member_name"] for r in rows] == ["甲镇老人"]
    assert rows[0]["overdue"] is True and rows[0]["id_number"] == elders["a"].member.id_number
    audit = client_for("auditor").get(f"{API}/elders/").json()["results"]
    assert {r["member_name"] for r in audit} == {"甲镇老人", "乙镇老人"}
    assert all("*" in r["id_number"] for r in audit)
    county = client_for("county_staff")
    only_b = county.get(f"{API}/elders/", {"township": elders["b"].township_id}).json()["results"]
    assert [r["member_name"] for r in only_b] == ["乙镇老人"]
    assert county.get(f"{API}/elders/", {"township": "abc"}).status_code == 400
    assert client_for("caseworker").get(f"{API}/elders/{elders['b'].pk}/").status_code == 404


def test_visits_are_written_through_the_service(client_for, elders):
    cw = client_for("caseworker")
    body = {"elder": elders["a"].pk, "visited_on": days_ago(1).isoformat(), "visitor": "张三", "way": "video"}
    created = cw.post(f"{API}/elder-visits/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["way_label"] == "视频"
    assert cw.get(f"{API}/elders/{elders['a'].pk}/").json()["overdue"] is False
    future = cw.post(f"{API}/elder-visits/", {**body, "visited_on": "2999-01-01"}, content_type="application/json")
    assert future.status_code == 400 and "visited_on" in future.content.decode()
    other = cw.post(f"{API}/elder-visits/", {**body, "elder": elders["b"].pk}, content_type="application/json")
    assert other.status_code == 404
    audit = client_for("auditor").post(f"{API}/elder-visits/", body, content_type="application/json")
    assert audit.status_code == 403
    assert ElderVisit.objects.count() == 1


def test_willingness_facilities_and_alerts(client_for, users, villages, elders):
    cw = client_for("caseworker")
    person = tekun_person(users["caseworker"], villages["a"])
    made = cw.post(
        f"{API}/willingness/",
        {"member": person.pk, "asked_on": days_ago(2).isoformat(), "willing": False, "reason": "不愿离家"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    assert cw.get(f"{API}/willingness/").json()["results"][0]["reason"] == "不愿离家"
    facility = {
        "kind": "centre",
        "township": villages["a"].township_id,
        "name": "中心",
        "land_area": "10.00",
        "floor_area": "20.00",
        "status": "open",
    }
    assert cw.post(f"{API}/facilities/", facility, content_type="application/json").status_code == 201
    again = cw.post(f"{API}/facilities/", {**facility, "name": "第二"}, content_type="application/json")
    assert again.status_code == 400 and "kind" in again.json().get("errors", again.json())
    pk = CareFacility.objects.get().pk
    patched = cw.patch(f"{API}/facilities/{pk}/", {"land_area": "12.50"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["land_area"] == "12.50"
    foreign = client_for("caseworker_b").patch(
        f"{API}/facilities/{pk}/", {"name": "x"}, content_type="application/json"
    )
    assert foreign.status_code == 404
    alerts.run(township_id=elders["a"].township_id, month=date(2020, 10, 1))
    rows = cw.get(f"{API}/alerts/", {"kind": "visit_overdue"}).json()["results"]
    assert [r["subject"] for r in rows] == ["甲镇老人 · 留守老年人 · 甲村"]
    assert "应探访日期" in rows[0]["evidence_text"]
    assert client_for("caseworker_b").get(f"{API}/alerts/{rows[0]['id']}/").status_code == 404


def test_the_schema_describes_the_eldercare_api(client_for):
    schema = client_for("county_staff").get("/api/schema/", {"format": "json"}).json()
    paths = [p for p in schema["paths"] if p.startswith("/api/v1/eldercare/")]
    assert {"/api/v1/eldercare/elders/", "/api/v1/eldercare/alerts/", "/api/v1/eldercare/facilities/"} <= set(paths)
    elder = schema["components"]["schemas"]["LeftBehindElder"]["properties"]
    assert all(prop.get("description") for name, prop in elder.items() if name != "id"), elder


def test_care_settings_are_read_only_and_scoped(client_for, township_b):
    from eldercare.models import TownshipCareSetting

    rows = client_for("county_staff").get(f"{API}/care-settings/").json()["results"]
    assert [r["township_name"] for r in rows if r["central_care_pilot"]] == ["高谷镇"]
    assert client_for("caseworker").get(f"{API}/care-settings/").json()["results"] == []
    pk = TownshipCareSetting.objects.get().pk
    assert client_for("county_staff").post(f"{API}/care-settings/", {}).status_code == 405
    assert client_for("caseworker_b").get(f"{API}/care-settings/{pk}/").status_code == 404
