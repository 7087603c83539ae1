"""待遇调整 pages and API, with the real services: the township confirms (or says why not) on a confirmation page,
the county, another person, approves from the month after approval; scoped by township, read-only for auditors,
refusals named by field; the enrollment page shows its dated amounts and the ledger links its findings to the
change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from assistance import changes
from assistance.models import AmountChange, EnrollmentAmount, LedgerEntry, MonthlyLedger
from cases.models import User
from core.months import next_month, this_month
from tests.helpers import enroll, make_household, make_member

pytestmark = pytest.mark.django_db
OCT = date(2020, 10, 1)


def _change(enrollment, **fields) -> AmountChange:
    values = {
        "kind": AmountChange.Kind.CHANGE,
        "month": OCT,
        "current_amount": Decimal("496.00"),
        "proposed_amount": Decimal("396.00"),
        "reasons": ["家庭月收入增加：工资 300.00 元", "保障金额 = 标准 − 人均收入"],
    }
    return AmountChange.objects.create(
        enrollment=enrollment,
        township_id=enrollment.township_id,
        household_id=enrollment.household_id,
        member_id=enrollment.member_id,
        **(values | fields),
    )


@pytest.fixture
def world(users, villages):
    out = {}
    for key, actor, village in [("a", users["caseworker"], villages["a"]), ("b", users["caseworker_b"], villages["b"])]:
        household = make_household(actor, village, area_type="rural")
        head = make_member(actor, household, name=f"户主{key}", relation="head", born=date(1970, 1, 1))
        enrollment = enroll(household, "dibao", "496.00")
        out[key] = {"household": household, "head": head, "enrollment": enrollment, "change": _change(enrollment)}
    return out


def _detail(change: AmountChange) -> str:
    return reverse("amount-change-detail", args=[change.pk])


def _confirm(change: AmountChange) -> str:
    return reverse("amount-change-confirm", args=[change.pk])


def _decide(change: AmountChange) -> str:
    return reverse("amount-change-decide", args=[change.pk])


def _confirmed(world, users) -> AmountChange:
    return changes.confirm_change(actor=users["caseworker"], change=world["a"]["change"], confirm=True, note="入户核实")


# Pages ------------------------------------------------------------------------------------------------------


def test_the_township_confirms_on_a_confirmation_page(client_for, world):
    change = world["a"]["change"]
    client = client_for("caseworker")
    detail = client.get(_detail(change)).content.decode()
    assert "待乡镇确认" in detail and "496.00 元 → <strong>396.00 元</strong>" in detail and "家庭月收入增加" in detail
    assert _confirm(change) in detail and "户主a" in detail
    page = client.get(_confirm(change) + "?decision=confirm")
    assert page.status_code == 200 and "请确认" in page.content.decode()
    response = client.post(_confirm(change), {"decision": "confirm", "note": "入户核实，收入属实"})
    assert response.status_code == 302 and response["Location"] == _detail(change)
    change.refresh_from_db()
    assert change.status == AmountChange.Status.CONFIRMED and change.confirmed_by.username == "cw_a"
    assert change.determination is not None
    detail = client.get(_detail(change)).content.decode()
    assert "待县级审批" in detail and "入户核实，收入属实" in detail and _confirm(change) not in detail
    assert client.get(_confirm(change)).status_code == 409  # confirmed already: not from this state


def test_another_township_is_not_found_and_the_county_does_not_confirm(client_for, world):
    change = world["a"]["change"]
    other = client_for("caseworker_b")
    assert other.get(_detail(change)).status_code == 404
    assert other.get(_confirm(change)).status_code == 404
    assert other.post(_confirm(change), {"decision": "confirm"}).status_code == 404
    listed = other.get(reverse("amount-change-list")).content.decode()
    assert world["b"]["household"].number in listed and world["a"]["household"].number not in listed
    county = client_for("county_staff")
    assert county.post(_confirm(change), {"decision": "confirm"}).status_code == 403
    assert client_for("caseworker").post(_decide(change), {"decision": "approve"}).status_code == 403
    change.refresh_from_db()
    assert change.status == AmountChange.Status.PROPOSED


def test_declining_without_a_note_names_the_field(client_for, world):
    change = world["a"]["change"]
    response = client_for("caseworker").post(_confirm(change), {"decision": "decline", "note": " "})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-field-error="note"' in body and "不予调整时请写明理由" in body
    missing = client_for("caseworker").post(_confirm(change), {"note": "x"}).content.decode()
    assert 'data-field-error="decision"' in missing
    change.refresh_from_db()
    assert change.status == AmountChange.Status.PROPOSED
    client_for("caseworker").post(_confirm(change), {"decision": "decline", "note": "家庭收入为一次性劳务收入"})
    change.refresh_from_db()
    assert change.status == AmountChange.Status.DECLINED and change.confirm_note == "家庭收入为一次性劳务收入"


def test_the_county_approves_from_the_month_after_approval(client_for, world, users):
    change = _confirmed(world, users)
    county = client_for("county_staff")
    detail = county.get(_detail(change)).content.decode()
    assert _decide(change) in detail
    page = county.get(_decide(change) + "?decision=approve").content.decode()
    assert "请确认" in page and "家庭未按规定报告" in page
    response = county.post(_decide(change), {"decision": "approve", "note": "同意"})
    assert response.status_code == 302
    change.refresh_from_db()
    effective = next_month(this_month())
    assert change.status == AmountChange.Status.APPROVED and change.effective_month == effective
    amount = EnrollmentAmount.objects.get(change=change)
    assert (amount.from_month, amount.amount, amount.cause) == (effective, Decimal("396.00"), "household")
    assert amount.approved_by.username == "county" and amount.proposed_by.username == "cw_a"
    enrollment_page = county.get(reverse("enrollment-detail", args=[change.enrollment_id])).content.decode()
    assert "金额变化记录" in enrollment_page and "家庭变化" in enrollment_page and "核定" in enrollment_page
    assert _detail(change) in enrollment_page and f"{effective.year}年{effective.month}月起" in enrollment_page
    assert county.post(_decide(change), {"decision": "approve"}).status_code == 409


def test_the_person_who_confirmed_cannot_approve(client_for, world, users):
    change = _confirmed(world, users)
    User.objects.filter(pk=users["caseworker"].pk).update(role=User.Role.COUNTY_STAFF, township=None)  # promoted
    promoted = client_for("caseworker")
    assert "须由另一人审批" in promoted.get(_detail(change)).content.decode()
    assert promoted.get(_decide(change)).status_code == 403
    refused = promoted.post(_decide(change), {"decision": "approve", "note": "同意"})
    assert refused.status_code == 403 and "不能自己审批" in refused.content.decode()
    change.refresh_from_db()
    assert change.status == AmountChange.Status.CONFIRMED and not EnrollmentAmount.objects.filter(change=change)


def test_rejecting_needs_a_reason_and_an_unreported_change_applies_from_the_month_given(client_for, world, users):
    change = _confirmed(world, users)
    county = client_for("county_staff")
    rejected = county.post(_decide(change), {"decision": "reject", "note": ""}).content.decode()
    assert 'data-field-error="note"' in rejected and "不予批准时请写明理由" in rejected
    no_reason = county.post(_decide(change), {"decision": "approve", "unreported_from": "2020-11"}).content.decode()
    assert 'data-field-error="note"' in no_reason
    too_early = county.post(_decide(change), {"decision": "approve", "note": "未报告", "unreported_from": "2019-01"})
    assert 'data-field-error="unreported_from"' in too_early.content.decode()
    malformed = county.post(_decide(change), {"decision": "approve", "note": "未报告", "unreported_from": "2020-13"})
    assert 'data-field-error="unreported_from"' in malformed.content.decode()
    change.refresh_from_db()
    assert change.status == AmountChange.Status.CONFIRMED
    reason = "家庭成员2020年10月起务工，未按规定报告"
    response = county.post(_decide(change), {"decision": "approve", "note": reason, "unreported_from": "2020-11"})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.unreported and change.effective_month == date(2020, 11, 1)
    amount = EnrollmentAmount.objects.get(change=change)
    assert amount.from_month == date(2020, 11, 1) and reason in amount.note
    assert "家庭未按规定报告" in county.get(_detail(change)).content.decode()


def test_the_auditor_sees_but_cannot_act(client_for, world, users):
    change = _confirmed(world, users)
    auditor = client_for("auditor")
    listed = auditor.get(reverse("amount-change-list")).content.decode()
    assert world["a"]["household"].number in listed and world["b"]["household"].number in listed
    detail = auditor.get(_detail(change)).content.decode()
    assert "待县级审批" in detail and _decide(change) not in detail and _confirm(change) not in detail
    for url in (_confirm(change), _decide(change)):
        assert auditor.get(url).status_code == 403
        assert auditor.post(url, {"decision": "approve", "note": "x"}).status_code == 403
    change.refresh_from_db()
    assert change.status == AmountChange.Status.CONFIRMED


def test_a_personal_benefit_shows_the_person_with_a_masked_id_to_auditors(client_for, world, users):
    person = world["a"]["head"]
    tekun = enroll(world["a"]["household"], "tekun", "700.00", member=person)
    change = _change(tekun, current_amount=Decimal("700.00"), proposed_amount=Decimal("720.00"))
    assert person.id_number in client_for("caseworker").get(_detail(change)).content.decode()
    shown = client_for("auditor").get(_detail(change)).content.decode()
    assert person.name in shown and person.id_number not in shown and person.id_number[-4:] in shown


def test_the_list_filters_by_status_township_month_and_household(client_for, world, users):
    _confirmed(world, users)
    a, b = world["a"]["household"].number, world["b"]["household"].number
    county = client_for("county_staff")
    url = reverse("amount-change-list")

    def shown(**query) -> tuple[bool, bool]:
        body = county.get(url, query).content.decode()
        return a in body, b in body

    assert shown() == (True, True)
    assert shown(status="confirmed") == (True, False)
    assert shown(status="proposed") == (False, True)
    assert shown(township=world["b"]["household"].township_id) == (False, True)
    assert shown(month="2020-10") == (True, True) and shown(month="2020-11") == (False, False)
    assert shown(q=a) == (True, False)
    assert shown(q="户主b") == (False, True)
    assert shown(status="zzz", month="2026-13", q="x" * 10) == (False, False)  # bad filters: named, not a 500
    assert county.get(url, {"township": "abc"}).status_code == 404
    assert client_for("caseworker").get(url, {"township": world["b"]["household"].township_id}).status_code == 404
    body = county.get(url).content.decode()
    assert "待县级审批" in body and "金额变化" in body and "低保" in body


def test_a_ledger_finding_links_to_its_open_change(client_for, world, users):
    household = world["a"]["household"]
    MonthlyLedger.objects.get_or_create(township=household.township, month=OCT)
    entry = LedgerEntry.objects.create(
        township=household.township, month=OCT, category=LedgerEntry.Category.AMOUNT_CHANGE, household=household
    )
    other = LedgerEntry.objects.create(
        township=household.township, month=OCT, category=LedgerEntry.Category.ELIGIBLE_UNCOVERED, household=household
    )
    page = client_for("caseworker").get(reverse("ledger-detail", args=[household.township_id, "2020-10"]))
    body = page.content.decode()
    assert _detail(world["a"]["change"]) in body and "待遇调整：待乡镇确认" in body
    assert reverse("ledger-entry-handle", args=[entry.pk]) not in body
    assert reverse("ledger-entry-handle", args=[other.pk]) in body


# API --------------------------------------------------------------------------------------------------------


def _api(change: AmountChange, action: str = "") -> str:
    return f"/api/v1/amount-changes/{change.pk}/" + (f"{action}/" if action else "")


def test_the_api_lists_in_scope_and_filters_by_status(client_for, world, users):
    _confirmed(world, users)
    rows = client_for("caseworker").get("/api/v1/amount-changes/").json()["results"]
    assert [row["household_number"] for row in rows] == [world["a"]["household"].number]
    assert rows[0]["status"] == "confirmed" and rows[0]["status_label"] == "待县级审批"
    assert rows[0]["month"] == "2020-10" and rows[0]["confirmed_by"] and rows[0]["member_name"] == "全户"
    county = client_for("county_staff")
    assert county.get("/api/v1/amount-changes/").json()["count"] == 2
    proposed = county.get("/api/v1/amount-changes/", {"status": "proposed"}).json()["results"]
    assert [row["household_number"] for row in proposed] == [world["b"]["household"].number]
    assert county.get("/api/v1/amount-changes/", {"status": "zzz"}).status_code == 400
    assert client_for("caseworker").get(_api(world["b"]["change"])).status_code == 404
    detail = client_for("auditor").get(_api(world["a"]["change"]))
    assert detail.status_code == 200 and world["a"]["head"].id_number not in detail.content.decode()


def test_the_api_confirms_and_decides_with_the_services(client_for, world):
    change = world["a"]["change"]
    caseworker, county = client_for("caseworker"), client_for("county_staff")
    declined = caseworker.post(_api(change, "confirm"), {"confirm": False}, content_type="application/json")
    assert declined.status_code == 400 and "note" in declined.json()
    assert county.post(_api(change, "confirm"), {"confirm": True}, content_type="application/json").status_code == 403
    assert (
        client_for("caseworker_b")
        .post(_api(change, "confirm"), {"confirm": True}, content_type="application/json")
        .status_code
        == 404
    )
    early = county.post(_api(change, "decide"), {"approve": True}, content_type="application/json")
    assert early.status_code == 409
    confirmed = caseworker.post(
        _api(change, "confirm"), {"confirm": True, "note": "核实"}, content_type="application/json"
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    bad_month = county.post(
        _api(change, "decide"),
        {"approve": True, "note": "x", "unreported_from": "2020-13"},
        content_type="application/json",
    )
    assert bad_month.status_code == 400 and "unreported_from" in bad_month.json()
    approved = county.post(_api(change, "decide"), {"approve": True, "note": "同意"}, content_type="application/json")
    assert approved.status_code == 200
    assert (
        approved.json()["status"] == "approved"
        and approved.json()["effective_month"] == f"{next_month(this_month()):%Y-%m}"
    )
    assert EnrollmentAmount.objects.filter(change=change, from_month=next_month(this_month())).exists()


def test_the_api_is_read_only_for_auditors(client_for, world, users):
    change = _confirmed(world, users)
    auditor = client_for("auditor")
    assert auditor.get(_api(change)).status_code == 200
    for action, body in (("confirm", {"confirm": True}), ("decide", {"approve": True, "note": "x"})):
        assert auditor.post(_api(change, action), body, content_type="application/json").status_code == 403
    change.refresh_from_db()
    assert change.status == AmountChange.Status.CONFIRMED


def test_the_schema_documents_the_endpoints(client_for):
    response = client_for("county_staff").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    assert "get" in paths["/api/v1/amount-changes/"] and "get" in paths["/api/v1/amount-changes/{id}/"]
    assert "post" in paths["/api/v1/amount-changes/{id}/confirm/"]
    assert "post" in paths["/api/v1/amount-changes/{id}/decide/"]
