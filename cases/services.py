"""Writes to the case registry. Each function takes keyword-only arguments with the acting user, runs in a
transaction, checks that the actor may write to the township, validates, records history with the actor, and
raises ``ValidationError`` (per field, in Chinese) or ``TransitionNotAllowed`` without writing anything."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from cases import permissions
from cases.models import (
    Application,
    ApplicationBenefit,
    ApplicationTransition,
    AssetRecord,
    Expenditure,
    Household,
    IncomeItem,
    Investigation,
    InvestigationAttachment,
    Member,
    Referral,
    SensitiveAccessLog,
    User,
    Village,
)
from cases.models.intake import PERSONAL_BENEFITS, STEP_LABELS, Benefit
from cases.selectors import special_days
from core import idnumber, parameters, workdays
from core.exceptions import TransitionNotAllowed
from core.numbers import plain

Status = Application.Status


def _today() -> date:
    return timezone.localdate()


def _next_id(model: type[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [model._meta.db_table])
        return int(cursor.fetchone()[0])


# Households and members -------------------------------------------------------------------------------------

HOUSEHOLD_FIELDS = ("village", "number", "address", "area_type", "phone")


@transaction.atomic
def save_household(*, actor: User, data: Mapping[str, Any], household: Household | None = None) -> Household:
    """Create a household (``household`` None) or change one. The township follows the village."""
    if household is not None:
        household = Household.objects.select_for_update().get(pk=household.pk)
        permissions.ensure_edit_household(actor, household)
    else:
        permissions.ensure_create_household(actor)
    if "village" not in data and household is None:
        raise ValidationError({"village": "请选择村（社区）。"})
    village: Village = data.get("village") or household.village  # type: ignore[union-attr]
    permissions.ensure_edit_household(actor, village)
    if household is not None:
        if all(getattr(household, field) == data.get(field, getattr(household, field)) for field in HOUSEHOLD_FIELDS):
            return household
    else:
        household = Household(id=_next_id(Household))
    for field in HOUSEHOLD_FIELDS:
        if field in data:
            setattr(household, field, data[field])
    household.township_id = village.township_id
    if not household.number:
        household.number = _next_household_number(household.village)
    household.full_clean()
    with pghistory.context(user=actor.pk):
        household.save()
    return household


HOUSEHOLD_SEQUENCE_DIGITS = 4  # as in the demo data (cases.demo): the village's code + a 4-digit sequence


def _next_household_number(village: Village) -> str:
    """The village's code followed by the next free 4-digit sequence in that village (as the demo data numbers
    households). The village row is locked for the rest of the transaction, so two registrations in one village
    wait for each other; the unique ``Household.number`` refuses a duplicate all the same."""
    Village.objects.select_for_update().filter(pk=village.pk).first()
    prefix = village.code
    taken = Household.objects.filter(number__startswith=prefix, number__regex=rf"^{prefix}[0-9]{{4}}$")
    last = taken.order_by("-number").values_list("number", flat=True).first()
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    if sequence >= 10**HOUSEHOLD_SEQUENCE_DIGITS:
        raise ValidationError({"village": "该村（社区）的户编号已用完，请联系县级管理员。"})
    return f"{prefix}{sequence:0{HOUSEHOLD_SEQUENCE_DIGITS}d}"


ANOTHER_TOWNSHIP = "已在其他乡镇登记，请联系县民政局"


def check_id_number(raw: str, *, actor: User, exclude_member_id: int | None = None) -> str:
    """The normalised number, or a ValidationError on ``id_number``: invalid, or already an active member."""
    try:
        number = idnumber.normalize_id_number(raw, today=_today())
    except idnumber.InvalidIdNumber as error:
        raise ValidationError({"id_number": ValidationError(error.message, code="invalid")}) from None
    existing = (
        Member.objects.filter(id_number=number, active=True)
        .exclude(pk__in=[exclude_member_id] if exclude_member_id else [])
        .select_related("household")
        .first()
    )
    if existing is not None:
        if permissions.can_see_township(actor, existing.household.township_id):
            message = "该身份证号已登记为 %(name)s（户编号 %(household)s），一人只能有一条在册记录。"
            params: dict[str, object] = {
                "name": existing.name,
                "household": existing.household.number,
                "member_id": existing.pk,
                "household_id": existing.household_id,
                "visible": True,
            }
        else:  # nothing about the other township's member: not the name, not the household
            message, params = ANOTHER_TOWNSHIP, {"visible": False}
        raise ValidationError({"id_number": ValidationError(message, code="duplicate", params=params)})
    return number


MEMBER_FIELDS = tuple(
    field.name
    for field in Member._meta.concrete_fields
    if field.name not in {"id", "household", "active", "created_at", "updated_at", "date_of_death"}
)  # a death is recorded by ``record_death`` (through assistance.enrollments, which ends the enrollments)


MINOR_WORK_AGE = 16  # under 16: no work capacity (a minor); policy.md §6
ELDERLY_AGE = 60  # policy.md §6 names the elderly, but gives no rule for their work capacity
MINOR_NO_WORK_CAPACITY = "未满 16 周岁的未成年人无劳动能力，不能登记为有劳动能力。"
ELDERLY_CHOOSE_CAPACITY = "60 周岁及以上的成员请根据实际情况选择劳动能力。"


def _check_work_capacity(values: dict[str, Any], birth_date: date | None) -> None:
    """A work capacity left blank follows the age from the ID number: under 16 无劳动能力 (a minor), 16–59 有劳动能力;
    at 60 and over the caseworker chooses (policy.md gives no rule). A minor is never 有劳动能力."""
    if birth_date is None or "work_capacity" not in values:
        return
    age = idnumber.age_on(birth_date, _today())
    if not values["work_capacity"]:
        if age >= ELDERLY_AGE:
            raise ValidationError({"work_capacity": ELDERLY_CHOOSE_CAPACITY})
        values["work_capacity"] = Member.WorkCapacity.NONE if age < MINOR_WORK_AGE else Member.WorkCapacity.FULL
    elif age < MINOR_WORK_AGE and values["work_capacity"] == Member.WorkCapacity.FULL:
        raise ValidationError({"work_capacity": MINOR_NO_WORK_CAPACITY})


@transaction.atomic
def save_member(*, actor: User, household: Household, data: Mapping[str, Any], member: Member | None = None) -> Member:
    """Register a member in ``household`` or change one. Birth date and sex come from the ID number unless an
    override reason is given (a documented registration error)."""
    permissions.ensure_edit_member(actor, household)
    if member is not None:
        member = Member.objects.select_for_update().get(pk=member.pk)
        if member.household_id != household.pk:
            raise ValidationError("成员不属于该家庭。")
    else:
        member = Member(household=household)
    values = {field: data[field] for field in MEMBER_FIELDS if field in data}
    number = check_id_number(values.get("id_number", member.id_number), actor=actor, exclude_member_id=member.pk)
    values["id_number"] = number
    if values.get("payee_id_number"):
        try:
            values["payee_id_number"] = idnumber.normalize_id_number(values["payee_id_number"], today=_today())
        except idnumber.InvalidIdNumber as error:
            raise ValidationError({"payee_id_number": f"领取人{error.message}"}) from None
    if not values.get("identity_override_reason", member.identity_override_reason):
        values["birth_date"] = idnumber.birth_date(number)
        values["sex"] = idnumber.sex(number)
    elif not (values.get("birth_date") or member.birth_date) or not (values.get("sex") or member.sex):
        raise ValidationError({"birth_date": "更正出生日期/性别时须同时填写出生日期和性别。"})
    _check_work_capacity(values, values.get("birth_date") or member.birth_date)
    if member.pk and all(getattr(member, field) == value for field, value in values.items()):
        return member
    for field, value in values.items():
        setattr(member, field, value)
    if not member.disability_category:
        member.disability_grade = None
    if member.co_resident:
        member.not_counted_reason = ""
    if member.relation == Member.Relation.HEAD:
        other_head = household.members.filter(active=True, relation=Member.Relation.HEAD).exclude(pk=member.pk)
        if other_head.exists():
            raise ValidationError({"relation": "该户已有户主，请先修改原户主的关系。"})
    member.full_clean(validate_constraints=False)  # uniqueness checked above; the rest in Member.clean
    with pghistory.context(user=actor.pk):
        member.save()
    return member


@transaction.atomic
def record_death(*, actor: User, member: Member, died_on: date) -> Member:
    """Record the date of a member's death in the registry (or correct it). The person's enrollments are ended by
    ``assistance.enrollments.record_death``, which calls this in the same transaction."""
    member = Member.objects.select_for_update().select_related("household").get(pk=member.pk)
    permissions.ensure_edit_member(actor, member.household)
    if died_on > _today():
        raise ValidationError({"date_of_death": "死亡日期不能晚于今天。"})
    if member.birth_date and died_on < member.birth_date:
        raise ValidationError({"date_of_death": "死亡日期不能早于出生日期。"})
    if member.date_of_death == died_on:
        return member
    member.date_of_death = died_on
    with pghistory.context(user=actor.pk, reason="登记死亡"):
        member.save(update_fields=["date_of_death", "updated_at"])
    return member


@transaction.atomic
def move_member(*, actor: User, member: Member, to_household: Household, relation: str) -> Member:
    """Move a member to another household; history keeps where the member was."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    permissions.ensure_edit_member(actor, member.household)
    permissions.ensure_edit_member(actor, to_household)
    if not member.active:
        raise ValidationError("已注销的成员不能迁移。")
    if member.household_id == to_household.pk and member.relation == relation:
        return member
    others = to_household.members.filter(active=True).exclude(pk=member.pk)
    if relation == Member.Relation.HEAD and others.filter(relation=Member.Relation.HEAD).exists():
        raise ValidationError({"relation": "目标家庭已有户主。"})
    staying = member.household.members.filter(active=True).exclude(pk=member.pk)
    leaving_head = member.relation == Member.Relation.HEAD and member.household_id != to_household.pk
    if leaving_head and staying.exists():
        raise ValidationError({"relation": "迁出的是户主：请先为原家庭指定新的户主。"})
    member.household = to_household
    member.relation = relation
    with pghistory.context(user=actor.pk, reason="迁移家庭"):
        member.save(update_fields=["household", "relation", "updated_at"])
    return member


