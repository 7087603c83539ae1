"""The enrollment lifecycle: created by the final approval, ended only after a second review, or by death."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assistance import enrollments
from assistance.models import Enrollment, ExitReview
from cases import services
from cases.models import Application, Member
from tests.helpers import approve_application, enroll, make_household, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def poor_household(users, villages):
    """Two adults without income and an elder of 80 without work capacity or supporter: 低保 + 特困."""
    cw = users["caseworker"]
    household = make_household(cw, villages["a"], area_type="rural")
    make_member(cw, household, name="户主", relation="head", born=date(1975, 1, 1))
    make_member(cw, household, name="配偶", relation="spouse", born=date(1977, 1, 1))
    elder = make_member(
        cw, household, name="老人", relation="parent", born=date(1940, 1, 1), work_capacity="none", able_supporter=False
    )
    return household, elder


def requested_exit(users, poor_household, reason):
    """The household's 低保 approved, then its exit requested by the caseworker: (enrollment, review)."""
    household, _ = poor_household
    approve_application(users, household, [("dibao", None)])
    enrollment = Enrollment.objects.get(benefit="dibao")
    review = enrollments.request_exit(
        actor=users["caseworker"], enrollment=enrollment, last_month=date.today(), reason=reason
    )
    return enrollment, review


def test_final_approval_creates_the_enrollments(users, poor_household):
    household, elder = poor_household
    application = approve_application(users, household, [("dibao", None), ("tekun", elder)])
    assert application.status == "approved"
    rows = {e.benefit: e for e in Enrollment.objects.filter(household=household)}
    assert set(rows) == {"dibao", "tekun"}
    month = timezone.localdate().replace(day=1)
    assert rows["dibao"].start_month == month and rows["dibao"].status == "active"
    assert rows["dibao"].member is None and rows["tekun"].member == elder
    assert rows["dibao"].determination.purpose == "application"
    assert rows["dibao"].monthly_amount == rows["dibao"].determination.dibao_amount > 0
    # 特困 elder leaves the household for 低保: two members covered
    assert len(rows["dibao"].determination.result["household"]["members"]) == 2


def test_approval_is_refused_when_the_rules_do_not_grant(users, villages):
    actor = users["caseworker"]
    household = make_household(actor, villages["a"], area_type="rural")
    rich = make_member(actor, household, relation="head", born=date(1975, 1, 1))
    services.add_fact(
        actor=actor,
        household=household,
        kind="income",
        data={"member": rich, "kind": "wage", "monthly_amount": Decimal("9000"), "valid_from": date(2019, 1, 1)},
    )
    with pytest.raises(ValidationError, match="不符合低保条件"):
        approve_application(users, household, [("dibao", None)])
    application = Application.objects.get(household=household)
    assert application.status == "county_approval", "the approval was rolled back"
    assert not Enrollment.objects.exists()


def test_exit_needs_a_second_person(users, poor_household):
    enrollment, review = requested_exit(users, poor_household, "收入超过标准")
    enrollment.refresh_from_db()
    assert enrollment.status == "active", "nothing changes before the review"
    with pytest.raises(PermissionDenied, match="另一人"):
        enrollments.review_exit(actor=users["caseworker"], review=review, approve=True)
    with pytest.raises(ValidationError):
        enrollments.request_exit(actor=users["reviewer"], enrollment=enrollment, last_month=date.today(), reason="x")
    enrollments.review_exit(actor=users["reviewer"], review=review, approve=True, comment="核实无误")
    enrollment.refresh_from_db()
    assert enrollment.status == "exited" and enrollment.exit_reason == "收入超过标准"
    assert enrollment.end_month == date.today().replace(day=1)


def test_a_rejected_exit_keeps_the_enrollment(users, poor_household):
    enrollment, review = requested_exit(users, poor_household, "疑似收入增加")
    with pytest.raises(ValidationError):
        enrollments.review_exit(actor=users["reviewer"], review=review, approve=False)
    enrollments.review_exit(actor=users["reviewer"], review=review, approve=False, comment="收入为临时性")
    enrollment.refresh_from_db()
    assert enrollment.status == "active"
    assert ExitReview.objects.get().status == "rejected"


