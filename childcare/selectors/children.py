"""childcare selectors: children — the left-behind children's ledger with the visits' due dates, the cases of
orphans and de-facto unsupported children, the 困境儿童 list (policy.md §15) and the area's alerts. Every read is
scoped (``cases.selectors.scope``); the alerts are found set-based (a few queries per township, none per row)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    BooleanField,
    Case,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from assistance.models import BenefitKind, Enrollment
from cases.models import Member, User
from cases.selectors import HistoryRow, get_scoped_or_404, scope
from cases.selectors import history as cases_history
from childcare.models import ChildAlert, ChildCase, ChildCaseStep, ChildVisit, GuardianshipCase, LeftBehindChild
from childcare.models.children import Capacity
from childcare.services.children import ADULT_AGE, years_before
from core import parameters
from core.alerts import Finding, object_type_of, within
from core.lookups import InIds
from core.months import month_start


def visit_days(on: date) -> int:
    return int(parameters.parameter("visits.left_behind_children_days", on))


# Left-behind children ---------------------------------------------------------------------------------------


def with_visit_due(
    children: QuerySet[LeftBehindChild], day: date, days: int | None = None
) -> QuerySet[LeftBehindChild]:
    """Each child with ``last_visit``, ``visit_due`` (last visit, or the ledger start, + the visit interval) and
    ``overdue`` (an active child whose due date is before ``day``)."""
    days = visit_days(day) if days is None else days
    last = ChildVisit.objects.filter(child=OuterRef("pk")).order_by("-visited_on").values("visited_on")[:1]
    children = children.annotate(
        last_visit=Subquery(last, output_field=DateField()),  # the index (child, visited_on), no GROUP BY
    ).annotate(
        visit_due=Cast(Coalesce(F("last_visit"), F("start")) + timedelta(days=days), output_field=DateField()),
    )
    return children.annotate(
        overdue=Case(
            When(Q(status=LeftBehindChild.Status.ACTIVE, visit_due__lt=day), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def children_list(
    user: User,
    day: date,
    *,
    status: str = "",
    overdue_only: bool = False,
    query: str = "",
    township: int | None = None,
    capacity: str = "",
) -> QuerySet[LeftBehindChild]:
    children = scope(LeftBehindChild.objects.select_related("member", "member__household", "township"), user)
    if status:
        children = children.filter(status=status)
    if township:
        children = children.filter(township_id=township)
    if capacity:
        children = children.filter(guardian_capacity=capacity)
    query = query.strip()
    if query:
        children = children.filter(
            Q(member__name__startswith=query) | Q(member__id_number=query.upper()) | Q(school__contains=query)
        )
    children = with_visit_due(children, day)
    if overdue_only:
        children = children.filter(overdue=True)
    return children.order_by("township__code", "visit_due", "pk")


def status_counts(user: User) -> dict[str, int]:
    from django.db.models import Count

    rows = scope(LeftBehindChild.objects.all(), user).values("status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}


def get_child(user: User, pk: int, day: date) -> LeftBehindChild:
    children = with_visit_due(LeftBehindChild.objects.select_related("member", "member__household", "township"), day)
    return get_scoped_or_404(children, user, pk=pk)


def child_visits(child: LeftBehindChild) -> QuerySet[ChildVisit]:
    return child.visits.select_related("created_by").order_by("-visited_on", "-pk")


def child_guardianship_cases(child: LeftBehindChild) -> QuerySet[GuardianshipCase]:
    return child.guardianship_cases.select_related("resolved_by").order_by("-opened_on", "-pk")


def get_guardianship_case(user: User, pk: int) -> GuardianshipCase:
    return get_scoped_or_404(GuardianshipCase.objects.select_related("child", "child__member"), user, pk=pk)


def guardianship_cases(user: User, status: str = "") -> QuerySet[GuardianshipCase]:
    cases = scope(GuardianshipCase.objects.select_related("child__member", "township"), user)
    return cases.filter(status=status) if status else cases


def visits(user: User, child: int | None = None) -> QuerySet[ChildVisit]:
    rows = scope(ChildVisit.objects.select_related("child__member"), user, "child__township")
    return rows.filter(child_id=child) if child else rows


def members_for_ledger(user: User, query: str, day: date) -> QuerySet[Member]:
    """Registered members under 18 of the user's township matching a name (prefix) or an ID number (exact)."""
    members = scope(Member.objects.select_related("household", "household__township"), user, "household__township")
    query = query.strip()
    if not query:
        return members.none()
    members = members.filter(active=True, birth_date__gt=years_before(day, ADULT_AGE))
    return members.filter(Q(name__startswith=query) | Q(id_number=query.upper()))[:20]


