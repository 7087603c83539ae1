"""eldercare services: people — writes of the willingness records, caregiver visits, care facilities and
construction tasks, the left-behind elderly ledger and its visits. Each takes a keyword-only ``actor``, runs in a
transaction, checks ``eldercare.permissions``, validates (``ValidationError`` naming the field, in Chinese) and
records history with the actor; nothing is half-saved."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Member, Township, User, Village
from core import parameters
from core.validators import max_year
from eldercare import permissions
from eldercare.models import (
    CareFacility,
    CaregiverVisit,
    CareWillingness,
    ConstructionTask,
    ElderVisit,
    LeftBehindElder,
    TownshipCareSetting,
    VisitWay,
)
from eldercare.selectors import people as selectors

PILOT_TOWNSHIPS = ("高谷镇",)  # 集中托养 pilot (seed §三(三)3)
MAX_AREA = Decimal("99999999.99")


def _today() -> date:
    return timezone.localdate()


class _Errors:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _text(value: Any, limit: int, field: str, errors: _Errors, label: str) -> str:
    text = str(value or "").strip()
    if "\x00" in text or any(ord(c) < 32 and c not in "\r\n\t" for c in text):
        errors.add(field, f"{label}含有不可见的控制字符。")
        return ""
    if len(text) > limit:
        errors.add(field, f"{label}不能超过{limit}字。")
    return text


def _day(value: Any, field: str, errors: _Errors, label: str, *, required: bool = True) -> date | None:
    if value in (None, ""):
        if required:
            errors.add(field, f"请填写{label}。")
        return None
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except ValueError:
            errors.add(field, f"{label}格式不正确，应为“年-月-日”。")
            return None
    if value.year < 1900 or value.year > max_year():
        errors.add(field, f"{label}超出允许范围（1900–{max_year()} 年）。")
        return None
    return value


# The 集中托养 pilot ----------------------------------------------------------------------------------------------


def seed_pilot_townships(township_model: Any = Township, setting_model: Any = TownshipCareSetting) -> int:
    """Mark the pilot townships (高谷镇) that exist; idempotent. The data migration calls it with historical
    models; tests call it directly."""
    marked = 0
    for township in township_model.objects.filter(name__in=PILOT_TOWNSHIPS):
        setting_model.objects.update_or_create(
            township_id=township.pk, defaults={"central_care_pilot": True, "note": "集中托养试点"}
        )
        marked += 1
    return marked


@transaction.atomic
def set_pilot(*, actor: User, township: Township, pilot: bool, note: str = "") -> TownshipCareSetting:
    """The county marks or unmarks a township as running the 集中托养 pilot."""
    permissions.ensure_county_act(actor)
    errors = _Errors()
    note = _text(note, 200, "note", errors, "说明")
    errors.raise_if_any()
    with pghistory.context(user=actor.pk):
        setting, _ = TownshipCareSetting.objects.update_or_create(
            township=township, defaults={"central_care_pilot": bool(pilot), "note": note}
        )
    return setting


# 集中供养 willingness and caregiver visits --------------------------------------------------------------------------


@transaction.atomic
def record_willingness(
    *, actor: User, member: Member, asked_on: Any, willing: bool, reason: str = ""
) -> CareWillingness:
    """Record that a 失能 特困 person was asked on ``asked_on`` whether they are willing to enter a home."""
    member = Member.objects.select_related("household").get(pk=member.pk)
    permissions.ensure_record(actor, member.household.township_id)
    errors = _Errors()
    day = _day(asked_on, "asked_on", errors, "询问日期")
    if day and day > _today():
        errors.add("asked_on", "询问日期不能晚于今天。")
    if day and day < member.birth_date:
        errors.add("asked_on", "询问日期不能早于本人出生日期。")
    reason = _text(reason, 200, "reason", errors, "原因")
    if not willing and not reason:
        errors.add("reason", "不愿意集中供养的，请填写原因。")
    enrollment = selectors.tekun_enrollment(member)
    if enrollment is None:
        errors.add("member", "该成员没有在保的特困供养，不登记集中供养意愿。")
    elif member.self_care_lost == 0:
        errors.add("member", "该特困人员生活能够自理（户籍登记无生活自理指标不能达到），不属于失能人员。")
    errors.raise_if_any()
    with pghistory.context(user=actor.pk):
        return CareWillingness.objects.create(
            township_id=member.household.township_id,
            member=member,
            enrollment=enrollment,
            asked_on=day,
            willing=bool(willing),
            reason=reason,
            recorded_by=actor,
        )


def _visit_fields(data: dict[str, Any], born: date, errors: _Errors) -> dict[str, Any]:
    day = _day(data.get("visited_on"), "visited_on", errors, "探访日期")
    if day and day > _today():
        errors.add("visited_on", "探访日期不能晚于今天。")
    if day and day < born:
        errors.add("visited_on", "探访日期不能早于本人出生日期。")
    visitor = _text(data.get("visitor"), 32, "visitor", errors, "探访人")
    if not visitor and "visitor" not in errors.errors:
        errors.add("visitor", "请填写探访人。")
    way = data.get("way") or ""
    if way not in VisitWay.values:
        errors.add("way", "请选择探访方式（上门、电话或视频）。")
    return {
        "visited_on": day,
        "visitor": visitor,
        "way": way,
        "findings": _text(data.get("findings"), 1000, "findings", errors, "探访情况"),
        "needs": _text(data.get("needs"), 1000, "needs", errors, "需求"),
        "follow_up": _text(data.get("follow_up"), 1000, "follow_up", errors, "后续措施"),
    }


@transaction.atomic
def record_caregiver_visit(*, actor: User, member: Member, data: dict[str, Any]) -> CaregiverVisit:
    """A visit to a 分散供养 特困 person by their caregiver or the township."""
    member = Member.objects.select_related("household").get(pk=member.pk)
    permissions.ensure_record(actor, member.household.township_id)
    errors = _Errors()
    fields = _visit_fields(data, member.birth_date, errors)
    enrollment = selectors.tekun_enrollment(member)
    if enrollment is None:
        errors.add("member", "该成员没有在保的特困供养。")
    elif enrollment.support_mode != enrollment.SupportMode.DISPERSED:
        errors.add("member", "该特困人员不是分散供养，照料探访只登记分散供养人员。")
    errors.raise_if_any()
    with pghistory.context(user=actor.pk):
        return CaregiverVisit.objects.create(
            township_id=member.household.township_id,
            member=member,
            enrollment=enrollment,
            recorded_by=actor,
            **fields,
        )


# Community care facilities and construction tasks ----------------------------------------------------------


def _area(value: Any, field: str, errors: _Errors, label: str) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        area = Decimal(str(value).strip())
    except ArithmeticError:
        errors.add(field, f"{label}应为数字。")
        return Decimal("0")
    if not area.is_finite() or area < 0:
        errors.add(field, f"{label}不能为负数。")
    elif area > MAX_AREA:
        errors.add(field, f"{label}过大，请核实。")
    elif area != area.quantize(Decimal("0.01")):
        errors.add(field, f"{label}最多保留两位小数。")
    return area


def _place(data: dict[str, Any], errors: _Errors) -> tuple[str, Township | None, Village | None]:
    kind = data.get("kind") or ""
    if kind not in CareFacility.Kind.values:
        errors.add("kind", "请选择设施类型（中心或站点）。")
    township = data.get("township")
    village = data.get("village")
    if township is None:
        errors.add("township", "请选择乡镇。")
    if kind == CareFacility.Kind.STATION and village is None:
        errors.add("village", "站点须选择所在村（社区）。")
    if kind == CareFacility.Kind.CENTRE:
        village = None
    if village is not None and township is not None and village.township_id != township.pk:
        errors.add("village", "所选村（社区）不属于该乡镇。")
    return kind, township, village


@transaction.atomic
def save_facility(*, actor: User, data: dict[str, Any], facility: CareFacility | None = None) -> CareFacility:
    """Create or change a centre (one per township) or a station (one per village or community)."""
    errors = _Errors()
    kind, township, village = _place(data, errors)
    if township is not None:
        permissions.ensure_record(actor, township.pk)
    if facility is not None:
        permissions.ensure_record(actor, facility.township_id)
    name = _text(data.get("name"), 64, "name", errors, "名称")
    if not name and "name" not in errors.errors:
        errors.add("name", "请填写名称。")
    land = _area(data.get("land_area"), "land_area", errors, "用地面积")
    floor = _area(data.get("floor_area"), "floor_area", errors, "建筑面积")
    opened_on = _day(data.get("opened_on"), "opened_on", errors, "投用日期", required=False)
    status = data.get("status") or CareFacility.Status.OPEN
    if status not in CareFacility.Status.values:
        errors.add("status", "请选择状态。")
    services = _text(data.get("services"), 1000, "services", errors, "服务内容")
    errors.raise_if_any()
    if status != CareFacility.Status.CLOSED:
        others = CareFacility.objects.exclude(status=CareFacility.Status.CLOSED)
        if facility is not None:
            others = others.exclude(pk=facility.pk)
        if kind == CareFacility.Kind.CENTRE and others.filter(kind=kind, township=township).exists():
            errors.add("kind", f"{township}已有养老服务中心（一街（乡镇）一中心）。")
        if kind == CareFacility.Kind.STATION and others.filter(kind=kind, village=village).exists():
            errors.add("village", f"{village}已有养老服务站点（一社（村）一站点）。")
    errors.raise_if_any()
    facility = facility or CareFacility()
    values = {
        "kind": kind,
        "township": township,
        "village": village,
        "name": name,
        "land_area": land,
        "floor_area": floor,
        "opened_on": opened_on,
        "status": status,
        "services": services,
    }
    for key, value in values.items():
        setattr(facility, key, value)
    try:
        with transaction.atomic(), pghistory.context(user=actor.pk):
            facility.save()
    except IntegrityError:  # a concurrent save of the same township or village
        raise ValidationError({"kind": "该乡镇或村（社区）已有同类设施。"}) from None
    return facility


@transaction.atomic
def save_task(*, actor: User, data: dict[str, Any], task: ConstructionTask | None = None) -> ConstructionTask:
    """Create or change one of the year's construction tasks."""
    errors = _Errors()
    kind, township, village = _place(data, errors)
    if township is not None:
        permissions.ensure_record(actor, township.pk)
    if task is not None:
        permissions.ensure_record(actor, task.township_id)
    year = data.get("year")
    if not isinstance(year, int) or not 2000 <= year <= max_year():
        errors.add("year", f"年度应在 2000–{max_year()} 之间。")
        year = None
    planned_on = _day(data.get("planned_on"), "planned_on", errors, "计划完成日期")
    completed_on = _day(data.get("completed_on"), "completed_on", errors, "完成日期", required=False)
    if completed_on and completed_on > _today():
        errors.add("completed_on", "完成日期不能晚于今天。")
    if year and completed_on and completed_on.year < year:
        errors.add("completed_on", "完成日期不能早于任务年度。")
    note = _text(data.get("note"), 200, "note", errors, "说明")
    errors.raise_if_any()
    task = task or ConstructionTask()
    for key, value in {
        "year": year,
        "township": township,
        "kind": kind,
        "village": village,
        "planned_on": planned_on,
        "completed_on": completed_on,
        "note": note,
    }.items():
        setattr(task, key, value)
    with pghistory.context(user=actor.pk):
        task.save()
    return task


