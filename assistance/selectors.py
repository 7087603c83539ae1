"""Reads of policy data."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from assistance.models import PolicyParameter


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


def parameter_history(key: str) -> QuerySet[PolicyParameter]:
    return PolicyParameter.objects.filter(key=key).order_by("effective_from")
