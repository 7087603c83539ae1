"""childcare services: groups — the left-behind women's screening (generated from the registry flag, added and
changed by hand) and the 福康工程 services; the log of every read of these sensitive records.

福康工程 is for poor severely disabled persons (the seed, §三(三)6): a service for a person who is not both poor
(建档立卡, or a household on 低保/特困 this month) and severely disabled (grade 1–2, registry or 残联 roll) is
refused unless ``exception_reason`` says why it is given anyway; a person with no disability at all is always
refused."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.models import Member, User
from childcare import permissions
from childcare.models import FukangService, LeftBehindWoman
from childcare.selectors import groups as selectors
from core.validators import max_year

WOMAN_FIELDS = (
    "husband_away_where",
    "husband_away_since",
    "children_in_care",
    "elderly_in_care",
    "care_note",
    "health",
    "work",
    "needs",
    "screened_on",
    "screened_by",
)
SERVICE_FIELDS = ("kind", "started_on", "ended_on", "provider", "note", "exception_reason")
NOT_A_WOMAN = "留守妇女须为女性：该成员在户籍中登记为男性。"
NOT_MARRIED = (
    "户籍中看不出该妇女已婚（与户主关系不是配偶或儿媳，户主本人时户内也没有在册的丈夫）；"
    "请先在家庭成员中核实与户主关系。"
)
MIN_YEAR = 2000


def _today() -> date:
    return timezone.localdate()


# Left-behind women ------------------------------------------------------------------------------------------


def _check_year(year: Any) -> int:
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= max_year():
        raise ValidationError({"year": f"年度应在 {MIN_YEAR}–{max_year()} 年之间。"})
    return year


def check_woman(member: Member) -> None:
    if member.sex != Member.Sex.FEMALE:
        raise ValidationError({"member": NOT_A_WOMAN})
    if not member.active:
        raise ValidationError({"member": "该成员已不在册。"})
    if not selectors.married_in_registry(member):
        raise ValidationError({"member": NOT_MARRIED})


def _woman_values(data: Mapping[str, Any], year: int) -> dict[str, Any]:
    values = {field: data[field] for field in WOMAN_FIELDS if field in data}
    for field in ("children_in_care", "elderly_in_care"):
        if field in values and (values[field] is None or not 0 <= int(values[field]) <= 30):
            raise ValidationError({field: "人数应在 0–30 之间。"})
    today = _today()
    since = values.get("husband_away_since")
    if since and since > today:
        raise ValidationError({"husband_away_since": "丈夫外出时间不能晚于今天。"})
    screened = values.get("screened_on")
    if screened and screened > today:
        raise ValidationError({"screened_on": "摸排日期不能晚于今天。"})
    if screened and screened.year != year:
        raise ValidationError({"screened_on": f"摸排日期应在 {year} 年内。"})
    return values


@transaction.atomic
def add_woman(*, actor: User, member: Member, year: int, data: Mapping[str, Any]) -> LeftBehindWoman:
    """Add a woman to her township's screening of ``year`` by hand."""
    member = Member.objects.select_related("household").select_for_update().get(pk=member.pk)
    permissions.ensure_record(actor, member.household.township_id)
    year = _check_year(year)
    check_woman(member)
    if LeftBehindWoman.objects.filter(member=member, year=year).exists():
        raise ValidationError({"member": f"该妇女已在 {year} 年留守妇女台账中。"})
    woman = LeftBehindWoman(
        township_id=member.household.township_id,
        member=member,
        year=year,
        source=LeftBehindWoman.Source.MANUAL,
        created_by=actor,
        **_woman_values(data, year),
    )
    woman.full_clean(validate_constraints=False)
    woman.save()
    return woman


@transaction.atomic
def update_woman(*, actor: User, woman: LeftBehindWoman, data: Mapping[str, Any]) -> LeftBehindWoman:
    woman = LeftBehindWoman.objects.select_for_update().get(pk=woman.pk)
    permissions.ensure_record(actor, woman.township_id)
    values = _woman_values(data, woman.year)
    for field, value in values.items():
        setattr(woman, field, value)
    woman.full_clean(validate_constraints=False)
    woman.save()
    return woman


