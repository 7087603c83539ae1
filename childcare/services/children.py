"""childcare services: children — the left-behind children's ledger (from the registry flag, or recorded by
hand), visits, guardianship cases, and the cases of orphans and de-facto unsupported children with their reviews
and end (one prepares, another approves). Every write: keyword-only ``actor``, one transaction, the permission
checked, a ``ValidationError`` naming the field, the acting user in the history context."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assistance.models import BenefitKind, Enrollment
from cases.models import Member, User
from childcare import permissions
from childcare.models import ChildCase, ChildCaseStep, ChildVisit, GuardianshipCase, LeftBehindChild
from childcare.models.children import Capacity, Evidence, ParentBasis
from core import idnumber, parameters

ADULT_AGE = 18
# Days a township has to settle a guardianship case (a change of guardian or the 事实无人抚养 assessment): proposed.
GUARDIANSHIP_CASE_DAYS = 30
CHILD_FIELDS = (
    "father_situation",
    "father_place",
    "mother_situation",
    "mother_place",
    "guardian_name",
    "guardian_relation",
    "guardian_birth_date",
    "guardian_age",
    "guardian_health",
    "guardian_capacity",
    "entrusted",
    "school",
    "responsible_name",
    "responsible_post",
    "responsible_phone",
    "risks",
)
CASE_FIELDS = (
    "category",
    "father_basis",
    "father_evidence",
    "father_evidence_ref",
    "mother_basis",
    "mother_evidence",
    "mother_evidence_ref",
    "placement",
    "insured",
    "insurance_policy",
    "insurer",
    "insurance_from",
    "insurance_to",
)
# policy.md §10: a parent counts as "missing" for an orphan when dead or declared missing; as unable to support
# when severely disabled, seriously ill, imprisoned, in compulsory detox, otherwise detained or lost ≥ 6 months.
GONE = {ParentBasis.DEAD, ParentBasis.MISSING}
UNABLE = {
    ParentBasis.SEVERE_DISABILITY,
    ParentBasis.SERIOUS_ILLNESS,
    ParentBasis.PRISON,
    ParentBasis.DETOX,
    ParentBasis.DETAINED,
    ParentBasis.LOST_CONTACT,
}


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def left_behind_max_age(on: date) -> int:
    return int(parameters.parameter("children.left_behind_max_age", on))


def orphan_age_limit(on: date) -> int:
    return int(parameters.parameter("orphan.age_limit", on))


def _township_id(member: Member) -> int:
    return member.household.township_id


# Left-behind children ---------------------------------------------------------------------------------------


def _check_child_member(member: Member, on: date, exclude: int | None = None) -> None:
    if not member.active or member.date_of_death:
        raise ValidationError({"member": "该成员已不在册（注销或死亡），不能纳入留守儿童台账。"})
    limit = left_behind_max_age(on)
    if member.age_on(on) >= limit:
        raise ValidationError({"member": f"{member.name}已满 {limit} 周岁，不属于农村留守儿童。"})
    others = LeftBehindChild.objects.filter(member=member, status=LeftBehindChild.Status.ACTIVE)
    if exclude:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ValidationError({"member": f"{member.name}已在留守儿童台账中（一名儿童只能在一个乡镇登记一次）。"})


def _apply_guardian(child: LeftBehindChild, on: date) -> None:
    """The guardian's age from the birth date when given; a guardian under 18 is kept, assessed 无监护能力."""
    if child.guardian_birth_date:
        if child.guardian_birth_date > on:
            raise ValidationError({"guardian_birth_date": "监护人出生日期不能晚于今天。"})
        child.guardian_age = idnumber.age_on(child.guardian_birth_date, on)
    if child.guardian_age is not None and child.guardian_age > 120:
        raise ValidationError({"guardian_age": "监护人年龄不能超过 120 岁。"})
    if guardian_is_minor(child):
        child.guardian_capacity = Capacity.NONE


def guardian_is_minor(child: LeftBehindChild) -> bool:
    return child.guardian_age is not None and child.guardian_age < ADULT_AGE


def _open_guardianship_case(child: LeftBehindChild, on: date) -> GuardianshipCase | None:
    """Open the township's guardianship case when the guardian cannot care (or is a minor) and none is open."""
    if child.status != LeftBehindChild.Status.ACTIVE or child.guardian_capacity != Capacity.NONE:
        return None
    if child.guardianship_cases.filter(status=GuardianshipCase.Status.OPEN).exists():
        return None
    reason = GuardianshipCase.Reason.MINOR if guardian_is_minor(child) else GuardianshipCase.Reason.INCAPABLE
    return GuardianshipCase.objects.create(
        child=child,
        township_id=child.township_id,
        reason=reason,
        guardian_name=child.guardian_name,
        opened_on=on,
        due_date=on + timedelta(days=GUARDIANSHIP_CASE_DAYS),
    )


