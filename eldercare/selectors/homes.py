"""eldercare selectors: homes — reads of nursing homes, residences, staff and certificates, the duty roster, duty
logs and patrols (always scoped: a township user sees only their township's homes, another township's is 404),
the payees of 集中供养 payrolls (the home of the residence in the month) and the area's alert findings."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from cases.models import Township, User
from cases.selectors import get_scoped_or_404, history, scope
from core.alerts import Finding, object_type_of, within
from core.months import month_end, month_start
from core.parameters import as_date, parameters
from eldercare.models import (
    Certificate,
    DutyLog,
    DutyShift,
    ElderAlert,
    NursingHome,
    Patrol,
    Residence,
    Staff,
)

HOME_TOWNSHIP = "township"
CHILD_TOWNSHIP = "home__township"


def current_on(day: date, prefix: str = "") -> Q:
    """A dated row (staff: hired_on/left_on; residence: start/end) current on ``day``."""
    if prefix == "residence":
        return Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gte=day))
    return Q(hired_on__lte=day) & (Q(left_on__isnull=True) | Q(left_on__gte=day))


# Homes ------------------------------------------------------------------------------------------------------


def homes(user: User) -> QuerySet[NursingHome]:
    return scope(NursingHome.objects.select_related("township"), user, HOME_TOWNSHIP)


def home_list(user: User, *, query: str = "", township: int | None = None, status: str = "") -> QuerySet[NursingHome]:
    """The homes the user sees with ``occupancy`` (current residences today) and ``staff_count`` (current staff)."""
    today = timezone.localdate()
    rows = homes(user)
    if query.strip():
        rows = rows.filter(Q(name__contains=query.strip()) | Q(address__contains=query.strip()))
    if township:
        rows = rows.filter(township_id=township)
    if status:
        rows = rows.filter(status=status)
    return rows.annotate(
        occupancy=Count("residences", filter=Q(residences__start__lte=today)
                        & (Q(residences__end__isnull=True) | Q(residences__end__gte=today)), distinct=True),
        staff_count=Count("staff", filter=Q(staff__hired_on__lte=today)
                          & (Q(staff__left_on__isnull=True) | Q(staff__left_on__gte=today)), distinct=True),
    ).order_by("township__code", "name")  # fmt: skip


def get_home(user: User, pk: int) -> NursingHome:
    return get_scoped_or_404(NursingHome.objects.select_related("township"), user, HOME_TOWNSHIP, pk=pk)


def visible_townships(user: User) -> QuerySet[Township]:
    return scope(Township.objects.all(), user, "pk").order_by("code")


# Residences -------------------------------------------------------------------------------------------------


def residences(user: User) -> QuerySet[Residence]:
    return scope(
        Residence.objects.select_related("member", "member__household", "home", "home__township", "enrollment"),
        user,
        CHILD_TOWNSHIP,
    )


def home_residences(home: NursingHome, *, current_only: bool = False) -> QuerySet[Residence]:
    rows = home.residences.select_related("member", "member__household", "enrollment")
    if current_only:
        rows = rows.filter(current_on(timezone.localdate(), "residence"))
    return rows.order_by(F("end").desc(nulls_first=True), "-start", "pk")


def get_residence(user: User, pk: int) -> Residence:
    return get_scoped_or_404(residences(user), user, CHILD_TOWNSHIP, pk=pk)


# Staff and certificates -------------------------------------------------------------------------------------


def staff(user: User) -> QuerySet[Staff]:
    return scope(Staff.objects.select_related("home", "home__township"), user, CHILD_TOWNSHIP)


def home_staff(home: NursingHome) -> QuerySet[Staff]:
    return home.staff.prefetch_related("certificates").order_by(F("left_on").desc(nulls_first=True), "position", "name")


def duty_staff(home: NursingHome, day: date | None = None) -> QuerySet[Staff]:
    """Who may be put on duty (managers and care staff, current on ``day`` or today)."""
    return home.staff.filter(current_on(day or timezone.localdate()), position__in=Staff.DUTY_POSITIONS)


def current_staff(home: NursingHome, day: date | None = None) -> QuerySet[Staff]:
    return home.staff.filter(current_on(day or timezone.localdate()))


def get_staff(user: User, pk: int) -> Staff:
    return get_scoped_or_404(staff(user), user, CHILD_TOWNSHIP, pk=pk)


def certificates(user: User) -> QuerySet[Certificate]:
    return scope(
        Certificate.objects.select_related("staff", "staff__home", "staff__home__township"),
        user,
        "staff__home__township",
    )


def get_certificate(user: User, pk: int) -> Certificate:
    return get_scoped_or_404(certificates(user), user, "staff__home__township", pk=pk)


# Duty, logs, patrols ----------------------------------------------------------------------------------------


def shifts(user: User) -> QuerySet[DutyShift]:
    return scope(DutyShift.objects.select_related("staff", "home", "home__township"), user, CHILD_TOWNSHIP)


def get_shift(user: User, pk: int) -> DutyShift:
    return get_scoped_or_404(shifts(user), user, CHILD_TOWNSHIP, pk=pk)


def duty_logs(user: User) -> QuerySet[DutyLog]:
    return scope(DutyLog.objects.select_related("staff", "home", "home__township"), user, CHILD_TOWNSHIP)


def get_duty_log(user: User, pk: int) -> DutyLog:
    return get_scoped_or_404(duty_logs(user), user, CHILD_TOWNSHIP, pk=pk)


def patrols(user: User) -> QuerySet[Patrol]:
    return scope(Patrol.objects.select_related("staff", "home", "home__township"), user, CHILD_TOWNSHIP)


def get_patrol(user: User, pk: int) -> Patrol:
    return get_scoped_or_404(patrols(user), user, CHILD_TOWNSHIP, pk=pk)


MINUTES = 24 * 60


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def _covered(rows: list[tuple[int, date, time, time, bool]], first: date, last: date) -> dict[int, dict[date, list]]:
    """Per home and day (``first``..``last``), the covered minute intervals [from, to) of the shifts (an overnight
    shift covers its day from its start and the next day until its end)."""
    covered: dict[int, dict[date, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for home_id, day, start, end, overnight in rows:
        if overnight:
            covered[home_id][day].append((_minutes(start), MINUTES))
            covered[home_id][day + timedelta(days=1)].append((0, _minutes(end)))
        else:
            covered[home_id][day].append((_minutes(start), _minutes(end)))
    return covered


def gap_hours(intervals: list[tuple[int, int]]) -> list[int]:
    """The hours of a day (0–23) not wholly covered by the union of the intervals (minutes)."""
    minutes = bytearray(MINUTES)
    for start, end in intervals:
        minutes[start:end] = b"\x01" * (end - start)
    return [hour for hour in range(24) if 0 in minutes[hour * 60 : hour * 60 + 60]]


def _duty_rows(home_ids: Any, first: date, last: date) -> list[tuple[int, date, time, time, bool]]:
    """The duty shifts (managers and care staff) covering ``first``..``last``: one query."""
    return list(
        DutyShift.objects.filter(
            home_id__in=home_ids,
            day__gte=first - timedelta(days=1),
            day__lte=last,
            staff__position__in=Staff.DUTY_POSITIONS,
        ).values_list("home_id", "day", "start", "end", "overnight")
    )


@dataclass
class RosterDay:
    day: date
    shifts: list[DutyShift]
    gaps: list[int]

    @property
    def gap_text(self) -> str:
        return hours_text(self.gaps)


def hours_text(hours: list[int]) -> str:
    """[0, 1, 2, 7] → "0–3时、7–8时"."""
    runs: list[list[int]] = []
    for hour in hours:
        if runs and runs[-1][1] == hour:
            runs[-1][1] = hour + 1
        else:
            runs.append([hour, hour + 1])
    return "、".join(f"{a}:00–{b}:00" for a, b in runs)


def roster_week(home: NursingHome, monday: date) -> list[RosterDay]:
    """The week's roster from ``monday`` with each day's uncovered hours."""
    sunday = monday + timedelta(days=6)
    shifts_of_week = list(
        home.shifts.filter(day__gte=monday, day__lte=sunday).select_related("staff").order_by("day", "start", "pk")
    )
    covered = _covered(_duty_rows([home.pk], monday, sunday), monday, sunday)[home.pk]
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        days.append(RosterDay(day, [s for s in shifts_of_week if s.day == day], gap_hours(covered.get(day, []))))
    return days


def home_duty_logs(home: NursingHome) -> QuerySet[DutyLog]:
    return home.duty_logs.select_related("staff").order_by("-day", "-pk")


def home_patrols(home: NursingHome) -> QuerySet[Patrol]:
    return home.patrols.select_related("staff").order_by("-at", "-pk")


def home_alerts(home: NursingHome) -> QuerySet[ElderAlert]:
    """The open alerts about the home or its staff and certificates."""
    staff_ids = list(home.staff.values_list("pk", flat=True))
    certificate_ids = list(Certificate.objects.filter(staff__home=home).values_list("pk", flat=True))
    about = (
        Q(object_type=object_type_of(NursingHome), object_id=home.pk)
        | Q(object_type=object_type_of(Staff), object_id__in=staff_ids)
        | Q(object_type=object_type_of(Certificate), object_id__in=certificate_ids)
    )
    return ElderAlert.objects.filter(about, closed_at__isnull=True).order_by("kind", "-opened_at")


# History ----------------------------------------------------------------------------------------------------


def home_history(home: NursingHome, *, full_identity: bool) -> list[Any]:
    home_id = home.pk
    refs = Q(pgh_obj_model="eldercare.NursingHome", pgh_obj_id=str(home_id))
    refs |= Q(pgh_obj_model__in=[
        "eldercare.Residence", "eldercare.Staff", "eldercare.DutyShift", "eldercare.DutyLog", "eldercare.Patrol",
    ], pgh_data__home_id=home_id)  # fmt: skip
    staff_ids = list(home.staff.values_list("pk", flat=True))
    refs |= Q(pgh_obj_model="eldercare.Certificate", pgh_data__staff_id__in=staff_ids)
    return history(refs, full_identity=full_identity)


def staff_history(member: Staff, *, full_identity: bool) -> list[Any]:
    refs = Q(pgh_obj_model="eldercare.Staff", pgh_obj_id=str(member.pk))
    refs |= Q(pgh_obj_model="eldercare.Certificate", pgh_data__staff_id=member.pk)
    return history(refs, full_identity=full_identity)


# Payees of 集中供养 payrolls --------------------------------------------------------------------------------


class HomeAccount(NamedTuple):
    name: str
    credit_code: str
    bank_name: str
    bank_account: str


class ResidenceHome(NamedTuple):
    start: date
    end: date | None
    home: HomeAccount


def member_residences(member_ids: Any, first: date, last: date | None = None) -> dict[int, list[ResidenceHome]]:
    """Per member, their residences overlapping the payroll months ``first``..``last`` (1st of months), with their
    home's account, by start. One query, whatever the number of members and months."""
    wanted = {member_id for member_id in member_ids if member_id}
    if not wanted:
        return {}
    rows = (
        Residence.objects.filter(member_id__in=wanted, start__lte=month_end(last or first))
        .filter(Q(end__isnull=True) | Q(end__gte=first))
        .order_by("member_id", "start", "pk")
        .values_list(
            "member_id", "start", "end", "home__name", "home__credit_code", "home__bank_name", "home__bank_account"
        )
    )
    found: dict[int, list[ResidenceHome]] = {}
    for member_id, start, end, *home in rows:
        found.setdefault(member_id, []).append(ResidenceHome(start, end, HomeAccount(*home)))
    return found


