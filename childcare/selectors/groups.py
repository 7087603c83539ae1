"""childcare selectors: groups — the left-behind women's screening and the disabled persons ledger (残疾人台账),
always within the user's scope (``cases.selectors.scope``); the sensitive-read log for the county admins.

The disabled persons ledger is read, not stored: every member with a disability in the registry
(``Member.disability_category``) or on the current 残联 roll (``RollKind.SEVERE_DISABILITY``, matched by ID number),
with the household's poverty status, the two subsidies' enrollments in force this month and, when not in force, the
reason the policy engine gave in the household's latest ``Determination`` (``subsidy_status``), and the open 应保未保
entry of the monthly screening. Persons on the roll who are not in the registry are listed apart
(``roll_only_persons``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from assistance.models import Determination, Enrollment, LedgerEntry
from cases.models import Member, RollImport, RollRecord, SensitiveAccessLog, Township, User
from cases.models.people import PovertyStatus
from cases.models.rolls import RollKind
from cases.selectors import ID_LIKE, HistoryRow, get_scoped_or_404, rows_of, scope, visible_townships
from cases.selectors import history as cases_history
from childcare.models import FukangService, LeftBehindWoman
from core import idnumber
from core.months import this_month


def townships(user: User) -> QuerySet[Township]:
    return visible_townships(user).order_by("code")


def visible_township(user: User, pk: int | None) -> Township | None:
    return visible_townships(user).filter(pk=pk).first() if pk else None


def _id_query(query: str) -> str | None:
    """An ID number typed in a search box, normalised (or as typed when it does not check out)."""
    if not ID_LIKE.match(query):
        return None
    try:
        return idnumber.normalize_id_number(query)
    except idnumber.InvalidIdNumber:
        return query.strip().upper()


def _search(rows: QuerySet[Any], query: str, path: str = "member__") -> QuerySet[Any]:
    query = query.strip()
    if not query:
        return rows
    number = _id_query(query)
    if number is not None:
        return rows.filter(**{f"{path}id_number": number})
    return rows.filter(**{f"{path}name__startswith": query})


# The registry's marriage --------------------------------------------------------------------------------------

MARRIED_RELATIONS = (Member.Relation.SPOUSE, Member.Relation.CHILD_IN_LAW)


def married_in_registry(member: Member) -> bool:
    """What the registry knows of a woman's marriage (it records no marital status): she is the head's spouse
    (配偶) or a daughter-in-law (儿媳), or she is the head of a household with an active male spouse."""
    if member.relation in MARRIED_RELATIONS:
        return True
    if member.relation != Member.Relation.HEAD:
        return False
    return Member.objects.filter(
        household_id=member.household_id, relation=Member.Relation.SPOUSE, sex=Member.Sex.MALE, active=True
    ).exists()


def _married_q() -> Q:
    husband = Member.objects.filter(
        household=OuterRef("household"), relation=Member.Relation.SPOUSE, sex=Member.Sex.MALE, active=True
    )
    return Q(relation__in=MARRIED_RELATIONS) | (Q(relation=Member.Relation.HEAD) & Exists(husband))


# Left-behind women ------------------------------------------------------------------------------------------


def flagged_women(township_id: int) -> QuerySet[Member]:
    """The township's active members flagged 留守妇女 in the registry (``Member.left_behind_woman``)."""
    return Member.objects.filter(household__township_id=township_id, left_behind_woman=True, active=True)


def flagged_women_split(township_id: int) -> tuple[QuerySet[Member], QuerySet[Member]]:
    """The flagged members who may be listed (women married in the registry's terms), and the others."""
    flagged = flagged_women(township_id)
    fits = Q(sex=Member.Sex.FEMALE) & _married_q()
    return flagged.filter(fits), flagged.exclude(fits)


