"""Monthly comparison with the poverty registry and the other external rolls (民政–扶贫 信息比对, policy.md §11):
the reads and the writes. The rules, one per flag, are in ``assistance.policy.comparison`` (described there).

Set-based: each source is read in one query (for the township or the county) into ``rules.Inputs``, the rules run
in memory, and each township's flags are written with one delete and one bulk insert. Re-running a month replaces
its open flags (keeping when each was first raised) and never touches resolved flags. A flag still open in a
later month's run keeps the earlier ``opened_at``; a flag open longer than ``comparison.open_flag_max_days`` is
overdue and counts against the township.

The comparison is a monthly job (``assistance.jobs.start_comparison``) and should follow every committed
registry import: the comparison page says when an external roll was imported after the last run and lets the
county start one (cases never imports assistance, so the import itself cannot start it)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from assistance.facts import recorded_covid_stays, recorded_facts
from assistance.models import ComparisonFlag, Determination, Enrollment, ExitReview, LedgerEntry
from assistance.permissions import ensure_resolve_comparison_flag, ledger_owners
from assistance.policy import comparison as rules
from assistance.policy.comparison import Flag
from cases.models import Member, RollKind, Township, User
from cases.rolls.selectors import current_import, current_records
from cases.selectors import scope
from core.exceptions import TransitionNotAllowed
from core.months import month_start, previous_month
from core.parameters import parameter

OPEN = tuple(str(s) for s in Enrollment.OPEN_STATUSES)
MAX_DAYS_KEY = "comparison.open_flag_max_days"


# Reading ------------------------------------------------------------------------------------------------------


def _registry_rows(township_id: int | None) -> list[rules.RegistryRow]:
    records = current_records(RollKind.POVERTY_REGISTRY)
    if township_id is not None:
        records = records.filter(Q(township_id=township_id) | Q(member__household__township_id=township_id))
    rows = records.order_by("row_number").values(
        "row_number",
        "id_number_raw",
        "id_number",
        "id_valid",
        "id_duplicate",
        "name",
        "township_id",
        "poverty_attribute",
        "registry_status",
        "lifted_status",
        "monitored",
        "member_id",
        member_name=F("member__name"),
        member_active=F("member__active"),
        member_household_id=F("member__household_id"),
        member_township_id=F("member__household__township_id"),
        member_work_capacity=F("member__work_capacity"),
        member_disability_grade=F("member__disability_grade"),
        member_major_illness_id=F("member__major_illness_id"),
        member_date_of_death=F("member__date_of_death"),
    )
    return [rules.RegistryRow(**row) for row in rows]


def _list_records(kind: str, *fields: str) -> list[rules.ListRecord]:
    """The county's records with a valid number of another external roll in force."""
    rows = (
        current_records(kind)
        .filter(id_valid=True)
        .order_by("row_number")
        .values("row_number", "id_number", "name", "township_id", "member_id", *fields)
    )
    return [rules.ListRecord(**row) for row in rows]


_ENROLLMENT_COLUMNS = (
    "id",
    "benefit",
    "township_id",
    "household_id",
    "member_id",
    "status",
    "start_month",
    "end_month",
    "monthly_amount",
)


def _enrollment_rows(enrollments: QuerySet[Enrollment], *extra: str) -> list[rules.EnrollmentRow]:
    return [rules.EnrollmentRow(**row) for row in enrollments.order_by("pk").values(*_ENROLLMENT_COLUMNS, *extra)]


def _open_enrollments(township_id: int | None, month: date) -> rules.OpenEnrollments:
    """Enrollments open in the month: applying, active, in gradual exit or suspended, and not ended before it."""
    rows = Enrollment.objects.filter(status__in=OPEN).filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
    if township_id is not None:
        rows = rows.filter(township_id=township_id)
    return rules.OpenEnrollments.index(_enrollment_rows(rows, "determination_id"))


