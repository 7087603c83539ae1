"""Reads of case data. The one place that decides what a user may see: every queryset goes through ``scope``."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import BooleanField, Case, Count, FileField, Model, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404

from cases import permissions
from cases.models import (
    Application,
    AssetRecord,
    CalendarDay,
    Expenditure,
    Household,
    IncomeItem,
    Member,
    Referral,
    RollImport,
    Township,
    User,
    Village,
)
from core import idnumber, masking

M = TypeVar("M", bound=Model)


def scope(queryset: QuerySet[M], user: User, township_field: str = "township") -> QuerySet[M]:
    """Limit ``queryset`` to the rows the user may see: county users and county auditors see all,
    township users (and township auditors) only their township. ``township_field`` is the lookup path from the
    model to its Township (``"pk"`` for Township itself)."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if permissions.sees_whole_county(user):
        return queryset
    return queryset.filter(**{township_field: user.township_id})


def get_scoped_or_404(queryset: QuerySet[M], user: User, township_field: str = "township", **lookup: object) -> M:
    """A row outside the user's township is 'not found' (404), never 'forbidden with data'."""
    return get_object_or_404(scope(queryset, user, township_field), **lookup)


def visible_townships(user: User) -> QuerySet[Township]:
    return scope(Township.objects.all(), user, "pk")


def township_list(user: User) -> QuerySet[Township]:
    return visible_townships(user).annotate(village_count=Count("villages"))


def township_summary(township: Township, today: date) -> dict[str, Any]:
    """Figures for a township's landing page."""
    applications = Application.objects.filter(township=township)
    return {
        "households": Household.objects.filter(township=township).count(),
        "open_applications": applications.filter(status__in=Application.OPEN_STATUSES).count(),
        "overdue_applications": applications.filter(status__in=Application.OPEN_STATUSES, due_date__lt=today).count(),
        "window_staff": township.window_staff.filter(
            Q(on_duty_to__isnull=True) | Q(on_duty_to__gte=today), on_duty_from__lte=today
        ),
    }


def visible_villages(user: User) -> QuerySet[Village]:
    return scope(Village.objects.select_related("township"), user)


# Other apps still import it from here; the rule is ``cases.permissions.can_see_full_identity``.
can_see_full_identity = permissions.can_see_full_identity


def get_township(user: User, pk: int) -> Township:
    return get_scoped_or_404(Township.objects.all(), user, "pk", pk=pk)


# Working-day calendar ---------------------------------------------------------------------------------------


def special_days(start: date, end: date) -> dict[date, str]:
    """Holidays and make-up working days between ``start`` and ``end`` (inclusive)."""
    return dict(CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "kind"))


# Households -------------------------------------------------------------------------------------------------

ID_LIKE = re.compile(r"^\s*(\d{17}[\dXx]|\d{15})\s*$")


def search_households(user: User, query: str) -> QuerySet[Household]:
    """Households matching an ID number (exact, any member), a household number (prefix) or a member's name
    (prefix), within the user's scope. Uses the btree (text_pattern_ops) indexes: no full scan."""
    households = scope(Household.objects.select_related("township", "village"), user)
    query = query.strip()
    if not query:
        return households.none()
    if ID_LIKE.match(query):
        try:
            number = idnumber.normalize_id_number(query)
        except idnumber.InvalidIdNumber:
            number = query.upper()
        by_id = Q(pk__in=Member.objects.filter(id_number=number).values("household_id"))
        if len(query) == 15:  # an old 15-digit ID, or the start of a household number
            by_id |= Q(number__startswith=query)
        return households.filter(by_id)
    if query.isdigit():
        return households.filter(number__startswith=query)
    matching = Member.objects.filter(name__startswith=query).values("household_id")
    return households.filter(pk__in=matching)