def home_in_month(periods: list[ResidenceHome] | None, month: date) -> HomeAccount | None:
    """The home paid for payroll month ``month``: the residence in force on the 1st, else the first one starting
    in the month."""
    last = month_end(month)
    for period in periods or ():
        if period.start <= last and (period.end is None or period.end >= month):
            return period.home
    return None


# Alerts -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Home:
    name: str
    township_id: int | None


def _open_homes(township_id: int | None) -> dict[int, _Home]:
    """The open homes of the township, or of the county (county institutions included)."""
    homes = within(NursingHome.objects.filter(status=NursingHome.Status.OPEN), township_id)
    return {pk: _Home(name, township) for pk, name, township in homes.values_list("pk", "name", "township_id")}


def _valid_health_certificate(day: date) -> Exists:
    return Exists(
        Certificate.objects.filter(staff_id=OuterRef("pk"), kind=Certificate.Kind.HEALTH, issued_on__lte=day).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=day)
        )
    )


def _cook_findings(township_id: int | None, day: date, deadline: date) -> list[Finding]:
    if day <= deadline:
        return []
    cooks = (
        within(Staff.objects.filter(current_on(day)), township_id, "home__township_id")
        .filter(home__status=NursingHome.Status.OPEN, position=Staff.Position.COOK)
        .filter(~_valid_health_certificate(day))
        .values_list("pk", "name", "home__name", "home__township_id")
        .order_by("pk")
    )
    kind, object_type = ElderAlert.Kind.COOK_NO_CERTIFICATE, object_type_of(Staff)
    return [
        Finding(kind, object_type, pk, f"{name} · 炊事员 · {home}", {"deadline": deadline.isoformat()}, township)
        for pk, name, home, township in cooks
    ]