def _ending(township_id: int | None, previous: date) -> list[rules.EndingEnrollment]:
    """低保 and 特困 ending with ``previous`` (the end month, or a pending or approved exit review's last month),
    with their exit reviews of that last month that are not rejected."""
    ending = Enrollment.objects.filter(benefit__in=("dibao", "tekun")).filter(
        Q(end_month=previous)
        | Q(
            exit_reviews__status__in=(ExitReview.Status.PENDING, ExitReview.Status.APPROVED),
            exit_reviews__last_month=previous,
        )
    )
    if township_id is not None:
        ending = ending.filter(township_id=township_id)
    enrollments = _enrollment_rows(ending.distinct())
    reviews: dict[int, list[rules.ExitReviewRow]] = defaultdict(list)
    rows = (
        ExitReview.objects.filter(enrollment_id__in=[e.id for e in enrollments], last_month=previous)
        .exclude(status=ExitReview.Status.REJECTED)
        .order_by("pk")
        .values_list("enrollment_id", "pk", "status", "last_month", "reason")
    )
    for enrollment_id, pk, status, last_month, reason in rows:
        reviews[enrollment_id].append(rules.ExitReviewRow(pk, status, last_month, reason))
    return [rules.EndingEnrollment(e, tuple(reviews.get(e.id, ()))) for e in enrollments]


def _candidates(township_id: int | None, month: date) -> list[rules.CandidateEntry]:
    """The month's screening ledger entries of members in the registry-candidate categories."""
    entries = LedgerEntry.objects.filter(month=month, category__in=rules.CANDIDATE_CODES, member__isnull=False)
    if township_id is not None:
        entries = entries.filter(township_id=township_id)
    rows = entries.order_by("pk").values(
        "id", "township_id", "category", "household_id", "member_id", "new_amount", "status", "details"
    )
    return [rules.CandidateEntry(**row) for row in rows]


def _covered_members(determinations: Collection[int]) -> dict[int, frozenset[str]]:
    """Determination -> the member ids (as text) it counts among the household's covered members."""
    if not determinations:
        return {}
    rows = Determination.objects.filter(pk__in=determinations).values_list("pk", "result__household__members")
    return {pk: frozenset(str(m) for m in members or []) for pk, members in rows}


def _members_by_pk(member_ids: Collection[int]) -> QuerySet[Member]:
    return Member.objects.filter(pk__in=list(member_ids)).order_by("pk")


def _children(member_ids: Collection[int]) -> frozenset[int]:
    """Those of the members with a child status (孤儿 / 事实无人抚养)."""
    if not member_ids:
        return frozenset()
    return frozenset(_members_by_pk(member_ids).exclude(child_status="none").values_list("pk", flat=True))


def _covid_relief(member_ids: Collection[int]) -> list[rules.EnrollmentRow]:
    if not member_ids:
        return []
    return _enrollment_rows(Enrollment.objects.filter(benefit="covid_relief", member_id__in=list(member_ids)))


def _dead_members(township_id: int | None) -> dict[int, date]:
    members = Member.objects.filter(date_of_death__isnull=False)
    if township_id is not None:
        members = members.filter(household__township_id=township_id)
    return {pk: died for pk, died in members.order_by("pk").values_list("pk", "date_of_death") if died}


def _open_enrollments_of(member_ids: Collection[int]) -> list[rules.EnrollmentRow]:
    """The members' open enrollments, whatever their end month."""
    if not member_ids:
        return []
    return _enrollment_rows(Enrollment.objects.filter(status__in=OPEN, member_id__in=list(member_ids)))


def _persons(member_ids: Collection[int]) -> dict[int, rules.Person]:
    ids = sorted(member_ids)
    persons: dict[int, rules.Person] = {}
    for start in range(0, len(ids), 10_000):
        rows = _members_by_pk(ids[start : start + 10_000]).values_list(
            "pk", "household_id", "household__township_id", "id_number", "name"
        )
        for pk, household_id, township_id, number, name in rows:
            persons[pk] = rules.Person(household_id, township_id, number, name)
    return persons