@transaction.atomic
def deactivate_member(*, actor: User, member: Member, reason: str) -> Member:
    member = Member.objects.select_for_update().get(pk=member.pk)
    permissions.ensure_edit_member(actor, member.household)
    if not reason.strip():
        raise ValidationError({"reason": "请填写注销原因。"})
    if not member.active:
        return member
    member.active = False
    with pghistory.context(user=actor.pk, reason=reason):
        member.save(update_fields=["active", "updated_at"])
    return member


# Facts ------------------------------------------------------------------------------------------------------

FACT_MODELS: dict[str, type[IncomeItem] | type[Expenditure] | type[AssetRecord]] = {
    "income": IncomeItem,
    "expenditure": Expenditure,
    "asset": AssetRecord,
}


# How an income amount was entered (policy.md §2, §13): a monthly figure, or the total of the look-back period,
# divided by ``income.lookback_months`` (in force on the item's start date) when recorded.
AMOUNT_MONTHLY = "monthly"
AMOUNT_LOOKBACK_TOTAL = "lookback_total"
AMOUNT_BASES = ((AMOUNT_MONTHLY, "月收入"), (AMOUNT_LOOKBACK_TOTAL, "回溯期合计"))
LOOKBACK_ONLY_INCOME = "只有收入可按回溯期合计录入。"
LOOKBACK_NEEDS_START = "按回溯期合计录入须填写起始日期。"
FEN = Decimal("0.01")