def with_heads(households: QuerySet[Household]) -> QuerySet[Household]:
    head = Member.objects.filter(household=OuterRef("pk"), relation=Member.Relation.HEAD, active=True)
    return households.annotate(
        head_name=Subquery(head.values("name")[:1]),
        member_count=Subquery(
            Member.objects.filter(household=OuterRef("pk"), active=True)
            .order_by()
            .values("household")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
    )


def all_households(user: User) -> QuerySet[Household]:
    return scope(Household.objects.select_related("township", "village"), user)


def get_household(user: User, pk: int) -> Household:
    return get_scoped_or_404(Household.objects.select_related("township", "village"), user, pk=pk)


def get_member(user: User, pk: int) -> Member:
    return get_scoped_or_404(Member.objects.all(), user, "household__township", pk=pk)


def get_fact(user: User, kind: str, pk: int) -> IncomeItem | Expenditure | AssetRecord:
    """An income, expenditure (through its member) or asset record of the user's township, else 404."""
    if kind == "asset":
        return get_scoped_or_404(AssetRecord.objects.select_related("household"), user, "household__township", pk=pk)
    if kind == "income":
        incomes = IncomeItem.objects.select_related("member")
        return get_scoped_or_404(incomes, user, "member__household__township", pk=pk)
    if kind == "expenditure":
        expenditures = Expenditure.objects.select_related("member")
        return get_scoped_or_404(expenditures, user, "member__household__township", pk=pk)
    raise Http404


def household_members(household: Household) -> QuerySet[Member]:
    return household.members.select_related("major_illness").order_by("-active", "id")


def household_facts(household: Household, member_ids: list[int]) -> dict[str, QuerySet[Any]]:
    """Incomes and expenditures of the members, and the household's asset records."""
    return {
        "incomes": IncomeItem.objects.filter(member_id__in=member_ids).select_related("member"),
        "expenditures": Expenditure.objects.filter(member_id__in=member_ids).select_related("member"),
        "assets": AssetRecord.objects.filter(household=household),
    }


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    object_label: str
    action_label: str
    actor_name: str
    changes: list[tuple[str, tuple[Any, ...]]]


ACTION_LABELS = {"insert": "新增", "update": "修改", "delete": "删除"}
HIDDEN_FIELDS = {"id", "created_at", "updated_at"}
# Values shown masked to users without full-identity access (``permissions.can_see_full_identity``).
ID_NUMBER_FIELDS = {"id_number", "payee_id_number", "guardian_id_number", "agent_id_number"}
ACCOUNT_FIELDS = {"bank_account"}


def _as_seen(attname: str, value: object, full: bool) -> object:
    if full or not value:
        return value
    if attname in ID_NUMBER_FIELDS or attname.endswith("id_number"):
        return masking.mask_id_number(str(value))
    if attname in ACCOUNT_FIELDS or attname.endswith("account"):
        return masking.mask_account(str(value))
    if attname.endswith("phone"):
        return masking.mask_phone(str(value))
    return value


def _in_words(field: Any, value: object) -> object:
    """A stored value as a person reads it: a choice by its label, a yes/no as 是/否, a file by nothing."""
    if value in (None, ""):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    choices = dict(getattr(field, "flatchoices", None) or [])
    return choices.get(value, value)


def rows_of(*objects: Any) -> Q:
    """The history events of these rows (for ``history``)."""
    refs = Q(pk__in=[])
    for obj in objects:
        if obj is not None:
            refs |= Q(pgh_obj_model=obj._meta.label, pgh_obj_id=str(obj.pk))
    return refs


def _related_labels(events: list[Any], models: dict[str, Any]) -> dict[tuple[Any, Any], str]:
    """(related model, id) → the row's name (``str``; a user by their name) for every link the events changed,
    one query per related model."""
    wanted: dict[Any, set[Any]] = {}
    for event in events:
        model = models.get(event.pgh_obj_model)
        for attname, values in (event.pgh_diff or {}).items():
            field = _field(model, attname)
            if field is not None and field.is_relation:
                wanted.setdefault(field.related_model, set()).update(v for v in values if v)
    labels: dict[tuple[Any, Any], str] = {}
    for related, ids in wanted.items():
        for pk, row in related._default_manager.in_bulk(list(ids)).items():
            name = (row.first_name or row.username) if related is User else str(row)
            labels[(related, pk)] = name
    return labels


def _field(model: Any, attname: str) -> Any:
    name = attname.removesuffix("_id")
    if model is None or name in HIDDEN_FIELDS:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a field removed since
        return None


def history(refs: Q, *, full_identity: bool, limit: int = 200, hidden: Collection[str] = ()) -> list[HistoryRow]:
    """The changes (django-pghistory events) matching ``refs``, newest first, each with the acting user (from the
    history context) and the changed fields by their Chinese names, old and new values in words: choices by their
    labels, yes/no as 是/否, linked rows by their names (a household by its number, a person or a user by name),
    files left out; ID numbers, accounts and phone numbers masked unless ``full_identity``. ``hidden``: more
    fields to leave out."""
    from pghistory.models import Events

    events = list(Events.objects.filter(refs).order_by("-pgh_created_at", "-pgh_id")[:limit])
    models: dict[str, Any] = {}
    for label in {event.pgh_obj_model for event in events}:
        try:
            models[label] = apps.get_model(label)
        except LookupError:
            continue
    user_ids = {(event.pgh_context or {}).get("user") for event in events}
    names = {u.pk: u.first_name or u.username for u in User.objects.filter(pk__in=[u for u in user_ids if u])}
    related = _related_labels(events, models)
    rows = []
    for event in events:
        model = models.get(event.pgh_obj_model)
        if model is None:
            continue
        changes = []
        for attname, values in (event.pgh_diff or {}).items():
            field = _field(model, attname)
            if field is None or field.name in hidden or isinstance(field, FileField):
                continue
            if field.is_relation:
                shown = tuple(related.get((field.related_model, value), "") if value else value for value in values)
            else:
                shown = tuple(_as_seen(attname, _in_words(field, value), full_identity) for value in values)
            changes.append((str(field.verbose_name), shown))
        data = event.pgh_data or {}
        label = data.get("name") or data.get("number") or ""
        user_id = (event.pgh_context or {}).get("user")
        rows.append(
            HistoryRow(
                at=event.pgh_created_at,
                object_label=f"{model._meta.verbose_name} {label}".strip(),
                action_label=ACTION_LABELS.get(event.pgh_label, event.pgh_label),
                actor_name=names.get(user_id, "系统") if user_id else "系统",
                changes=changes,
            )
        )
    return rows


def household_history(household: Household, limit: int = 200, *, full_identity: bool = False) -> list[HistoryRow]:
    """Changes to the household, its members, their facts and its applications (``history``)."""
    member_ids = list(household.members.values_list("pk", flat=True))
    refs = Q(pgh_obj_model="cases.Household", pgh_obj_id=str(household.pk))
    refs |= Q(pgh_obj_model="cases.Member", pgh_obj_id__in=[str(m) for m in member_ids])
    refs |= Q(pgh_obj_model="cases.AssetRecord", pgh_data__household_id=household.pk)
    refs |= Q(pgh_obj_model__in=["cases.IncomeItem", "cases.Expenditure"], pgh_data__member_id__in=member_ids)
    refs |= Q(pgh_obj_model="cases.Application", pgh_data__household_id=household.pk)
    return history(refs, full_identity=full_identity, limit=limit)


# Applications -----------------------------------------------------------------------------------------------


def overdue_application(today: date) -> Q:
    """An open application past the deadline of its current step."""
    return Q(status__in=Application.OPEN_STATUSES, due_date__lt=today)


def overdue_referral(today: date) -> Q:
    return Q(status__in=[Referral.Status.SENT, Referral.Status.ACCEPTED], due_date__lt=today)


def with_overdue(queryset: QuerySet[Any], condition: Q) -> QuerySet[Any]:
    """Each row annotated with ``overdue`` (for the pages: the templates hold no rule)."""
    return queryset.annotate(
        overdue=Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())
    )


