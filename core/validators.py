"""Input checks shared by every form and serializer: text without control characters, amounts and dates within
bounds. Bounds come from the policy parameters ``input.max_amount`` and ``input.max_year``."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import parameters

# C0 controls except tab, line feed and carriage return; DEL. NUL is among them (PostgreSQL refuses it in text).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = "不能包含控制字符（如 NUL），请删除后重新输入。"


def reject_control_characters(value: Any) -> None:
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(CONTROL_MESSAGE, code="control_character")


# What a spreadsheet may take for the start of a formula (CSV injection). Names that go into the bank file as they
# are (payee, bank, institution) refuse it at input, since the bank CSV is written byte-exact, without escaping.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_MESSAGE = "不能以 = + - @ 或制表符、回车开头（表格软件会把它当作公式），请删除开头的符号后重新输入。"


def reject_formula_start(value: Any) -> None:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        raise ValidationError(FORMULA_MESSAGE, code="formula_start")


def max_amount(on: date | None = None) -> Decimal:
    return parameters.parameter("input.max_amount", on or timezone.localdate())


def max_year(on: date | None = None) -> int:
    return int(parameters.parameter("input.max_year", on or timezone.localdate()))


def validate_amount(value: Any) -> None:
    """A money amount: finite, not negative, at most ``input.max_amount`` yuan."""
    if value is None or value == "":
        return
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError("金额格式不正确。", code="invalid") from None
    if not amount.is_finite():
        raise ValidationError("金额格式不正确。", code="invalid")
    if amount < 0:
        raise ValidationError("金额不能为负数。", code="min_value")
    limit = max_amount()
    if amount > limit:
        raise ValidationError(f"金额不能超过 {limit:,.0f} 元。", code="max_value")


def validate_date(value: Any) -> None:
    """A date no later than the end of year ``input.max_year`` and no earlier than 1900."""
    if not isinstance(value, date):
        return
    if value.year < 1900 or value.year > max_year():
        raise ValidationError(f"日期超出允许范围（1900–{max_year()} 年）。", code="out_of_range")


def validate_not_future(value: Any) -> None:
    """A date that has already happened (a death, a visit)."""
    if isinstance(value, date) and value > timezone.localdate():
        raise ValidationError("日期不能晚于今天。", code="future")


def _guard_field(field: Any, text: type[Any], decimal: type[Any], day: type[Any]) -> None:
    """Add the shared validators to one form or serializer field, by kind (``text``, ``decimal`` and ``day``: the
    framework's CharField, DecimalField and DateField)."""
    for kind, validator in ((text, reject_control_characters), (decimal, validate_amount), (day, validate_date)):
        if isinstance(field, kind):
            field.validators.append(validator)
            return


class GuardedForm:
    """Mixin for every form: text fields refuse control characters, decimal fields are bounded amounts, date
    fields bounded dates; the error is shown on the field it concerns."""

    fields: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():
            _guard_field(field, forms.CharField, forms.DecimalField, forms.DateField)


class GuardedSerializer:
    """Mixin for every writable DRF serializer, with the same checks as ``GuardedForm``."""

    def get_fields(self) -> dict[str, Any]:
        from rest_framework import serializers

        fields: dict[str, Any] = super().get_fields()  # type: ignore[misc]
        for field in fields.values():
            if not field.read_only:
                _guard_field(field, serializers.CharField, serializers.DecimalField, serializers.DateField)
        return fields