def women(
    user: User,
    *,
    township_id: int | None = None,
    year: int | None = None,
    query: str = "",
    health: str = "",
    source: str = "",
) -> QuerySet[LeftBehindWoman]:
    rows = scope(LeftBehindWoman.objects.select_related("member", "member__household__village", "township"), user)
    if township_id:
        rows = rows.filter(township_id=township_id)
    if year:
        rows = rows.filter(year=year)
    if health:
        rows = rows.filter(health=health)
    if source:
        rows = rows.filter(source=source)
    return _search(rows, query).order_by("township__code", "-year", "member__household__number", "member_id")


def get_woman(user: User, pk: int) -> LeftBehindWoman:
    return get_scoped_or_404(
        LeftBehindWoman.objects.select_related("member", "member__household__village", "township", "created_by"),
        user,
        pk=pk,
    )


def woman_members(rows: list[LeftBehindWoman]) -> list[Member]:
    return [row.member for row in rows]


def find_member(user: User, id_number: str) -> Member | None:
    """The active member with this ID number in the user's scope."""
    try:
        number = idnumber.normalize_id_number(id_number)
    except idnumber.InvalidIdNumber:
        return None
    members = scope(Member.objects.select_related("household"), user, "household__township")
    return members.filter(id_number=number, active=True).first()


def find_member_by_pk(user: User, pk: int) -> Member | None:
    return scope(Member.objects.select_related("household"), user, "household__township").filter(pk=pk).first()


def get_member(user: User, pk: int) -> Member:
    return get_scoped_or_404(Member.objects.select_related("household__township"), user, "household__township", pk=pk)


# The disabled persons ledger -------------------------------------------------------------------------------

SEVERE_GRADES = (1, 2)
UNCOVERED_CATEGORIES = (LedgerEntry.Category.ELIGIBLE_UNCOVERED, LedgerEntry.Category.DISABILITY_CANDIDATE)
POVERTY_FILTERS = {
    **{value: label for value, label in PovertyStatus.choices},
    "dibao": "低保在保",
    "tekun": "特困在保",
    "not_covered": "未享受低保、特困",
}
GRADE_FILTERS = {"severe": "重度（一、二级）", "1": "一级", "2": "二级", "3": "三级", "4": "四级"}
SUBSIDY_FILTERS = {"yes": "已享受", "no": "未享受"}


def disability_roll() -> RollImport | None:
    """The 残联 roll in force: the latest committed import of the severe-disability list."""
    return RollImport.objects.filter(kind=RollKind.SEVERE_DISABILITY, is_current=True).first()


def _roll_records(roll: RollImport | None) -> QuerySet[RollRecord]:
    if roll is None:
        return RollRecord.objects.none()
    return RollRecord.objects.filter(roll_import=roll, id_valid=True).exclude(id_number="")


def disabled_members(user: User, month: date | None = None) -> QuerySet[Member]:
    """Every active member in scope with a disability in the registry or on the current 残联 roll, annotated with
    the roll's entry, the household's 低保/特困 and the two subsidies in force in ``month`` (this month), the open
    应保未保 entry and the household's latest determination (ids)."""
    month = month or this_month()
    roll = _roll_records(disability_roll())
    in_force = Enrollment.objects.in_force(month)
    on_roll = roll.filter(id_number=OuterRef("id_number")).order_by("row_number")
    entry = LedgerEntry.objects.filter(
        Q(member=OuterRef("pk")) | Q(member__isnull=True, category=LedgerEntry.Category.ELIGIBLE_UNCOVERED),
        category__in=UNCOVERED_CATEGORIES,
        status=LedgerEntry.Status.OPEN,
        household=OuterRef("household"),
    ).order_by("-month", "-id")
    latest = Determination.objects.filter(household=OuterRef("household")).order_by("-month", "-created_at", "-id")
    members = Member.objects.filter(active=True).filter(
        ~Q(disability_category="") | Q(id_number__in=roll.values("id_number"))
    )
    return (
        scope(members, user, "household__township")
        .select_related("household__township", "household__village")
        .annotate(
            on_roll=Exists(on_roll),
            roll_category=Subquery(on_roll.values("disability_category")[:1]),
            roll_grade=Subquery(on_roll.values("disability_grade")[:1]),
            on_dibao=Exists(in_force.filter(benefit="dibao", household=OuterRef("household"))),
            on_tekun=Exists(in_force.filter(benefit="tekun", household=OuterRef("household"))),
            living_enrollment=Subquery(
                in_force.filter(benefit="disability_living", member=OuterRef("pk"))
                .order_by("-start_month")
                .values("pk")[:1]
            ),
            care_enrollment=Subquery(
                in_force.filter(benefit="disability_care", member=OuterRef("pk"))
                .order_by("-start_month")
                .values("pk")[:1]
            ),
            open_entry_id=Subquery(entry.values("pk")[:1]),
            open_entry_month=Subquery(entry.values("month")[:1]),
            open_entry_category=Subquery(entry.values("category")[:1]),
            determination_id=Subquery(latest.values("pk")[:1]),
        )
    )