def application_queue(user: User, status: str | None = None) -> QuerySet[Application]:
    applications = scope(Application.objects.select_related("household", "township"), user)
    if status:
        applications = applications.filter(status=status)
    return applications.order_by("due_date", "id")


def application_queue_page(
    user: User, today: date, status: str | None = None, overdue_only: bool = False
) -> QuerySet[Application]:
    queue = application_queue(user, status)
    if overdue_only:
        queue = queue.filter(overdue_application(today))
    return with_overdue(queue, overdue_application(today))


def searched_application_queue(
    user: User, today: date, *, query: str = "", status: str = "", overdue_only: bool = False
) -> QuerySet[Application]:
    """``application_queue_page`` narrowed to a search: the application's number, or its household's (household
    number, a member's name or ID number, as ``search_households``)."""
    queue = application_queue_page(user, today, status or None, overdue_only)
    query = query.strip()
    if query:
        queue = queue.filter(Q(number=query) | Q(household_id__in=search_households(user, query).values("pk")))
    return queue


def application_counts(user: User) -> dict[str, int]:
    return dict(application_queue(user).order_by().values_list("status").annotate(n=Count("pk")))


def overdue_applications(user: User, today: date) -> QuerySet[Application]:
    return application_queue(user).filter(overdue_application(today))


def overdue_referrals(user: User, today: date) -> QuerySet[Referral]:
    return scope(Referral.objects.select_related("application"), user, "application__township").filter(
        overdue_referral(today)
    )


def get_application(user: User, pk: int, today: date) -> Application:
    applications = Application.objects.select_related("household", "township", "received_by")
    return get_scoped_or_404(with_overdue(applications, overdue_application(today)), user, pk=pk)


def household_applications(household: Household, today: date) -> QuerySet[Application]:
    return with_overdue(household.applications.all(), overdue_application(today))


def application_referrals(application: Application, today: date) -> QuerySet[Referral]:
    return with_overdue(application.referrals.all(), overdue_referral(today))


def get_referral(user: User, pk: int) -> Referral:
    return get_scoped_or_404(Referral.objects.select_related("application"), user, "application__township", pk=pk)


# External rolls ---------------------------------------------------------------------------------------------


def get_roll_import(pk: int) -> RollImport:
    """An import of a county-wide roll (who may see it: ``permissions.can_view_rolls``)."""
    return get_object_or_404(RollImport.objects.select_related("imported_by"), pk=pk)


# Exports -----------------------------------------------------------------------------------------------------


def sensitive_member_q(path: str = "", on: date | None = None) -> Q:
    """Rows whose member (``path``: the lookup to the Member, e.g. ``"member__"``) is a child (under
    ``CHILD_AGE`` on ``on``, default today) or disabled: an export of them needs a reason (``core.export_centre``)."""
    from django.utils import timezone

    from cases.models.people import CHILD_AGE

    today = on or timezone.localdate()
    try:
        adult_born_by = today.replace(year=today.year - CHILD_AGE)
    except ValueError:  # 29 February
        adult_born_by = today.replace(year=today.year - CHILD_AGE, day=28)
    return Q(**{f"{path}birth_date__gt": adult_born_by}) | (
        Q(**{f"{path}disability_category__isnull": False}) & ~Q(**{f"{path}disability_category": ""})
    )
