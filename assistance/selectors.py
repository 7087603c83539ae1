"""Reads of policy data, and the reads of the assistance pages (views hold no query). Which rows a user sees is
decided by ``cases.selectors.scope`` alone: every read of township data here goes through it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from assistance.models import (
    AmountChange,
    AssetTestOverride,
    ComparisonFlag,
    Enrollment,
    ExitReview,
    JobRun,
    LedgerEntry,
    MonthlyLedger,
    RecomputeMark,
)
from assistance.policy.params import Lookup, ParamVersion
from cases.models import Household, Member, RollImport, Township, User
from cases.selectors import get_scoped_or_404, scope, search_households, visible_townships
from core.models import PolicyParameter
from core.numbers import plain
from core.parameters import parameter_version, versions_in_force


def parameter_history(key: str) -> QuerySet[PolicyParameter]:
    return PolicyParameter.objects.filter(key=key).order_by("effective_from")


# ---------------------------------------------------------------------------------------------------------------
# Parameters for the pure rules (assistance.policy): lookups that read the table


def _param_version(row: PolicyParameter) -> ParamVersion | None:
    # A table/list version (value_json) is not a number the rules can use: for them the key has no value.
    if row.value is None:
        return None
    return ParamVersion(row.key, Decimal(plain(row.value)), row.effective_from, source="database")


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


def lookup_as_known(on: date, left_out: Collection[int]) -> Lookup:
    """A ``Lookup`` for ``on`` as the parameters stood before the versions ``left_out`` were entered (the latest
    remaining version of each key that started on or before ``on``; a key with none left, as now): what priced an
    amount recorded then."""
    rows = (
        PolicyParameter.objects.filter(effective_from__lte=on)
        .exclude(pk__in=list(left_out))
        .order_by("key", "-effective_from")
        .distinct("key")
    )
    versions = {row.key: _param_version(row) for row in versions_in_force(on)}  # a key new since: as now
    versions.update((row.key, _param_version(row)) for row in rows)

    def lookup(key: str, when: date) -> ParamVersion | None:
        return versions.get(key)

    return lookup


# Chinese names of the keys (assistance/policy/defaults.py); a key without one is shown by its code.
KEY_LABELS: dict[str, str] = {
    "dibao.standard.urban": "城市低保标准（元/人·月）",
    "dibao.standard.rural": "农村低保标准（元/人·月）",
    "dibao.addon.disabled": "分类施保：残疾人（元/人·月）",
    "dibao.addon.severe_disability": "分类施保：一、二级残疾人（元/人·月）",
    "dibao.addon.major_illness": "分类施保：重病患者（元/人·月）",
    "dibao.addon.elderly": "分类施保：高龄老人（元/人·月）",
    "dibao.addon.elderly_age": "分类施保：高龄老人年龄（岁）",
    "dibao.addon.preschool": "分类施保：学龄前儿童（元/人·月）",
    "dibao.addon.student": "分类施保：在校学生（元/人·月）",
    "income.employment_cost.pct": "就业成本扣减比例",
    "income.employment_cost.cap_std_multiple": "就业成本扣减上限（低保标准倍数）",
    "income.lookback_months": "收入计算期（月）",
    "income.excluded.wage": "工资性收入不计入（1 不计入，0 计入）",
    "income.excluded.business": "经营净收入不计入（1 不计入，0 计入）",
    "income.excluded.property": "财产性收入不计入（1 不计入，0 计入）",
    "income.excluded.transfer": "转移性收入不计入（1 不计入，0 计入）",
    "income.excluded.excluded": "奖励、助学金、优抚、救助金等不计入（1 不计入，0 计入）",
    "assets.financial_months": "金融资产限额（低保标准月数）",
    "assets.housing_multiple": "人均住房面积限额（住房保障标准倍数）",
    "gradual_exit.upper_multiple": "渐退期收入上限（低保标准倍数）",
    "gradual_exit.months": "渐退期（月）",
    "tekun.basic": "特困人员基本生活标准（元/人·月）",
    "tekun.care.full": "特困照料护理补贴：全护理（元/人·月）",
    "tekun.care.half": "特困照料护理补贴：半护理（元/人·月）",
    "tekun.care.self": "特困照料护理补贴：全自理（元/人·月）",
    "tekun.elderly_age": "特困：老年人年龄（岁）",
    "tekun.minor_age": "特困：未成年人年龄上限（岁）",
    "temporary.covid_multiple": "新冠确诊患者临时救助（低保标准倍数/月）",
    "temporary.cap_std_multiple": "临时救助一事一议线（城市低保标准倍数）",
    "temporary.township_cap_std_multiple": "乡镇审批临时救助上限（城市低保标准倍数）",
    "temporary.advance_followup_days": "先行救助后评估低保期限（天）",
    "price_subsidy.cpi_trigger": "价格临时补贴启动条件：CPI 同比涨幅",
    "price_subsidy.food_trigger": "价格临时补贴启动条件：食品价格同比涨幅",
    "disability.living": "困难残疾人生活补贴（元/人·月）",
    "disability.care.grade1": "重度残疾人护理补贴：一级（元/人·月）",
    "disability.care.grade2": "重度残疾人护理补贴：二级（元/人·月）",
    "orphan.institution": "机构养育孤儿基本生活费（元/人·月）",
    "orphan.community": "社会散居孤儿基本生活费（元/人·月）",
    "orphan.de_facto": "事实无人抚养儿童基本生活费（元/人·月）",
    "orphan.age_limit": "孤儿、事实无人抚养儿童基本生活费年龄上限（岁，未满）",
    "intake.publicity_days": "公示期（天）",
    "intake.epidemic_approval_working_days": "疫情期间低保审批时限（工作日）",
    "intake.step_days.investigation": "入户调查时限（天）",
    "intake.step_days.review": "乡镇审核时限（天）",
    "intake.step_days.approval": "县级审批时限（天）",
    "payment.deadline_day": "每月发放截止日",
    "comparison.open_flag_max_days": "比对、摸排问题最长办结天数",
    "visits.left_behind_elderly_days": "留守老人探访周期（天）",
    "visits.left_behind_children_days": "留守儿童探访周期（天）",
    "elderly.min_age": "农村留守老年人年龄下限（岁）",
    "children.left_behind_max_age": "农村留守儿童年龄上限（岁，未满）",
    "eldercare.cook_certificate_deadline": "敬老院炊事员健康证办理截止日期（年月日，如 20200531）",
    "eldercare.certificate_warn_days": "证书到期前提醒天数",
    "eldercare.night_patrol_start_hour": "夜间巡查时段开始（时）",
    "eldercare.night_patrol_end_hour": "夜间巡查时段结束（时）",
    "eldercare.land_per_capita_m2": "人均养老用地标准（平方米）",
    "input.max_amount": "录入金额上限（元）",
    "input.max_year": "录入日期年份上限",
    "imports.max_rows": "导入表格最多行数",
    "imports.max_columns": "导入表格最多列数",
    "exports.sync_max_rows": "即时导出最多行数（更多则转为后台任务）",
    "exports.keep_days": "导出文件保留天数",
}


def key_label(key: str) -> str:
    return KEY_LABELS.get(key, key)


# Reads for these pages ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterRow:
    key: str
    label: str
    version: PolicyParameter | None  # in force on the chosen date
    upcoming: PolicyParameter | None  # the next version after that date


def parameter_overview(on: date, query: str = "") -> list[ParameterRow]:
    """Every key with its version in force on ``on`` and the next one after it; ``query`` matches the key, its
    Chinese name or a version's source."""
    in_force = {v.key: v for v in versions_in_force(on).select_related("created_by")}
    upcoming = {
        v.key: v
        for v in PolicyParameter.objects.filter(effective_from__gt=on).order_by("key", "effective_from").distinct("key")
    }
    keys = PolicyParameter.objects.order_by("key").values_list("key", flat=True).distinct()
    if query:
        labelled = [key for key, label in KEY_LABELS.items() if query in label]
        keys = keys.filter(Q(key__icontains=query) | Q(source__icontains=query) | Q(key__in=labelled))
    return [ParameterRow(key, key_label(key), in_force.get(key), upcoming.get(key)) for key in keys]