def _grade_q(grade: str) -> Q:
    grades = SEVERE_GRADES if grade == "severe" else (int(grade),)
    return Q(disability_grade__in=grades) | Q(disability_category="", roll_grade__in=grades)


def disabled_ledger(
    user: User,
    *,
    township_id: int | None = None,
    query: str = "",
    grade: str = "",
    living: str = "",
    care: str = "",
    poverty: str = "",
    uncovered: bool = False,
    month: date | None = None,
) -> QuerySet[Member]:
    """The ledger's registry rows with the page's filters (values from the filter form)."""
    rows = disabled_members(user, month)
    if township_id:
        rows = rows.filter(household__township_id=township_id)
    if grade in GRADE_FILTERS:
        rows = rows.filter(_grade_q(grade))
    if living in SUBSIDY_FILTERS:
        rows = rows.filter(living_enrollment__isnull=living == "no")
    if care in SUBSIDY_FILTERS:
        rows = rows.filter(care_enrollment__isnull=care == "no")
    if poverty == "dibao":
        rows = rows.filter(on_dibao=True)
    elif poverty == "tekun":
        rows = rows.filter(on_tekun=True)
    elif poverty == "not_covered":
        rows = rows.filter(on_dibao=False, on_tekun=False)
    elif poverty in PovertyStatus.values:
        rows = rows.filter(poverty_status=poverty)
    if uncovered:
        rows = rows.filter(open_entry_id__isnull=False)
    return _search(rows, query, "").order_by("household__township__code", "household__number", "id")


def roll_only_persons(user: User, *, township_id: int | None = None, query: str = "") -> QuerySet[RollRecord]:
    """Persons on the current 残联 roll with no active member of the same ID number (by the roll's township)."""
    active = Member.objects.filter(active=True, id_number=OuterRef("id_number"))
    rows = _roll_records(disability_roll()).exclude(Exists(active)).select_related("township", "village")
    rows = scope(rows, user)
    if township_id:
        rows = rows.filter(township_id=township_id)
    query = query.strip()
    if query:
        number = _id_query(query)
        rows = rows.filter(id_number=number) if number is not None else rows.filter(name__startswith=query)
    return rows.order_by("township__code", "row_number")


def get_disabled_member(user: User, pk: int) -> Member:
    """One person of the ledger (in the registry or on the roll), else 404."""
    return get_scoped_or_404(disabled_members(user), user, "household__township", pk=pk)


def is_poor(member: Member) -> bool:
    """Poor for 福康工程: 建档立卡 (any status but none) or a household on 低保 or 特困 this month."""
    if member.poverty_status != PovertyStatus.NONE:
        return True
    in_force = Enrollment.objects.in_force(this_month())
    return in_force.filter(benefit__in=("dibao", "tekun"), household_id=member.household_id).exists()


