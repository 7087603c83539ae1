"""The intake window workflow: who may take which step, from which state, by when."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import selectors, services
from cases.models import Application, ApplicationTransition, CalendarDay, Investigation
from tests.helpers import receive

pytestmark = pytest.mark.django_db
Status = Application.Status


def investigate(actor, application, **data):
    defaults = {
        "visited_on": application.received_on,
        "investigator_1": "甲",
        "investigator_2": "乙",
        "findings": "属实",
    }
    return services.transition(actor=actor, application=application, action="investigate", data={**defaults, **data})


def through_publicity(actor, application):
    application = investigate(actor, application)
    Application.objects.filter(pk=application.pk).update(publicity_to=date(2000, 1, 1))
    return services.transition(actor=actor, application=application, action="end_publicity")


def test_full_path_records_every_step(users, household):
    application = receive(users["caseworker"], household)
    assert application.status == Status.RECEIVED and application.number.startswith("SQ")
    application = through_publicity(users["caseworker"], application)
    assert application.status == Status.TOWNSHIP_REVIEW
    application = services.transition(actor=users["reviewer"], application=application, action="township_approve")
    assert application.status == Status.COUNTY_APPROVAL
    application = services.approve(actor=users["county_staff"], application=application, comment="同意")
    assert application.status == Status.APPROVED
    assert application.due_date is None and application.decided_on is not None
    steps = list(application.transitions.values_list("action", "actor__username", "from_status", "to_status"))
    assert steps == [
        ("receive", "cw_a", "", "received"),
        ("investigate", "cw_a", "received", "publicity"),
        ("end_publicity", "cw_a", "publicity", "township_review"),
        ("township_approve", "rv_a", "township_review", "county_approval"),
        ("county_approve", "county", "county_approval", "approved"),
    ]
    assert set(application.benefits.values_list("decision", flat=True)) == {"approved"}


def test_the_registry_alone_does_not_take_the_final_approval(users, household):
    """The county's approval creates enrollments: only assistance's service takes it (with ``approve``)."""
    application = through_publicity(users["caseworker"], receive(users["caseworker"], household))
    application = services.transition(actor=users["reviewer"], application=application, action="township_approve")
    with pytest.raises(services.TransitionNotAllowed, match="须同时建立救助关系"):
        services.transition(actor=users["county_staff"], application=application, action="county_approve")
    assert Application.objects.get(pk=application.pk).status == Status.COUNTY_APPROVAL


def test_authorization_is_required_and_nothing_is_written(users, household):
    with pytest.raises(ValidationError) as error:
        receive(users["caseworker"], household, authorization_signed=False, reason=" ")
    assert set(error.value.message_dict) == {"authorization_signed", "reason"}
    assert not Application.objects.exists()


def test_personal_benefit_needs_a_member_of_the_household(users, household):
    with pytest.raises(ValidationError) as error:
        receive(users["caseworker"], household, benefits=[("tekun", None)])
    assert "须指定对象成员" in error.value.message_dict["benefits"][0]
    member = household.members.first()
    application = receive(users["caseworker"], household, benefits=[("tekun", member), ("dibao", None)])
    assert application.benefits.count() == 2


def test_preparer_cannot_approve(users, household):
    application = receive(users["caseworker"], household)
    application = investigate(users["reviewer"], application)  # the reviewer prepared the investigation
    Application.objects.filter(pk=application.pk).update(publicity_to=date(2000, 1, 1))
    application = services.transition(actor=users["caseworker"], application=application, action="end_publicity")
    with pytest.raises(PermissionDenied, match="经办与审批不能是同一人"):
        services.transition(actor=users["reviewer"], application=application, action="township_approve")
    assert Application.objects.get(pk=application.pk).status == Status.TOWNSHIP_REVIEW


def test_roles_decide_who_takes_a_step(users, household):
    application = through_publicity(users["caseworker"], receive(users["caseworker"], household))
    with pytest.raises(PermissionDenied, match="乡镇审核"):
        services.transition(actor=users["caseworker"], application=application, action="township_approve")
    with pytest.raises(PermissionDenied, match="审计"):
        services.transition(actor=users["auditor"], application=application, action="township_approve")
    with pytest.raises(PermissionDenied, match="本乡镇"):
        services.transition(actor=users["caseworker_b"], application=application, action="withdraw", comment="x")


def test_step_not_allowed_from_current_state_writes_nothing(users, household):
    application = receive(users["caseworker"], household)
    before = ApplicationTransition.objects.count()
    with pytest.raises(services.TransitionNotAllowed, match="已受理"):
        services.approve(actor=users["county_staff"], application=application)
    with pytest.raises(services.TransitionNotAllowed, match="未知"):
        services.transition(actor=users["caseworker"], application=application, action="teleport")
    assert ApplicationTransition.objects.count() == before
    assert Application.objects.get(pk=application.pk).status == Status.RECEIVED


def test_publicity_must_run_its_course(users, household):
    application = investigate(users["caseworker"], receive(users["caseworker"], household))
    assert (application.publicity_to - application.publicity_from).days == 6  # intake.publicity_days = 7
    with pytest.raises(services.TransitionNotAllowed, match="尚未期满"):
        services.transition(actor=users["caseworker"], application=application, action="end_publicity")


def test_investigation_needs_two_different_investigators(users, household):
    application = receive(users["caseworker"], household)
    with pytest.raises(ValidationError) as error:
        investigate(users["caseworker"], application, investigator_2="甲")
    assert "两名不同" in str(error.value)
    assert not Investigation.objects.exists()
    assert Application.objects.get(pk=application.pk).status == Status.RECEIVED


def test_rejection_needs_a_reason_and_rejects_every_benefit(users, household):
    application = through_publicity(users["caseworker"], receive(users["caseworker"], household))
    with pytest.raises(ValidationError):
        services.transition(actor=users["reviewer"], application=application, action="township_reject")
    application = services.transition(
        actor=users["reviewer"], application=application, action="township_reject", comment="人均收入高于标准"
    )
    assert application.status == Status.REJECTED
    assert application.decision_reason == "人均收入高于标准"
    assert set(application.benefits.values_list("decision", flat=True)) == {"rejected"}


def test_return_sends_it_back_for_a_new_investigation(users, household):
    application = through_publicity(users["caseworker"], receive(users["caseworker"], household))
    application = services.transition(
        actor=users["reviewer"], application=application, action="township_return", comment="补充收入证明"
    )
    assert application.status == Status.RECEIVED
    application = investigate(users["caseworker"], application, findings="已补充")
    assert Investigation.objects.get(application=application).findings == "已补充"


def test_deadlines_follow_the_working_day_calendar(users, household, monkeypatch):
    # National Day 2020: 10-01..10-08 off, Saturday 10-10 a make-up working day.
    # (The official calendar is seeded by a migration; written again here so the test stands on its own.)
    days = [(date(2020, 10, d), "holiday", "国庆") for d in range(1, 9)] + [(date(2020, 10, 10), "workday", "调休")]
    for day, kind, name in days:
        CalendarDay.objects.update_or_create(date=day, defaults={"kind": kind, "name": name})
    monkeypatch.setattr(services, "_today", lambda: date(2020, 9, 30))
    application = receive(users["caseworker"], household, received_on=date(2020, 9, 30))
    # 10 working days after Wed 09-30: 10-09, 10-10, 10-12..10-16, 10-19, 10-20, 10-21
    assert application.due_date == date(2020, 10, 21)
    fast = receive(users["caseworker"], household, received_on=date(2020, 9, 30), epidemic_fast_track=True)
    # epidemic limit: 7 working days after receipt: 10-09, 10-10, 10-12..10-16
    assert fast.due_date == date(2020, 10, 16)


def test_overdue_lists(users, household, monkeypatch):
    late = receive(users["caseworker"], household, received_on=date(2020, 1, 6))
    receive(users["caseworker"], household)
    today = date.today()
    assert list(selectors.overdue_applications(users["caseworker"], today)) == [late]
    assert list(selectors.overdue_applications(users["caseworker_b"], today)) == []
    assert list(selectors.overdue_applications(users["county_staff"], today)) == [late]


def test_referrals_have_their_own_status_and_deadline(users, household, monkeypatch):
    application = receive(users["caseworker"], household)
    referral = services.add_referral(
        actor=users["caseworker"], application=application, office="medical", due_date=date.today(), note="医疗救助"
    )
    with pytest.raises(ValidationError, match="办理结果"):
        services.update_referral(actor=users["caseworker"], referral=referral, status="done")
    services.update_referral(actor=users["caseworker"], referral=referral, status="done", result="已报销")
    with pytest.raises(services.TransitionNotAllowed):
        services.update_referral(actor=users["caseworker"], referral=referral, status="accepted")
    with pytest.raises(ValidationError, match="不能早于今天"):
        services.add_referral(
            actor=users["caseworker"], application=application, office="housing", due_date=date(2020, 1, 1)
        )


def test_available_steps_follow_role_and_state(users, household):
    application = receive(users["caseworker"], household)
    names = [name for name, _ in services.available_steps(actor=users["caseworker"], application=application)]
    assert names == ["investigate", "withdraw"]
    assert services.available_steps(actor=users["auditor"], application=application) == []
    assert services.available_steps(actor=users["county_staff"], application=application) == []


def test_preparer_is_not_offered_the_approval(users, household):
    application = receive(users["caseworker"], household)
    application = investigate(users["reviewer"], application)
    Application.objects.filter(pk=application.pk).update(publicity_to=date(2000, 1, 1))
    application = services.transition(actor=users["caseworker"], application=application, action="end_publicity")
    assert services.available_steps(actor=users["reviewer"], application=application) == []


def test_referral_status_only_moves_forward(users, household):
    application = receive(users["caseworker"], household)
    referral = services.add_referral(
        actor=users["caseworker"], application=application, office="housing", due_date=date.today()
    )
    services.update_referral(actor=users["caseworker"], referral=referral, status="accepted")
    with pytest.raises(services.TransitionNotAllowed, match="不能改为"):
        services.update_referral(actor=users["caseworker"], referral=referral, status="sent")


def test_authorization_cannot_postdate_receipt(users, household):
    with pytest.raises(ValidationError) as error:
        receive(users["caseworker"], household, received_on=date(2020, 5, 1), authorization_date=date(2020, 5, 2))
    assert "authorization_date" in error.value.message_dict
