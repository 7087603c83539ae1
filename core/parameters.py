"""The policy parameter in force on a date (policy.md §0), read directly from the parameter table by every layer:
the registry's intake deadlines, the import and export limits, the rules' parameters (``assistance.selectors``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet

from core.models import PolicyParameter


def versions_in_force(on: date, keys: list[str] | None = None) -> QuerySet[PolicyParameter]:
    """The version of each key in force on ``on``: the latest that started on or before it and has not ended."""
    queryset = PolicyParameter.objects.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=on), effective_from__lte=on
    )
    if keys is not None:
        queryset = queryset.filter(key__in=keys)
    return queryset.order_by("key", "-effective_from").distinct("key")


def parameter_version(key: str, on: date) -> PolicyParameter | None:
    return versions_in_force(on, [key]).first()


def parameter_value(key: str, on: date) -> Decimal | None:
    """The number in force, or None when the key has no version then (or only a table value)."""
    version = parameter_version(key, on)
    return version.value if version is not None else None


def parameter(key: str, on: date) -> Decimal:
    """The number in force; a key without one is a configuration error (the data migrations load every key)."""
    value = parameter_value(key, on)
    if value is None:
        raise ImproperlyConfigured(f"政策参数 {key} 在 {on} 没有生效的值")
    return value


def parameters(keys: list[str], on: date) -> dict[str, Decimal]:
    """Several numbers in force, in one query (a monthly job reads its parameters once per township, not once per
    key); a key without one is a configuration error, as in ``parameter``."""
    found = {version.key: version.value for version in versions_in_force(on, keys) if version.value is not None}
    missing = [key for key in keys if key not in found]
    if missing:
        raise ImproperlyConfigured(f"政策参数 {'、'.join(missing)} 在 {on} 没有生效的值")
    return found


def as_date(value: Decimal) -> date:
    """A date kept as a number ``YYYYMMDD`` (e.g. ``eldercare.cook_certificate_deadline`` = 20200531)."""
    text = f"{int(value):08d}"
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def date_parameter(key: str, on: date) -> date:
    return as_date(parameter(key, on))
