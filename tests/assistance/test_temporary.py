"""临时救助 (policy.md §7): the approval level from the amount and the urban standard in force, once per person per
cause per calendar year, 先行救助 and its 低保 follow-up, who decides, and the pages with their scope."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assistance import temporary
from assistance.models import TemporaryCase
from core import parameters
from core.exceptions import TransitionNotAllowed
from tests.helpers import make_household, make_member

pytestmark = pytest.mark.django_db

ON = date(2020, 10, 1)  # urban standard 620 in force: township cap 6 × 620, cap 10 × 620
CENT = Decimal("0.01")
Level = TemporaryCase.Level
Status = TemporaryCase.Status


@pytest.fixture
def member_a(users, villages):
    household = make_household(users["caseworker"], villages["a"])
    return make_member(users["caseworker"], household, name="张一")


@pytest.fixture
def member_b(users, villages):
    household = make_household(users["caseworker_b"], villages["b"])
    return make_member(users["caseworker_b"], household, name="李二")


def register(actor, member, amount="500.00", cause="fire", on=ON, **extra):
    fields = {"kind": "emergency", "description": "住房失火，家中财物全部烧毁，急需生活救助。", **extra}
    return temporary.register_case(actor=actor, member=member, cause=cause, amount=Decimal(amount), on=on, **fields)


def caps(on: date) -> tuple[Decimal, Decimal]:
    standard = parameters.parameter("dibao.standard.urban", on)
    township = parameters.parameter("temporary.township_cap_std_multiple", on)
    cap = parameters.parameter("temporary.cap_std_multiple", on)
    return (standard * township).quantize(CENT), (standard * cap).quantize(CENT)


def field_errors(error: ValidationError, field: str) -> str:
    return " ".join(error.value.message_dict[field])  # type: ignore[attr-defined]


# Approval level ----------------------------------------------------------------------------------------------


def test_caps_come_from_the_urban_standard_in_force():
    assert caps(ON) == (Decimal("3720.00"), Decimal("6200.00"))


@pytest.mark.parametrize(
    ("offset", "which", "level"),
    [
        (Decimal("0"), "township", Level.TOWNSHIP),
        (CENT, "township", Level.COUNTY),
        (Decimal("0"), "cap", Level.COUNTY),
        (CENT, "cap", Level.CASE_BY_CASE),
    ],
    ids=["at-township-cap", "fen-over-township-cap", "at-cap", "fen-over-cap"],
)
def test_level_at_the_boundaries(users, member_a, offset, which, level):
    township_cap, cap = caps(ON)
    amount = (township_cap if which == "township" else cap) + offset
    case = register(users["caseworker"], member_a, amount=str(amount))
    assert case.level == level
    assert case.amount == amount
    assert case.status == Status.PENDING and case.year == 2020
    assert case.township_id == member_a.household.township_id and case.household_id == member_a.household_id


def test_level_follows_the_standard_on_the_registration_date(users, member_a):
    # 3800 is above 6 × 620 = 3720 (2020) but within 6 × 636 = 3816 (from 2021-09-01)
    assert register(users["caseworker"], member_a, amount="3800", on=ON).level == Level.COUNTY
    later = register(users["caseworker"], member_a, amount="3800", cause="illness", on=date(2021, 10, 1))
    assert later.level == Level.TOWNSHIP


def test_case_by_case_needs_a_detailed_description(users, member_a):
    _, cap = caps(ON)
    with pytest.raises(ValidationError) as error:
        register(users["caseworker"], member_a, amount=str(cap + 1), description="房屋失火")
    assert "一事一议" in field_errors(error, "description")
    assert not TemporaryCase.objects.exists()
    case = register(users["caseworker"], member_a, amount=str(cap + 1), description="房" * 20)
    assert case.level == Level.CASE_BY_CASE


@pytest.mark.parametrize(
    ("amount", "message"), [("0", "大于0"), ("-5", "大于0"), ("10.005", "两位小数"), ("abc", "正确的金额")]
)
def test_amount_must_be_positive_yuan_and_fen(users, member_a, amount, message):
    with pytest.raises(ValidationError) as error:
        temporary.register_case(
            actor=users["caseworker"],
            member=member_a,
            kind="emergency",
            cause="fire",
            description="说明",
            amount=amount,
        )
    assert message in field_errors(error, "amount")


def test_kind_cause_and_description_are_required(users, member_a):
    with pytest.raises(ValidationError) as error:
        register(users["caseworker"], member_a, kind="x", cause="y", description="  ")
    assert set(error.value.message_dict) >= {"kind", "cause", "description"}


def test_future_registration_date_is_refused(users, member_a):
    with pytest.raises(ValidationError) as error:
        register(users["caseworker"], member_a, on=timezone.localdate() + timedelta(days=1))
    assert "on" in error.value.message_dict


# Who registers -----------------------------------------------------------------------------------------------


def test_own_township_and_county_register_other_township_and_auditor_cannot(users, member_a):
    register(users["caseworker"], member_a, cause="fire")
    register(users["reviewer"], member_a, cause="traffic")
    register(users["county_staff"], member_a, cause="illness")
    for role in ("caseworker_b", "auditor"):
        with pytest.raises(PermissionDenied):
            register(users[role], member_a, cause="education")
    assert TemporaryCase.objects.count() == 3


# Once per person per cause per year --------------------------------------------------------------------------


def test_second_case_same_person_cause_year_needs_a_reason(users, member_a):
    first = register(users["caseworker"], member_a)
    with pytest.raises(ValidationError) as error:
        register(users["caseworker"], member_a, amount="300", on=date(2020, 12, 31))
    message = field_errors(error, "repeat_reason")
    assert f"第 {first.pk} 号" in message and "火灾" in message and "2020" in message and "理由" in message
    second = register(users["caseworker"], member_a, amount="300", repeat_reason="再次失火，房屋全部损毁")
    assert second.repeat_reason == "再次失火，房屋全部损毁"
    # a third one is measured against the first as well
    with pytest.raises(ValidationError):
        register(users["caseworker"], member_a, amount="200")


def test_rejected_earlier_case_does_not_block(users, member_a):
    first = register(users["caseworker"], member_a)
    temporary.decide_case(actor=users["reviewer"], case=first, approve=False, note="经核实财物损失已由保险赔付")
    assert register(users["caseworker"], member_a).status == Status.PENDING


def test_other_cause_next_year_and_other_person_are_fine(users, member_a):
    register(users["caseworker"], member_a)
    register(users["caseworker"], member_a, cause="illness")
    register(users["caseworker"], member_a, on=date(2021, 1, 1))
    other = make_member(users["caseworker"], member_a.household, name="张二", relation="spouse")
    register(users["caseworker"], other)
    assert TemporaryCase.objects.count() == 4


# 先行救助 ------------------------------------------------------------------------------------------------------


def test_advance_sets_the_followup_date(users, member_a):
    case = register(users["caseworker"], member_a, advance=True)
    days = int(parameters.parameter("temporary.advance_followup_days", ON))
    assert days == 30
    assert case.followup_due == ON + timedelta(days=30) == date(2020, 10, 31)
    assert register(users["caseworker"], member_a, cause="illness").followup_due is None


def test_overdue_followups_are_listed_until_done(users, member_a, member_b):
    overdue = register(users["caseworker"], member_a, advance=True)
    register(users["caseworker"], member_a, cause="illness")  # not an advance
    recent = register(users["caseworker"], member_a, cause="traffic", advance=True, on=timezone.localdate())
    rejected = register(users["caseworker"], member_a, cause="disaster", advance=True)
    temporary.decide_case(actor=users["reviewer"], case=rejected, approve=False, note="不符合条件")
    other_township = register(users["caseworker_b"], member_b, advance=True)
    today = timezone.localdate()

    assert list(temporary.overdue_followups(users["caseworker"], today)) == [overdue]
    assert set(temporary.overdue_followups(users["county_staff"], today)) == {overdue, other_township}
    assert set(temporary.case_list(users["caseworker"], overdue_followups=True)) == {overdue}
    assert recent not in temporary.overdue_followups(users["county_staff"], today)
    assert list(temporary.overdue_followups(users["caseworker"], ON + timedelta(days=30))) == []  # due that day

    with pytest.raises(ValidationError):
        temporary.complete_followup(actor=users["caseworker"], case=overdue, note=" ")
    done = temporary.complete_followup(actor=users["caseworker"], case=overdue, note="已纳入低保")
    assert done.followup_done_on == today and done.followup_note == "已纳入低保"
    assert list(temporary.overdue_followups(users["caseworker"], today)) == []
    with pytest.raises(TransitionNotAllowed):
        temporary.complete_followup(actor=users["caseworker"], case=overdue, note="再次")


def test_followup_only_for_advance_cases_and_by_writers(users, member_a):
    plain = register(users["caseworker"], member_a)
    with pytest.raises(TransitionNotAllowed):
        temporary.complete_followup(actor=users["caseworker"], case=plain, note="评估")
    advance = register(users["caseworker"], member_a, cause="illness", advance=True)
    for role in ("auditor", "caseworker_b"):
        with pytest.raises(PermissionDenied):
            temporary.complete_followup(actor=users[role], case=advance, note="评估")


# Who decides -------------------------------------------------------------------------------------------------


def test_registrar_cannot_decide(users, member_a):
    case = register(users["reviewer"], member_a)
    with pytest.raises(PermissionDenied, match="经办与审批不能是同一人"):
        temporary.decide_case(actor=users["reviewer"], case=case, approve=True, note="")
    county_case = register(users["county_staff"], member_a, cause="illness", amount="5000")
    with pytest.raises(PermissionDenied, match="经办与审批不能是同一人"):
        temporary.decide_case(actor=users["county_staff"], case=county_case, approve=True, note="")
    temporary.decide_case(actor=users["county_admin"], case=county_case, approve=True, note="")


def test_township_level_is_decided_by_a_reviewer_of_the_township(users, member_a):
    case = register(users["caseworker"], member_a)
    assert case.level == Level.TOWNSHIP
    for role in ("caseworker", "county_staff", "caseworker_b", "auditor"):
        with pytest.raises(PermissionDenied):
            temporary.decide_case(actor=users[role], case=case, approve=True, note="")
    decided = temporary.decide_case(actor=users["reviewer"], case=case, approve=True, note="同意")
    assert decided.status == Status.APPROVED
    assert decided.decided_by == users["reviewer"] and decided.decided_on == timezone.localdate()
    assert decided.decision_note == "同意"


@pytest.mark.parametrize("amount", ["3720.01", "8000"], ids=["county", "case-by-case"])
def test_county_and_case_by_case_are_decided_by_the_county(users, member_a, amount):
    case = register(users["caseworker"], member_a, amount=amount)
    assert case.level in (Level.COUNTY, Level.CASE_BY_CASE)
    for role in ("reviewer", "caseworker", "auditor"):
        with pytest.raises(PermissionDenied):
            temporary.decide_case(actor=users[role], case=case, approve=True, note="")
    assert temporary.decide_case(actor=users["county_staff"], case=case, approve=True, note="").status == "approved"


def test_reject_needs_a_note_and_a_decided_case_stays_decided(users, member_a):
    case = register(users["caseworker"], member_a)
    with pytest.raises(ValidationError) as error:
        temporary.decide_case(actor=users["reviewer"], case=case, approve=False, note="  ")
    assert "理由" in field_errors(error, "note")
    case.refresh_from_db()
    assert case.status == Status.PENDING
    temporary.decide_case(actor=users["reviewer"], case=case, approve=False, note="家庭收入高于标准")
    with pytest.raises(TransitionNotAllowed):
        temporary.decide_case(actor=users["reviewer"], case=case, approve=True, note="")
    case.refresh_from_db()
    assert case.status == Status.REJECTED and case.decision_note == "家庭收入高于标准"


def test_history_records_the_actor(users, member_a):
    import pghistory.models

    case = register(users["caseworker"], member_a)
    temporary.decide_case(actor=users["reviewer"], case=case, approve=True, note="")
    events = pghistory.models.Events.objects.filter(pgh_obj_model="assistance.TemporaryCase", pgh_obj_id=str(case.pk))
    assert [e.pgh_context["user"] for e in events.order_by("pgh_id")] == [users["caseworker"].pk, users["reviewer"].pk]


# Pages -------------------------------------------------------------------------------------------------------


def test_pages_create_and_decide_a_case(client_for, users, member_a):
    caseworker = client_for("caseworker")
    new_url = reverse("temporary-new") + f"?member={member_a.pk}"
    page = caseworker.get(new_url)
    assert page.status_code == 200 and "张一" in page.content.decode()
    township_cap, _ = caps(timezone.localdate())
    assert str(township_cap) in page.content.decode()

    data = {"kind": "emergency", "cause": "fire", "amount": "800.00", "description": "房屋失火", "repeat_reason": ""}
    response = caseworker.post(new_url, data)
    case = TemporaryCase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("temporary-detail", args=[case.pk])
    assert case.level == Level.TOWNSHIP and case.created_by == users["caseworker"] and not case.advance

    again = caseworker.post(new_url, data)
    assert again.status_code == 200 and f"第 {case.pk} 号" in again.content.decode()
    assert TemporaryCase.objects.count() == 1

    detail = reverse("temporary-detail", args=[case.pk])
    assert reverse("temporary-decide", args=[case.pk]) not in caseworker.get(detail).content.decode()
    reviewer = client_for("reviewer")
    body = reviewer.get(detail).content.decode()
    assert reverse("temporary-decide", args=[case.pk]) in body

    decide = reverse("temporary-decide", args=[case.pk])
    missing_note = reviewer.post(decide, {"decision": "reject", "note": ""})
    assert missing_note.status_code == 200 and "不予批准须填写理由" in missing_note.content.decode()
    assert reviewer.post(decide, {"decision": "approve", "note": "同意"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.APPROVED and case.decided_by == users["reviewer"]
    assert reviewer.post(decide, {"decision": "reject", "note": "重复"}).status_code == 409
    assert caseworker.post(decide, {"decision": "approve"}).status_code == 409


def test_page_decide_refusals(client_for, users, member_a):
    case = register(users["caseworker"], member_a)
    decide = reverse("temporary-decide", args=[case.pk])
    assert client_for("caseworker").post(decide, {"decision": "approve"}).status_code == 403
    assert client_for("county_staff").post(decide, {"decision": "approve"}).status_code == 403
    assert client_for("auditor").post(decide, {"decision": "approve"}).status_code == 403
    case.refresh_from_db()
    assert case.status == Status.PENDING


def test_page_advance_and_followup(client_for, users, member_a):
    client = client_for("caseworker")
    data = {
        "kind": "expenditure",
        "cause": "illness",
        "amount": "1000",
        "description": "新致贫，住院费用高",
        "advance": "on",
    }
    client.post(reverse("temporary-new") + f"?member={member_a.pk}", data)
    case = TemporaryCase.objects.get()
    assert case.advance and case.followup_due == timezone.localdate() + timedelta(days=30)
    url = reverse("temporary-followup", args=[case.pk])
    assert client.post(url, {"note": ""}).status_code == 200
    assert client_for("auditor").post(url, {"note": "已评估"}).status_code == 403
    assert client.post(url, {"note": "已纳入低保"}).status_code == 302
    case.refresh_from_db()
    assert case.followup_note == "已纳入低保"


def test_list_filters_and_overdue(client_for, users, member_a):
    overdue = register(users["caseworker"], member_a, advance=True)
    approved = register(users["caseworker"], member_a, cause="illness")
    temporary.decide_case(actor=users["reviewer"], case=approved, approve=True, note="")
    client = client_for("caseworker")
    url = reverse("temporary-list")

    def listed(**params):
        return list(client.get(url, params).context["page"].object_list)

    assert set(listed()) == {overdue, approved}
    assert listed(status="approved") == [approved]
    assert listed(status="pending") == [overdue]
    assert listed(overdue="1") == [overdue]
    assert client.get(url).context["overdue_count"] == 1


def test_list_paginates_keeping_the_filter(client_for, users, member_a):
    for n in range(31):
        register(users["caseworker"], member_a, repeat_reason=f"第{n}次")
    client = client_for("caseworker")
    first = client.get(reverse("temporary-list"), {"status": "pending"})
    assert len(first.context["page"].object_list) == 30
    assert "status=pending&amp;page=2" in first.content.decode()
    assert len(client.get(reverse("temporary-list"), {"status": "pending", "page": 2}).context["page"]) == 1


def test_scope_matrix(client_for, users, member_a, member_b):
    case_a = register(users["caseworker"], member_a, advance=True)
    case_b = register(users["caseworker_b"], member_b)
    other = client_for("caseworker_b")
    assert other.get(reverse("temporary-detail", args=[case_a.pk])).status_code == 404
    assert other.post(reverse("temporary-decide", args=[case_a.pk]), {"decision": "approve"}).status_code == 404
    assert other.post(reverse("temporary-followup", args=[case_a.pk]), {"note": "x"}).status_code == 404
    assert other.get(reverse("temporary-new") + f"?member={member_a.pk}").status_code == 404
    assert other.post(reverse("temporary-new") + f"?member={member_a.pk}", {}).status_code == 404
    assert list(other.get(reverse("temporary-list")).context["page"].object_list) == [case_b]
    assert list(client_for("caseworker").get(reverse("temporary-list")).context["page"].object_list) == [case_a]
    county = client_for("county_staff").get(reverse("temporary-list"))
    assert set(county.context["page"].object_list) == {case_a, case_b}
    case_a.refresh_from_db()
    assert case_a.status == Status.PENDING and case_a.followup_done_on is None


def test_auditor_reads_but_cannot_write(client_for, users, member_a):
    case = register(users["caseworker"], member_a, advance=True)
    auditor = client_for("auditor")
    assert auditor.get(reverse("temporary-list")).status_code == 200
    body = auditor.get(reverse("temporary-detail", args=[case.pk])).content.decode()
    assert reverse("temporary-decide", args=[case.pk]) not in body
    assert reverse("temporary-followup", args=[case.pk]) not in body
    new_url = reverse("temporary-new") + f"?member={member_a.pk}"
    data = {"kind": "emergency", "cause": "illness", "amount": "100", "description": "说明"}
    assert auditor.post(new_url, data).status_code == 403
    assert auditor.post(reverse("temporary-decide", args=[case.pk]), {"decision": "approve"}).status_code == 403
    assert auditor.post(reverse("temporary-followup", args=[case.pk]), {"note": "x"}).status_code == 403
    assert TemporaryCase.objects.count() == 1


def test_member_lookup_by_id_number(client_for, users, member_a, member_b):
    client = client_for("caseworker")
    found = client.get(reverse("temporary-new"), {"id_number": member_a.id_number})
    assert found.status_code == 200 and found.context["member"] == member_a
    hidden = client.get(reverse("temporary-new"), {"id_number": member_b.id_number})
    assert hidden.context["member"] is None and "没有该身份证号" in hidden.content.decode()
    assert client.get(reverse("temporary-new")).context["member"] is None


def test_level_preview(client_for):
    client = client_for("caseworker")
    township_cap, cap = caps(timezone.localdate())
    url = reverse("temporary-level")
    assert "乡镇审批" in client.get(url, {"amount": str(township_cap)}).content.decode()
    assert "县级审批" in client.get(url, {"amount": str(township_cap + CENT)}).content.decode()
    assert "一事一议" in client.get(url, {"amount": str(cap + CENT)}).content.decode()
    assert "大于0" in client.get(url, {"amount": "0"}).content.decode()
    assert client.get(url, {"amount": ""}).content.decode().strip() == ""