def _inputs(month: date, township_id: int | None) -> rules.Inputs:
    """Read every source the rules need for ``month`` in the township (or the county)."""
    registry = _registry_rows(township_id)
    open_enrollments = _open_enrollments(township_id, month)
    ending = _ending(township_id, previous_month(month))
    covid_patients = _list_records(RollKind.COVID_PATIENTS, "covid_admitted", "covid_discharged")
    covid_confirmed = recorded_covid_stays(township_id)
    deaths = _list_records(RollKind.DEATHS, "date_of_death")
    severe = _list_records(RollKind.SEVERE_DISABILITY, "disability_category", "disability_grade")
    dead_members = _dead_members(township_id)
    covid_ids = {r.member_id for r in covid_patients if r.member_id} | set(covid_confirmed)
    dead_ids = {r.member_id for r in deaths if r.member_id} | set(dead_members)
    ending_ids = {e.enrollment.member_id for e in ending if e.enrollment.member_id}
    in_registry = {row.member_id for row in registry}
    on_lists = {r.member_id for records in (covid_patients, deaths, severe) for r in records if r.member_id}
    # the members a rule may name that the registry does not name
    unnamed = (covid_ids | dead_ids | ending_ids | on_lists | open_enrollments.tekun_members) - in_registry
    return rules.Inputs(
        month=month,
        township_id=township_id,
        registry=registry,
        severe_disability=severe,
        illness_poverty=_list_records(RollKind.ILLNESS_POVERTY, "illness"),
        open_enrollments=open_enrollments,
        ending=ending,
        candidates=_candidates(township_id, month),
        covered_members=_covered_members(open_enrollments.determinations_to_check()),
        covid_patients=covid_patients,
        covid_confirmed=covid_confirmed,
        children=_children(covid_ids),
        covid_relief=_covid_relief(covid_ids),
        deaths=deaths,
        dead_members=dead_members,
        enrollments_of_dead=_open_enrollments_of(dead_ids),
        members=_persons(unnamed),
        registry_imported=current_import(RollKind.POVERTY_REGISTRY) is not None,
        recorded=recorded_facts({m for m in in_registry if m is not None} | on_lists),
    )


def collect(*, month: date, township_id: int | None = None) -> list[Flag]:
    """Every flag for ``month`` in the township (or the county when ``township_id`` is None), unsaved."""
    month = month_start(month)
    return rules.all_flags(_inputs(month, township_id))


# Writing ------------------------------------------------------------------------------------------------------


def _default_owners(township_ids: Iterable[int]) -> dict[int, int]:
    """The township's first active caseworker, as for the screening's ledger entries."""
    owners: dict[int, int] = {}
    rows = (
        User.objects.filter(ledger_owners(), township_id__in=list(township_ids))
        .order_by("township_id", "pk")
        .values_list("township_id", "pk")
    )
    for township, pk in rows:
        owners.setdefault(township, pk)
    return owners


def _key(code: str, id_number: str, household_id: int | None, member_id: int | None) -> tuple:
    return (code, id_number, household_id, member_id)


@transaction.atomic
def _replace_open_flags(
    *, township_id: int, month: date, flags: list[Flag], run_id: int | None, owner_id: int | None
) -> int:
    """Replace the month's open flags of the township with ``flags``; resolved flags stay as they are. A finding
    raised again keeps when it was first raised (this month's earlier run, or an earlier month's open flag)."""
    Township.objects.select_for_update().filter(pk=township_id).first()  # one writer per township at a time
    existing = ComparisonFlag.objects.filter(township_id=township_id, month=month)
    fields = ("code", "id_number", "household_id", "member_id")
    resolved = {_key(*row) for row in existing.filter(status=ComparisonFlag.Status.RESOLVED).values_list(*fields)}
    wanted = [f for f in flags if f.key not in resolved]
    opened: dict[tuple, datetime] = {}
    earlier = ComparisonFlag.objects.filter(
        township_id=township_id, month__lte=month, status=ComparisonFlag.Status.OPEN, code__in={f.code for f in wanted}
    ).values_list(*fields, "opened_at")
    for *key, opened_at in earlier:
        key = _key(*key)
        if key not in opened or opened_at < opened[key]:
            opened[key] = opened_at
    existing.filter(status=ComparisonFlag.Status.OPEN).delete()
    now = timezone.now()
    rows = [
        (
            township_id,
            month,
            f.code,
            f.household_id,
            f.member_id,
            f.id_number[:64],
            f.name[:64],
            json.dumps(f.evidence, ensure_ascii=False, sort_keys=True),
            ComparisonFlag.Status.OPEN.value,
            owner_id,
            opened.get(f.key, now),
            "",
            run_id,
        )
        for f in sorted(wanted, key=lambda f: (f.code, f.id_number, f.household_id or 0, f.member_id or 0))
    ]
    _copy_flags(rows)
    return len(rows)


_COPY_COLUMNS = (
    "township_id",
    "month",
    "code",
    "household_id",
    "member_id",
    "id_number",
    "name",
    "evidence",
    "status",
    "owner_id",
    "opened_at",
    "resolution_note",
    "run_id",
)


