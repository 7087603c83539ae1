"""Reads of policy data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from assistance.models import PolicyParameter
from assistance.policy.params import Lookup, ParamVersion


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


def parameter_value(key: str, on: date) -> Decimal | None:
    version = parameter_version(key, on)
    return version.value if version is not None else None


# ---------------------------------------------------------------------------------------------------------------
# Parameters for the pure rules (assistance.policy): lookups that read the table


def _plain(value: Decimal) -> Decimal:
    """``496.0000`` as ``496`` and ``0.3000`` as ``0.3``; never the exponent form ``5E+2`` of ``normalize()``."""
    return Decimal(format(value.normalize(), "f"))


def _param_version(row: PolicyParameter) -> ParamVersion | None:
    # A table/list version (value_json) is not a number the rules can use: for them the key has no value.
    if row.value is None:
        return None
    return ParamVersion(row.key, _plain(row.value), row.effective_from, source="database")


def db_lookup(key: str, on: date) -> ParamVersion | None:
    """A ``Lookup`` on the table: the version of ``key`` in force on ``on`` (one query per call)."""
    row = parameter_version(key, on)
    return _param_version(row) if row is not None else None


def month_lookup(on: date) -> Lookup:
    """A ``Lookup`` for one evaluation: every version in force on ``on`` read in one query, then answered from
    memory. The rules ask for the 1st of the benefit month; a call for another date goes to ``db_lookup``."""
    versions = {row.key: _param_version(row) for row in versions_in_force(on)}

    def lookup(key: str, when: date) -> ParamVersion | None:
        if when != on:
            return db_lookup(key, when)
        return versions.get(key)

    return lookup