# Left-behind elderly ----------------------------------------------------------------------------------------


def _min_age(on: date) -> int:
    return int(parameters.parameter("elderly.min_age", on))


@transaction.atomic
def generate_from_registry(*, actor: User, township: Township, on: date | None = None) -> int:
    """从户籍标记生成: put on the ledger every active, living member of the township flagged 留守老人 in the
    registry, old enough (``elderly.min_age``) and not on the ledger yet. Idempotent; returns how many were added."""
    permissions.ensure_record(actor, township.pk)
    on = on or _today()
    candidates = selectors.registry_candidates(township.pk, on, _min_age(on))
    rows = [
        LeftBehindElder(
            township_id=township.pk,
            member_id=member_id,
            source=LeftBehindElder.Source.REGISTRY,
            entered_on=on,
            living=LeftBehindElder.Living.OTHER,
            created_by=actor,
        )
        for member_id in candidates
    ]
    with pghistory.context(user=actor.pk):
        LeftBehindElder.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


ELDER_TEXT = {
    "children_away": ("外出子女", 200),
    "children_where": ("子女外出地点", 200),
    "health": ("健康状况", 200),
    "needs": ("需求", 1000),
    "emergency_name": ("紧急联系人", 32),
    "visitor_name": ("探访责任人（姓名）", 32),
}


