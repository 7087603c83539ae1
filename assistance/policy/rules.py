"""The benefit rules of evaluate.md 1–8 (the why is in policy.md §2–§10).

``evaluate_household`` applies them in the contract's order to one household and month. Each rule is its own
function whose docstring names its clause. Money is ``Decimal``: nothing is rounded along the way except the
per-capita income (half-up to the fen); every monthly amount is rounded half-up to the yuan at the end.

This runs over every household of the county each month, so the hot path avoids needless work: parameters are
read only when a rule needs them (which also keeps ``parameters_used`` truthful), the member sums are computed
once when a member is built, and reasons are formatted with plain f-strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from assistance.policy.model import INCOME_KINDS, Assets, Disability, Evaluation, Household, Member, Outcome
from assistance.policy.params import Parameters
from core.idnumber import age_on

__all__ = [
    "IncomeCalc",
    "addons",
    "asset_failures",
    "asset_test",
    "counted_income",
    "covid_relief",
    "dibao",
    "disability_care",
    "disability_living",
    "evaluate_household",
    "money",
    "orphan_allowance",
    "per_capita",
    "round_yuan",
    "single_person_dibao",
    "tekun",
    "tekun_candidate",
]

ZERO = Decimal(0)
FEN = Decimal("0.01")
YUAN = Decimal(1)
NO_AMOUNT = Decimal("0.00")
# policy.md §10: the orphan allowance is for children under ``orphan.age_limit`` (18).
ORPHAN_AGE_KEY = "orphan.age_limit"
# policy.md §2: each income kind's ``excluded`` flag (1: never counted, 0: counted) is a parameter.
EXCLUDED_KEY = {kind: f"income.excluded.{kind}" for kind in INCOME_KINDS}

STANDARD_KEY = {"urban": "dibao.standard.urban", "rural": "dibao.standard.rural"}
REGISTRY_NAMES = {"none": "非建档立卡", "unlifted": "未脱贫", "lifted": "已脱贫", "monitored": "监测对象"}
CATEGORY_NAMES = {
    "physical": "肢体",
    "visual": "视力",
    "hearing": "听力",
    "speech": "言语",
    "intellectual": "智力",
    "mental": "精神",
    "multiple": "多重",
}
GRADE_NAMES = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
WORK_CAPACITY_NAMES = {"full": "有劳动能力", "partial": "部分丧失劳动能力", "none": "无劳动能力"}
# 特困 care level by lost self-care indicators (policy.md §6): (code, name, parameter key)
CARE_SELF = ("self", "全自理", "tekun.care.self")  # 0 lost
CARE_HALF = ("half", "半护理", "tekun.care.half")  # 1–3 lost
CARE_FULL = ("full", "全护理", "tekun.care.full")  # 4–6 lost
ORPHAN_KINDS = {
    "orphan_institution": ("orphan.institution", "集中养育孤儿"),
    "orphan_community": ("orphan.community", "社会散居孤儿"),
    "de_facto_unsupported": ("orphan.de_facto", "事实无人抚养儿童"),
}
_MENTAL = ("intellectual", "mental")


# ---------------------------------------------------------------------------------------------------------------
# Small helpers


def money(amount: Decimal) -> str:
    """A figure as a caseworker reads it and as the response writes it: two decimals, half-up."""
    return str(amount.quantize(FEN, ROUND_HALF_UP))


def round_yuan(amount: Decimal) -> Decimal:
    """A monthly amount: half-up to the yuan, kept with two decimals; never negative (evaluate.md "Money")."""
    if amount <= ZERO:
        return NO_AMOUNT
    return amount.quantize(YUAN, ROUND_HALF_UP).quantize(FEN)


def per_capita(income: Decimal, members: int) -> Decimal:
    """Per-capita counted income, the only figure rounded along the way: half-up to the fen (policy.md §2)."""
    if not members:
        return NO_AMOUNT
    return (income / members).quantize(FEN, ROUND_HALF_UP)


def disability_name(disability: Disability) -> str:
    return f"{CATEGORY_NAMES[disability.category]}残疾{GRADE_NAMES[disability.grade]}"


def _month_index(day: date) -> int:
    return day.year * 12 + day.month


def _last_day(month: date) -> date:
    following = date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)
    return following - timedelta(days=1)


# ---------------------------------------------------------------------------------------------------------------
# Steps 2 and 3: income and assets


class IncomeCalc(NamedTuple):
    """Counted income of a set of members and how it was reached."""

    gross: Decimal  # income of the kinds whose ``income.excluded.<kind>`` flag is 0
    employment_cost: Decimal
    expenses: Decimal
    counted: Decimal  # gross − employment cost − expenses, floored at 0

    def explain(self) -> str:
        text = f"认定收入 {money(self.counted)}"
        if self.employment_cost or self.expenses:
            parts = [f"收入 {money(self.gross)}"]
            if self.employment_cost:
                parts.append(f"扣除就业成本 {money(self.employment_cost)}")
            if self.expenses:
                parts.append(f"扣除刚性支出 {money(self.expenses)}")
            text += f"（{'，'.join(parts)}）"
        return text


def counted_income(members: Sequence[Member], standard: Decimal, params: Parameters) -> IncomeCalc:
    """Rule 2 (evaluate.md; policy.md §2 家庭收入): counted income of a set of members.

    Income of the kinds not excluded (the flag ``income.excluded.<kind>`` of each kind the set has, read once
    per evaluation and then at dict speed), minus for each employed member min(pct × (counted wage + business),
    cap multiple × standard), minus all the set's expenses; the set's total is floored at 0. The per-kind sums
    were made once when each member was built.
    """
    gross = cost = expenses = ZERO
    for member in members:
        expenses += member.expense_total
        earned = ZERO
        for kind, amount in member.income_by_kind:
            if params[EXCLUDED_KEY.get(kind) or f"income.excluded.{kind}"]:
                continue
            gross += amount
            if kind == "wage" or kind == "business":
                earned += amount
        if member.employed and earned:
            cost += min(
                params["income.employment_cost.pct"] * earned,
                params["income.employment_cost.cap_std_multiple"] * standard,
            )
    counted = gross - cost - expenses
    return IncomeCalc(gross, cost, expenses, counted if counted > ZERO else ZERO)


def asset_failures(assets: Assets, members: int, standard: Decimal, params: Parameters) -> list[str]:
    """Rule 3 (evaluate.md; policy.md §3, 重庆 2013 认定办法): the asset test, one reason per failed condition.

    Fails when financial assets > members × standard × ``assets.financial_months``, any motor vehicle, a shop
    front, an enterprise, or 2+ dwellings with housing area above ``assets.housing_multiple`` × the
    housing-security standard. An empty list means the test passes.
    """
    failures = []
    limit = members * standard * params["assets.financial_months"]
    if assets.financial > limit:
        failures.append(f"家庭金融资产 {money(assets.financial)} 超过限额 {money(limit)}")
    if assets.vehicles > 0:
        failures.append(f"家庭有机动车 {assets.vehicles} 辆")
    if assets.shop_front:
        failures.append("家庭有门面房")
    if assets.enterprise:
        failures.append("家庭有企业")
    if assets.dwellings >= 2:
        housing_multiple = params["assets.housing_multiple"]
        if assets.housing_area_multiple > housing_multiple:
            failures.append(
                f"家庭有住房 {assets.dwellings} 套，人均住房面积为保障标准的 {assets.housing_area_multiple} 倍，"
                f"超过 {housing_multiple} 倍"
            )
    return failures


def asset_test(
    household: Household, members: int, standard: Decimal, params: Parameters
) -> tuple[list[str], list[str]]:
    """Rule 3 with the reviewer's override (policy.md §3: "A reviewer may override a failed test with a written
    reason"): ``(failures, notes)``. Without an override ``failures`` are the failed conditions (empty: passes)
    and ``notes`` is empty. With one, a failed test counts as passed: ``failures`` is empty and ``notes`` names
    each failed condition followed by the override and its reason.
    """
    failures = asset_failures(household.assets, members, standard, params)
    if failures and household.asset_override:
        return [], [*failures, f"资产核查未通过，经审核同意（理由：{household.asset_override}）"]
    return failures, []


def addons(member: Member, age: int, params: Parameters) -> tuple[Decimal, list[str]]:
    """Rule 4 add-ons (分类重点救助, policy.md §3): the member's add-on total and a reason for each part.

    ``dibao.addon.disabled`` for any disability, plus the highest that applies of severe disability (grade
    1–2), major illness, elderly (age ≥ ``dibao.addon.elderly_age``), pre-school child and student.
    """
    total = ZERO
    reasons = []
    disability = member.disability
    if disability is not None:
        total = params["dibao.addon.disabled"]
        reasons.append(f"{disability_name(disability)}加发 {money(total)}")
    best: Decimal | None = None
    best_reason = ""
    if disability is not None and disability.grade <= 2:
        best, best_reason = params["dibao.addon.severe_disability"], "重度残疾加发"
    if member.major_illness:
        value = params["dibao.addon.major_illness"]
        if best is None or value > best:
            best, best_reason = value, "患重特大疾病加发"
    elderly_age = params["dibao.addon.elderly_age"]
    if age >= elderly_age:
        value = params["dibao.addon.elderly"]
        if best is None or value > best:
            best, best_reason = value, f"年满{elderly_age}周岁加发"
    if member.schooling != "none":
        if member.schooling == "student":
            value, label = params["dibao.addon.student"], "在校学生加发"
        else:
            value, label = params["dibao.addon.preschool"], "学龄前儿童加发"
        if best is None or value > best:
            best, best_reason = value, label
    if best is not None:
        total += best
        reasons.append(f"{best_reason} {money(best)}")
    return total, reasons


# ---------------------------------------------------------------------------------------------------------------
# Step 1: 特困


def tekun_candidate(member: Member, age: int, params: Parameters) -> str | None:
    """Rule 1, the personal part (policy.md §6): the reason the member is in a 特困 group, or None.

    A member whose ``child_status`` is not none is left to the orphan allowance (rule 8). Otherwise: no work
    capacity, no able supporter, and elderly (≥ ``tekun.elderly_age``), a minor (< ``tekun.minor_age``), or
    disabled grade 1–2 intellectual/mental or grade 1 physical.
    """
    if member.child_status != "none" or member.work_capacity != "none" or member.able_supporter:
        return None
    elderly_age = params["tekun.elderly_age"]
    if age >= elderly_age:
        return f"年满{elderly_age}周岁（{age}岁）"
    minor_age = params["tekun.minor_age"]
    if age < minor_age:
        return f"未满{minor_age}周岁（{age}岁）"
    disability = member.disability
    if disability is not None and (
        (disability.grade <= 2 and disability.category in _MENTAL)
        or (disability.grade == 1 and disability.category == "physical")
    ):
        return disability_name(disability)
    return None


def tekun(
    member: Member,
    group: str,
    household_assets: list[str],
    standard: Decimal,
    params: Parameters,
    asset_notes: Sequence[str] = (),
) -> Outcome | None:
    """Rule 1 (evaluate.md; policy.md §6 特困): grant when the member's own counted income (rule 2 for the
    member alone, per capita) < standard and the household asset test with all counted members passes
    (``household_assets``: its failures; ``asset_notes``: a reviewer's override of them, see ``asset_test``).

    Amount: ``tekun.basic`` + care by lost self-care indicators: 0 → self, 1–3 → half, 4–6 → full.
    """
    own = counted_income((member,), standard, params)
    own_per_capita = per_capita(own.counted, 1)
    if own_per_capita >= standard or household_assets:
        return None
    basic = params["tekun.basic"]
    lost = member.self_care_lost
    level, level_name, key = CARE_SELF if lost == 0 else CARE_HALF if lost <= 3 else CARE_FULL
    care = params[key]
    amount = round_yuan(basic + care)
    return Outcome(
        "tekun",
        "grant",
        amount,
        [
            group,
            "无劳动能力，无有履行能力的法定赡养、抚养、扶养义务人",
            f"本人{own.explain()}，低于低保标准 {money(standard)}",
            *(asset_notes or ("家庭财产符合规定",)),
            f"基本生活费 {money(basic)}，{level_name}（{lost}项生活自理指标不能达到）照料护理费 {money(care)}",
            f"每月供养 {amount}",
        ],
        member=member.ref,
        care_level=level,
    )


# ---------------------------------------------------------------------------------------------------------------
# Step 4: the household's 低保


def gradual_exit(
    household: Household,
    month: date,
    per_capita_income: Decimal,
    asset_reasons: list[str],
    standard: Decimal,
    params: Parameters,
) -> tuple[bool, list[str]]:
    """Rule 4, second branch (evaluate.md; policy.md §4 渐退期) for a household on 低保 now whose income is not
    below the standard or whose assets fail: whether it keeps its amount, with the reasons either way.

    A 建档立卡 household with assets passing and standard ≤ per-capita < ``gradual_exit.upper_multiple`` ×
    standard keeps it while fewer than ``gradual_exit.months`` months have passed since ``gradual_exit_since``
    (the first month is month 1; null means this month is month 1).
    """
    if household.poverty_registry == "none":
        return False, ["非建档立卡户，不适用渐退期"]
    if asset_reasons or per_capita_income < standard:
        return False, ["家庭财产不符合规定，不适用渐退期"]
    upper_multiple = params["gradual_exit.upper_multiple"]
    upper = upper_multiple * standard
    if per_capita_income >= upper:
        return False, [f"人均收入达到标准的 {upper_multiple} 倍 {money(upper)}，不适用渐退期"]
    months = params["gradual_exit.months"]
    since = household.current_dibao.gradual_exit_since or month
    passed = _month_index(month) - _month_index(since)
    if passed >= months:
        return False, [f"渐退期 {months} 个月已满（本月为第 {passed + 1} 个月）"]
    return True, [
        f"建档立卡户（{REGISTRY_NAMES[household.poverty_registry]}）人均收入低于标准的 {upper_multiple} 倍 "
        f"{money(upper)}，家庭财产符合规定",
        f"渐退期第 {passed + 1} 个月（共 {months} 个月）",
    ]


def dibao(
    household: Household,
    month: date,
    people: Sequence[tuple[Member, int]],
    income: IncomeCalc,
    per_capita_income: Decimal,
    asset_reasons: list[str],
    standard: Decimal,
    params: Parameters,
    asset_notes: Sequence[str] = (),
) -> Outcome:
    """Rule 4 (evaluate.md; policy.md §3 低保, §4 渐退期) for the members left after 特困 (``people``, with ages).

    * grant when per-capita < standard and assets pass: standard × n − counted income + add-ons;
    * else gradual_exit (see ``gradual_exit``): the current amount;
    * else exit when the household is on 低保 now, else deny. With no member left: exit or deny.

    ``asset_reasons`` are the asset test's failures (empty: passes); ``asset_notes`` a reviewer's override of
    failures (``asset_test``), listed where the reasons say whether the assets pass.
    """
    refs = [member.ref for member, _ in people]
    on_dibao = household.current_dibao.status != "none"
    if not people:
        reasons = ["除特困人员外没有其他共同生活的家庭成员"]
        return Outcome("dibao", "exit" if on_dibao else "deny", NO_AMOUNT, reasons, members=refs)
    n = len(people)
    reasons = [f"家庭 {n} 人，{income.explain()}"]
    below = per_capita_income < standard
    if below:
        reasons.append(f"人均收入 {per_capita_income} 低于标准 {money(standard)}")
        if not asset_reasons:
            top_up = standard * n - income.counted
            reasons.extend(asset_notes or ("家庭财产符合规定",))
            reasons.append(f"补差 {money(standard)}×{n} − {money(income.counted)} = {money(top_up)}")
            total = top_up
            for member, age in people:
                extra, extra_reasons = addons(member, age, params)
                if extra_reasons:
                    total += extra
                    reasons.extend([f"{member.ref} {reason}" for reason in extra_reasons])
            amount = round_yuan(total)
            reasons.append(f"每月低保金 {amount}")
            return Outcome("dibao", "grant", amount, reasons, members=refs)
    else:
        reasons.append(f"人均收入 {per_capita_income} 不低于标准 {money(standard)}")
    reasons.extend(asset_reasons)
    reasons.extend(asset_notes)
    if not on_dibao:
        reasons.append("不符合低保条件")
        return Outcome("dibao", "deny", NO_AMOUNT, reasons, members=refs)
    keeps, period_reasons = gradual_exit(household, month, per_capita_income, asset_reasons, standard, params)
    reasons.extend(period_reasons)
    if keeps:
        amount = round_yuan(household.current_dibao.monthly_amount)
        reasons.append(f"渐退期内按原低保金每月 {amount} 发放")
        return Outcome("dibao", "gradual_exit", amount, reasons, members=refs)
    reasons.append("不再符合低保条件，停发（退出须经他人复核）")
    return Outcome("dibao", "exit", NO_AMOUNT, reasons, members=refs)


# ---------------------------------------------------------------------------------------------------------------
# Steps 5 to 8: personal benefits


def single_person_dibao(
    member: Member, age: int, household: Household, household_decision: str, standard: Decimal, params: Parameters
) -> Outcome | None:
    """Rule 5 (evaluate.md; policy.md §5 单人户施保) for a member left after 特困.

    The household is unlifted (未脱贫) in the registry and not covered by 低保 (deny or exit); the member is not
    fully able to work, is disabled grade 1–2 (any category) or grade 3 intellectual/mental or has a major
    illness, and has own counted income < standard. Amount: standard − own counted income + own add-ons.
    """
    if (
        household.poverty_registry != "unlifted"
        or (household_decision != "deny" and household_decision != "exit")
        or member.work_capacity == "full"
    ):
        return None
    disability = member.disability
    if disability is not None and (disability.grade <= 2 or (disability.grade == 3 and disability.category in _MENTAL)):
        condition = disability_name(disability)
    elif member.major_illness:
        condition = "患重特大疾病"
    else:
        return None
    own = counted_income((member,), standard, params)
    if per_capita(own.counted, 1) >= standard:
        return None
    extra, extra_reasons = addons(member, age, params)
    top_up = standard - own.counted
    amount = round_yuan(top_up + extra)
    return Outcome(
        "single_person_dibao",
        "grant",
        amount,
        [
            "建档立卡未脱贫户，家庭未纳入低保",
            f"{WORK_CAPACITY_NAMES[member.work_capacity]}，{condition}",
            f"本人{own.explain()}，低于低保标准 {money(standard)}",
            f"补差 {money(standard)} − {money(own.counted)} = {money(top_up)}",
            *extra_reasons,
            f"每月低保金 {amount}",
        ],
        member=member.ref,
    )


def orphan_allowance(member: Member, age: int, params: Parameters) -> Outcome | None:
    """Rule 8 (evaluate.md; policy.md §10): a child under ``orphan.age_limit`` (18) who is an orphan (in an
    institution or in the community) or de-facto unsupported gets the allowance for that placement. Decided
    before rule 7.
    """
    kind = ORPHAN_KINDS.get(member.child_status)
    if kind is None:
        return None
    age_limit = params[ORPHAN_AGE_KEY]
    if age >= age_limit:
        return None
    key, name = kind
    amount = round_yuan(params[key])
    return Outcome(
        "orphan_allowance",
        "grant",
        amount,
        [f"{name}，未满{age_limit}周岁（{age}岁）", f"每月基本生活费 {amount}"],
        member=member.ref,
    )


def covid_relief(
    member: Member, month: date, coverage: str | None, standard: Decimal, params: Parameters
) -> Outcome | None:
    """Rule 6 (evaluate.md; policy.md §7, the seed's COVID-19 rule): a confirmed patient in hospital during the
    month (admitted on or before its last day, not discharged before its first day) who is covered by 低保, 特困,
    单人户, is a child in difficulty or is in the registry (``coverage`` names which, None if none) gets
    ``temporary.covid_multiple`` × standard.
    """
    stay = member.covid
    if stay is None or coverage is None:
        return None
    if stay.admitted > _last_day(month) or (stay.discharged is not None and stay.discharged < month):
        return None
    multiple = params["temporary.covid_multiple"]
    amount = round_yuan(multiple * standard)
    discharged = f"{stay.discharged.isoformat()} 出院" if stay.discharged is not None else "尚未出院"
    return Outcome(
        "covid_relief",
        "grant",
        amount,
        [
            f"新冠肺炎确诊患者，{stay.admitted.isoformat()} 入院，{discharged}，本月在院",
            coverage,
            f"按低保标准 {money(standard)} 的 {multiple} 倍发放临时救助 {amount}",
        ],
        member=member.ref,
    )


def disability_living(
    member: Member, is_tekun: bool, coverage: str | None, has_orphan_allowance: bool, params: Parameters
) -> Outcome | None:
    """Rule 7, 困难残疾人生活补贴 (evaluate.md; policy.md §9): a disabled member covered by 低保 (grant or
    gradual exit) or 单人户 (``coverage`` names which; 特困 is no coverage here), not 特困 and not receiving the
    orphan allowance.
    """
    disability = member.disability
    if disability is None or is_tekun or coverage is None or has_orphan_allowance:
        return None
    amount = round_yuan(params["disability.living"])
    return Outcome(
        "disability_living",
        "grant",
        amount,
        [f"{disability_name(disability)}，{coverage}", f"每月困难残疾人生活补贴 {amount}"],
        member=member.ref,
    )


def disability_care(member: Member, is_tekun: bool, params: Parameters) -> Outcome | None:
    """Rule 7, 重度残疾人护理补贴 (evaluate.md; policy.md §9): disability grade 1 or 2, not 特困."""
    disability = member.disability
    if disability is None or is_tekun or disability.grade > 2:
        return None
    amount = round_yuan(params["disability.care.grade1" if disability.grade == 1 else "disability.care.grade2"])
    return Outcome(
        "disability_care",
        "grant",
        amount,
        [f"{disability_name(disability)}，属重度残疾", f"每月重度残疾人护理补贴 {amount}"],
        member=member.ref,
    )


# ---------------------------------------------------------------------------------------------------------------
# All rules, in the contract's order


def _relief_only_coverage(member: Member, registry: str) -> str | None:
    """Groups that bring COVID relief (rule 6) but no monthly benefit of their own here."""
    if member.child_status != "none":
        return "属困境儿童（孤儿或事实无人抚养儿童）"
    if registry != "none":
        return f"属建档立卡户（{REGISTRY_NAMES[registry]}）"
    return None


def evaluate_household(household: Household, month: date, params: Parameters) -> Evaluation:
    """Apply rules 1–8 of evaluate.md to ``household`` for the benefit month starting ``month`` (its 1st day).

    Members with ``counted`` false are ignored everywhere; ages are full years on the 1st of the month.
    Raises ``MissingParameters`` when a parameter the rules needed has no value in force and no override.
    """
    standard = params[STANDARD_KEY[household.area]]
    people = [(member, age_on(member.birth_date, month)) for member in household.members if member.counted]

    # Step 1: 特困 members leave the household for steps 2–5.
    tekun_grants: dict[str, Outcome] = {}
    remaining = people
    candidates = [(member, group) for member, age in people if (group := tekun_candidate(member, age, params))]
    if candidates:
        all_members_assets, all_members_notes = asset_test(household, len(people), standard, params)
        for member, group in candidates:
            granted = tekun(member, group, all_members_assets, standard, params, all_members_notes)
            if granted is not None:
                tekun_grants[member.ref] = granted
        if tekun_grants:
            remaining = [(member, age) for member, age in people if member.ref not in tekun_grants]

    # Steps 2–4: the household's 低保.
    n = len(remaining)
    income = counted_income([member for member, _ in remaining], standard, params)
    per_capita_income = per_capita(income.counted, n)
    asset_reasons, asset_notes = asset_test(household, n, standard, params)
    household_outcome = dibao(
        household, month, remaining, income, per_capita_income, asset_reasons, standard, params, asset_notes
    )
    decision = household_outcome.decision
    dibao_covers = decision == "grant" or decision == "gradual_exit"
    registry = household.poverty_registry

    # Steps 5–8, member by member (rule 8 before rule 7, which refers to it).
    outcomes = [household_outcome]
    for member, age in people:
        tekun_grant = tekun_grants.get(member.ref)
        coverage: str | None = None
        if tekun_grant is not None:
            outcomes.append(tekun_grant)
            coverage = "属特困人员"
        elif dibao_covers:
            coverage = "属低保对象"
        else:
            single = single_person_dibao(member, age, household, decision, standard, params)
            if single is not None:
                outcomes.append(single)
                coverage = "属单人户施保对象"
        orphan = orphan_allowance(member, age, params) if member.child_status != "none" else None
        if orphan is not None:
            outcomes.append(orphan)
        if member.covid is not None:
            relief = covid_relief(member, month, coverage or _relief_only_coverage(member, registry), standard, params)
            if relief is not None:
                outcomes.append(relief)
        if member.disability is not None:
            is_tekun = tekun_grant is not None
            living = disability_living(member, is_tekun, coverage, orphan is not None, params)
            if living is not None:
                outcomes.append(living)
            care = disability_care(member, is_tekun, params)
            if care is not None:
                outcomes.append(care)

    params.raise_if_missing()
    return Evaluation(
        month,
        household.area,
        standard,
        [member.ref for member, _ in remaining],
        income.counted,
        per_capita_income,
        not asset_reasons,
        outcomes,
    )
