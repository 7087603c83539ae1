"""eldercare selectors: safety — inspections, hazards (and the county's list of reported ones), residents' risk
assessments and incidents, renovation projects; the home's safety summary and the overdue-hazard alert. Every read
is scoped (``cases.selectors.scope``) through the home's township."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone

from cases.models import Member, Township, User
from cases.selectors import HistoryRow, get_scoped_or_404, rows_of, scope
from cases.selectors import history as cases_history
from core.alerts import Finding, object_type_of, within
from eldercare.models import ElderAlert
from eldercare.models.homes import NursingHome, Residence
from eldercare.models.safety import (
    ChecklistItem,
    Hazard,
    HazardStep,
    Incident,
    Inspection,
    InspectionResult,
    Milestone,
    ProjectFile,
    RenovationProject,
    RiskAssessment,
    SelfCare,
)

HOME_TOWNSHIP = "home__township"
RESIDENCE_TOWNSHIP = "residence__home__township"


# Homes and residents ------------------------------------------------------------------------------------------


def visible_homes(user: User) -> QuerySet[NursingHome]:
    return scope(NursingHome.objects.select_related("township"), user).order_by("township__code", "name")


def get_home(user: User, pk: int) -> NursingHome:
    return get_scoped_or_404(NursingHome.objects.select_related("township"), user, pk=pk)


def visible_townships(user: User) -> QuerySet[Township]:
    return scope(Township.objects.order_by("code"), user, "pk")


def current_residences(home: NursingHome, day: date) -> QuerySet[Residence]:
    return Residence.objects.filter(Q(end__isnull=True) | Q(end__gte=day), home=home, start__lte=day)


def _lost_expression(prefix: str = "member__") -> Any:
    """The registry's count of activities a member cannot do (``Member.self_care_lost``), in SQL."""
    total: Any = Value(0)
    for name in Member.SELF_CARE_FIELDS:
        total = total + Cast(F(f"{prefix}{name}"), IntegerField())
    return total


def _level_expression() -> Case:
    """``self_care_level`` of the annotation ``lost``."""
    return Case(
        When(Q(lost=0), then=Value(SelfCare.SELF)),
        When(Q(lost__lte=3), then=Value(SelfCare.HALF)),
        default=Value(SelfCare.FULL),
        output_field=CharField(),
    )