@dataclass(frozen=True)
class Change:
    at: datetime
    action: str
    actor_name: str
    reason: str
    effective_from: str
    details: list[tuple[str, str]]


FIELD_LABELS = {
    name: str(getattr(PolicyParameter._meta.get_field(name), "verbose_name", name))
    for name in ("value", "value_json", "effective_from", "effective_to", "source", "confirmed", "note")
}


def _shown(field: str, raw: Any) -> str:
    if raw is None or raw == "":
        return "（空）"
    if field == "confirmed":
        return "已确认" if raw else "待确认"
    if field == "value":
        try:
            return plain(Decimal(str(raw)))
        except InvalidOperation:
            return str(raw)
    return str(raw)


def parameter_changes(key: str, limit: int = 200) -> list[Change]:
    """The key's history (django-pghistory events of its versions), newest first, with the acting user and the
    reason from the history context. The default versions loaded by the data migration show as 系统."""
    from pghistory.models import Events

    events = list(
        Events.objects.filter(pgh_obj_model="core.PolicyParameter", pgh_data__key=key).order_by(
            "-pgh_created_at", "-pgh_id"
        )[:limit]
    )
    contexts = [event.pgh_context or {} for event in events]
    user_ids = [int(context["user"]) for context in contexts if context.get("user")]
    names = {user.pk: user.get_full_name() or user.username for user in User.objects.filter(pk__in=user_ids).order_by()}
    changes = []
    for event, context in zip(events, contexts, strict=True):
        data = event.pgh_data or {}
        if event.pgh_label == "insert":
            action = "新增版本"
            details = [(FIELD_LABELS[f], _shown(f, data.get(f))) for f in FIELD_LABELS if data.get(f) not in (None, "")]
        else:
            action = "修改" if event.pgh_label == "update" else event.pgh_label
            details = [
                (FIELD_LABELS[f], f"{_shown(f, old)} → {_shown(f, new)}")
                for f, (old, new) in (event.pgh_diff or {}).items()
                if f in FIELD_LABELS
            ]
        user_id = context.get("user")
        changes.append(
            Change(
                at=event.pgh_created_at,
                action=action,
                actor_name=names.get(user_id, "（已删除的用户）") if user_id else "系统",
                reason=context.get("reason") or "",
                effective_from=str(data.get("effective_from") or ""),
                details=details,
            )
        )
    return changes


