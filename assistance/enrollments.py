"""Enrollments: who is on which benefit from which month, and how they leave.

* The county's final approval of an application (``act_on_application``) creates the enrollments, in the same
  transaction, from a determination made for the approval month; approval is refused when the rules do not grant
  it.
* Every exit, including the end of a gradual exit, is first requested and then reviewed by another person
  (policy.md §4: no wrongful exit).
* Recording a death (``record_death``) ends that person's enrollments after the month of death.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from assistance.amounts import first_amount
from assistance.determinations import determine_household
from assistance.models import Determination, Enrollment, ExitReview
from assistance.permissions import ensure_change_enrollment, ensure_request_exit, ensure_review_exit
from cases import services as cases_services
from cases.models import Application, ApplicationBenefit, Member, User
from core.months import month_start

Status = Enrollment.Status

# Application benefits (cases) → the rule outcomes that enroll someone for them.
OUTCOMES_FOR_BENEFIT = {
    "dibao": ("dibao",),
    "tekun": ("tekun",),
    "single_person_dibao": ("single_person_dibao",),
    "orphan_allowance": ("orphan_allowance",),
    "disability_subsidies": ("disability_living", "disability_care"),
    "covid_relief": ("covid_relief",),
}
# Temporary assistance is decided case by case (assistance.temporary), not enrolled monthly.
NOT_ENROLLED = {"temporary", "advance_temporary"}


def _grants(determination: Determination) -> dict[tuple[str, str | None], dict[str, Any]]:
    """Granted outcomes by (benefit, member ref); the household's 低保 under member None."""
    grants = {}
    for outcome in determination.result["outcomes"]:
        if outcome["decision"] in ("grant", "gradual_exit"):
            grants[(outcome["benefit"], outcome.get("member"))] = outcome
    return grants


@transaction.atomic
def enroll_approved_application(
    *, application: Application, actor: User, month: date | None = None
) -> list[Enrollment]:
    """Create the enrollments an approved application asks for, from a determination for the approval month."""
    month = month_start(month or timezone.localdate())
    determination = determine_household(
        actor=actor, household=application.household, month=month, purpose=Determination.Purpose.APPLICATION
    )
    grants = _grants(determination)
    created: list[Enrollment] = []
    refused: list[str] = []
    asked = application.benefits.exclude(benefit__in=NOT_ENROLLED).select_related("member")
    for asked_benefit in asked:
        ref = str(asked_benefit.member_id) if asked_benefit.member_id else None
        found = False
        for benefit in OUTCOMES_FOR_BENEFIT[asked_benefit.benefit]:
            outcome = grants.get((benefit, None if benefit == "dibao" else ref))
            if outcome is None:
                continue
            found = True
            created.append(
                _open_enrollment(
                    actor=actor,
                    benefit=benefit,
                    application=application,
                    member=asked_benefit.member,
                    month=month,
                    amount=Decimal(outcome["monthly_amount"]),
                    determination=determination,
                )
            )
        if not found:
            who = asked_benefit.member.name if asked_benefit.member else "本户"
            reasons = _reasons(determination, asked_benefit)
            refused.append(f"{who}不符合{asked_benefit.get_benefit_display()}条件（{reasons}）")
    if refused:
        raise ValidationError("；".join(refused) + "。请核实家庭情况或作不予批准处理。")
    end_covid_relief(actor=actor, discharged=_discharges(determination))
    return created


def _discharges(determination: Determination) -> dict[int, date]:
    """Member → date of discharge, as the determination's facts had them (the COVID list, else the caseworker)."""
    found = {}
    for member in determination.input_snapshot.get("members", []):
        stay = member.get("covid") or {}
        if stay.get("discharged") and str(member.get("ref", "")).isdigit():
            found[int(member["ref"])] = date.fromisoformat(stay["discharged"])
    return found


@transaction.atomic
def end_covid_relief(*, actor: User | None, discharged: Mapping[int, date]) -> int:
    """COVID-19 relief ends by itself with the month of discharge (policy.md §7: paid from the month of admission
    through the month of discharge): each open relief of these members is ended then, without an exit review.
    ``discharged``: member → date of discharge, from the facts selector (the COVID list decides for the people on
    it). ``actor``: None for the monthly screening."""
    relief = Enrollment.objects.filter(
        benefit="covid_relief", member_id__in=list(discharged), status=Status.ACTIVE, end_month__isnull=True
    )
    return _end_with_the_month_of(relief, actor=actor, event="出院", days=discharged)


def _reasons(determination: Determination, asked: ApplicationBenefit) -> str:
    dibao = next(o for o in determination.result["outcomes"] if o["benefit"] == "dibao")
    return "；".join(dibao.get("reasons", [])[:2]) or "测算未通过"


def _open_enrollment(
    *,
    actor: User,
    benefit: str,
    application: Application,
    member: Member | None,
    month: date,
    amount: Decimal,
    determination: Determination,
) -> Enrollment:
    household = application.household
    open_ones = Enrollment.objects.filter(benefit=benefit, status__in=Enrollment.OPEN_STATUSES)
    mine = open_ones.filter(member=member) if member else open_ones.filter(household=household, member=None)
    existing = mine.first()
    if existing is not None:
        raise ValidationError(f"{member.name if member else '该家庭'}已在{existing.get_benefit_display()}中。")
    enrollment = Enrollment(
        benefit=benefit,
        township_id=household.township_id,
        household=household,
        member=member,
        status=Status.ACTIVE,
        start_month=month,
        monthly_amount=amount,
        determination=determination,
        application=application,
    )
    with pghistory.context(user=actor.pk):
        enrollment.save()
        first_amount(enrollment, determination=determination).save()
    return enrollment