def test_death_ends_the_persons_enrollments_after_that_month(users, poor_household):
    household, elder = poor_household
    approve_application(users, household, [("dibao", None), ("tekun", elder)])
    died = timezone.localdate()
    enrollments.record_death(actor=users["caseworker"], member=elder, died_on=died)
    tekun = Enrollment.objects.get(benefit="tekun")
    assert tekun.status == "exited" and tekun.end_month == died.replace(day=1) and "死亡" in tekun.exit_reason
    assert Enrollment.objects.get(benefit="dibao").status == "active", "the household's 低保 is re-assessed, not ended"


def test_dispersed_support_needs_a_caregiver(users, poor_household):
    household, elder = poor_household
    approve_application(users, household, [("tekun", elder)])
    tekun = Enrollment.objects.get(benefit="tekun")
    with pytest.raises(ValidationError):
        enrollments.set_support(actor=users["caseworker"], enrollment=tekun, mode="dispersed")
    tekun = enrollments.set_support(
        actor=users["caseworker"], enrollment=tekun, mode="dispersed", caregiver_name="邻居王某"
    )
    assert tekun.get_support_mode_display() == "分散供养"
    with pytest.raises(PermissionDenied):
        enrollments.set_support(actor=users["auditor"], enrollment=tekun, mode="centralized", institution_name="敬老院")


def test_death_through_the_page_and_the_api_ends_the_enrollments(users, poor_household, client_for):
    household, elder = poor_household
    approve_application(users, household, [("dibao", None), ("tekun", elder)])
    url = reverse("member-death", args=[elder.pk])
    assert client_for("auditor").post(url, {"date_of_death": "2020-05-01"}).status_code == 403
    assert client_for("caseworker_b").get(url).status_code == 404
    page = client_for("caseworker").get(url)
    assert page.status_code == 200 and "确认登记" in page.content.decode()
    future = client_for("caseworker").post(
        url, {"date_of_death": (timezone.localdate() + timedelta(days=1)).isoformat()}
    )
    assert future.status_code == 200 and Enrollment.objects.get(benefit="tekun").status == "active"
    died = timezone.localdate()
    response = client_for("caseworker").post(
        f"/api/v1/members/{elder.pk}/death/", {"date_of_death": died.isoformat()}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["date_of_death"] == died.isoformat()
    tekun = Enrollment.objects.get(benefit="tekun")
    assert tekun.status == "exited" and tekun.end_month == died.replace(day=1)


def test_the_member_form_does_not_record_a_death(users, poor_household):
    household, elder = poor_household
    services.save_member(
        actor=users["caseworker"], household=household, member=elder, data={"date_of_death": timezone.localdate()}
    )
    assert Member.objects.get(pk=elder.pk).date_of_death is None


def test_in_force_at_the_first_and_the_last_month(poor_household):
    """One answer to "on the benefit in month M": from the start month through the end month, both included."""
    household, _ = poor_household
    on = enroll(household, "dibao", "496", start_month=date(2020, 10, 1), end_month=date(2020, 12, 1))

    def in_force(month: date) -> bool:
        return Enrollment.objects.in_force(month).filter(pk=on.pk).exists()

    assert [in_force(date(2020, m, 1)) for m in (9, 10, 11, 12)] == [False, True, True, True]
    assert not in_force(date(2021, 1, 1))
    Enrollment.objects.filter(pk=on.pk).update(status="exited")
    assert in_force(date(2020, 12, 1)) and not in_force(date(2021, 1, 1)), "paid through its last month"
    for status in ("applying", "suspended"):
        Enrollment.objects.filter(pk=on.pk).update(status=status)
        assert not in_force(date(2020, 11, 1)), status