# Reads of the pages ---------------------------------------------------------------------------------------------


def pending_marks(key: str | None = None) -> QuerySet[RecomputeMark]:
    marks = RecomputeMark.objects.filter(status=RecomputeMark.Status.PENDING).select_related("version", "created_by")
    if key is not None:
        marks = marks.filter(key=key)
    return marks.order_by("from_month", "key", "id")


def parameter_version_or_404(key: str, pk: int) -> PolicyParameter:
    return get_object_or_404(PolicyParameter, key=key, pk=pk)


def township_or_404(user: User, pk: int) -> Township:
    """A township the user sees (404 otherwise)."""
    return get_object_or_404(visible_townships(user), pk=pk)


def chosen_township(user: User, pk: int | None) -> Township | None:
    """The township a form names, among those the user sees; None when none is named. 404 when it is not one."""
    return None if pk is None else township_or_404(user, pk)


def townships_by_code(user: User) -> QuerySet[Township]:
    return visible_townships(user).order_by("code")


def monthly_ledger(township: Township, month: date) -> MonthlyLedger | None:
    return MonthlyLedger.objects.filter(township=township, month=month.replace(day=1)).first()


def ledger_entry_or_404(user: User, pk: int) -> LedgerEntry:
    return get_scoped_or_404(LedgerEntry.objects.all(), user, pk=pk)


def job_runs() -> QuerySet[JobRun]:
    """County runs and single-township runs, newest first (the job pages are for county-wide users)."""
    return JobRun.objects.filter(parent__isnull=True).select_related("township", "created_by")


def job_run(pk: int) -> JobRun | None:
    return JobRun.objects.filter(pk=pk).select_related("township").first()


def last_comparison_run() -> JobRun | None:
    return JobRun.objects.filter(kind=JobRun.Kind.COMPARISON, parent__isnull=True).order_by("-created_at").first()


def last_roll_import() -> RollImport | None:
    return RollImport.objects.filter(is_current=True).order_by("-imported_at").first()


def comparison_flag_or_404(user: User, pk: int) -> ComparisonFlag:
    return get_scoped_or_404(ComparisonFlag.objects.all(), user, pk=pk)


def household_or_404(user: User, pk: int) -> Household:
    return get_scoped_or_404(Household.objects.select_related("township", "village"), user, pk=pk)


def household_enrollments(household: Household) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(household=household).select_related("member")


def household_asset_overrides(household: Household) -> QuerySet[AssetTestOverride]:
    """The household's asset-test overrides (policy.md §3), the latest recorded first."""
    return AssetTestOverride.objects.filter(household=household).select_related("created_by")


def enrollment_roll(user: User) -> QuerySet[Enrollment]:
    return scope(Enrollment.objects.select_related("household", "member", "township"), user).order_by(
        "township__code", "benefit", "household__number", "id"
    )


def filtered_enrollment_roll(user: User, benefit: str = "", status: str = "") -> QuerySet[Enrollment]:
    """The roll page's rows: one benefit (or all), one status (or the open ones), within the user's scope."""
    roll = enrollment_roll(user)
    if benefit:
        roll = roll.filter(benefit=benefit)
    if status:
        return roll.filter(status=status)
    return roll.filter(status__in=Enrollment.OPEN_STATUSES)


