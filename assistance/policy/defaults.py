"""Default policy parameters (policy.md §0, §3, §6, §8, §9, §10, §13; evaluate.md parameter table).

Each row is one version: (key, value, effective_from, confirmed, source, note). A version is in force from its
``effective_from`` until the day before the next version of the same key. Values are decimal strings.
Rows marked ``confirmed=False`` are proposed defaults, shown as 待确认 until the county confirms them.
The data migration ``assistance.0002`` loads these rows; later changes are made in the parameter UI.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple


class DefaultVersion(NamedTuple):
    key: str
    value: str
    effective_from: date
    confirmed: bool
    source: str
    note: str = ""


D2018 = date(2018, 1, 1)
D2019 = date(2019, 1, 1)
D2020_07 = date(2020, 7, 1)
D2020_09 = date(2020, 9, 1)
D2021_09 = date(2021, 9, 1)
D2022_10 = date(2022, 10, 1)

_STANDARDS = "重庆市城乡低保、特困供养、孤儿基本生活标准调整文件"
_SEED = "彭水民发〔2020〕70号"

DEFAULT_PARAMETERS: tuple[DefaultVersion, ...] = (
    # 低保标准 (policy.md §3 table)
    DefaultVersion("dibao.standard.urban", "546", D2018, True, _STANDARDS),
    DefaultVersion("dibao.standard.urban", "580", D2019, False, _STANDARDS, "金额已确认，起始日期待确认"),
    DefaultVersion("dibao.standard.urban", "620", D2020_09, True, _STANDARDS),
    DefaultVersion("dibao.standard.urban", "636", D2021_09, True, _STANDARDS),
    DefaultVersion("dibao.standard.rural", "410", D2018, True, _STANDARDS),
    DefaultVersion("dibao.standard.rural", "440", D2019, False, _STANDARDS, "金额已确认，起始日期待确认"),
    DefaultVersion("dibao.standard.rural", "496", D2020_09, True, _STANDARDS),
    DefaultVersion("dibao.standard.rural", "515", D2021_09, True, _STANDARDS),
    # 分类重点救助 add-ons (policy.md §3)
    DefaultVersion("dibao.addon.disabled", "40", D2018, True, "重庆市低保分类施保规定"),
    DefaultVersion("dibao.addon.severe_disability", "60", D2018, True, "重庆市低保分类施保规定"),
    DefaultVersion("dibao.addon.major_illness", "60", D2018, True, "重庆市低保分类施保规定"),
    DefaultVersion("dibao.addon.elderly", "60", D2018, True, "重庆市低保分类施保规定"),
    DefaultVersion("dibao.addon.elderly_age", "70", D2018, True, "重庆市低保分类施保规定"),
    DefaultVersion("dibao.addon.preschool", "100", D2018, True, "重庆市低保分类施保规定"),
    DefaultVersion("dibao.addon.student", "100", D2018, True, "重庆市低保分类施保规定"),
    # Income (policy.md §2)
    DefaultVersion("income.employment_cost.pct", "0.30", D2018, False, _SEED, "按比例扣减就业成本"),
    DefaultVersion("income.employment_cost.cap_std_multiple", "1.0", D2018, False, _SEED),
    DefaultVersion("income.lookback_months", "12", D2018, False, "重庆市最低生活保障条件认定办法"),
    # Each income kind's excluded flag (1: never counted, 0: counted; policy.md §2)
    DefaultVersion("income.excluded.wage", "0", D2018, True, "重庆市最低生活保障条件认定办法", "计入家庭收入"),
    DefaultVersion("income.excluded.business", "0", D2018, True, "重庆市最低生活保障条件认定办法", "计入家庭收入"),
    DefaultVersion("income.excluded.property", "0", D2018, True, "重庆市最低生活保障条件认定办法", "计入家庭收入"),
    DefaultVersion("income.excluded.transfer", "0", D2018, True, "重庆市最低生活保障条件认定办法", "计入家庭收入"),
    DefaultVersion(
        "income.excluded.excluded",
        "1",
        D2018,
        True,
        "重庆市最低生活保障条件认定办法",
        "不计入家庭收入：奖励、助学金、计划生育和优抚款、社会救助金",
    ),
    # Assets (policy.md §3)
    DefaultVersion("assets.financial_months", "12", D2018, True, "重庆市最低生活保障条件认定办法（2013）"),
    DefaultVersion("assets.housing_multiple", "3", D2018, True, "重庆市最低生活保障条件认定办法（2013）"),
    # 渐退期 (policy.md §4)
    DefaultVersion("gradual_exit.upper_multiple", "2.0", D2018, True, _SEED),
    DefaultVersion("gradual_exit.months", "6", D2018, False, _SEED),
    # 特困 (policy.md §6)
    DefaultVersion("tekun.basic", "710", D2018, True, _STANDARDS),
    DefaultVersion("tekun.basic", "754", D2019, False, _STANDARDS, "金额已确认，起始日期待确认"),
    DefaultVersion("tekun.basic", "806", D2020_09, True, _STANDARDS),
    DefaultVersion("tekun.basic", "827", D2021_09, True, _STANDARDS),
    DefaultVersion("tekun.care.full", "300", D2018, True, _STANDARDS),
    DefaultVersion("tekun.care.half", "200", D2018, True, _STANDARDS),
    DefaultVersion("tekun.care.self", "0", D2018, True, _STANDARDS),
    DefaultVersion("tekun.care.self", "50", D2020_09, True, _STANDARDS),
    DefaultVersion("tekun.elderly_age", "60", D2018, True, "特困人员认定办法"),
    DefaultVersion("tekun.minor_age", "16", D2018, True, "特困人员认定办法"),
    DefaultVersion("tekun.minor_age", "18", D2020_07, True, "特困人员认定办法（2020年7月1日起）"),
    # 临时救助 (policy.md §7)
    DefaultVersion("temporary.covid_multiple", "2", D2018, True, _SEED, "确诊患者按低保标准2倍按月发放"),
    DefaultVersion("temporary.cap_std_multiple", "10", D2018, False, "重庆市临时救助办法", "超过即一事一议"),
    DefaultVersion("temporary.township_cap_std_multiple", "6", D2018, False, "重庆市临时救助办法"),
    DefaultVersion("temporary.advance_followup_days", "30", D2018, False, _SEED, "先行救助后评估低保"),
    # 价格临时补贴 (policy.md §8)
    DefaultVersion("price_subsidy.cpi_trigger", "0.035", D2018, True, "价格临时补贴联动机制"),
    DefaultVersion("price_subsidy.food_trigger", "0.06", D2018, True, "价格临时补贴联动机制"),
    # 两项补贴 (policy.md §9)
    DefaultVersion("disability.living", "70", D2018, False, "困难残疾人两项补贴"),
    DefaultVersion("disability.living", "80", D2022_10, True, "困难残疾人两项补贴"),
    DefaultVersion("disability.care.grade1", "80", D2018, False, "困难残疾人两项补贴"),
    DefaultVersion("disability.care.grade1", "90", D2022_10, True, "困难残疾人两项补贴"),
    DefaultVersion("disability.care.grade2", "70", D2018, False, "困难残疾人两项补贴"),
    DefaultVersion("disability.care.grade2", "80", D2022_10, True, "困难残疾人两项补贴"),
    # 孤儿 / 事实无人抚养儿童 (policy.md §10)
    DefaultVersion("orphan.institution", "1404", D2019, False, _STANDARDS, "金额已确认，起始日期待确认"),
    DefaultVersion("orphan.institution", "1456", D2020_09, True, _STANDARDS),
    DefaultVersion("orphan.institution", "1477", D2021_09, True, _STANDARDS),
    DefaultVersion("orphan.community", "1204", D2019, False, _STANDARDS, "金额已确认，起始日期待确认"),
    DefaultVersion("orphan.community", "1256", D2020_09, True, _STANDARDS),
    DefaultVersion("orphan.community", "1277", D2021_09, True, _STANDARDS),
    DefaultVersion("orphan.de_facto", "1204", D2019, False, _STANDARDS),
    DefaultVersion("orphan.de_facto", "1204", D2020_09, False, _STANDARDS, "2020年事实无人抚养儿童标准待确认"),
    DefaultVersion("orphan.de_facto", "1225", D2021_09, True, _STANDARDS),
    DefaultVersion(
        "orphan.age_limit", "18", D2018, True, _STANDARDS, "未满该年龄的孤儿、事实无人抚养儿童享受基本生活费"
    ),
    # Intake window (policy.md §13)
    DefaultVersion("intake.publicity_days", "7", D2018, True, "重庆市最低生活保障审核审批办法"),
    DefaultVersion("intake.epidemic_approval_working_days", "7", D2018, True, "重庆市疫情期间社会救助措施（2020）"),
    DefaultVersion("intake.step_days.investigation", "10", D2018, False, "重庆市最低生活保障审核审批办法"),
    DefaultVersion("intake.step_days.review", "10", D2018, False, "重庆市最低生活保障审核审批办法"),
    DefaultVersion("intake.step_days.approval", "10", D2018, False, "重庆市最低生活保障审核审批办法"),
    # Payments and oversight (policy.md §13, §14)
    DefaultVersion("payment.deadline_day", "10", D2018, True, _SEED, "每月10日前发放到位"),
    DefaultVersion("comparison.open_flag_max_days", "30", D2018, False, _SEED),
    DefaultVersion("visits.left_behind_elderly_days", "30", D2018, False, _SEED),
    DefaultVersion("visits.left_behind_children_days", "30", D2018, False, _SEED),
    # Special groups (policy.md §15) and eldercare (seed §三(三)2–4)
    DefaultVersion("elderly.min_age", "60", D2018, False, "民发〔2017〕193号", "农村留守老年人年龄下限（岁）"),
    DefaultVersion(
        "children.left_behind_max_age", "16", D2018, False, "国发〔2016〕13号", "农村留守儿童年龄上限（未满）"
    ),
    DefaultVersion(
        "eldercare.cook_certificate_deadline",
        "20200531",
        D2018,
        False,
        _SEED,
        "敬老院炊事员办理健康证截止日期（年月日）",
    ),
    DefaultVersion("eldercare.certificate_warn_days", "30", D2018, False, _SEED, "证书到期前提醒天数"),
    DefaultVersion("eldercare.night_patrol_start_hour", "22", D2018, False, "GB 38600-2019", "夜间巡查时段开始（时）"),
    DefaultVersion("eldercare.night_patrol_end_hour", "6", D2018, False, "GB 38600-2019", "夜间巡查时段结束（时）"),
    DefaultVersion("eldercare.land_per_capita_m2", "0.2", D2018, False, _SEED, "人均养老用地（平方米）"),
    # Input bounds: what a form or an API call may enter at most (amounts in yuan, dates up to the end of the year)
    DefaultVersion("input.max_amount", "10000000", D2018, True, "系统输入校验", "单笔金额上限（元）"),
    DefaultVersion("input.max_year", "2100", D2018, True, "系统输入校验", "日期年份上限"),
    # Import limits: the largest used range of an uploaded sheet read at all (larger files are refused unread)
    DefaultVersion("imports.max_rows", "200000", D2018, True, "系统输入校验", "导入表格最多行数"),
    DefaultVersion("imports.max_columns", "200", D2018, True, "系统输入校验", "导入表格最多列数"),
    # The export centre: larger exports run as a background job; their files are kept this many days
    DefaultVersion("exports.sync_max_rows", "5000", D2018, True, "系统设置", "即时导出最多行数"),
    DefaultVersion("exports.keep_days", "7", D2018, True, "系统设置", "导出文件保留天数"),
)

# Keys the what-if evaluator may read or override (evaluate.md, "Parameter keys", and the keys the rules read
# since: ``orphan.age_limit``, ``income.excluded.<kind>``).
EVALUATOR_KEYS: frozenset[str] = frozenset(
    {
        "dibao.standard.urban",
        "dibao.standard.rural",
        "dibao.addon.disabled",
        "dibao.addon.severe_disability",
        "dibao.addon.major_illness",
        "dibao.addon.elderly",
        "dibao.addon.elderly_age",
        "dibao.addon.preschool",
        "dibao.addon.student",
        "income.employment_cost.pct",
        "income.employment_cost.cap_std_multiple",
        "assets.financial_months",
        "assets.housing_multiple",
        "gradual_exit.upper_multiple",
        "gradual_exit.months",
        "tekun.basic",
        "tekun.care.full",
        "tekun.care.half",
        "tekun.care.self",
        "tekun.elderly_age",
        "tekun.minor_age",
        "temporary.covid_multiple",
        "disability.living",
        "disability.care.grade1",
        "disability.care.grade2",
        "orphan.institution",
        "orphan.community",
        "orphan.de_facto",
        "orphan.age_limit",
        "income.excluded.wage",
        "income.excluded.business",
        "income.excluded.property",
        "income.excluded.transfer",
        "income.excluded.excluded",
    }
)

# Keys added after the first data migration, each loaded by its own (assistance 0016).
ORPHAN_AGE_KEYS = ("orphan.age_limit",)
INCOME_EXCLUDED_KEYS = tuple(
    f"income.excluded.{kind}" for kind in ("wage", "business", "property", "transfer", "excluded")
)