def _elder_fields(data: dict[str, Any], township_id: int, errors: _Errors) -> dict[str, Any]:
    fields = {key: _text(data.get(key), limit, key, errors, label) for key, (label, limit) in ELDER_TEXT.items()}
    living = data.get("living") or ""
    if living not in LeftBehindElder.Living.values:
        errors.add("living", "请选择居住情况。")
    fields["living"] = living
    phone = _text(data.get("emergency_phone"), 20, "emergency_phone", errors, "紧急联系人电话")
    if phone and not all(c.isascii() and (c.isdigit() or c in "+-() ") for c in phone):
        errors.add("emergency_phone", "请填写正确的电话号码（数字）。")
    fields["emergency_phone"] = phone
    visitor_user = data.get("visitor_user")
    if visitor_user is not None and visitor_user.township_id != township_id:
        errors.add("visitor_user", "探访责任人须为本乡镇（街道）的工作人员。")
    fields["visitor_user"] = visitor_user
    if visitor_user is None and not fields["visitor_name"] and "visitor_name" not in errors.errors:
        errors.add("visitor_name", "请选择探访责任人或填写其姓名。")
    return fields


@transaction.atomic
def add_elder(*, actor: User, member: Member, data: dict[str, Any], on: date | None = None) -> LeftBehindElder:
    """A caseworker adds a member of their township to the ledger (手工登记)."""
    member = Member.objects.select_for_update().select_related("household").get(pk=member.pk)
    township_id = member.household.township_id
    permissions.ensure_record(actor, township_id)
    on = on or _today()
    errors = _Errors()
    if not member.active or member.date_of_death is not None:
        errors.add("member", "该成员已注销或已死亡，不能纳入台账。")
    elif member.age_on(on) < _min_age(on):
        errors.add("member", f"该成员未满 {_min_age(on)} 周岁，不属于留守老年人。")
    if LeftBehindElder.objects.filter(member=member, active=True).exists():
        errors.add("member", "该老年人已在留守老年人台账中。")
    fields = _elder_fields(data, township_id, errors)
    errors.raise_if_any()
    with pghistory.context(user=actor.pk):
        return LeftBehindElder.objects.create(
            township_id=township_id,
            member=member,
            source=LeftBehindElder.Source.MANUAL,
            entered_on=on,
            created_by=actor,
            **fields,
        )