def _copy_flags(rows: list[tuple]) -> None:
    """Insert with COPY: tens of thousands of flags with their JSON evidence in well under a second."""
    if not rows:
        return
    statement = f"COPY {ComparisonFlag._meta.db_table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor:
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def compare_township(*, township_id: int, month: date, run_id: int | None = None) -> dict[str, int]:
    """Compare one township for ``month`` and replace the month's open flags; returns counts per code."""
    month = month_start(month)
    flags = collect(month=month, township_id=township_id)
    owner = _default_owners([township_id]).get(township_id)
    written = _replace_open_flags(township_id=township_id, month=month, flags=flags, run_id=run_id, owner_id=owner)
    return {"flags": written, **Counter(str(f.code) for f in flags)}


def compare_county(*, month: date, run_id: int | None = None) -> dict[str, int]:
    """Compare every township for ``month`` in one pass (each source read once for the county), then replace each
    township's open flags. For the job pages, ``assistance.jobs.start_comparison`` runs one task per township."""
    month = month_start(month)
    flags = collect(month=month)
    by_township: dict[int | None, list[Flag]] = defaultdict(list)
    for flag in flags:
        by_township[flag.township_id].append(flag)
    township_ids = list(Township.objects.order_by("code").values_list("pk", flat=True))
    owners = _default_owners(township_ids)
    written = 0
    for township in township_ids:
        written += _replace_open_flags(
            township_id=township,
            month=month,
            flags=by_township.get(township, []),
            run_id=run_id,
            owner_id=owners.get(township),
        )
    return {"townships": len(township_ids), "flags": written, **Counter(str(f.code) for f in flags)}


@transaction.atomic
def resolve_flag(*, actor: User, flag: ComparisonFlag, note: str) -> ComparisonFlag:
    """The township (or the county) records how a flag was resolved; a resolved flag is never changed again."""
    flag = ComparisonFlag.objects.select_for_update().get(pk=flag.pk)
    ensure_resolve_comparison_flag(actor, flag)
    if flag.status == ComparisonFlag.Status.RESOLVED:
        raise TransitionNotAllowed("该问题已处理。")
    if not note.strip():
        raise ValidationError({"note": "请填写处理情况。"})
    flag.status = ComparisonFlag.Status.RESOLVED
    flag.resolution_note = note.strip()
    flag.resolved_by = actor
    flag.resolved_at = timezone.now()
    flag.save(update_fields=["status", "resolution_note", "resolved_by", "resolved_at"])
    return flag


# Reads --------------------------------------------------------------------------------------------------------


def max_open_days(today: date) -> int:
    return int(parameter(MAX_DAYS_KEY, today))


def overdue_cutoff(today: date) -> datetime:
    """Flags first raised before this moment are overdue on ``today``."""
    start = datetime.combine(today - timedelta(days=max_open_days(today)), datetime.min.time())
    return timezone.make_aware(start)


def open_flags(
    user: User, *, township_id: int | None = None, month: date | None = None, code: str | None = None
) -> QuerySet[ComparisonFlag]:
    """Open flags the user may see (county: all, township: its own), optionally for a township/month/code."""
    flags = scope(ComparisonFlag.objects.filter(status=ComparisonFlag.Status.OPEN), user)
    if township_id is not None:
        flags = flags.filter(township_id=township_id)
    if month is not None:
        flags = flags.filter(month=month_start(month))
    if code:
        flags = flags.filter(code=code)
    return flags.select_related("township", "household", "member", "owner").order_by("township__code", "code", "pk")


def overdue_flags(township_id: int, today: date) -> QuerySet[ComparisonFlag]:
    """The township's flags still open more than ``comparison.open_flag_max_days`` days after first raised
    (counted against the township by oversight). Not scoped: for oversight, which is county-side."""
    return ComparisonFlag.objects.filter(
        township_id=township_id, status=ComparisonFlag.Status.OPEN, opened_at__lt=overdue_cutoff(today)
    ).order_by("opened_at", "pk")


def flags_for(user: User, *, month: date, township_id: int | None = None) -> QuerySet[ComparisonFlag]:
    """All flags (open and resolved) of a month the user may see."""
    flags = scope(ComparisonFlag.objects.filter(month=month_start(month)), user)
    if township_id is not None:
        flags = flags.filter(township_id=township_id)
    return flags.select_related("township", "household", "member", "owner", "resolved_by").order_by(
        "township__code", "code", "id_number", "pk"
    )


def code_counts(flags: QuerySet[ComparisonFlag]) -> dict[str, dict[str, int]]:
    from django.db.models import Count

    counts: dict[str, dict[str, int]] = {}
    for code, status, n in flags.order_by().values_list("code", "status").annotate(n=Count("pk")):
        counts.setdefault(code, {"open": 0, "resolved": 0})[status] = n
    return counts
