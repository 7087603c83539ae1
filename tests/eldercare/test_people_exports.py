"""eldercare people exports through the export centre, opened with python-calamine: IDs as text, scoped, masked for
auditors; the ledger carries the last visit and the due date."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from eldercare import alerts
from eldercare.services import people as services
from tests.eldercare.fixtures_people import elder_member, ledger_row, tekun_person, visit

pytestmark = pytest.mark.django_db


def export_rows(client, query: str) -> list[list[object]]:
    response = client.get(reverse("export-start") + "?" + query)
    assert response.status_code == 200, response.content[:300]
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


@pytest.fixture
def world(users, villages):
    cw, cw_b = users["caseworker"], users["caseworker_b"]
    a = ledger_row(cw, elder_member(cw, villages["a"], name="甲镇老人"), entered_on=date(2020, 1, 1))
    visit(cw, a, date(2020, 9, 1))
    ledger_row(cw_b, elder_member(cw_b, villages["b"], name="乙镇老人"), entered_on=date(2020, 1, 1))
    tekun_person(cw, villages["a"], name="失能甲")
    services.save_facility(
        actor=cw, data={"kind": "centre", "township": villages["a"].township, "name": "甲中心", "land_area": "3.5"}
    )
    services.save_task(
        actor=cw,
        data={"year": 2020, "township": villages["a"].township, "kind": "centre", "planned_on": date(2020, 12, 1)},
    )
    alerts.run(township_id=a.township_id, month=date(2020, 10, 1))
    return {"a": a}


def test_the_ledger_export_has_last_visit_due_date_and_text_ids(client_for, world):
    rows = export_rows(client_for("caseworker"), "kind=eldercare_elders")
    header, *body = rows
    assert header[:2] == ["姓名", "身份证号"] and "应探访日期" in header and "最近探访" in header
    assert [r[0] for r in body] == ["甲镇老人"]
    assert body[0][1] == world["a"].member.id_number and isinstance(body[0][1], str)
    assert body[0][header.index("最近探访")] == date(2020, 9, 1)
    assert body[0][header.index("是否逾期")] == "逾期"
    audit = export_rows(client_for("auditor"), "kind=eldercare_elders")
    assert sorted(r[0] for r in audit[1:]) == ["乙镇老人", "甲镇老人"]
    assert all("*" in r[1] for r in audit[1:])
    visits = export_rows(client_for("caseworker"), "kind=eldercare_elder_visits")
    assert [r[0] for r in visits[1:]] == ["甲镇老人"] and visits[1][3] == date(2020, 9, 1)


def test_the_other_exports(client_for, world):
    cw = client_for("caseworker")
    willingness = export_rows(cw, "kind=eldercare_willingness")
    assert [r[0] for r in willingness[1:]] == ["失能甲"] and willingness[1][7] == ""
    facilities = export_rows(cw, "kind=eldercare_facilities")
    assert facilities[1][1] == "甲中心" and isinstance(facilities[1][0], str) and facilities[1][5] == 3.5
    tasks = export_rows(cw, "kind=eldercare_tasks")
    assert tasks[1][:3] == [2020, "汉葭街道", "乡镇（街道）养老服务中心"]
    alert_rows = export_rows(cw, "kind=eldercare_alerts&kind_filter=x")
    assert alert_rows[0][0] == "类别" and alert_rows[1][1] == "甲镇老人 · 留守老年人 · 甲村"
    assert export_rows(client_for("caseworker_b"), "kind=eldercare_facilities")[1:] == []
    assert len(export_rows(cw, "kind=eldercare_caregiver_visits")) == 1