def _from_lookback_total(data: dict[str, Any]) -> None:
    """An income entered as its look-back total: ``monthly_amount`` becomes total ÷ ``income.lookback_months`` in
    force on ``valid_from``, half-up to the fen; the note records the total and the divisor."""
    start = data.get("valid_from")
    if start is None:
        raise ValidationError({"valid_from": LOOKBACK_NEEDS_START})
    months = parameters.parameter("income.lookback_months", start)
    if months <= 0:
        raise ValidationError({"amount_basis": f"收入计算期参数（{plain(months)} 个月）无效，请联系县级管理员。"})
    if data.get("monthly_amount") is None:
        return  # the model's own check names the missing amount
    total = Decimal(data["monthly_amount"])
    data["monthly_amount"] = (total / months).quantize(FEN, ROUND_HALF_UP)
    basis = f"回溯期合计 {plain(total)} 元 ÷ {plain(months)} 个月"
    note = (data.get("note") or "").strip()
    data["note"] = f"{basis}；{note}" if note else basis


@transaction.atomic
def add_fact(
    *, actor: User, household: Household, kind: str, data: Mapping[str, Any]
) -> IncomeItem | Expenditure | AssetRecord:
    """Record an income, a rigid expenditure (both per member) or an asset record (per household).

    ``data["amount_basis"]`` (income only, default monthly): ``lookback_total`` when ``monthly_amount`` holds the
    total of the look-back period; the stored monthly amount is then that total ÷ ``income.lookback_months``."""
    permissions.ensure_add_fact(actor, household)
    data = _fact_values(kind, data)
    fact = FACT_MODELS[kind](**data)
    if isinstance(fact, AssetRecord):
        fact.household = household
    elif fact.member.household_id != household.pk or not fact.member.active:
        raise ValidationError({"member": "该成员不是本户在册成员。"})
    fact.full_clean(validate_constraints=False)  # Fact.clean names the field
    with pghistory.context(user=actor.pk):
        fact.save()
    return fact