@transaction.atomic
def save_child(
    *, actor: User, data: dict[str, Any], member: Member | None = None, child: LeftBehindChild | None = None
) -> LeftBehindChild:
    """Add a child to the ledger (``member``) or change a ledger row (``child``)."""
    today = timezone.localdate()
    if child is None:
        assert member is not None
        member = Member.objects.select_related("household").select_for_update().get(pk=member.pk)
        permissions.ensure_record(actor, _township_id(member))
        start = data.get("start") or today
        if start > today:
            raise ValidationError({"start": "纳入台账日期不能晚于今天。"})
        if start < member.birth_date:
            raise ValidationError({"start": "纳入台账日期不能早于儿童出生日期。"})
        _check_child_member(member, start)
        child = LeftBehindChild(
            member=member,
            township_id=_township_id(member),
            start=start,
            created_by=actor,
            source=data.get("source") or LeftBehindChild.Source.MANUAL,
        )
    else:
        child = LeftBehindChild.objects.select_for_update().get(pk=child.pk)
        permissions.ensure_record(actor, child.township_id)
        if child.status != LeftBehindChild.Status.ACTIVE:
            raise ValidationError({"status": "该儿童已移出台账，不能修改。"})
    for field in CHILD_FIELDS:
        if field in data:
            setattr(child, field, data[field])
    _apply_guardian(child, today)
    with pghistory.context(user=actor.pk):
        try:
            with transaction.atomic():
                child.save()
        except IntegrityError:
            raise ValidationError({"member": "该儿童已在留守儿童台账中。"}) from None
        _open_guardianship_case(child, today)
    return child


@transaction.atomic
def generate_from_registry(*, actor: User, township_id: int) -> int:
    """Add to the township's ledger every registered member flagged 留守儿童 in the registry, under the age limit
    and not yet on a ledger (idempotent: a second run adds nothing). Returns how many were added."""
    permissions.ensure_record(actor, township_id)
    today = timezone.localdate()
    born_after = years_before(today, left_behind_max_age(today))
    on_ledger = LeftBehindChild.objects.filter(status=LeftBehindChild.Status.ACTIVE).values("member_id")
    members = (
        Member.objects.filter(
            household__township_id=township_id,
            left_behind_child=True,
            active=True,
            date_of_death__isnull=True,
            birth_date__gt=born_after,
        )
        .exclude(pk__in=on_ledger)
        .values_list("pk", flat=True)
    )
    rows = [
        LeftBehindChild(
            member_id=pk,
            township_id=township_id,
            source=LeftBehindChild.Source.REGISTRY,
            start=today,
            created_by=actor,
        )
        for pk in members
    ]
    with pghistory.context(user=actor.pk):
        LeftBehindChild.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


@transaction.atomic
def end_child(*, actor: User, child: LeftBehindChild, ended_on: date, reason: str) -> LeftBehindChild:
    child = LeftBehindChild.objects.select_for_update().get(pk=child.pk)
    permissions.ensure_record(actor, child.township_id)
    if child.status != LeftBehindChild.Status.ACTIVE:
        raise ValidationError({"ended_on": "该儿童已移出台账。"})
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": "移出日期不能晚于今天。"})
    if ended_on < child.start:
        raise ValidationError({"ended_on": "移出日期不能早于纳入台账日期。"})
    if not reason.strip():
        raise ValidationError({"end_reason": "请填写移出原因。"})
    child.status, child.ended_on, child.end_reason = LeftBehindChild.Status.ENDED, ended_on, reason.strip()
    with pghistory.context(user=actor.pk):
        child.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    return child