def _certificate_findings(township_id: int | None, day: date, warn: int) -> list[Finding]:
    """The latest certificate of each kind (a renewed one supersedes it) of current staff, expiring within the warning
    days of ``day`` or expired."""
    newer = Certificate.objects.filter(staff_id=OuterRef("staff_id"), kind=OuterRef("kind"), title=OuterRef("title"))
    newer = newer.filter(Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on")))
    rows = (
        within(Certificate.objects.all(), township_id, "staff__home__township_id")
        .filter(
            staff__home__status=NursingHome.Status.OPEN,
            staff__hired_on__lte=day,
            expires_on__lte=day + timedelta(days=warn),
        )
        .filter(Q(staff__left_on__isnull=True) | Q(staff__left_on__gte=day))
        .filter(~Exists(newer))
        .values_list(
            "pk",
            "kind",
            "title",
            "expires_on",
            "staff__name",
            "staff__position",
            "staff__home__name",
            "staff__home__township_id",
            "staff_id",
        )
        .order_by("pk")
    )
    kinds, positions = dict(Certificate.Kind.choices), dict(Staff.Position.choices)
    found = []
    for pk, kind, title, expires_on, name, position, home, township, staff_id in rows:
        assert expires_on is not None  # filtered on it
        what = title or kinds[kind]
        state = "已过期" if expires_on < day else f"{expires_on:%Y-%m-%d} 到期"
        found.append(
            Finding(
                ElderAlert.Kind.CERTIFICATE_EXPIRING,
                object_type_of(Certificate),
                pk,
                f"{name} · {positions[position]} · {home} · {what}{state}",
                {
                    "expires_on": expires_on.isoformat(),
                    "expired": expires_on < day,
                    "warn_days": warn,
                    "staff_id": staff_id,
                },
                township,
            )
        )
    return found


def _manager_findings(day: date, open_homes: dict[int, _Home]) -> list[Finding]:
    managed = set(
        Staff.objects.filter(current_on(day), home_id__in=list(open_homes), position=Staff.Position.MANAGER)
        .values_list("home_id", flat=True)
        .distinct()
    )
    return [
        Finding(
            ElderAlert.Kind.NO_MANAGER,
            object_type_of(NursingHome),
            pk,
            f"{home.name} · 无在职院长/管理人员",
            {},
            home.township_id,
        )
        for pk, home in sorted(open_homes.items())
        if pk not in managed
    ]


def _duty_gap_findings(day: date, open_homes: dict[int, _Home]) -> list[Finding]:
    first = month_start(day)
    covered = _covered(_duty_rows(list(open_homes), first, day), first, day)
    found = []
    for pk, home in sorted(open_homes.items()):
        days = []
        current = first
        while current <= day:
            gaps = gap_hours(covered[pk].get(current, []))
            if gaps:
                days.append({"date": current.isoformat(), "hours": gaps})
            current += timedelta(days=1)
        if days:
            found.append(
                Finding(
                    ElderAlert.Kind.DUTY_GAP,
                    object_type_of(NursingHome),
                    pk,
                    f"{home.name} · {len(days)} 天值班有空档",
                    {"days": days},
                    home.township_id,
                )
            )
    return found


def night_of(at: datetime, start_hour: int, end_hour: int) -> date | None:
    """The night (by the day it starts) a time falls in, or None outside the night window."""
    local = timezone.localtime(at)
    if start_hour > end_hour:  # the window crosses midnight: 22:00 → 06:00
        if local.hour >= start_hour:
            return local.date()
        if local.hour < end_hour:
            return local.date() - timedelta(days=1)
        return None
    return local.date() if start_hour <= local.hour < end_hour else None


def _patrol_findings(day: date, open_homes: dict[int, _Home], start_hour: int, end_hour: int) -> list[Finding]:
    first, last = month_start(day), day - timedelta(days=1)
    if last < first:
        return []
    zone = timezone.get_current_timezone()
    since = datetime.combine(first, time(0), zone)
    until = datetime.combine(last + timedelta(days=2), time(0), zone)
    patrolled: dict[int, set[date]] = defaultdict(set)
    for home_id, at in Patrol.objects.filter(home_id__in=list(open_homes), at__gte=since, at__lt=until).values_list(
        "home_id", "at"
    ):
        night = night_of(at, start_hour, end_hour)
        if night is not None:
            patrolled[home_id].add(night)
    nights = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    found = []
    for pk, home in sorted(open_homes.items()):
        missing = [night.isoformat() for night in nights if night not in patrolled[pk]]
        if missing:
            found.append(
                Finding(
                    ElderAlert.Kind.NIGHT_PATROL_MISSING,
                    object_type_of(NursingHome),
                    pk,
                    f"{home.name} · {len(missing)} 夜未夜间巡查",
                    {"dates": missing, "window": [start_hour, end_hour]},
                    home.township_id,
                )
            )
    return found


ALERT_PARAMETERS = [
    "eldercare.cook_certificate_deadline",
    "eldercare.certificate_warn_days",
    "eldercare.night_patrol_start_hour",
    "eldercare.night_patrol_end_hour",
]


def alert_findings(township_id: int | None, day: date) -> list[Finding]:
    """What of this area should be alerted in the township (or the whole county, ``None``: county institutions
    included) on ``day`` (the monthly job syncs it): cooks without a valid 健康证 after the deadline, certificates
    expiring or expired, open homes without a manager, duty gaps and nights without a patrol in ``day``'s month.
    Only open homes; one query per kind and one for the parameters, none per row."""
    values = parameters(ALERT_PARAMETERS, day)
    deadline, warn, night_start, night_end = (values[key] for key in ALERT_PARAMETERS)
    open_homes = _open_homes(township_id)
    return [
        *_cook_findings(township_id, day, as_date(deadline)),
        *_certificate_findings(township_id, day, int(warn)),
        *_manager_findings(day, open_homes),
        *_duty_gap_findings(day, open_homes),
        *_patrol_findings(day, open_homes, int(night_start), int(night_end)),
    ]