@transaction.atomic
def update_elder(*, actor: User, elder: LeftBehindElder, data: dict[str, Any]) -> LeftBehindElder:
    """Change what the ledger says of a person (children, living, health, needs, contact, visitor)."""
    elder = LeftBehindElder.objects.select_for_update().get(pk=elder.pk)
    permissions.ensure_record(actor, elder.township_id)
    errors = _Errors()
    fields = _elder_fields(data, elder.township_id, errors)
    errors.raise_if_any()
    for key, value in fields.items():
        setattr(elder, key, value)
    with pghistory.context(user=actor.pk):
        elder.save()
    return elder


@transaction.atomic
def end_elder(*, actor: User, elder: LeftBehindElder, ended_on: Any, reason: str) -> LeftBehindElder:
    """Take a person off the ledger (children returned, moved, died …), with the date and the reason."""
    elder = LeftBehindElder.objects.select_for_update().get(pk=elder.pk)
    permissions.ensure_record(actor, elder.township_id)
    errors = _Errors()
    if not elder.active:
        errors.add("ended_on", "该老年人已移出台账。")
    day = _day(ended_on, "ended_on", errors, "移出日期")
    if day and day > _today():
        errors.add("ended_on", "移出日期不能晚于今天。")
    if day and day < elder.entered_on:
        errors.add("ended_on", "移出日期不能早于纳入台账日期。")
    reason = _text(reason, 200, "end_reason", errors, "移出原因")
    if not reason and "end_reason" not in errors.errors:
        errors.add("end_reason", "请填写移出原因。")
    errors.raise_if_any()
    elder.active = False
    elder.ended_on = day
    elder.end_reason = reason
    with pghistory.context(user=actor.pk):
        elder.save(update_fields=["active", "ended_on", "end_reason"])
    return elder


@transaction.atomic
def record_visit(*, actor: User, elder: LeftBehindElder, data: dict[str, Any]) -> ElderVisit:
    """A visit to a left-behind elderly person: date (not before their birth, not in the future), visitor, way,
    findings, needs, follow-up."""
    elder = LeftBehindElder.objects.select_related("member").get(pk=elder.pk)
    permissions.ensure_record(actor, elder.township_id)
    errors = _Errors()
    fields = _visit_fields(data, elder.member.birth_date, errors)
    errors.raise_if_any()
    with pghistory.context(user=actor.pk):
        return ElderVisit.objects.create(elder=elder, recorded_by=actor, **fields)
