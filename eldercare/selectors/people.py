"""eldercare selectors: people — reads of the left-behind elderly ledger (due dates, priority, overdue), the
失能 特困 persons and their 集中供养 willingness, caregiver visits, community care coverage and the app's alerts.
Every read is scoped (``cases.selectors.scope``); the alert finder is set-based (one query per kind)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DateTimeField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from assistance.models import BenefitKind, Enrollment, JobRun
from cases.models import Member, Township, User, Village
from cases.selectors import HistoryRow, get_scoped_or_404, rows_of, scope
from cases.selectors import history as cases_history
from core import parameters
from core.alerts import Finding, object_type_of, within
from core.months import month_start
from eldercare.models import (
    CareFacility,
    CaregiverVisit,
    CareWillingness,
    Certificate,
    ConstructionTask,
    ElderAlert,
    ElderVisit,
    Hazard,
    LeftBehindElder,
    NursingHome,
    Residence,
    Staff,
    TownshipCareSetting,
)

VISIT_DAYS = "visits.left_behind_elderly_days"
OLD_AGE = 80  # policy.md §15: the over-80 are visited first
IN_FORCE_STATUSES = (Enrollment.Status.ACTIVE, Enrollment.Status.GRADUAL_EXIT)


def visit_days(on: date) -> int:
    return int(parameters.parameter(VISIT_DAYS, on))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# Registry facts ------------------------------------------------------------------------------------------------


def tekun_enrollment(member: Member) -> Enrollment | None:
    """The member's 特困 enrollment in force (在保 or 渐退期), if any."""
    return (
        Enrollment.objects.filter(member=member, benefit=BenefitKind.TEKUN, status__in=IN_FORCE_STATUSES)
        .order_by("-start_month", "-pk")
        .first()
    )


