"""The homes API under /api/v1/eldercare/: scoped lists and details, masked for auditors, writes through the
services (their refusals as 400 naming the field), auditors read only."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from eldercare.models import Residence
from eldercare.services import homes as services
from tests.eldercare import fixtures_homes as fx

pytestmark = pytest.mark.django_db
homes_world = fx.homes_world


@pytest.fixture
def api(users):
    def make(role: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(users[role])
        return client

    return make


def test_lists_are_scoped_and_masked(users, homes_world, api):
    w = homes_world
    rows = api("caseworker").get("/api/v1/eldercare/homes/").json()["results"]
    assert [r["name"] for r in rows] == ["汉葭敬老院"] and rows[0]["bank_account"] == "6228480000000000999"
    audited = api("auditor").get("/api/v1/eldercare/homes/", {"township": w.home.township_id}).json()["results"]
    assert [r["name"] for r in audited] == ["汉葭敬老院"] and "6228480000000000999" not in str(audited)
    staff = api("auditor").get("/api/v1/eldercare/staff/", {"home": w.home.pk}).json()["results"]
    assert {s["name"] for s in staff} == {"王院长", "李护理", "张炊事"} and w.manager_id not in str(staff)
    assert api("caseworker").get(f"/api/v1/eldercare/homes/{w.home_b.pk}/").status_code == 404
    assert api("caseworker").get(f"/api/v1/eldercare/staff/{w.manager_b.pk}/").status_code == 404
    assert api("caseworker").get("/api/v1/eldercare/homes/", {"township": "x"}).status_code == 400


def test_writes_go_through_the_services(users, homes_world, api):
    w, client = homes_world, api("caseworker")
    created = client.post(
        "/api/v1/eldercare/residences/",
        {"home": w.home.pk, "member": w.elder.pk, "kind": "tekun", "start": "2020-03-01"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["enrollment"] == w.tekun.pk
    overlap = client.post(
        "/api/v1/eldercare/residences/",
        {"home": w.home.pk, "member": w.elder.pk, "kind": "other", "start": "2020-04-01"},
        format="json",
    )
    assert overlap.status_code == 400 and "start" in overlap.json()
    residence = Residence.objects.get()
    ended = client.post(
        f"/api/v1/eldercare/residences/{residence.pk}/end/", {"end": "2020-09-30", "end_reason": "去世"}, format="json"
    )
    assert ended.status_code == 200 and ended.json()["end"] == "2020-09-30"
    cert = client.post(
        "/api/v1/eldercare/certificates/",
        {"staff": w.cook.pk, "kind": "health", "number": "JK", "issuer": "疾控", "issued_on": "2020-05-01",
         "expires_on": "2020-04-01"},
        format="json",
    )  # fmt: skip
    assert cert.status_code == 400 and "expires_on" in cert.json()
    shift = client.post(
        "/api/v1/eldercare/duty-shifts/",
        {"home": w.home.pk, "staff": w.cook.pk, "day": "2020-10-01", "start": "08:00", "end": "20:00"},
        format="json",
    )
    assert shift.status_code == 400 and "staff" in shift.json()
    night = client.post(
        "/api/v1/eldercare/duty-shifts/",
        {"home": w.home.pk, "staff": w.carer.pk, "day": "2020-10-01", "start": "20:00", "end": "08:00",
         "overnight": True},
        format="json",
    )  # fmt: skip
    assert night.status_code == 201
    assert client.delete(f"/api/v1/eldercare/duty-shifts/{night.json()['id']}/").status_code == 204
    patrol = client.post(
        "/api/v1/eldercare/patrols/",
        {"home": w.home.pk, "staff": w.carer.pk, "at": "2020-10-01T23:00:00+08:00", "areas": "全院"},
        format="json",
    )
    assert patrol.status_code == 201
    log = client.post(
        "/api/v1/eldercare/duty-logs/",
        {"home": w.home.pk, "day": "2020-10-01", "handover": "平稳"},
        format="json",
    )
    assert log.status_code == 201
    other = client.post(
        "/api/v1/eldercare/staff/",
        {"home": w.home_b.pk, "name": "越权", "position": "carer", "employment": "contract", "hired_on": "2020-01-01"},
        format="json",
    )
    assert other.status_code == 400 and "home" in other.json()


def test_auditors_read_only(users, homes_world, api):
    w = homes_world
    refused = api("auditor").post(
        "/api/v1/eldercare/duty-logs/", {"home": w.home.pk, "day": "2020-10-01", "handover": "x"}, format="json"
    )
    assert refused.status_code == 403
    services.add_duty_log(actor=users["caseworker"], home=w.home, day=date(2020, 10, 1), handover="夜间平稳")
    logs = api("auditor").get("/api/v1/eldercare/duty-logs/", {"since": "2020-10-01"}).json()["results"]
    assert [log["handover"] for log in logs] == ["夜间平稳"]


def test_the_schema_describes_the_fields(client_for):
    schema = client_for("county_staff").get("/api/schema/?format=json").json()
    component = schema["components"]["schemas"]["Staff"]
    assert component["properties"]["position"]["description"].startswith("岗位")