def searched_enrollment_roll(
    user: User,
    *,
    query: str = "",
    township_id: int | None = None,
    benefit: str = "",
    status: str = "",
    start_month: date | None = None,
) -> QuerySet[Enrollment]:
    """The roll page's rows (and its export's): ``filtered_enrollment_roll`` narrowed to one township, one start
    month and the households a search finds (household number, a member's name or ID number, as
    ``cases.selectors.search_households``), within the user's scope."""
    roll = filtered_enrollment_roll(user, benefit, status)
    if township_id is not None:
        roll = roll.filter(township_id=township_id)
    if start_month is not None:
        roll = roll.filter(start_month=start_month)
    if query:
        roll = roll.filter(household_id__in=search_households(user, query).values("pk"))
    return roll


def pending_exit_reviews(user: User) -> QuerySet[ExitReview]:
    return scope(
        ExitReview.objects.filter(status=ExitReview.Status.PENDING).select_related(
            "enrollment__household", "enrollment__member", "requested_by"
        ),
        user,
        "enrollment__township",
    )


def enrollment_or_404(user: User, pk: int) -> Enrollment:
    return get_scoped_or_404(
        Enrollment.objects.select_related("household", "member", "determination", "township"), user, pk=pk
    )


def exit_review_or_404(user: User, pk: int) -> ExitReview:
    return get_scoped_or_404(
        ExitReview.objects.select_related("enrollment", "requested_by"), user, "enrollment__township", pk=pk
    )


# Names instead of ids, labels instead of codes (nothing technical on screen) --------------------------------------


def member_names(household_ids: Collection[int]) -> dict[int, dict[str, str]]:
    """The names of each household's members by member id as text: the rules' ``ref``, which their reasons name a
    member by ("6247 学龄前儿童加发"); the pages show the name instead."""
    names: dict[int, dict[str, str]] = {pk: {} for pk in household_ids}
    rows = Member.objects.filter(household_id__in=list(names)).order_by().values_list("household_id", "pk", "name")
    for household_id, pk, name in rows:
        names[household_id][str(pk)] = name
    return names


def household_member_names(household: Household) -> dict[str, str]:
    return member_names([household.pk])[household.pk]


def latest_screening_entries(household: Household) -> list[LedgerEntry]:
    """The household's entries of the latest month a screening found something for it (what the 认定测算 tab shows
    when the household has no determination): the amounts and reasons the screening computed."""
    entries = LedgerEntry.objects.filter(household=household)
    latest = entries.order_by("-month").values_list("month", flat=True).first()
    if latest is None:
        return []
    return list(entries.filter(month=latest).select_related("member", "run").order_by("category", "member_id", "id"))


# Labels of the counts a job run records, by kind (assistance.screening / comparison / repricing); a parent run
# adds ``townships_done``. A key without a label is shown as 其他.
_COMMON_COUNT_LABELS = {
    "townships_done": "已完成乡镇",
    "townships": "乡镇",
    "alerts_opened": "新发现的提醒",
    "alerts_kept": "仍未解除的提醒",
    "alerts_closed": "已解除的提醒",
}
JOB_COUNT_LABELS: dict[str, dict[str, str]] = {
    JobRun.Kind.SCREENING: {
        "households": "摸排家庭",
        "entries": "写入台账条目",
        **{str(value): str(label) for value, label in LedgerEntry.Category.choices},
    },
    JobRun.Kind.COMPARISON: {
        "flags": "写入比对问题",
        **{str(value): str(label) for value, label in ComparisonFlag.Code.choices},
    },
    JobRun.Kind.REPRICING: {
        "enrollments": "救助对象",
        **{str(value): str(label) for value, label in AmountChange.Kind.choices},
        "applied": "已调标（按新的政策参数）",
        "proposed": "新提出待遇调整",
        "superseded": "被新测算取代的待遇调整",
    },
}


@dataclass(frozen=True)
class CountRow:
    key: str
    label: str
    value: int


def job_count_rows(kind: str, counts: dict[str, Any] | None) -> list[CountRow]:
    """A run's counts as rows with Chinese names, in the order of the labels (then any other key, as 其他)."""
    counts = counts or {}
    labels = {**JOB_COUNT_LABELS.get(kind, {}), **_COMMON_COUNT_LABELS}
    rows = [CountRow(key, label, counts[key]) for key, label in labels.items() if key in counts]
    rows += [CountRow(key, "其他", value) for key, value in counts.items() if key not in labels]
    return rows


def job_counts(runs: Collection[JobRun]) -> dict[int, list[CountRow]]:
    return {run.pk: job_count_rows(run.kind, run.counts) for run in runs}