def disability_of(member: Member) -> tuple[str, int | None]:
    """The member's disability category and grade: the registry's, else the current 残联 roll's ('' when none)."""
    if member.disability_category:
        return member.disability_category, member.disability_grade
    record = _roll_records(disability_roll()).filter(id_number=member.id_number).order_by("row_number").first()
    if record is None:
        return "", None
    return record.disability_category, record.disability_grade


def member_services(member: Member) -> QuerySet[FukangService]:
    return FukangService.objects.filter(member=member).select_related("created_by").order_by("-started_on", "-id")


def service_counts(members: list[Member]) -> dict[int, int]:
    """How many 福康工程 services each of ``members`` had (one query)."""
    rows = FukangService.objects.filter(member__in=members).order_by().values("member_id").annotate(n=Count("pk"))
    return {row["member_id"]: row["n"] for row in rows}


def services(user: User, *, township_id: int | None = None, kind: str = "") -> QuerySet[FukangService]:
    rows = scope(FukangService.objects.select_related("member", "township"), user)
    if township_id:
        rows = rows.filter(township_id=township_id)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-started_on", "-id")


def get_service(user: User, pk: int) -> FukangService:
    return get_scoped_or_404(FukangService.objects.select_related("member", "township"), user, pk=pk)


# The subsidies: granted, or why not ------------------------------------------------------------------------

BENEFIT_LABELS = {"disability_living": "困难残疾人生活补贴", "disability_care": "重度残疾人护理补贴"}
GRANTED = ("grant", "gradual_exit")
NOT_DETERMINED = "未测算"


@dataclass(frozen=True)
class Subsidy:
    granted: bool
    text: str


def _outcome(result: dict[str, Any], benefit: str, ref: str | None = None) -> dict[str, Any] | None:
    for outcome in result.get("outcomes", []):
        if outcome.get("benefit") == benefit and outcome.get("member") == ref:
            return outcome
    return None


def _snapshot_member(determination: Determination, ref: str) -> dict[str, Any] | None:
    for member in (determination.input_snapshot or {}).get("members", []):
        if str(member.get("ref")) == ref:
            return member
    return None


def _not_considered(determination: Determination, benefit: str, ref: str) -> str:
    """Why the engine's determination holds no outcome of ``benefit`` for the member: read from its other outcomes
    (特困, 低保, 单人户, 孤儿) and its input, as the rules (assistance.policy.rules, rule 7) state them."""
    result = determination.result or {}
    if ref not in (result.get("household") or {}).get("members", []):
        return "测算时未计入家庭成员"
    snapshot = _snapshot_member(determination, ref) or {}
    disability = snapshot.get("disability")
    if not disability:
        return "测算时户籍中未登记残疾"
    tekun = _outcome(result, "tekun", ref)
    if tekun and tekun.get("decision") in GRANTED:
        return "属特困供养人员，不享受两项补贴"
    if benefit == "disability_care":
        return f"残疾等级为{disability.get('grade')}级，不属重度残疾（一、二级）"
    orphan = _outcome(result, "orphan_allowance", ref)
    if orphan and orphan.get("decision") in GRANTED:
        return "已享受孤儿/事实无人抚养儿童基本生活费"
    dibao = _outcome(result, "dibao") or {}
    single = _outcome(result, "single_person_dibao", ref)
    if dibao.get("decision") not in GRANTED and not (single and single.get("decision") in GRANTED):
        why = "；".join(str(r) for r in (dibao.get("reasons") or [])[-2:])
        return f"家庭未纳入低保或单人户施保（{why}）" if why else "家庭未纳入低保或单人户施保"
    return "规则未认定该项"