def get_member(user: User, pk: int) -> Member:
    return get_scoped_or_404(Member.objects.select_related("household"), user, "household__township", pk=pk)


# Orphans and de-facto unsupported children ------------------------------------------------------------------


def case_list(
    user: User,
    day: date,
    *,
    status: str = "",
    category: str = "",
    query: str = "",
    township: int | None = None,
    review_overdue: bool = False,
) -> QuerySet[ChildCase]:
    cases = scope(ChildCase.objects.select_related("member", "member__household", "township", "enrollment"), user)
    if status:
        cases = cases.filter(status=status)
    if category:
        cases = cases.filter(category=category)
    if township:
        cases = cases.filter(township_id=township)
    if review_overdue:
        cases = cases.filter(status=ChildCase.Status.ACTIVE, review_due__lt=day)
    query = query.strip()
    if query:
        cases = cases.filter(Q(member__name__startswith=query) | Q(member__id_number=query.upper()))
    return cases.annotate(
        insured_now=Exists(ChildCase.objects.filter(pk=OuterRef("pk")).filter(_insured_on(day))),
        review_late=Case(
            When(Q(status=ChildCase.Status.ACTIVE, review_due__lt=day), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    ).order_by("township__code", "review_due", "pk")


def get_case(user: User, pk: int) -> ChildCase:
    cases = ChildCase.objects.select_related("member", "member__household", "township", "enrollment")
    return get_scoped_or_404(cases, user, pk=pk)


def case_steps(case: ChildCase) -> QuerySet[ChildCaseStep]:
    return case.steps.select_related("prepared_by", "decided_by")


def get_step(user: User, pk: int) -> ChildCaseStep:
    return get_scoped_or_404(ChildCaseStep.objects.select_related("case"), user, "case__township", pk=pk)


def _insured_on(day: date) -> Q:
    return Q(insured=True, insurance_from__lte=day, insurance_to__gte=day)


# Children in difficulty (困境儿童) ------------------------------------------------------------------------------

DIFFICULTY_KINDS = {
    "poverty": "低保/特困家庭儿童",
    "disability": "残疾儿童",
    "illness": "重病儿童",
    "guardianship": "无人有效监护儿童",
}


def difficulty_children(
    user: User, day: date, *, kind: str = "", query: str = "", township: int | None = None
) -> QuerySet[Member]:
    """Children under 18 on ``day`` in difficulty (policy.md §15), set-based: of a household with 低保 or 特困 in
    force this month, disabled, seriously ill, or without effective guardianship (an active ChildCase, an open
    guardianship case, or ``child_status`` ≠ none); each row annotated with which."""
    month = month_start(day)
    in_force = Enrollment.objects.in_force(month)
    poor = Exists(
        in_force.filter(household_id=OuterRef("household_id"), benefit__in=[BenefitKind.DIBAO, BenefitKind.TEKUN])
    )
    has_case = Exists(ChildCase.objects.filter(member_id=OuterRef("pk"), status=ChildCase.Status.ACTIVE))
    guardianship_open = Exists(
        GuardianshipCase.objects.filter(child__member_id=OuterRef("pk"), status=GuardianshipCase.Status.OPEN)
    )
    members = scope(
        Member.objects.select_related("household", "household__township", "household__village", "major_illness"),
        user,
        "household__township",
    ).filter(active=True, date_of_death__isnull=True, birth_date__gt=years_before(day, ADULT_AGE))
    if township:
        members = members.filter(household__township_id=township)
    query = query.strip()
    if query:
        members = members.filter(Q(name__startswith=query) | Q(id_number=query.upper()))
    members = members.annotate(
        is_poor=poor,
        has_case=has_case,
        guardianship_open=guardianship_open,
        is_disabled_child=Case(
            When(~Q(disability_category=""), then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        is_ill=Case(
            When(major_illness__isnull=False, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        unguarded=Case(
            When(Q(has_case=True) | Q(guardianship_open=True) | ~Q(child_status=Member.ChildStatus.NONE), then=True),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )
    conditions = {
        "poverty": Q(is_poor=True),
        "disability": Q(is_disabled_child=True),
        "illness": Q(is_ill=True),
        "guardianship": Q(unguarded=True),
    }
    if kind in conditions:
        return members.filter(conditions[kind]).order_by("household__township__code", "household__number", "pk")
    either = Q()
    for condition in conditions.values():
        either |= condition
    return members.filter(either).order_by("household__township__code", "household__number", "pk")


@dataclass(frozen=True)
class Support:
    enrollments: list[str]
    cases: list[str]


def support_of(members: list[Member], day: date) -> dict[int, Support]:
    """What each child gets (one query each for enrollments, cases and guardianship cases, for a page of rows):
    the benefits in force this month (the household's 低保 counts for each child), the childcare cases."""
    month = month_start(day)
    ids = [m.pk for m in members]
    households = {m.household_id for m in members}
    benefits: dict[int, set[str]] = defaultdict(set)
    by_household: dict[int, set[str]] = defaultdict(set)
    for member_id, household_id, benefit in (
        Enrollment.objects.in_force(month)
        .filter(Q(member_id__in=ids) | Q(member__isnull=True, household_id__in=households))
        .values_list("member_id", "household_id", "benefit")
    ):
        label = BenefitKind(benefit).label
        (benefits[member_id] if member_id else by_household[household_id]).add(label)
    cases: dict[int, list[str]] = defaultdict(list)
    for member_id, category in ChildCase.objects.filter(member_id__in=ids, status=ChildCase.Status.ACTIVE).values_list(
        "member_id", "category"
    ):
        cases[member_id].append(ChildCase.Category(category).label)
    for member_id in (
        GuardianshipCase.objects.filter(child__member_id__in=ids, status=GuardianshipCase.Status.OPEN)
        .values_list("child__member_id", flat=True)
        .distinct()
    ):
        cases[member_id].append("监护问题个案（办理中）")
    for member_id in LeftBehindChild.objects.filter(
        member_id__in=ids, status=LeftBehindChild.Status.ACTIVE
    ).values_list("member_id", flat=True):
        cases[member_id].append("留守儿童台账")
    return {m.pk: Support(sorted(benefits[m.pk] | by_household[m.household_id]), cases[m.pk]) for m in members}


def difficulty_labels(member: Member) -> list[str]:
    flags = (
        ("poverty", member.is_poor),
        ("disability", member.is_disabled_child),
        ("illness", member.is_ill),
        ("guardianship", member.unguarded),
    )
    return [DIFFICULTY_KINDS[key] for key, on in flags if on]


# History ----------------------------------------------------------------------------------------------------


def history(*, child: LeftBehindChild | None = None, case: ChildCase | None = None, full: bool) -> list[HistoryRow]:
    """The changes of a ledger row (with its visits and guardianship cases) or of a case (with its reviews)
    (``cases.selectors.history``)."""
    if child is not None:
        refs = Q(pgh_obj_model="childcare.LeftBehindChild", pgh_obj_id=str(child.pk))
        refs |= Q(pgh_obj_model__in=["childcare.ChildVisit", "childcare.GuardianshipCase"], pgh_data__child_id=child.pk)
    else:
        assert case is not None
        refs = Q(pgh_obj_model="childcare.ChildCase", pgh_obj_id=str(case.pk))
        refs |= Q(pgh_obj_model="childcare.ChildCaseStep", pgh_data__case_id=case.pk)
    return cases_history(refs, full_identity=full)


# Alerts -----------------------------------------------------------------------------------------------------


def alert_list(
    user: User, *, is_open: bool | None = True, kind: str = "", township: int | None = None, query: str = ""
) -> QuerySet[ChildAlert]:
    """The area's alerts the user may see: open (``is_open``), closed (False) or all (None)."""
    alerts = scope(ChildAlert.objects.select_related("township"), user).filter(kind__in=CHILDREN_KINDS)
    if is_open is not None:
        alerts = alerts.filter(closed_at__isnull=is_open)
    if kind:
        alerts = alerts.filter(kind=kind)
    if township:
        alerts = alerts.filter(township_id=township)
    if query.strip():
        alerts = alerts.filter(subject__contains=query.strip())
    return alerts.order_by("-opened_at", "-pk")


def insured_on(case: ChildCase, day: date) -> bool:
    return bool(
        case.insured and case.insurance_from and case.insurance_to and case.insurance_from <= day <= case.insurance_to
    )


def alert_counts(user: User) -> dict[str, int]:
    alerts = scope(ChildAlert.objects.filter(kind__in=CHILDREN_KINDS), user)
    return {
        "open": alerts.filter(closed_at__isnull=True).count(),
        "closed": alerts.filter(closed_at__isnull=False).count(),
    }


CHILDREN_KINDS = (
    ChildAlert.Kind.VISIT_OVERDUE,
    ChildAlert.Kind.INSURANCE_MISSING,
    ChildAlert.Kind.GUARDIAN_INCAPABLE,
    ChildAlert.Kind.REVIEW_OVERDUE,
)


def alert_link(alert: ChildAlert) -> str | None:
    """The page of the alert's object (URL name and pk), for the alerts page."""
    from django.urls import reverse

    if alert.object_type == object_type_of(LeftBehindChild):
        return reverse("childcare-child-detail", args=[alert.object_id])
    if alert.object_type == object_type_of(ChildCase):
        return reverse("childcare-case-detail", args=[alert.object_id])
    if alert.object_type == object_type_of(Enrollment):
        return reverse("enrollment-detail", args=[alert.object_id])
    return None


def alert_findings(township_id: int | None, day: date) -> list[Finding]:
    """What of this area should be alerted in the township (or the whole county, ``None``) on ``day`` (the monthly
    job syncs it). One query per kind; evidence holds dates as ISO strings; each finding's subject says what it is
    about (``alert_subjects`` puts the child's name and village around it for the alerts written)."""
    found: list[Finding] = []
    child_type, case_type = object_type_of(LeftBehindChild), object_type_of(ChildCase)
    active = within(LeftBehindChild.objects.filter(status=LeftBehindChild.Status.ACTIVE), township_id).order_by()

    # VISIT_OVERDUE: an active left-behind child whose next visit was due before ``day``.
    days = visit_days(day)
    last = ChildVisit.objects.filter(child=OuterRef("pk"), visited_on__lte=day).order_by("-visited_on")
    rows = active.filter(start__lte=day).annotate(last_visit=Subquery(last.values("visited_on")[:1]))
    for pk, member, start, last_visit, township in rows.values_list(
        "pk", "member_id", "start", "last_visit", "township_id"
    ):  # the due date compared here: in SQL the last visit would be looked up once per use
        due = (last_visit or start) + timedelta(days=days)
        if due < day:
            evidence = {
                "last_visit": last_visit.isoformat() if last_visit else None,
                "due": due.isoformat(),
                "days": days,
            }
            found.append(Finding(ChildAlert.Kind.VISIT_OVERDUE, child_type, pk, "留守儿童", evidence, township, member))

    # GUARDIAN_INCAPABLE: an active child whose guardian is assessed 无 (a guardian under 18 always is), while no
    # guardianship case about this guardian has been resolved.
    resolved = GuardianshipCase.objects.filter(
        child_id=OuterRef("pk"), status=GuardianshipCase.Status.RESOLVED, guardian_name=OuterRef("guardian_name")
    )
    incapable = active.filter(Q(guardian_capacity=Capacity.NONE) | Q(guardian_age__lt=ADULT_AGE)).filter(
        ~Exists(resolved)
    )
    for pk, member, guardian_age, township in incapable.values_list("pk", "member_id", "guardian_age", "township_id"):
        minor = guardian_age is not None and guardian_age < ADULT_AGE
        what = "监护人未满18周岁" if minor else "监护人无监护能力"
        evidence = {"guardian_age": guardian_age, "guardian_minor": minor}
        found.append(Finding(ChildAlert.Kind.GUARDIAN_INCAPABLE, child_type, pk, what, evidence, township, member))

    # REVIEW_OVERDUE: an active case past its annual review date.
    cases = within(ChildCase.objects.filter(status=ChildCase.Status.ACTIVE), township_id).order_by()
    categories = dict(ChildCase.Category.choices)
    for pk, member, category, due, township in cases.filter(review_due__lt=day).values_list(
        "pk", "member_id", "category", "review_due", "township_id"
    ):
        evidence = {"review_due": due.isoformat()}
        found.append(
            Finding(ChildAlert.Kind.REVIEW_OVERDUE, case_type, pk, categories[category], evidence, township, member)
        )

    # INSURANCE_MISSING: a child with an active case, or on the orphan allowance in force this month, and no
    # insurance covering ``day`` (the insurance is recorded on the child's active case).
    uninsured = cases.filter(opened_on__lte=day).exclude(_insured_on(day))
    for pk, member, category, insured_to, township in uninsured.values_list(
        "pk", "member_id", "category", "insurance_to", "township_id"
    ):
        evidence = {"insurance_to": insured_to.isoformat() if insured_to else None}
        found.append(
            Finding(ChildAlert.Kind.INSURANCE_MISSING, case_type, pk, categories[category], evidence, township, member)
        )
    with_case = ChildCase.objects.filter(status=ChildCase.Status.ACTIVE).values("member_id")
    allowance = within(
        Enrollment.objects.in_force(month_start(day)).filter(benefit=BenefitKind.ORPHAN), township_id
    ).exclude(member_id__in=with_case)
    for pk, member, start, township in allowance.order_by().values_list(
        "pk", "member_id", "start_month", "township_id"
    ):
        evidence = {"allowance_from": start.isoformat(), "insurance_to": None}
        what = "孤儿基本生活费（未建档）"
        found.append(
            Finding(ChildAlert.Kind.INSURANCE_MISSING, object_type_of(Enrollment), pk, what, evidence, township, member)
        )

    return found


def alert_subjects(findings: list[Finding]) -> dict[tuple[str, str, int], str]:
    """The words of the alerts about to be written: the child's name, what it is about, the village — one query
    for all of them (``core.alerts.sync`` asks only for the new ones and those with new evidence)."""
    people = Member.objects.filter(InIds(F("pk"), list({f.person_id for f in findings if f.person_id})))
    names = {pk: (name, village) for pk, name, village in people.values_list("pk", "name", "household__village__name")}
    return {
        f.key: " · ".join(part for part in (names[f.person_id][0], f.subject, names[f.person_id][1]) if part)
        for f in findings
        if f.person_id in names
    }
