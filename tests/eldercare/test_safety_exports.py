"""eldercare safety exports (inspections, hazards, renovation projects) through the export centre, read back with
python-calamine: the page's filters, the user's scope, ids as text."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from eldercare.services import safety as services
from tests.eldercare import fixtures_safety as fx
from tests.eldercare.fixtures_safety import days_ago
from tests.test_export_centre import export_rows

homes, hazards, projects = fx.homes, fx.hazards, fx.projects

pytestmark = pytest.mark.django_db


def test_the_hazard_export_takes_the_pages_filter_and_scope(client_for, users, hazards):
    page = client_for("caseworker").get(reverse("eldercare-hazard-list") + "?overdue=1&level=major")
    assert "kind=eldercare_hazards&amp;overdue=1&amp;level=major" in page.content.decode()
    rows = export_rows(client_for("caseworker"), "kind=eldercare_hazards&overdue=1&level=major")
    assert rows[0][:4] == ["编号", "敬老院", "乡镇", "隐患描述"]
    assert [(r[0], r[1], r[5], r[9]) for r in rows[1:]] == [(str(hazards["a"].pk), "甲安全敬老院", "甲责任人", "逾期")]
    assert isinstance(rows[1][0], str)  # the id is a text cell
    services.report_hazard(actor=users["caseworker_b"], hazard=hazards["b"], reason="资金不足")
    county = export_rows(client_for("county_staff"), "kind=eldercare_hazards&reported=1")
    assert [r[1] for r in county[1:]] == ["乙安全敬老院"] and county[1][12] == "资金不足"
    assert export_rows(client_for("caseworker"), "kind=eldercare_hazards&reported=1")[1:] == []


def test_the_inspection_export(client_for, users, homes):
    services.record_inspection(
        actor=users["caseworker"],
        home=homes["a"],
        data={"date": date(2020, 10, 12), "inspectors": "甲检查组"},
        results={},
    )
    services.record_inspection(
        actor=users["caseworker_b"],
        home=homes["b"],
        data={"date": date(2020, 10, 13), "inspectors": "乙检查组"},
        results={},
    )
    rows = export_rows(client_for("caseworker"), "kind=eldercare_inspections&month=2020-10")
    assert [r[5] for r in rows[1:]] == ["甲检查组"] and rows[1][4] == "乡镇"
    assert export_rows(client_for("caseworker"), "kind=eldercare_inspections&month=2020-11")[1:] == []
    assert len(export_rows(client_for("county_staff"), "kind=eldercare_inspections")) == 3
    bad = client_for("caseworker").get(reverse("export-start") + "?kind=eldercare_inspections&month=2020-99")
    assert bad.status_code == 400


def test_the_renovation_export_with_money_and_acceptance(client_for, users, projects):
    services.record_completion(actor=users["caseworker"], project=projects["a"], actual_end=days_ago(1))
    services.accept_project(actor=users["county_staff"], project=projects["a"], accepted_on=fx.today(), note="合格")
    rows = export_rows(client_for("auditor"), "kind=eldercare_renovations&status=accepted")
    assert [r[3] for r in rows[1:]] == ["甲院改厕工程"]
    row = rows[1]
    assert float(row[5]) == 200000.0 and row[12] == "已验收" and row[15] == "合格"
    assert len(export_rows(client_for("caseworker_b"), "kind=eldercare_renovations")) == 2