@dataclass(frozen=True)
class Generated:
    created: int
    existing: int
    skipped: list[str]


@transaction.atomic
def generate_women(*, actor: User, township_id: int, year: int) -> Generated:
    """从户籍标记生成: one row for each flagged woman of the township not yet on the year's screening. Idempotent:
    a second run adds only the women flagged since. Flagged members who are men or not married in the registry's
    terms are skipped and named."""
    permissions.ensure_record(actor, township_id)
    year = _check_year(year)
    fit, unfit = selectors.flagged_women_split(township_id)
    listed = set(LeftBehindWoman.objects.filter(year=year, member__in=fit).values_list("member_id", flat=True))
    new = [
        LeftBehindWoman(
            township_id=township_id, member=member, year=year, source=LeftBehindWoman.Source.REGISTRY, created_by=actor
        )
        for member in fit.order_by("id")
        if member.pk not in listed
    ]
    LeftBehindWoman.objects.bulk_create(new, ignore_conflicts=True)
    skipped = [
        f"{m.name}（{'男性' if m.sex != Member.Sex.FEMALE else '户籍中看不出已婚'}）" for m in unfit.order_by("id")
    ]
    return Generated(len(new), len(listed), skipped)


@transaction.atomic
def remove_woman(*, actor: User, woman: LeftBehindWoman) -> None:
    """Take a woman off a year's screening (found not to be left behind)."""
    permissions.ensure_record(actor, woman.township_id)
    LeftBehindWoman.objects.filter(pk=woman.pk).delete()


# 福康工程 -------------------------------------------------------------------------------------------------------


def _service_values(member: Member, data: Mapping[str, Any]) -> dict[str, Any]:
    values = {field: data.get(field) for field in SERVICE_FIELDS}
    for field in ("provider", "note", "exception_reason"):
        values[field] = (values[field] or "").strip()
    if values["kind"] not in FukangService.Kind.values:
        raise ValidationError({"kind": "请选择服务类别。"})
    if not values["provider"]:
        raise ValidationError({"provider": "请填写服务机构（提供者）。"})
    started, ended = values["started_on"], values["ended_on"]
    if not isinstance(started, date):
        raise ValidationError({"started_on": "请填写开始日期。"})
    if started > _today():
        raise ValidationError({"started_on": "开始日期不能晚于今天。"})
    if started < member.birth_date:
        raise ValidationError({"started_on": "开始日期不能早于服务对象的出生日期。"})
    if ended is not None and ended < started:
        raise ValidationError({"ended_on": "结束日期不能早于开始日期。"})
    if ended is not None and ended.year > max_year():
        raise ValidationError({"ended_on": f"结束日期不能晚于 {max_year()} 年。"})
    category, grade = selectors.disability_of(member)
    if not category:
        raise ValidationError({"member": "该成员在户籍和残联名单中均无残疾登记，不能登记福康工程服务。"})
    severe = grade in selectors.SEVERE_GRADES
    if not (severe and selectors.is_poor(member)) and not values["exception_reason"]:
        what = "重度残疾人（一、二级）" if not severe else "贫困户（建档立卡或低保、特困）"
        raise ValidationError(
            {"exception_reason": f"福康工程面向贫困重度残疾人，该成员不是{what}；如确需登记，请写明例外说明。"}
        )
    return values


@transaction.atomic
def add_service(*, actor: User, member: Member, data: Mapping[str, Any]) -> FukangService:
    member = Member.objects.select_related("household").get(pk=member.pk)
    permissions.ensure_record(actor, member.household.township_id)
    service = FukangService(
        township_id=member.household.township_id, member=member, created_by=actor, **_service_values(member, data)
    )
    service.full_clean()
    service.save()
    return service


@transaction.atomic
def update_service(*, actor: User, service: FukangService, data: Mapping[str, Any]) -> FukangService:
    service = FukangService.objects.select_for_update().select_related("member").get(pk=service.pk)
    permissions.ensure_record(actor, service.township_id)
    for field, value in _service_values(service.member, data).items():
        setattr(service, field, value)
    service.full_clean()
    service.save()
    return service
