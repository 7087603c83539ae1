"""The homes exports read back with python-calamine: IDs and accounts as text, masked for auditors, scoped."""

from __future__ import annotations

import io
from datetime import date, time

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from cases.models import SensitiveAccessLog
from eldercare.services import homes as services
from tests.eldercare import fixtures_homes as fx
from tests.eldercare.fixtures_homes import at

pytestmark = pytest.mark.django_db
homes_world = fx.homes_world


def sheets(client, kind: str, query: str = "", reason: str = "") -> list[list[list]]:
    url = f"{reverse('export-start')}?kind={kind}&{query}"
    response = client.post(url, {"reason": reason}) if reason else client.get(url)
    assert response.status_code == 200, response.content[:300]
    data = b"".join(response.streaming_content) if response.streaming else response.content
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [book.get_sheet_by_index(n).to_python() for n in range(len(book.sheet_names))]


def test_the_homes_ledger(users, homes_world, client_for):
    [rows] = sheets(client_for("caseworker"), "eldercare_homes")
    assert rows[0][0] == "名称" and [r[0] for r in rows[1:]] == ["汉葭敬老院"]
    assert rows[1][11] == "6228480000000000999" and isinstance(rows[1][11], str)
    [audited] = sheets(client_for("auditor"), "eldercare_homes", "q=敬老院")
    assert {r[0] for r in audited[1:]} == {"汉葭敬老院", "郁山敬老院"}
    assert "6228480000000000999" not in str(audited)


def test_residents_and_staff_with_certificates(users, homes_world, client_for):
    w, cw = homes_world, users["caseworker"]
    services.add_residence(actor=cw, home=w.home, member=w.elder, kind="tekun", start=date(2020, 3, 1))
    services.save_certificate(
        actor=cw,
        staff=w.cook,
        data={"kind": "health", "number": "0012345", "issuer": "疾控", "issued_on": date(2020, 1, 1),
              "expires_on": date(2021, 1, 1)},
    )  # fmt: skip
    caseworker = client_for("caseworker")
    assert "reason" in caseworker.get(f"{reverse('export-start')}?kind=eldercare_residents").content.decode()
    [residents] = sheets(caseworker, "eldercare_residents", reason="年度核查")
    assert residents[1][2] == "李老汉" and residents[1][3] == w.elder.id_number
    assert SensitiveAccessLog.objects.filter(member=w.elder, action="export", user=cw).exists()  # every resident
    [masked] = sheets(client_for("auditor"), "eldercare_residents", reason="审计")
    assert masked[1][2] == "李老汉" and w.elder.id_number not in str(masked)
    [staff] = sheets(client_for("caseworker"), "eldercare_staff")
    cook = next(r for r in staff[1:] if r[1] == "张炊事")
    assert cook[8:10] == ["健康证", "0012345"]  # the number kept as text, leading zeros and all
    manager = next(r for r in staff[1:] if r[1] == "王院长")
    assert manager[2] == w.manager_id
    [audited] = sheets(client_for("auditor"), "eldercare_staff")
    assert w.manager_id not in str(audited)


def test_duty_roster_and_patrols_two_sheets(users, homes_world, client_for):
    w, cw = homes_world, users["caseworker"]
    services.add_shift(
        actor=cw, home=w.home, staff=w.carer, day=date(2020, 10, 1), start=time(20), end=time(8), overnight=True
    )
    services.add_patrol(actor=cw, home=w.home, at=at(date(2020, 10, 1), 23, 15), staff=w.carer, areas="寝室")
    roster, patrols = sheets(client_for("caseworker"), "eldercare_duty")
    assert roster[1][2:6] == ["李护理", "护理员", "20:00", "次日08:00"]
    assert patrols[1][:4] == ["汉葭敬老院", "2020-10-01 23:15", "李护理", "寝室"]
    other_roster, other_patrols = sheets(client_for("caseworker_b"), "eldercare_duty")
    assert len(other_roster) == 1 and len(other_patrols) == 1
