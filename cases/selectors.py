"""Reads of case data. The one place that decides what a user may see: every queryset goes through ``scope``."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Count, Model, QuerySet
from django.shortcuts import get_object_or_404

from cases.models import Township, User, Village

M = TypeVar("M", bound=Model)


def scope(queryset: QuerySet[M], user: User, township_field: str = "township") -> QuerySet[M]:
    """Limit ``queryset`` to the rows the user may see: county users and county auditors see all,
    township users (and township auditors) only their township. ``township_field`` is the lookup path from the
    model to its Township (``"pk"`` for Township itself)."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_county_level:
        return queryset
    return queryset.filter(**{township_field: user.township_id})


def get_scoped_or_404(queryset: QuerySet[M], user: User, township_field: str = "township", **lookup: object) -> M:
    """A row outside the user's township is 'not found' (404), never 'forbidden with data'."""
    return get_object_or_404(scope(queryset, user, township_field), **lookup)


def visible_townships(user: User) -> QuerySet[Township]:
    return scope(Township.objects.all(), user, "pk")


def township_list(user: User) -> QuerySet[Township]:
    return visible_townships(user).annotate(village_count=Count("villages"))


def visible_villages(user: User) -> QuerySet[Village]:
    return scope(Village.objects.select_related("township"), user)


def can_see_full_identity(user: User) -> bool:
    """Full ID numbers and bank accounts: county staff and admins, township staff (whose queries are already
    limited to their township); auditors only when the county granted it."""
    if user.role == User.Role.AUDITOR:
        return user.full_identity_access
    return user.is_authenticated