def subsidy_status(
    member: Member, benefit: str, enrollment_id: int | None, determination: Determination | None
) -> Subsidy:
    """Whether ``benefit`` is in force for the member this month, and when not, the reason in the household's
    latest determination (its outcomes carry the reasons per benefit and member), or 未测算 without one."""
    if enrollment_id:
        return Subsidy(True, "已享受")
    if determination is None:
        return Subsidy(False, NOT_DETERMINED)
    ref = str(member.pk)
    month = f"{determination.month.year}年{determination.month.month}月测算"
    outcome = _outcome(determination.result or {}, benefit, ref)
    if outcome is None:
        return Subsidy(False, f"{month}：{_not_considered(determination, benefit, ref)}")
    reasons = "；".join(str(r) for r in outcome.get("reasons") or [])
    if outcome.get("decision") in GRANTED:
        return Subsidy(False, f"{month}：符合（{reasons}），尚未纳入")
    return Subsidy(False, f"{month}：不符合（{reasons}）" if reasons else f"{month}：不符合")


@dataclass(frozen=True)
class LedgerRow:
    member: Member
    category: str
    grade: int | None
    source: str
    poverty: str
    living: Subsidy
    care: Subsidy


CATEGORY_LABELS = dict(Member.DisabilityCategory.choices)


def poverty_text(member: Member) -> str:
    parts = [member.get_poverty_status_display()]
    if member.on_dibao:
        parts.append("低保")
    if member.on_tekun:
        parts.append("特困")
    return "、".join(parts)


def ledger_rows(members: list[Member]) -> list[LedgerRow]:
    """The page's (or an export chunk's) members as ledger rows: one query for their households' latest
    determinations."""
    ids = {m.determination_id for m in members if m.determination_id}
    determinations = Determination.objects.in_bulk(ids) if ids else {}
    rows = []
    for member in members:
        determination = determinations.get(member.determination_id)
        category = member.disability_category or member.roll_category or ""
        grade = member.disability_grade if member.disability_category else member.roll_grade
        if member.disability_category and member.on_roll:
            source = "户籍、残联名单"
        else:
            source = "户籍" if member.disability_category else "残联名单"
        rows.append(
            LedgerRow(
                member=member,
                category=str(CATEGORY_LABELS.get(category, category)),
                grade=grade,
                source=source,
                poverty=poverty_text(member),
                living=subsidy_status(member, "disability_living", member.living_enrollment, determination),
                care=subsidy_status(member, "disability_care", member.care_enrollment, determination),
            )
        )
    return rows


def open_entry(member: Member) -> LedgerEntry | None:
    if not member.open_entry_id:
        return None
    return LedgerEntry.objects.filter(pk=member.open_entry_id).first()


# The sensitive-read log (county admins) ---------------------------------------------------------------------

ACTION_CHOICES = SensitiveAccessLog.Action.choices


def access_log(
    *,
    township_id: int | None = None,
    action: str = "",
    query: str = "",
    user_query: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[SensitiveAccessLog]:
    """The whole county's log of reads and exports of sensitive records, newest first (the view checks that the
    user is a county admin)."""
    rows = SensitiveAccessLog.objects.select_related("user", "member__household__township")
    if township_id:
        rows = rows.filter(member__household__township_id=township_id)
    if action in SensitiveAccessLog.Action.values:
        rows = rows.filter(action=action)
    rows = _search(rows, query)
    user_query = user_query.strip()
    if user_query:
        rows = rows.filter(Q(user__username__startswith=user_query) | Q(user__first_name__startswith=user_query))
    tz = timezone.get_current_timezone()
    if date_from:
        rows = rows.filter(at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        rows = rows.filter(at__lt=datetime.combine(date_to, time.max, tzinfo=tz))
    return rows.order_by("-at", "-id")


# History ------------------------------------------------------------------------------------------------------


def record_history(record: LeftBehindWoman | FukangService, *, full_identity: bool) -> list[HistoryRow]:
    """The changes of one record (``cases.selectors.history``)."""
    return cases_history(rows_of(record), full_identity=full_identity, limit=100)