@transaction.atomic
def act_on_application(
    *, actor: User, application: Application, action: str, comment: str = "", data: Mapping[str, Any] | None = None
) -> Application:
    """One step of an application's workflow (``cases.services.STEPS``). The county's final approval also creates
    the enrollments; when the rules do not grant what was asked, nothing is approved."""
    if action != cases_services.APPROVE:
        return cases_services.transition(
            actor=actor, application=application, action=action, comment=comment, data=data
        )
    application = cases_services.approve(actor=actor, application=application, comment=comment)
    enroll_approved_application(application=application, actor=actor)
    return application


@transaction.atomic
def record_death(*, actor: User, member: Member, died_on: date) -> Member:
    """Record a member's death in the registry and end the person's enrollments after that month."""
    member = cases_services.record_death(actor=actor, member=member, died_on=died_on)
    end_enrollments_after_death(member=member, actor=actor)
    return member


@transaction.atomic
def end_enrollments_after_death(*, member: Member, actor: User) -> int:
    """The person's own enrollments end with the month of death (paid for that month, not after)."""
    if member.date_of_death is None:
        return 0
    person = Enrollment.objects.filter(member=member, status__in=Enrollment.OPEN_STATUSES)
    return _end_with_the_month_of(person, actor=actor, event="死亡", days={member.pk: member.date_of_death})


def _end_with_the_month_of(
    enrollments: QuerySet[Enrollment], *, actor: User | None, event: str, days: Mapping[int, date]
) -> int:
    """End each of the enrollments with the month of its person's ``event`` (``days``: member → date): paid for
    that month, not after, with the reason "``event``（date）" in the enrollment and its history."""
    ended = 0
    with pghistory.context(user=actor.pk if actor else None, reason=event):
        for enrollment in enrollments.select_for_update():
            day = days[enrollment.member_id]  # type: ignore[index]
            enrollment.status = Status.EXITED
            enrollment.end_month = max(month_start(day), enrollment.start_month)
            enrollment.exit_reason = f"{event}（{day:%Y-%m-%d}）"
            enrollment.save()
            ended += 1
    return ended


# Exits with a second review ---------------------------------------------------------------------------------


@transaction.atomic
def request_exit(*, actor: User, enrollment: Enrollment, last_month: date, reason: str) -> ExitReview:
    """Propose that ``enrollment`` ends after ``last_month``; nothing changes until another person agrees."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    ensure_request_exit(actor, enrollment)
    if not enrollment.is_open:
        raise ValidationError("该救助已退出。")
    if not reason.strip():
        raise ValidationError({"reason": "请填写退出原因。"})
    last_month = month_start(last_month)
    if last_month < enrollment.start_month:
        raise ValidationError({"last_month": "最后发放月份不能早于起始月份。"})
    if enrollment.exit_reviews.filter(status=ExitReview.Status.PENDING).exists():
        raise ValidationError("已有待复核的退出申请。")
    return ExitReview.objects.create(
        enrollment=enrollment, last_month=last_month, reason=reason.strip(), requested_by=actor
    )


@transaction.atomic
def review_exit(*, actor: User, review: ExitReview, approve: bool, comment: str = "") -> ExitReview:
    """The second person's decision. Approval ends the enrollment after the requested month."""
    review = ExitReview.objects.select_for_update().select_related("enrollment").get(pk=review.pk)
    if review.status != ExitReview.Status.PENDING:
        raise ValidationError("该退出申请已复核。")
    ensure_review_exit(actor, review)
    if not approve and not comment.strip():
        raise ValidationError({"comment": "不同意退出时请写明理由。"})
    review.status = ExitReview.Status.APPROVED if approve else ExitReview.Status.REJECTED
    review.reviewed_by = actor
    review.reviewed_at = timezone.now()
    review.review_comment = comment.strip()
    review.save()
    if approve:
        enrollment = review.enrollment
        enrollment.status = Status.EXITED
        enrollment.end_month = review.last_month
        enrollment.exit_reason = review.reason
        with pghistory.context(user=actor.pk, reason=f"复核同意退出：{review.reason}"):
            enrollment.save()
    return review


@transaction.atomic
def set_support(
    *, actor: User, enrollment: Enrollment, mode: str, caregiver_name: str = "", caregiver_phone: str = "",
    institution_name: str = "",
) -> Enrollment:  # fmt: skip
    """特困: 集中供养 (in an institution, money to its account) or 分散供养 (at home, with a named caregiver)."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    ensure_change_enrollment(actor, enrollment)
    if enrollment.benefit != "tekun":
        raise ValidationError("只有特困供养需要登记供养方式。")
    if mode == Enrollment.SupportMode.DISPERSED and not caregiver_name.strip():
        raise ValidationError({"caregiver_name": "分散供养须登记照料人。"})
    if mode == Enrollment.SupportMode.CENTRALIZED and not institution_name.strip():
        raise ValidationError({"institution_name": "集中供养须登记供养机构。"})
    enrollment.support_mode = mode
    enrollment.caregiver_name = caregiver_name.strip()
    enrollment.caregiver_phone = caregiver_phone.strip()
    enrollment.institution_name = institution_name.strip()
    with pghistory.context(user=actor.pk):
        enrollment.save()
    return enrollment