@transaction.atomic
def record_visit(*, actor: User, child: LeftBehindChild, data: dict[str, Any]) -> ChildVisit:
    child = LeftBehindChild.objects.select_related("member").select_for_update().get(pk=child.pk)
    permissions.ensure_record(actor, child.township_id)
    if child.status != LeftBehindChild.Status.ACTIVE:
        raise ValidationError({"visited_on": "该儿童已移出台账，不能再登记探访。"})
    visited_on = data["visited_on"]
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": "探访日期不能晚于今天。"})
    if visited_on < child.member.birth_date:
        raise ValidationError({"visited_on": f"探访日期不能早于儿童出生日期（{child.member.birth_date:%Y-%m-%d}）。"})
    if not (data.get("findings") or "").strip():
        raise ValidationError({"findings": "请填写探访情况。"})
    if not (data.get("visitor") or "").strip():
        raise ValidationError({"visitor": "请填写探访人。"})
    fields = ("visited_on", "visitor", "way", "seen_in_person", "findings", "needs", "follow_up")
    visit = ChildVisit(child=child, created_by=actor, **{f: data[f] for f in fields if f in data})
    with pghistory.context(user=actor.pk):
        visit.save()
    return visit


@transaction.atomic
def resolve_guardianship(*, actor: User, case: GuardianshipCase, outcome: str, note: str) -> GuardianshipCase:
    case = GuardianshipCase.objects.select_for_update().get(pk=case.pk)
    permissions.ensure_record(actor, case.township_id)
    if case.status != GuardianshipCase.Status.OPEN:
        raise ValidationError({"outcome": "该个案已办结。"})
    if outcome not in GuardianshipCase.Outcome.values or not outcome:
        raise ValidationError({"outcome": "请选择办理结果。"})
    if not note.strip():
        raise ValidationError({"outcome_note": "请填写办理说明。"})
    case.status, case.outcome, case.outcome_note = GuardianshipCase.Status.RESOLVED, outcome, note.strip()
    case.resolved_on, case.resolved_by = timezone.localdate(), actor
    with pghistory.context(user=actor.pk):
        case.save()
    return case


# Orphans and de-facto unsupported children ------------------------------------------------------------------


def _check_basis(case: ChildCase) -> None:
    errors: dict[str, str] = {}
    for parent, label in (("father", "父亲"), ("mother", "母亲")):
        basis = getattr(case, f"{parent}_basis")
        if basis != ParentBasis.NONE:
            if not getattr(case, f"{parent}_evidence"):
                errors[f"{parent}_evidence"] = f"请选择{label}情况的证明材料。"
            elif not getattr(case, f"{parent}_evidence_ref").strip():
                errors[f"{parent}_evidence_ref"] = f"请填写{label}证明材料的文号或编号。"
        elif getattr(case, f"{parent}_evidence") not in ("", Evidence.NONE):
            errors[f"{parent}_evidence"] = f"{label}情况为“不符合”时不填证明材料。"
    bases = {case.father_basis, case.mother_basis}
    if case.category == ChildCase.Category.ORPHAN:
        if not bases <= GONE:
            errors.setdefault("category", "孤儿须父母双方均已死亡或宣告失踪。")
    else:
        both_unable = bases <= (GONE | UNABLE) and not bases <= GONE
        if not both_unable:
            errors.setdefault(
                "category",
                "事实无人抚养儿童须父母双方均重残、重病、服刑、强制戒毒、被限制人身自由或失联满6个月，"
                "或一方死亡（失踪）另一方符合上述情形；父母均死亡或失踪的应认定为孤儿。",
            )
    if case.insured:
        if not case.insurance_policy.strip():
            errors["insurance_policy"] = "已参保的请填写保单号。"
        if not case.insurance_from:
            errors["insurance_from"] = "已参保的请填写保险起期。"
        if not case.insurance_to:
            errors["insurance_to"] = "已参保的请填写保险止期。"
    if case.insurance_from and case.insurance_to and case.insurance_to < case.insurance_from:
        errors["insurance_to"] = "保险止期不能早于起期。"
    if errors:
        raise ValidationError(errors)


def orphan_enrollment(member: Member) -> Enrollment | None:
    """The member's open orphan allowance (created by the approval of an application in ``assistance``)."""
    return (
        Enrollment.objects.filter(member=member, benefit=BenefitKind.ORPHAN, status__in=Enrollment.OPEN_STATUSES)
        .order_by("-start_month")
        .first()
    )


