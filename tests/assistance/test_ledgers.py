"""Ledgers: entries handled with a note, the month submitted by the township and accepted (locked) or returned by
the county; Excel exports with text IDs masked for auditors; job runs page for the county."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assistance import ledgers
from assistance.models import JobRun, LedgerEntry, MonthlyLedger
from assistance.screening import screen_township
from cases import services
from cases.models import SensitiveAccessLog
from core.exceptions import TransitionNotAllowed
from tests.helpers import make_household, make_member

pytestmark = pytest.mark.django_db
OCT = date(2020, 10, 1)


@pytest.fixture
def screened(users, villages, township_a):
    cw = users["caseworker"]
    household = make_household(cw, villages["a"], area_type="rural")
    head = make_member(cw, household, relation="head", born=date(1970, 1, 1), employed=True)
    services.add_fact(
        actor=cw,
        household=household,
        kind="income",
        data={"member": head, "kind": "wage", "monthly_amount": Decimal("3000"), "valid_from": date(2020, 1, 1)},
    )
    disabled = {"disability_category": "intellectual", "disability_grade": 1, "work_capacity": "none"}
    make_member(
        cw, household, name="残疾子女", relation="child", born=date(1995, 1, 1), poverty_status="unlifted", **disabled
    )
    elder_home = make_household(cw, villages["a"], area_type="rural")
    make_member(cw, elder_home, relation="head", born=date(1935, 1, 1), work_capacity="none", able_supporter=False)
    screen_township(township_id=township_a.pk, month=OCT)
    return township_a


def test_entries_are_handled_with_a_note(users, screened):
    entry = LedgerEntry.objects.first()
    with pytest.raises(ValidationError):
        ledgers.handle_entry(actor=users["caseworker"], entry=entry, note=" ")
    ledgers.handle_entry(actor=users["caseworker"], entry=entry, note="已受理申请")
    with pytest.raises(TransitionNotAllowed):
        ledgers.handle_entry(actor=users["caseworker"], entry=entry, note="again")
    with pytest.raises(PermissionDenied):
        ledgers.handle_entry(actor=users["caseworker_b"], entry=LedgerEntry.objects.last(), note="x")


def test_submit_accept_locks_and_return_needs_a_reason(users, screened):
    ledger = ledgers.submit_ledger(actor=users["caseworker"], township_id=screened.pk, month=OCT)
    assert ledger.status == "submitted"
    with pytest.raises(PermissionDenied):
        ledgers.review_ledger(actor=users["reviewer"], ledger=ledger, accept=True)
    with pytest.raises(ValidationError):
        ledgers.review_ledger(actor=users["county_staff"], ledger=ledger, accept=False)
    ledger = ledgers.review_ledger(actor=users["county_staff"], ledger=ledger, accept=False, note="补充处理情况")
    assert ledger.status == "returned"
    ledgers.submit_ledger(actor=users["reviewer"], township_id=screened.pk, month=OCT)
    ledger = ledgers.review_ledger(actor=users["county_staff"], ledger=ledger, accept=True)
    assert ledger.locked
    with pytest.raises(TransitionNotAllowed, match="锁定"):
        ledgers.handle_entry(actor=users["caseworker"], entry=LedgerEntry.objects.first(), note="x")
    with pytest.raises(ValidationError, match="锁定"):
        screen_township(township_id=screened.pk, month=OCT)


def test_an_unscreened_month_cannot_be_submitted(users, township_a):
    with pytest.raises(ValidationError, match="尚未完成摸排"):
        ledgers.submit_ledger(actor=users["caseworker"], township_id=township_a.pk, month=date(2020, 11, 1))


def test_ledger_pages_are_scoped(client_for, screened, township_b):
    url = reverse("ledger-detail", args=[screened.pk, "2020-10"])
    assert client_for("caseworker").get(url).status_code == 200
    assert client_for("caseworker_b").get(url).status_code == 404
    assert client_for("caseworker_b").get(reverse("ledger-export", args=[screened.pk, "2020-10"])).status_code == 404
    entry = LedgerEntry.objects.first()
    response = client_for("caseworker_b").post(reverse("ledger-entry-handle", args=[entry.pk]), {"note": "x"})
    assert response.status_code == 404
    listing = client_for("caseworker_b").get(reverse("ledger-list"), {"month": "2020-10"}).content.decode()
    assert screened.name not in listing


def test_pages_submit_and_accept(client_for, screened):
    client_for("caseworker").post(reverse("ledger-submit", args=[screened.pk, "2020-10"]))
    assert MonthlyLedger.objects.get(township=screened, month=OCT).status == "submitted"
    denied = client_for("reviewer").post(
        reverse("ledger-review", args=[screened.pk, "2020-10"]), {"decision": "accept"}
    )
    assert denied.status_code == 403
    client_for("county_staff").post(reverse("ledger-review", args=[screened.pk, "2020-10"]), {"decision": "accept"})
    assert MonthlyLedger.objects.get(township=screened, month=OCT).locked


def workbook(response):
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_single_person_export_masks_ids_for_auditors_and_logs_the_export(client_for, screened, users):
    url = reverse("ledger-export", args=[screened.pk, "2020-10"])
    member = LedgerEntry.objects.get(category="single_person_candidate").member
    # a disabled person's record: the export centre asks for a reason first
    assert 'data-testid="export-reason"' in client_for("auditor").get(url, {"ledger": "single_person"}).content.decode()
    sheet = workbook(client_for("auditor").post(f"{url}?ledger=single_person", {"reason": "审计抽查"})).active
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == ["类别", "村（社区）", "户编号", "对象", "身份证号"]
    assert sheet.freeze_panes == "A2"
    assert sheet["E2"].value == member.id_number[:6] + "********" + member.id_number[-4:]
    assert sheet["E2"].data_type == "s"
    full = workbook(client_for("caseworker").post(f"{url}?ledger=single_person", {"reason": "核对"})).active
    assert full["E2"].value == member.id_number
    assert SensitiveAccessLog.objects.filter(member=member, action="export").count() == 2


def test_job_page_is_for_the_county(client_for):
    assert client_for("caseworker").get(reverse("job-list")).status_code == 403
    response = client_for("county_staff").post(reverse("job-list"), {"month": "2020-10"})
    assert response.status_code == 302
    parent = JobRun.objects.get(parent__isnull=True)
    assert parent.children.count() == 39 and parent.month == OCT
    assert client_for("auditor").post(reverse("job-list"), {"month": "2020-10"}).status_code == 403
    assert "全县" in client_for("county_staff").get(reverse("job-list")).content.decode()