def registry_candidates(township_id: int, on: date, min_age: int) -> list[int]:
    """Ids of the township's active, living members flagged 留守老人, aged ``min_age`` or more on ``on``, not on the
    ledger yet (one query)."""
    on_ledger = LeftBehindElder.objects.filter(member=OuterRef("pk"), active=True)
    return list(
        Member.objects.filter(
            household__township_id=township_id,
            left_behind_elderly=True,
            active=True,
            date_of_death__isnull=True,
            birth_date__lte=_years_before(on, min_age),
        )
        .exclude(Exists(on_ledger))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def find_members(user: User, query: str) -> QuerySet[Member]:
    """Active members of the user's scope by name (prefix) or full ID number, for the add-to-ledger form."""
    query = (query or "").strip()
    members = scope(
        Member.objects.filter(active=True).select_related("household", "household__township"),
        user,
        "household__township",
    )
    if not query:
        return members.none()
    if len(query) in (15, 18) and query[:-1].isdigit():
        return members.filter(id_number=query.upper())
    return members.filter(name__startswith=query)[:20]


def get_member(user: User, pk: int) -> Member:
    return get_scoped_or_404(
        Member.objects.select_related("household", "household__township", "household__village"),
        user,
        "household__township",
        pk=pk,
    )


def township_users(township_id: int) -> QuerySet[User]:
    return User.objects.filter(township_id=township_id, is_active=True).order_by("username")


# Left-behind elderly --------------------------------------------------------------------------------------------


def _poor_q(month: date) -> Exists:
    """The household is on 低保 or 特困 in ``month`` (an enrollment in force)."""
    return Exists(
        Enrollment.objects.in_force(month).filter(
            household=OuterRef("member__household"), benefit__in=(BenefitKind.DIBAO, BenefitKind.TEKUN)
        )
    )


def with_due(elders: QuerySet[LeftBehindElder], today: date) -> QuerySet[LeftBehindElder]:
    """Each row with its last visit, due date (last visit, or the ledger entry date, + the visit interval),
    overdue flag and the priority facts (over 80, living alone, disabled, poor)."""
    days = visit_days(today)
    last = ElderVisit.objects.filter(elder=OuterRef("pk")).order_by().values("elder").annotate(m=Max("visited_on"))
    elders = elders.annotate(last_visit=Subquery(last.values("m"), output_field=DateField()))
    elders = elders.annotate(base=Coalesce(F("last_visit"), F("entered_on")))
    elders = elders.annotate(
        due=Cast(
            ExpressionWrapper(F("base") + Value(timedelta(days=days)), output_field=DateTimeField()),
            DateField(),
        ),
        overdue=Case(
            When(active=True, base__lt=today - timedelta(days=days), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        over_80=Case(
            When(member__birth_date__lte=_years_before(today, OLD_AGE), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        alone=Case(When(living=LeftBehindElder.Living.ALONE, then=Value(True)), default=Value(False)),
        disabled=Case(When(~Q(member__disability_category=""), then=Value(True)), default=Value(False)),
        poor=_poor_q(month_start(today)),
    )
    return elders.annotate(
        priority=Case(
            When(Q(over_80=True) | Q(alone=True) | Q(disabled=True) | Q(poor=True), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def elders(
    user: User,
    *,
    today: date,
    query: str = "",
    township: int | None = None,
    overdue: bool = False,
    ended: bool = False,
    living: str = "",
) -> QuerySet[LeftBehindElder]:
    """The ledger as the list shows it: priority persons first, then by due date."""
    rows = scope(
        LeftBehindElder.objects.select_related(
            "member", "member__household", "member__household__village", "township", "visitor_user"
        ),
        user,
    ).filter(active=not ended)
    if township:
        rows = rows.filter(township_id=township)
    if living:
        rows = rows.filter(living=living)
    query = (query or "").strip()
    if query:
        rows = rows.filter(
            Q(member__name__startswith=query) | Q(member__id_number=query.upper()) | Q(visitor_name=query)
        )
    rows = with_due(rows, today)
    if overdue:
        rows = rows.filter(overdue=True)
    return rows.order_by("-priority", "due", "pk")


def overdue_count(user: User, today: date) -> int:
    days = visit_days(today)
    last = ElderVisit.objects.filter(elder=OuterRef("pk")).order_by().values("elder").annotate(m=Max("visited_on"))
    rows = scope(LeftBehindElder.objects.filter(active=True), user)
    rows = rows.annotate(base=Coalesce(Subquery(last.values("m"), output_field=DateField()), F("entered_on")))
    return rows.filter(base__lt=today - timedelta(days=days)).count()


def get_elder(user: User, pk: int, today: date) -> LeftBehindElder:
    rows = with_due(
        LeftBehindElder.objects.select_related(
            "member", "member__household", "member__household__village", "township", "visitor_user", "created_by"
        ),
        today,
    )
    return get_scoped_or_404(rows, user, pk=pk)


def elder_visits(elder: LeftBehindElder) -> QuerySet[ElderVisit]:
    return elder.visits.select_related("recorded_by").order_by("-visited_on", "-pk")


def visits(user: User, *, township: int | None = None) -> QuerySet[ElderVisit]:
    rows = scope(
        ElderVisit.objects.select_related("elder", "elder__member", "elder__township", "recorded_by"),
        user,
        "elder__township",
    )
    if township:
        rows = rows.filter(elder__township_id=township)
    return rows.order_by("-visited_on", "-pk")


def alert_findings(township_id: int | None, day: date) -> list[Finding]:
    """VISIT_OVERDUE: active ledger rows of the township (or the county) whose due date (last visit, or the ledger
    entry date, + ``visits.left_behind_elderly_days``) is before ``day``. One query."""
    days = visit_days(day)
    last = ElderVisit.objects.filter(elder=OuterRef("pk"), visited_on__lte=day)
    last = last.order_by().values("elder").annotate(m=Max("visited_on")).values("m")
    rows = (
        within(LeftBehindElder.objects.filter(active=True, entered_on__lte=day), township_id)
        .annotate(last_visit=Subquery(last, output_field=DateField()))
        .annotate(base=Coalesce(F("last_visit"), F("entered_on")))
        .filter(base__lt=day - timedelta(days=days))
        .order_by("pk")
        .values_list("pk", "member__name", "member__household__village__name", "last_visit", "base", "township_id")
    )
    object_type = object_type_of(LeftBehindElder)
    return [
        Finding(
            kind=ElderAlert.Kind.VISIT_OVERDUE,
            object_type=object_type,
            object_id=pk,
            subject=f"{name} · 留守老年人 · {village}",
            evidence={
                "last_visit": last_visit.isoformat() if last_visit else None,
                "due": (base + timedelta(days=days)).isoformat(),
                "interval_days": days,
            },
            township_id=township,
        )
        for pk, name, village, last_visit, base, township in rows
    ]


# 失能 特困 persons and 集中供养 willingness --------------------------------------------------------------------------


def _lost_self_care_q(path: str = "member__") -> Q:
    q = Q()
    for field in Member.SELF_CARE_FIELDS:
        q |= Q(**{f"{path}{field}": True})
    return q


def disabled_tekun(user: User, *, today: date, township: int | None = None, query: str = "") -> QuerySet[Enrollment]:
    """The 失能 特困 persons (特困 in force, at least one self-care indicator lost in the registry), each with
    their support mode, latest willingness and whether they live in a home today."""
    rows = scope(
        Enrollment.objects.filter(
            benefit=BenefitKind.TEKUN, status__in=IN_FORCE_STATUSES, member__active=True, member__isnull=False
        )
        .filter(_lost_self_care_q())
        .select_related("member", "household", "household__village", "township"),
        user,
    )
    if township:
        rows = rows.filter(township_id=township)
    query = (query or "").strip()
    if query:
        rows = rows.filter(member__name__startswith=query)
    latest = CareWillingness.objects.filter(member=OuterRef("member")).order_by("-asked_on", "-pk")
    in_home = Residence.objects.filter(member=OuterRef("member"), start__lte=today).filter(
        Q(end__isnull=True) | Q(end__gte=today)
    )
    return rows.annotate(
        willing=Subquery(latest.values("willing")[:1], output_field=BooleanField()),
        asked_on=Subquery(latest.values("asked_on")[:1], output_field=DateField()),
        in_home=Exists(in_home),
    ).order_by("township__code", "household__village__name", "member__name", "pk")


@dataclass(frozen=True)
class DisabledShare:
    total: int
    in_home: int
    centralized: int
    willing: int

    @property
    def share(self) -> Decimal | None:
        return (Decimal(self.in_home) * 100 / self.total).quantize(Decimal("0.1")) if self.total else None


def disabled_share(rows: QuerySet[Enrollment]) -> DisabledShare:
    """失能 特困 persons living in a home ÷ all 失能 特困 persons (policy.md §15), from the page's rows."""
    facts = list(rows.order_by().values_list("in_home", "support_mode", "willing"))
    figures = {
        "total": len(facts),
        "in_home": sum(1 for in_home, _, _ in facts if in_home),
        "centralized": sum(1 for _, mode, _ in facts if mode == Enrollment.SupportMode.CENTRALIZED),
        "willing": sum(1 for _, _, willing in facts if willing),
    }
    return DisabledShare(**figures)


def willingness_records(user: User, *, township: int | None = None) -> QuerySet[CareWillingness]:
    rows = scope(CareWillingness.objects.select_related("member", "township", "recorded_by"), user)
    if township:
        rows = rows.filter(township_id=township)
    return rows.order_by("-asked_on", "-pk")


def member_willingness(member: Member) -> QuerySet[CareWillingness]:
    return CareWillingness.objects.filter(member=member).select_related("recorded_by").order_by("-asked_on", "-pk")


def care_settings(user: User) -> QuerySet[TownshipCareSetting]:
    return scope(TownshipCareSetting.objects.select_related("township"), user).order_by("township__code")


def pilot_townships() -> set[int]:
    return set(TownshipCareSetting.objects.filter(central_care_pilot=True).values_list("township_id", flat=True))


def caregiver_visits(user: User, *, township: int | None = None, member: int | None = None) -> QuerySet[Any]:
    rows = scope(CaregiverVisit.objects.select_related("member", "township", "recorded_by"), user)
    if township:
        rows = rows.filter(township_id=township)
    if member:
        rows = rows.filter(member_id=member)
    return rows.order_by("-visited_on", "-pk")


def get_willingness(user: User, pk: int) -> CareWillingness:
    return get_scoped_or_404(CareWillingness.objects.select_related("member", "township", "recorded_by"), user, pk=pk)


def get_caregiver_visit(user: User, pk: int) -> CaregiverVisit:
    return get_scoped_or_404(CaregiverVisit.objects.select_related("member", "township", "recorded_by"), user, pk=pk)


# Community care coverage ----------------------------------------------------------------------------------------


def facilities(user: User, *, township: int | None = None, kind: str = "", query: str = "") -> QuerySet[CareFacility]:
    rows = scope(CareFacility.objects.select_related("township", "village"), user)
    if township:
        rows = rows.filter(township_id=township)
    if kind:
        rows = rows.filter(kind=kind)
    if query.strip():
        rows = rows.filter(name__contains=query.strip())
    return rows


def get_facility(user: User, pk: int) -> CareFacility:
    return get_scoped_or_404(CareFacility.objects.select_related("township", "village"), user, pk=pk)


def tasks(user: User, *, township: int | None = None, year: int | None = None, open_only: bool = False) -> QuerySet:
    rows = scope(ConstructionTask.objects.select_related("township", "village"), user)
    if township:
        rows = rows.filter(township_id=township)
    if year:
        rows = rows.filter(year=year)
    if open_only:
        rows = rows.filter(completed_on__isnull=True)
    return rows


def get_task(user: User, pk: int) -> ConstructionTask:
    return get_scoped_or_404(ConstructionTask.objects.select_related("township", "village"), user, pk=pk)


def _open_facilities() -> QuerySet[CareFacility]:
    return CareFacility.objects.exclude(status=CareFacility.Status.CLOSED)


def township_coverage(user: User) -> QuerySet[Township]:
    """Per township (set-based): a centre or not, villages with a station out of all, elderly-care land (open
    facilities) and the registered residents (active members of the township's households)."""
    facilities_of = _open_facilities().filter(township=OuterRef("pk")).order_by().values("township")
    residents = (
        Member.objects.filter(active=True, household__township=OuterRef("pk"))
        .order_by()
        .values("household__township")
        .annotate(n=Count("pk"))
        .values("n")
    )
    stations = _open_facilities().filter(kind=CareFacility.Kind.STATION, village=OuterRef("pk"))
    villages = (
        Village.objects.filter(township=OuterRef("pk"))
        .annotate(has=Exists(stations))
        .order_by()
        .values("township")
        .annotate(n=Count("pk"), covered=Count("pk", filter=Q(has=True)))
    )
    return (
        scope(Township.objects.all(), user, "pk")
        .annotate(
            has_centre=Exists(_open_facilities().filter(township=OuterRef("pk"), kind=CareFacility.Kind.CENTRE)),
            village_count=Coalesce(Subquery(villages.values("n")), 0),
            covered_villages=Coalesce(Subquery(villages.values("covered")), 0),
            land=Coalesce(
                Subquery(facilities_of.annotate(s=Sum("land_area")).values("s")),
                Value(Decimal("0")),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            ),
            residents=Coalesce(Subquery(residents), 0),
        )
        .order_by("code")
    )


def land_per_resident(land: Decimal, residents: int) -> Decimal | None:
    return (land / residents).quantize(Decimal("0.001")) if residents else None


def land_standard(on: date) -> Decimal:
    return parameters.parameter("eldercare.land_per_capita_m2", on)


@dataclass(frozen=True)
class CountyCoverage:
    townships: int
    with_centre: int
    villages: int
    covered_villages: int
    land: Decimal
    residents: int

    @property
    def land_per_resident(self) -> Decimal | None:
        return land_per_resident(self.land, self.residents)


def county_coverage(rows: list[Township]) -> CountyCoverage:
    return CountyCoverage(
        townships=len(rows),
        with_centre=sum(1 for t in rows if t.has_centre),
        villages=sum(t.village_count for t in rows),
        covered_villages=sum(t.covered_villages for t in rows),
        land=sum((t.land for t in rows), Decimal("0")),
        residents=sum(t.residents for t in rows),
    )


def villages_coverage(township: Township) -> QuerySet[Village]:
    stations = _open_facilities().filter(kind=CareFacility.Kind.STATION, village=OuterRef("pk"))
    return (
        Village.objects.filter(township=township)
        .annotate(
            has_station=Exists(stations),
            station_name=Subquery(stations.values("name")[:1]),
        )
        .order_by("has_station", "name")
    )


def get_township(user: User, pk: int) -> Township:
    return get_scoped_or_404(Township.objects.all(), user, "pk", pk=pk)


def get_village(user: User, pk: int) -> Village:
    return get_scoped_or_404(Village.objects.select_related("township"), user, pk=pk)


def villages_of(user: User) -> QuerySet[Village]:
    return scope(Village.objects.select_related("township"), user).order_by("township__code", "name")


# Alerts -------------------------------------------------------------------------------------------------------

ALERT_LINKS = {
    object_type_of(NursingHome): "eldercare-home-detail",
    object_type_of(Staff): "eldercare-staff-detail",
    object_type_of(Hazard): "eldercare-hazard-detail",
    object_type_of(LeftBehindElder): "eldercare-elder-detail",
}


def alerts(user: User, *, closed: bool = False, kind: str = "", township: int | None = None) -> QuerySet[ElderAlert]:
    rows = scope(ElderAlert.objects.select_related("township"), user).filter(closed_at__isnull=not closed)
    if kind:
        rows = rows.filter(kind=kind)
    if township:
        rows = rows.filter(township_id=township)
    return rows.order_by("-closed_at", "-opened_at", "-pk") if closed else rows.order_by("-opened_at", "-pk")


def all_alerts(user: User) -> QuerySet[ElderAlert]:
    return scope(ElderAlert.objects.select_related("township"), user)


def alert_counts(user: User, *, township: int | None = None) -> dict[str, int]:
    rows = scope(ElderAlert.objects.filter(closed_at__isnull=True), user)
    if township:
        rows = rows.filter(township_id=township)
    return dict(rows.order_by().values_list("kind").annotate(n=Count("pk")))


def alert_link(alert: ElderAlert) -> tuple[str, int] | None:
    """The URL name and pk of the page of an alert's object (a certificate's is its staff member's)."""
    if alert.object_type == object_type_of(Certificate):
        staff = (alert.evidence or {}).get("staff_id")
        return ("eldercare-staff-detail", staff) if isinstance(staff, int) else None
    name = ALERT_LINKS.get(alert.object_type)
    return (name, alert.object_id) if name else None


def last_run() -> JobRun | None:
    return JobRun.objects.filter(kind=JobRun.Kind.ELDERCARE, parent__isnull=True).order_by("-created_at").first()


# History ------------------------------------------------------------------------------------------------------


def history(objects: list[Any], *, full_identity: bool) -> list[HistoryRow]:
    """The change history of ``objects`` (``cases.selectors.history``)."""
    return cases_history(rows_of(*objects), full_identity=full_identity) if objects else []


EVIDENCE_LABELS = {
    "last_visit": "最近探访",
    "due": "应探访日期",
    "interval_days": "探访间隔（天）",
    "deadline": "期限",
    "expires_on": "到期日期",
    "expiry": "到期日期",
    "expires": "到期日期",
    "days_left": "剩余天数",
    "day": "日期",
    "date": "日期",
    "hours": "空档时段",
    "gap_hours": "空档时段",
    "level": "隐患等级",
    "role": "岗位",
    "certificate": "证书",
    "night": "夜间",
}


def evidence_text(evidence: Any) -> str:
    """An alert's evidence in words: the known facts by their Chinese names (ids and unknown keys left out)."""
    if not isinstance(evidence, dict):
        return ""
    parts = []
    for key, value in evidence.items():
        label = EVIDENCE_LABELS.get(key)
        if label is None or value in (None, "", []):
            continue
        if isinstance(value, list):
            value = "、".join(str(v) for v in value)
        parts.append(f"{label}：{value}")
    return "；".join(parts)