def _fact_values(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The model's values from a fact form's data: an income entered as its look-back total becomes monthly."""
    data = dict(data)
    basis = data.pop("amount_basis", None) or AMOUNT_MONTHLY
    if basis == AMOUNT_LOOKBACK_TOTAL and kind == "income":
        _from_lookback_total(data)
    elif basis != AMOUNT_MONTHLY:
        raise ValidationError({"amount_basis": LOOKBACK_ONLY_INCOME})
    return data


def fact_kind(fact: IncomeItem | Expenditure | AssetRecord) -> str:
    return next(kind for kind, model in FACT_MODELS.items() if isinstance(fact, model))


@transaction.atomic
def update_fact(
    *, actor: User, fact: IncomeItem | Expenditure | AssetRecord, data: Mapping[str, Any]
) -> IncomeItem | Expenditure | AssetRecord:
    """Correct a recorded income, expenditure or asset record, validated as ``add_fact`` validates a new one; the
    change is recorded in the history with the actor. Nothing is written when nothing changed."""
    fact = type(fact).objects.select_for_update().get(pk=fact.pk)
    household = fact.household if isinstance(fact, AssetRecord) else fact.member.household
    permissions.ensure_add_fact(actor, household)
    values = _fact_values(fact_kind(fact), data)
    if all(getattr(fact, field) == value for field, value in values.items()):
        return fact
    for field, value in values.items():
        setattr(fact, field, value)
    if not isinstance(fact, AssetRecord) and (fact.member.household_id != household.pk or not fact.member.active):
        raise ValidationError({"member": "该成员不是本户在册成员。"})
    fact.full_clean(validate_constraints=False)  # Fact.clean names the field
    with pghistory.context(user=actor.pk):
        fact.save()
    return fact


@transaction.atomic
def end_fact(*, actor: User, fact: IncomeItem | Expenditure | AssetRecord, valid_to: date) -> None:
    fact = type(fact).objects.select_for_update().get(pk=fact.pk)
    household = fact.household if isinstance(fact, AssetRecord) else fact.member.household
    permissions.ensure_add_fact(actor, household)
    if fact.valid_to == valid_to:
        return
    fact.valid_to = valid_to
    fact.full_clean(validate_constraints=False)  # Fact.clean names the field
    with pghistory.context(user=actor.pk):
        fact.save(update_fields=["valid_to"])


# Access log -------------------------------------------------------------------------------------------------


def log_sensitive_access(
    *, actor: User, members: Iterable[Member], action: str, what: str, everyone: bool = False
) -> int:
    """Log a view or export of the records of children (under 18 today) and disabled persons; every record an
    auditor with full-identity access (``permissions.is_granted_auditor``) sees in full; and, with ``everyone``,
    every member's (records sensitive as a whole: nursing-home residents, left-behind women)."""
    today = _today()
    everything = everyone or permissions.is_granted_auditor(actor)
    rows = [
        SensitiveAccessLog(user=actor, member=m, action=action, what=what[:200])
        for m in members
        if everything or m.is_disabled or m.is_child_on(today)
    ]
    SensitiveAccessLog.objects.bulk_create(rows)
    return len(rows)


# The intake window ------------------------------------------------------------------------------------------


def _working_days_after(start: date, days: int) -> date:
    return workdays.add_working_days(start, days, special_days(start, start + timedelta(days=days * 3 + 30)))


def _step_due(application: Application, step_key: str, start: date) -> date:
    """The deadline of a step that starts on ``start``: ``intake.step_days.<step>`` working days. The epidemic fast
    track caps every step it may (investigation, review, approval, also after a return) at
    ``intake.epidemic_approval_working_days`` working days from the step's start, so a step that starts after the
    公示 is not overdue on its first day. The 公示 itself (``intake.publicity_days``) is not shortened: the policy
    gives no shorter period for it."""
    days = int(parameters.parameter(f"intake.step_days.{step_key}", start))
    if application.epidemic_fast_track:
        days = min(days, int(parameters.parameter("intake.epidemic_approval_working_days", start)))
    return _working_days_after(start, days)


@transaction.atomic
def receive_application(
    *,
    actor: User,
    household: Household,
    benefits: Iterable[tuple[str, Member | None]],
    reason: str,
    authorization_signed: bool,
    authorization_date: date | None = None,
    authorization_file: Any = None,
    epidemic_fast_track: bool = False,
    received_on: date | None = None,
) -> Application:
    """受理: the window takes an application for one or more benefits. The economic-status check needs the
    applicant's signed authorization (家庭经济状况核对授权)."""
    permissions.ensure_receive_application(actor, household)
    errors: dict[str, list[str]] = {}
    benefit_list = list(benefits)
    if not benefit_list:
        errors["benefits"] = ["请至少选择一个救助项目。"]
    for benefit, member in benefit_list:
        if benefit not in Benefit.values:
            errors.setdefault("benefits", []).append(f"未知的救助项目：{benefit}")
        elif benefit in PERSONAL_BENEFITS and member is None:
            errors.setdefault("benefits", []).append(f"{Benefit(benefit).label}须指定对象成员。")
        elif member is not None and (member.household_id != household.pk or not member.active):
            errors.setdefault("benefits", []).append(f"{member.name}不是本户在册成员。")
    if not authorization_signed:
        errors["authorization_signed"] = ["须由申请人签署家庭经济状况核对授权书后方可受理。"]
    if not reason.strip():
        errors["reason"] = ["请填写申请事由。"]
    received_on = received_on or _today()
    if received_on > _today():
        errors["received_on"] = ["受理日期不能晚于今天。"]
    if authorization_date and authorization_date > received_on:
        errors["authorization_date"] = ["授权书签署日期不能晚于受理日期。"]
    if errors:
        raise ValidationError(errors)
    application = Application(
        id=_next_id(Application),
        township_id=household.township_id,
        household=household,
        received_on=received_on,
        received_by=actor,
        reason=reason.strip(),
        authorization_signed=True,
        authorization_date=authorization_date or received_on,
        epidemic_fast_track=epidemic_fast_track,
    )
    if authorization_file:
        application.authorization_file = authorization_file
    application.number = f"SQ{received_on:%Y%m%d}{application.id:06d}"
    application.due_date = _step_due(application, "investigation", received_on)
    with pghistory.context(user=actor.pk):
        application.save()
        ApplicationBenefit.objects.bulk_create(
            ApplicationBenefit(application=application, benefit=benefit, member=member)
            for benefit, member in dict.fromkeys(benefit_list)
        )
        ApplicationTransition.objects.create(
            application=application, action="receive", to_status=Status.RECEIVED, actor=actor, comment=reason
        )
    return application


@dataclass(frozen=True)
class Step:
    label: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    approves: bool = False  # the actor decides on what others prepared
    needs_comment: bool = False


S = Status
L = STEP_LABELS


def _step(action: str, sources: tuple[str, ...], target: str, approves: bool = False, comment: bool = False) -> Step:
    return Step(L[action], sources, target, permissions.step_roles(action), approves, comment)


STEPS: dict[str, Step] = {
    "investigate": _step("investigate", (S.RECEIVED,), S.PUBLICITY),
    "end_publicity": _step("end_publicity", (S.PUBLICITY,), S.TOWNSHIP_REVIEW),
    "township_approve": _step("township_approve", (S.TOWNSHIP_REVIEW,), S.COUNTY_APPROVAL, True),
    "township_return": _step("township_return", (S.TOWNSHIP_REVIEW,), S.RECEIVED, True, True),
    "township_reject": _step("township_reject", (S.TOWNSHIP_REVIEW,), S.REJECTED, True, True),
    "county_approve": _step("county_approve", (S.COUNTY_APPROVAL,), S.APPROVED, True),
    "county_return": _step("county_return", (S.COUNTY_APPROVAL,), S.TOWNSHIP_REVIEW, True, True),
    "county_reject": _step("county_reject", (S.COUNTY_APPROVAL,), S.REJECTED, True, True),
    "withdraw": _step("withdraw", (S.RECEIVED, S.PUBLICITY), S.WITHDRAWN, False, True),
}


def _day(value: date) -> str:
    return f"{value.month}月{value.day}日"


def step_blocker(application: Application, action: str, today: date | None = None) -> str | None:
    """Why a step the actor could take in this state cannot succeed yet (with the date it can), else None."""
    today = today or _today()
    if action == "end_publicity" and application.publicity_to and today <= application.publicity_to:
        return f"公示期至 {_day(application.publicity_to)}"
    return None


def step_buttons(*, actor: User, application: Application) -> list[tuple[str, Step, str | None]]:
    """The steps this actor may take in this state, each with the reason it cannot succeed yet (None when it can):
    the page shows a blocked step as a disabled button with its reason."""
    today = _today()
    return [
        (name, step, step_blocker(application, name, today))
        for name, step in STEPS.items()
        if permissions.can_take_step(actor, application, step)
    ]


def available_steps(*, actor: User, application: Application) -> list[tuple[str, Step]]:
    """The steps this actor can take now (the API's actions); the service re-checks everything."""
    return [(name, step) for name, step, blocker in step_buttons(actor=actor, application=application) if not blocker]


APPROVE = "county_approve"


def transition(
    *, actor: User, application: Application, action: str, comment: str = "", data: Mapping[str, Any] | None = None
) -> Application:
    """Move an application one step on. Raises TransitionNotAllowed (409) when the step does not apply to the
    current state, PermissionDenied when the actor may not take it, ValidationError for missing data.

    The county's final approval is not a step of the registry alone: ``assistance.enrollments.act_on_application``
    takes it with ``approve`` and creates the enrollments in the same transaction."""
    if action == APPROVE:
        raise TransitionNotAllowed("县级审批通过须同时建立救助关系，请在申请办理页面办理。")
    return _take_step(actor=actor, application=application, action=action, comment=comment, data=data)


def approve(*, actor: User, application: Application, comment: str = "") -> Application:
    """The county's final approval in the registry (status, benefit decisions, the transition row); called by
    ``assistance.enrollments.act_on_application`` inside the transaction that creates the enrollments."""
    return _take_step(actor=actor, application=application, action=APPROVE, comment=comment, data=None)


@transaction.atomic
def _take_step(
    *, actor: User, application: Application, action: str, comment: str, data: Mapping[str, Any] | None
) -> Application:
    step = STEPS.get(action)
    if step is None:
        raise TransitionNotAllowed(f"未知的办理操作：{action}")
    application = Application.objects.select_for_update().get(pk=application.pk)
    permissions.ensure_act_on_application(actor, application)
    if application.status not in step.sources:
        raise TransitionNotAllowed(f"申请当前状态为“{application.get_status_display()}”，不能执行“{step.label}”。")
    permissions.ensure_take_step(actor, application, step)
    comment = comment.strip()
    if step.needs_comment and not comment:
        raise ValidationError({"comment": "请填写理由。"})
    today = _today()
    data = data or {}
    source = application.status
    with pghistory.context(user=actor.pk):
        if action == "investigate":
            _record_investigation(actor=actor, application=application, data=data)
            days = int(parameters.parameter("intake.publicity_days", today))
            application.publicity_from = today
            application.publicity_to = today + timedelta(days=days - 1)
            application.due_date = application.publicity_to
        elif action == "end_publicity":
            if blocker := step_blocker(application, action, today):
                raise TransitionNotAllowed(f"{blocker}，尚未期满。")
            application.objections = str(data.get("objections", "")).strip()
            application.due_date = _step_due(application, "review", today)
        elif action == "township_approve":
            application.due_date = _step_due(application, "approval", today)
        elif action == "township_return":
            application.due_date = _step_due(application, "investigation", today)
        elif action == "county_return":
            application.due_date = _step_due(application, "review", today)
        if step.target in (Status.APPROVED, Status.REJECTED, Status.WITHDRAWN):
            application.due_date = None
            application.decided_on = today
            application.decision_reason = comment
        application.status = step.target
        application.save()
        ApplicationTransition.objects.create(
            application=application,
            action=action,
            from_status=source,
            to_status=step.target,
            actor=actor,
            comment=comment,
        )
        if step.target == Status.APPROVED:
            application.benefits.filter(decision=ApplicationBenefit.Decision.PENDING).update(
                decision=ApplicationBenefit.Decision.APPROVED
            )
        elif step.target == Status.REJECTED:
            application.benefits.update(decision=ApplicationBenefit.Decision.REJECTED)
    return application


def _record_investigation(*, actor: User, application: Application, data: Mapping[str, Any]) -> None:
    Investigation.objects.filter(application=application).delete()  # a returned application is investigated anew
    investigation = Investigation(
        application=application,
        visited_on=data.get("visited_on"),  # type: ignore[misc]  # a missing date is refused by full_clean below
        investigator_1=str(data.get("investigator_1", "")).strip(),
        investigator_2=str(data.get("investigator_2", "")).strip(),
        findings=str(data.get("findings", "")).strip(),
        recorded_by=actor,
    )
    investigation.full_clean(exclude=["application"])
    if investigation.visited_on > _today():
        raise ValidationError({"visited_on": "调查日期不能晚于今天。"})
    if investigation.visited_on < application.received_on:
        raise ValidationError({"visited_on": "调查日期不能早于受理日期。"})
    investigation.save()
    InvestigationAttachment.objects.bulk_create(
        InvestigationAttachment(investigation=investigation, file=upload) for upload in data.get("attachments", [])
    )


@transaction.atomic
def add_referral(*, actor: User, application: Application, office: str, due_date: date, note: str = "") -> Referral:
    """协同办理: route part of the request to another office, with its own deadline."""
    permissions.ensure_add_referral(actor, application)
    referral = Referral(application=application, office=office, due_date=due_date, note=note, created_by=actor)
    referral.full_clean()
    if due_date < _today():
        raise ValidationError({"due_date": "办理期限不能早于今天。"})
    referral.save()
    return referral


REFERRAL_NEXT: dict[str, set[str]] = {
    Referral.Status.SENT: {Referral.Status.ACCEPTED, Referral.Status.DONE, Referral.Status.DECLINED},
    Referral.Status.ACCEPTED: {Referral.Status.DONE, Referral.Status.DECLINED},
}


@transaction.atomic
def update_referral(*, actor: User, referral: Referral, status: str, result: str = "") -> Referral:
    referral = Referral.objects.select_for_update().select_related("application").get(pk=referral.pk)
    permissions.ensure_update_referral(actor, referral)
    if referral.status in (Referral.Status.DONE, Referral.Status.DECLINED):
        raise TransitionNotAllowed("该转办事项已办结，不能再修改。")
    if status not in REFERRAL_NEXT[referral.status]:
        raise TransitionNotAllowed(
            f"转办事项当前为“{referral.get_status_display()}”，不能改为“{Referral.Status(status).label}”。"
            if status in Referral.Status.values
            else f"未知的转办状态：{status}"
        )
    if status in (Referral.Status.DONE, Referral.Status.DECLINED) and not result.strip():
        raise ValidationError({"result": "办结或不予受理时请填写办理结果。"})
    referral.status = status
    referral.result = result.strip()
    referral.full_clean()
    referral.save()
    return referral