def residents_with_assessment(home: NursingHome, day: date) -> QuerySet[Residence]:
    """The home's residents on ``day``, each with ``level_now`` (from the registry), ``assessed_level`` and
    ``assessed_on`` (their latest assessment), ``has_admission`` and ``needs_assessment`` (待评估: no admission
    assessment yet, or a self-care level that differs from the latest assessment's)."""
    latest = RiskAssessment.objects.filter(residence=OuterRef("pk")).order_by("-date", "-pk")
    admission = RiskAssessment.objects.filter(residence=OuterRef("pk"), kind=RiskAssessment.Kind.ADMISSION)
    rows = (
        current_residences(home, day)
        .select_related("member", "member__household")
        .annotate(
            lost=_lost_expression(),
            assessed_level=Subquery(latest.values("self_care")[:1]),
            assessed_on=Subquery(latest.values("date")[:1]),
            admission_on=Subquery(admission.values("date")[:1]),
        )
        .annotate(level_now=_level_expression())
    )
    return rows.annotate(
        needs_assessment=Case(
            When(Q(admission_on__isnull=True) | ~Q(assessed_level=F("level_now")), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    ).order_by("member__name", "pk")


def level_label(value: str | None) -> str:
    return str(SelfCare(value).label) if value in SelfCare.values else "—"


def get_residence(user: User, pk: int) -> Residence:
    return get_scoped_or_404(
        Residence.objects.select_related("member", "member__household", "home", "home__township"),
        user,
        "home__township",
        pk=pk,
    )


def assessments_of(residence: Residence) -> QuerySet[RiskAssessment]:
    return RiskAssessment.objects.filter(residence=residence).select_related("created_by")


def incidents_of(residence: Residence) -> QuerySet[Incident]:
    return Incident.objects.filter(residence=residence).select_related("created_by")


def incident_list(
    user: User, *, home: int | None = None, township: int | None = None, kind: str = "", q: str = ""
) -> QuerySet[Incident]:
    rows = scope(Incident.objects.select_related("residence__member", "residence__home"), user, RESIDENCE_TOWNSHIP)
    if township:
        rows = rows.filter(residence__home__township_id=township)
    if q:
        rows = rows.filter(Q(residence__member__name__icontains=q) | Q(description__icontains=q))
    if home:
        rows = rows.filter(residence__home_id=home)
    if kind:
        rows = rows.filter(kind=kind)
    return rows


def assessment_list(user: User, *, home: int | None = None) -> QuerySet[RiskAssessment]:
    rows = scope(
        RiskAssessment.objects.select_related("residence__member", "residence__home"), user, RESIDENCE_TOWNSHIP
    )
    return rows.filter(residence__home_id=home) if home else rows


# Checklist and inspections -------------------------------------------------------------------------------------


def checklist(active_only: bool = False) -> QuerySet[ChecklistItem]:
    items = ChecklistItem.objects.all()
    return items.filter(active=True) if active_only else items


def get_checklist_item(pk: int) -> ChecklistItem:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(ChecklistItem, pk=pk)


@dataclass(frozen=True)
class InspectionFilter:
    township: int | None = None
    home: int | None = None
    by: str = ""
    month: date | None = None
    q: str = ""


def inspection_list(user: User, filters: InspectionFilter | None = None) -> QuerySet[Inspection]:
    f = filters or InspectionFilter()
    rows = scope(Inspection.objects.select_related("home", "home__township", "created_by"), user, HOME_TOWNSHIP)
    if f.township:
        rows = rows.filter(home__township_id=f.township)
    if f.home:
        rows = rows.filter(home_id=f.home)
    if f.by:
        rows = rows.filter(by=f.by)
    if f.month:
        rows = rows.filter(date__year=f.month.year, date__month=f.month.month)
    if f.q:
        rows = rows.filter(Q(home__name__icontains=f.q) | Q(inspectors__icontains=f.q) | Q(findings__icontains=f.q))
    return rows.annotate(
        problems=Count("results", filter=Q(results__result=InspectionResult.Result.PROBLEM), distinct=True),
        hazard_count=Count("hazards", distinct=True),
    ).order_by("-date", "-pk")


def get_inspection(user: User, pk: int) -> Inspection:
    return get_scoped_or_404(Inspection.objects.select_related("home", "created_by"), user, HOME_TOWNSHIP, pk=pk)


def inspection_results(inspection: Inspection) -> QuerySet[InspectionResult]:
    return inspection.results.select_related("item")


# Hazards --------------------------------------------------------------------------------------------------------


def overdue_hazard(day: date) -> Q:
    """A hazard still open (整改中, or reported and not closed by the county) whose deadline is before ``day``."""
    return Q(status__in=Hazard.OPEN_STATUSES, deadline__lt=day)


@dataclass(frozen=True)
class HazardFilter:
    status: str = ""
    overdue: bool = False
    reported: bool = False  # the county's list: reported to the county (open or closed by it)
    township: int | None = None
    home: int | None = None
    level: str = ""
    q: str = ""


def hazard_list(user: User, day: date, filters: HazardFilter | None = None) -> QuerySet[Hazard]:
    f = filters or HazardFilter()
    rows = scope(Hazard.objects.select_related("home", "home__township", "inspection"), user, HOME_TOWNSHIP)
    if f.status:
        rows = rows.filter(status=f.status)
    if f.overdue:
        rows = rows.filter(overdue_hazard(day))
    if f.reported:
        rows = rows.filter(status__in=[Hazard.Status.REPORTED, Hazard.Status.CLOSED])
    if f.township:
        rows = rows.filter(home__township_id=f.township)
    if f.home:
        rows = rows.filter(home_id=f.home)
    if f.level:
        rows = rows.filter(level=f.level)
    if f.q:
        rows = rows.filter(Q(description__icontains=f.q) | Q(home__name__icontains=f.q) | Q(owner__icontains=f.q))
    return rows.annotate(
        overdue=Case(When(overdue_hazard(day), then=Value(True)), default=Value(False), output_field=BooleanField())
    )


def hazard_counts(user: User, day: date) -> dict[str, int]:
    rows = scope(Hazard.objects.all(), user, HOME_TOWNSHIP)
    counts = dict(rows.order_by().values_list("status").annotate(n=Count("pk")))
    counts["overdue"] = rows.filter(overdue_hazard(day)).count()
    counts["reported_open"] = counts.get(Hazard.Status.REPORTED, 0)
    return counts


def get_hazard(user: User, pk: int) -> Hazard:
    return get_scoped_or_404(
        Hazard.objects.select_related("home", "home__township", "inspection", "created_by"), user, HOME_TOWNSHIP, pk=pk
    )


def hazard_steps(hazard: Hazard) -> QuerySet[HazardStep]:
    return hazard.steps.select_related("actor")


def is_overdue(hazard: Hazard, day: date) -> bool:
    return hazard.is_open and hazard.deadline < day


# Renovation -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectFilter:
    status: str = ""
    kind: str = ""
    township: int | None = None
    home: int | None = None
    q: str = ""


def project_list(user: User, filters: ProjectFilter | None = None) -> QuerySet[RenovationProject]:
    f = filters or ProjectFilter()
    rows = scope(RenovationProject.objects.select_related("home", "home__township"), user, HOME_TOWNSHIP)
    if f.status:
        rows = rows.filter(status=f.status)
    if f.kind:
        rows = rows.filter(kind=f.kind)
    if f.township:
        rows = rows.filter(home__township_id=f.township)
    if f.home:
        rows = rows.filter(home_id=f.home)
    if f.q:
        rows = rows.filter(Q(name__icontains=f.q) | Q(home__name__icontains=f.q))
    return rows


def project_counts(user: User) -> dict[str, int]:
    rows = scope(RenovationProject.objects.all(), user, HOME_TOWNSHIP)
    return dict(rows.order_by().values_list("status").annotate(n=Count("pk")))


def get_project(user: User, pk: int) -> RenovationProject:
    return get_scoped_or_404(
        RenovationProject.objects.select_related("home", "home__township", "completed_by", "accepted_by", "created_by"),
        user,
        HOME_TOWNSHIP,
        pk=pk,
    )


def project_milestones(project: RenovationProject) -> QuerySet[Milestone]:
    return project.milestones.all()


def get_milestone(user: User, pk: int) -> Milestone:
    return get_scoped_or_404(Milestone.objects.select_related("project"), user, "project__home__township", pk=pk)


def project_files(project: RenovationProject) -> QuerySet[ProjectFile]:
    return project.files.select_related("uploaded_by")


def get_project_file(user: User, pk: int) -> ProjectFile:
    """A file of a project the user may see (another township's: 404)."""
    return get_scoped_or_404(
        ProjectFile.objects.select_related("project__home"), user, "project__home__township", pk=pk
    )


def visible_files(user: User) -> QuerySet[ProjectFile]:
    return scope(ProjectFile.objects.select_related("project", "project__home"), user, "project__home__township")


def visible_milestones(user: User) -> QuerySet[Milestone]:
    return scope(Milestone.objects.select_related("project"), user, "project__home__township")


def visible_inspection_results(user: User) -> QuerySet[InspectionResult]:
    return scope(InspectionResult.objects.select_related("item", "inspection"), user, "inspection__home__township")


# A home's safety tab ---------------------------------------------------------------------------------------------


def home_safety_summary(user: User, home: NursingHome, day: date | None = None) -> dict[str, Any]:
    """What a home page's 安全 tab needs: residents awaiting (re)assessment (待评估; GB 38600 items are recorded,
    not counted as violations in 2020), open and overdue hazards, the latest inspection, recent incidents and the
    renovation projects under way. ``home`` must come from a scoped read (``get_home``)."""
    get_home(user, home.pk)  # 404 outside the user's township
    day = day or timezone.localdate()
    residents = list(residents_with_assessment(home, day))
    hazards = Hazard.objects.filter(home=home)
    return {
        "home": home,
        "residents": residents,
        "to_assess": [r for r in residents if r.needs_assessment],
        "open_hazards": hazards.filter(status__in=Hazard.OPEN_STATUSES).count(),
        "overdue_hazards": hazards.filter(overdue_hazard(day)).count(),
        "last_inspection": Inspection.objects.filter(home=home).order_by("-date", "-pk").first(),
        "recent_incidents": list(
            Incident.objects.filter(residence__home=home).select_related("residence__member")[:10]
        ),
        "projects": list(RenovationProject.objects.filter(home=home).exclude(status=RenovationProject.Status.ACCEPTED)),
    }


# History ----------------------------------------------------------------------------------------------------------


def history(*objects: Any, full_identity: bool) -> list[HistoryRow]:
    """The changes of the given rows (``cases.selectors.history``)."""
    return cases_history(rows_of(*objects), full_identity=full_identity)


# Alerts -----------------------------------------------------------------------------------------------------------


def alert_findings(township_id: int | None, day: date) -> list[Finding]:
    """Overdue hazards of the township's homes, or of every home (not 已整改, not closed by the county, deadline
    before ``day``): one query."""
    object_type = object_type_of(Hazard)
    rows = (
        within(Hazard.objects.filter(overdue_hazard(day)), township_id, "home__township_id")
        .order_by("deadline", "pk")
        .values_list("pk", "home__name", "level", "description", "deadline", "status", "home__township_id")
    )
    levels = dict(Hazard.Level.choices)
    statuses = dict(Hazard.Status.choices)
    findings = []
    for pk, home_name, level, description, deadline, status, township in rows:
        text = " ".join(description.split())[:40]
        findings.append(
            Finding(
                kind=ElderAlert.Kind.HAZARD_OVERDUE,
                object_type=object_type,
                object_id=pk,
                subject=f"{home_name} · {levels.get(level, level)}隐患 · {text}",
                evidence={
                    "deadline": deadline.isoformat(),
                    "days_overdue": (day - deadline).days,
                    "status": statuses.get(status, status),
                },
                township_id=township,
            )
        )
    return findings