@transaction.atomic
def open_case(*, actor: User, member: Member, data: dict[str, Any]) -> ChildCase:
    """A case for an orphan or de-facto unsupported child under ``orphan.age_limit`` on its opening date."""
    member = Member.objects.select_related("household").select_for_update().get(pk=member.pk)
    permissions.ensure_record(actor, _township_id(member))
    today = timezone.localdate()
    opened_on = data.get("opened_on") or today
    if opened_on > today:
        raise ValidationError({"opened_on": "建档日期不能晚于今天。"})
    if opened_on < member.birth_date:
        raise ValidationError({"opened_on": "建档日期不能早于儿童出生日期。"})
    if not member.active or member.date_of_death:
        raise ValidationError({"member": "该成员已不在册（注销或死亡）。"})
    limit = orphan_age_limit(opened_on)
    if member.age_on(opened_on) >= limit:
        raise ValidationError({"member": f"{member.name}已满 {limit} 周岁，不能建立孤儿（事实无人抚养儿童）档案。"})
    if ChildCase.objects.filter(member=member, status=ChildCase.Status.ACTIVE).exists():
        raise ValidationError({"member": f"{member.name}已有在册的孤儿（事实无人抚养儿童）档案。"})
    case = ChildCase(
        member=member,
        township_id=_township_id(member),
        opened_on=opened_on,
        review_due=add_months(opened_on, 12),
        created_by=actor,
        enrollment=orphan_enrollment(member),
        **{f: data[f] for f in CASE_FIELDS if f in data},
    )
    _check_basis(case)
    with pghistory.context(user=actor.pk):
        case.save()
    return case


@transaction.atomic
def update_case(*, actor: User, case: ChildCase, data: dict[str, Any]) -> ChildCase:
    """Change the basis, placement or insurance of an active case; the allowance link is refreshed."""
    case = ChildCase.objects.select_related("member").select_for_update().get(pk=case.pk)
    permissions.ensure_record(actor, case.township_id)
    if case.status != ChildCase.Status.ACTIVE:
        raise ValidationError({"status": "档案已终止，不能修改。"})
    for field in CASE_FIELDS:
        if field in data:
            setattr(case, field, data[field])
    case.enrollment = orphan_enrollment(case.member) or case.enrollment
    _check_basis(case)
    with pghistory.context(user=actor.pk):
        case.save()
    return case


@transaction.atomic
def prepare_step(*, actor: User, case: ChildCase, kind: str, on: date, findings: str, end_reason: str = "") -> Any:
    """Prepare a case's annual review or its end (年满18周岁 or the basis ended), for another person to approve."""
    case = ChildCase.objects.select_for_update().get(pk=case.pk)
    permissions.ensure_record(actor, case.township_id)
    if case.status != ChildCase.Status.ACTIVE:
        raise ValidationError({"kind": "档案已终止。"})
    if kind not in ChildCaseStep.Kind.values:
        raise ValidationError({"kind": "请选择复核或终止。"})
    if on > timezone.localdate():
        raise ValidationError({"on": "日期不能晚于今天。"})
    if on < case.opened_on:
        raise ValidationError({"on": "日期不能早于建档日期。"})
    if not findings.strip():
        raise ValidationError({"findings": "请填写情况说明。"})
    if kind == ChildCaseStep.Kind.END and not end_reason.strip():
        raise ValidationError({"end_reason": "请填写终止原因（如年满18周岁、父母情况变化）。"})
    if case.steps.filter(status=ChildCaseStep.Status.PENDING).exists():
        raise ValidationError({"kind": "该档案已有待审批的复核或终止。"})
    with pghistory.context(user=actor.pk):
        return ChildCaseStep.objects.create(
            case=case, kind=kind, on=on, findings=findings.strip(), end_reason=end_reason.strip(), prepared_by=actor
        )


@transaction.atomic
def decide_step(*, actor: User, step: ChildCaseStep, approve: bool, note: str) -> ChildCaseStep:
    """Another person approves (a review moves the next review 12 months on; an end ends the case) or returns."""
    step = ChildCaseStep.objects.select_related("case").select_for_update().get(pk=step.pk)
    permissions.ensure_decide_case_step(actor, step)
    if step.status != ChildCaseStep.Status.PENDING:
        raise ValidationError({"decision": "该事项已审批。"})
    if not approve and not note.strip():
        raise ValidationError({"note": "退回时请填写审批意见。"})
    step.status = ChildCaseStep.Status.APPROVED if approve else ChildCaseStep.Status.RETURNED
    step.decided_by, step.decided_at, step.decision_note = actor, timezone.now(), note.strip()
    case = step.case
    with pghistory.context(user=actor.pk):
        step.save()
        if approve and step.kind == ChildCaseStep.Kind.REVIEW:
            case.review_due = add_months(step.on, 12)
            case.save(update_fields=["review_due", "updated_at"])
        elif approve:
            case.status, case.ended_on, case.end_reason = ChildCase.Status.ENDED, step.on, step.end_reason
            case.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    return step
