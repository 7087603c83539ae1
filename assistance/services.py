"""Writes to the policy parameters (policy.md §0). A new version never edits an old one's value: it is inserted
with its own effective period, the neighbouring periods are re-chained (each version ends the day before the
next one of the same key starts), and a version that took effect before the current month marks the benefit
months it changes as 待重算, so the monthly screening re-runs them and payments produce back pay (补发)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assistance.models import AssetTestOverride, RecomputeMark
from assistance.permissions import (
    ensure_add_parameter_version,
    ensure_confirm_parameter_version,
    ensure_override_asset_test,
)
from cases.models import Household, User
from core.models import PolicyParameter
from core.months import month_start, next_month, previous_month

UNKNOWN_KEY = "未知参数"
DATE_TAKEN = "该日期已有版本，请修改原版本或选择其他日期"
RETROACTIVE_REASON_REQUIRED = "追溯生效的版本须说明原因"
OVERRIDE_REASON_REQUIRED = "须写明审核同意的理由。"
OVERRIDE_PERIOD_ORDERED = "截止月份不能早于起始月份。"


def is_retroactive(effective_from: date, today: date | None = None) -> bool:
    """A version is retroactive when it starts before the 1st of the current month: months may be paid already."""
    return effective_from < month_start(today or timezone.localdate())


def months_to_recompute(effective_from: date, effective_to: date | None, today: date) -> tuple[date, date] | None:
    """The benefit months (1st days, both included) whose value the version decides and that lie before the
    current month, or None. A month's value is the one in force on its 1st day, so a version starting mid-month
    first decides the next month, and one ending mid-month still decides the month it ends in."""
    first = effective_from if effective_from.day == 1 else next_month(effective_from)
    last = previous_month(today)
    if effective_to is not None:
        last = min(last, month_start(effective_to))
    return (first, last) if first <= last else None


def add_parameter_version(
    *,
    actor: User,
    key: str,
    value: Decimal | None,
    effective_from: date,
    source: str,
    confirmed: bool,
    note: str,
    reason: str = "",
) -> PolicyParameter:
    """Add a version of an existing key from ``effective_from``, ending the day before the next later version
    (open if none); the version before it now ends the day before it starts. Only county admins. A version
    starting before the current month needs a ``reason`` and records a RecomputeMark for the months it decides
    before the current month. Raises ``PermissionDenied`` or ``ValidationError`` (per field) without writing."""
    ensure_add_parameter_version(actor)
    source, note, reason = (source or "").strip(), (note or "").strip(), (reason or "").strip()
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if value is None:
        errors["value"] = "请填写数值。"
    elif value < 0:
        errors["value"] = "数值不能为负数。"
    if effective_from is None:
        errors["effective_from"] = "请填写生效日期。"
    if not source:
        errors["source"] = "请填写依据（文件名称和文号）。"
    if effective_from is not None and is_retroactive(effective_from, today) and not reason:
        errors["reason"] = RETROACTIVE_REASON_REQUIRED

    with transaction.atomic():
        # Lock the key's versions, then read them again: rows another admin inserted while we waited for the
        # lock are only visible to a statement started after it was granted (READ COMMITTED).
        if not list(PolicyParameter.objects.select_for_update().filter(key=key).values_list("pk", flat=True)):
            raise ValidationError({"key": UNKNOWN_KEY})
        versions = list(PolicyParameter.objects.filter(key=key).order_by("effective_from"))
        if any(v.value is None for v in versions):
            errors.setdefault("value", "该参数是表格/列表值，不能在此新增版本。")
        if effective_from is not None and any(v.effective_from == effective_from for v in versions):
            errors["effective_from"] = DATE_TAKEN
        if errors:
            raise ValidationError(errors)

        previous = next((v for v in reversed(versions) if v.effective_from < effective_from), None)
        following = next((v for v in versions if v.effective_from > effective_from), None)
        version = PolicyParameter(
            key=key,
            value=value,
            effective_from=effective_from,
            effective_to=following.effective_from - timedelta(days=1) if following is not None else None,
            source=source,
            confirmed=confirmed,
            note=note,
            created_by=actor,
        )
        version.full_clean(validate_constraints=False)
        with pghistory.context(user=actor.pk, reason=reason):
            if previous is not None and (
                previous.effective_to is None or previous.effective_to >= effective_from
            ):  # shorten only: a deliberate gap after a key's last version stays a gap
                previous.effective_to = effective_from - timedelta(days=1)
                previous.save(update_fields=["effective_to"])
            version.save()
        months = months_to_recompute(version.effective_from, version.effective_to, today)
        if months is not None:
            RecomputeMark.objects.create(
                key=key, from_month=months[0], to_month=months[1], version=version, reason=reason, created_by=actor
            )
    return version


@transaction.atomic
def confirm_parameter_version(*, actor: User, version: PolicyParameter, note: str = "") -> PolicyParameter:
    """待确认 → 已确认, by a county admin. A confirmation note is appended to the version's note."""
    ensure_confirm_parameter_version(actor, version)
    version = PolicyParameter.objects.select_for_update().get(pk=version.pk)
    if version.confirmed:
        raise ValidationError("该版本已确认。")
    note = (note or "").strip()
    version.confirmed = True
    if note:
        version.note = f"{version.note}\n确认说明：{note}".strip()
    with pghistory.context(user=actor.pk, reason=note or "确认参数版本"):
        version.save(update_fields=["confirmed", "note"])
    return version


# Asset-test overrides (policy.md §3) ----------------------------------------------------------------------------


@transaction.atomic
def record_asset_override(
    *, actor: User, household: Household, from_month: date, reason: str, to_month: date | None = None
) -> AssetTestOverride:
    """A reviewer (or the county) overrides the household's failed asset test with a written reason for the benefit
    months ``from_month``–``to_month`` (any day of them; ``to_month`` None: open-ended). The rules then name each
    failed condition and the override, and count the test as passed; determinations made before are not changed
    (run the determination again)."""
    ensure_override_asset_test(actor, household)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": OVERRIDE_REASON_REQUIRED})
    start = month_start(from_month)
    end = month_start(to_month) if to_month is not None else None
    if end is not None and end < start:
        raise ValidationError({"to_month": OVERRIDE_PERIOD_ORDERED})
    override = AssetTestOverride(household=household, from_month=start, to_month=end, reason=reason, created_by=actor)
    with pghistory.context(user=actor.pk):
        override.save()
    return override
