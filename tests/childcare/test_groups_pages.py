"""The groups area's pages, API and exports per role: scope (another township's record is 404), auditors masked
and read-only, every read of a disability or left-behind woman's record logged, the county admins' access log."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from cases.models import SensitiveAccessLog
from childcare.models import FukangService, LeftBehindWoman
from childcare.services import groups as services
from core import masking
from tests.childcare.fixtures_groups import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users, villages, township_a, township_b):
    return build_world(users, villages, township_a, township_b)


YEAR = 2026


@pytest.fixture
def records(world):
    cw = world.users["caseworker"]
    world.woman = services.add_woman(actor=cw, member=world.wife, year=YEAR, data={"husband_away_where": "浙江义乌"})
    world.service = services.add_service(
        actor=cw, member=world.severe, data={"kind": "care", "started_on": date(2025, 1, 1), "provider": "汉葭护理站"}
    )
    return world


def logged(member, action="view") -> int:
    return SensitiveAccessLog.objects.filter(member=member, action=action).count()


def text(response) -> str:
    return response.content.decode()


# Every page and API read is logged ---------------------------------------------------------------------------


def test_every_page_read_is_logged(records, client_for):
    client = client_for("caseworker")
    pages = [
        (reverse("childcare-woman-list") + f"?year={YEAR}", records.wife),
        (reverse("childcare-woman-detail", args=[records.woman.pk]), records.wife),
        (reverse("childcare-woman-edit", args=[records.woman.pk]), records.wife),
        (reverse("childcare-woman-new") + f"?member={records.wife.pk}", records.wife),
        (reverse("childcare-disabled-list"), records.severe),
        (reverse("childcare-disabled-detail", args=[records.severe.pk]), records.severe),
        (reverse("childcare-disabled-service-new", args=[records.severe.pk]), records.severe),
        (reverse("childcare-service-edit", args=[records.service.pk]), records.severe),
    ]
    for url, member in pages:
        before = logged(member)
        response = client.get(url)
        assert response.status_code == 200, url
        assert logged(member) == before + 1, url


def test_every_api_read_is_logged(records, client_for):
    client = client_for("county_staff")
    reads = [
        ("/api/v1/childcare/women/", records.wife),
        (f"/api/v1/childcare/women/{records.woman.pk}/", records.wife),
        ("/api/v1/childcare/disabled/", records.severe),
        (f"/api/v1/childcare/disabled/{records.severe.pk}/", records.severe),
        ("/api/v1/childcare/fukang-services/", records.severe),
        (f"/api/v1/childcare/fukang-services/{records.service.pk}/", records.severe),
    ]
    for url, member in reads:
        before = logged(member, "api")
        response = client.get(url)
        assert response.status_code == 200, url
        assert logged(member, "api") == before + 1, url


# Pages per role ---------------------------------------------------------------------------------------------


def test_the_ledger_page_shows_reasons_and_the_open_entry_link(records, client_for):
    page = text(client_for("caseworker").get(reverse("childcare-disabled-list")))
    assert "赵重残" in page and "钱轻残" in page and "孙名单" in page and "周乙残" not in page
    assert "家庭未纳入低保或单人户施保" in page and "未测算" in page
    assert reverse("ledger-detail", args=[records.a.pk, f"{records.entry.month:%Y-%m}"]) in page
    roll_only = text(client_for("caseworker").get(reverse("childcare-disabled-list") + "?show=roll_only"))
    assert "吴不在册" in roll_only


def test_another_townships_records_are_404(records, client_for):
    client = client_for("caseworker_b")
    for url in (
        reverse("childcare-woman-detail", args=[records.woman.pk]),
        reverse("childcare-woman-edit", args=[records.woman.pk]),
        reverse("childcare-disabled-detail", args=[records.severe.pk]),
        reverse("childcare-service-edit", args=[records.service.pk]),
        f"/api/v1/childcare/women/{records.woman.pk}/",
        f"/api/v1/childcare/disabled/{records.severe.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    listing = text(client.get(reverse("childcare-disabled-list")))
    assert "周乙残" in listing and "赵重残" not in listing
    assert "李留守" not in text(client.get(reverse("childcare-woman-list") + f"?year={YEAR}"))


def test_auditors_see_masked_numbers_and_cannot_write(records, client_for):
    client = client_for("auditor")
    for url in (
        reverse("childcare-woman-list") + f"?year={YEAR}",
        reverse("childcare-woman-detail", args=[records.woman.pk]),
        reverse("childcare-disabled-list"),
        reverse("childcare-disabled-detail", args=[records.severe.pk]),
        "/api/v1/childcare/disabled/",
        "/api/v1/childcare/women/",
    ):
        page = text(client.get(url))
        assert records.severe.id_number not in page and records.wife.id_number not in page, url
    assert masking.mask_id_number(records.severe.id_number) in text(client.get(reverse("childcare-disabled-list")))
    for url in (
        reverse("childcare-woman-new"),
        reverse("childcare-woman-edit", args=[records.woman.pk]),
        reverse("childcare-disabled-service-new", args=[records.severe.pk]),
        reverse("childcare-service-edit", args=[records.service.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("childcare-woman-remove", args=[records.woman.pk])).status_code == 403
    assert client.post(reverse("childcare-woman-generate"), {"year": YEAR}).status_code == 403
    response = client.post("/api/v1/childcare/women/", {"member": records.wife.pk, "year": YEAR - 1})
    assert response.status_code == 403
    assert LeftBehindWoman.objects.count() == 1


def test_a_caseworker_generates_adds_and_edits_through_the_pages(records, client_for):
    client = client_for("caseworker")
    response = client.post(reverse("childcare-woman-generate"), {"township": records.a.pk, "year": YEAR - 1})
    assert response.status_code == 302
    assert LeftBehindWoman.objects.filter(year=YEAR - 1, member=records.wife, source="registry").exists()
    response = client.post(
        reverse("childcare-woman-new") + f"?member={records.man.pk}",
        {"year": YEAR, "children_in_care": 0, "elderly_in_care": 0},
    )
    assert response.status_code == 200 and "留守妇女须为女性" in text(response)
    response = client.post(
        reverse("childcare-woman-edit", args=[records.woman.pk]),
        {"children_in_care": 2, "elderly_in_care": 1, "health": "fair", "screened_on": "2026-13-40"},
    )
    assert response.status_code == 200 and 'data-field-error="screened_on"' in text(response)
    response = client.post(
        reverse("childcare-woman-edit", args=[records.woman.pk]),
        {"children_in_care": 2, "elderly_in_care": 1, "health": "fair", "needs": "技能培训"},
    )
    assert response.status_code == 302
    detail = text(client.get(reverse("childcare-woman-detail", args=[records.woman.pk])))
    assert "技能培训" in detail and "修改记录" in detail
    response = client.post(
        reverse("childcare-disabled-service-new", args=[records.mild.pk]),
        {"kind": "assistive_device", "started_on": "2025-05-01", "provider": "辅具中心"},
    )
    assert response.status_code == 200 and 'data-field-error="exception_reason"' in text(response)
    response = client.post(
        reverse("childcare-disabled-service-new", args=[records.mild.pk]),
        {"kind": "assistive_device", "started_on": "2025-05-01", "provider": "辅具中心", "note": "\x00"},
    )
    assert response.status_code == 200 and 'data-field-error="note"' in text(response)
    assert not FukangService.objects.filter(member=records.mild).exists()


def test_the_api_writes_through_the_services(records, client_for):
    client = client_for("caseworker")
    response = client.post(
        "/api/v1/childcare/women/", {"member": records.man.pk, "year": YEAR}, content_type="application/json"
    )
    assert response.status_code == 400 and "member" in response.json()
    response = client.patch(
        f"/api/v1/childcare/women/{records.woman.pk}/", {"health": "ill"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["health_label"] == "患病"
    response = client.post(
        "/api/v1/childcare/fukang-services/",
        {
            "member": records.severe.pk,
            "kind": "care",
            "started_on": "2025-02-01",
            "ended_on": "2025-01-01",
            "provider": "站",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "ended_on" in response.json()
    response = client.get("/api/v1/childcare/disabled/?grade=severe&care=yes")
    assert [row["name"] for row in response.json()["results"]] == ["赵重残"]
    assert response.json()["results"][0]["living"]["granted"] is False


# The access log ---------------------------------------------------------------------------------------------


def test_the_access_log_is_for_county_admins_with_masked_numbers(records, client_for):
    client_for("caseworker").get(reverse("childcare-disabled-detail", args=[records.severe.pk]))
    for role in ("caseworker", "county_staff", "auditor"):
        assert client_for(role).get(reverse("childcare-access-log")).status_code == 403
    admin = client_for("county_admin")
    page = text(admin.get(reverse("childcare-access-log") + "?q=赵重残"))
    assert "残疾人台账个人详情" in page and masking.mask_id_number(records.severe.id_number) in page
    assert records.severe.id_number not in page
    assert "残疾人台账个人详情" not in text(admin.get(reverse("childcare-access-log") + "?action=export"))
    assert admin.get(reverse("childcare-access-log") + "?date_from=9999-99-99&township=abc").status_code == 200


# Exports ----------------------------------------------------------------------------------------------------


def export(client, kind: str, query: str = ""):
    url = reverse("export-start") + f"?kind={kind}&{query}"
    assert "reason" in text(client.get(url))  # sensitive: the reason first
    response = client.post(url, {"reason": "年度核查"})
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def find(rows, name):
    return next(row for row in rows if name in row)


def test_the_disabled_export_has_ids_as_text_and_masked_for_auditors(records, client_for):
    rows = export(client_for("caseworker"), "childcare_disabled")
    severe = find(rows, "赵重残")
    assert severe[1] == records.severe.id_number and isinstance(severe[1], str)
    assert "已享受" in severe and any("家庭未纳入低保" in str(cell) for cell in severe)
    assert logged(records.severe, "export") == 1
    masked = find(export(client_for("auditor"), "childcare_disabled"), "赵重残")
    assert masked[1] == masking.mask_id_number(records.severe.id_number)
    roll_only = export(client_for("caseworker"), "childcare_disabled", "show=roll_only")
    assert find(roll_only, "吴不在册")[2] == records.stranger_id


def test_the_women_export(records, client_for):
    rows = export(client_for("caseworker"), "childcare_women", f"year={YEAR}")
    wife = find(rows, "李留守")
    assert wife[1] == records.wife.id_number and "浙江义乌" in wife
    assert logged(records.wife, "export") == 1
    masked = find(export(client_for("auditor"), "childcare_women", f"year={YEAR}"), "李留守")
    assert masked[1] == masking.mask_id_number(records.wife.id_number)
    assert all("李留守" not in row for row in export(client_for("caseworker_b"), "childcare_women", f"year={YEAR}"))


def test_the_schema_describes_every_field_in_chinese(client_for):
    response = client_for("county_staff").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = response.json()
    for path in (
        "/api/v1/childcare/women/",
        "/api/v1/childcare/women/{id}/",
        "/api/v1/childcare/fukang-services/",
        "/api/v1/childcare/disabled/",
        "/api/v1/childcare/disabled/{id}/",
    ):
        assert path in schema["paths"], path
    for name in ("Woman", "Service", "LedgerRow", "Subsidy"):
        properties = schema["components"]["schemas"][name]["properties"]
        undescribed = [field for field, spec in properties.items() if not spec.get("description")]
        assert undescribed == [], (name, undescribed)
