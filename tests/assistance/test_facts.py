"""The one facts selector: the rolls the county imports decide the facts they carry for the people on them, the
caseworker's entry decides for everyone else, and every monthly job reads the same answer (policy.md §2, §7)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from assistance.comparison import compare_township
from assistance.determinations import determine_household
from assistance.facts import household_inputs, roll_facts
from assistance.models import ComparisonFlag, LedgerEntry
from assistance.policy import model as policy
from assistance.screening import screen_township
from cases.models import RollKind
from cases.rolls import services as roll_services
from tests.helpers import make_household, make_member, valid_id

pytestmark = pytest.mark.django_db
OCT = date(2020, 10, 1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    for column in book.active.iter_cols():
        for cell in column:
            cell.number_format = "@"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_roll(actor, kind: str, rows: list[list[object]]) -> None:
    roll_services.commit_roll(actor=actor, kind=kind, file_bytes=xlsx(rows), filename=f"{kind}.xlsx")


@pytest.fixture
def disputed(users, villages):
    """One household whose caseworker entries the rolls contradict: the registry says 未脱贫 where the caseworker
    wrote 非建档立卡, the COVID list has a stay the caseworker did not record, the 残联 list says grade 1 where the
    caseworker wrote grade 3, and the death list has a death in September the caseworker did not record. A second
    member on no roll keeps the caseworker's grade-3 disability and COVID stay."""
    actor = users["caseworker"]
    household = make_household(actor, villages["a"], area_type="rural")
    on_rolls = make_member(
        actor,
        household,
        name="甲",
        relation="head",
        id_number=valid_id(date(1960, 1, 1)),
        poverty_status="none",
        disability_category="physical",
        disability_grade=3,
    )
    off_rolls = make_member(
        actor,
        household,
        name="乙",
        relation="spouse",
        id_number=valid_id(date(1962, 1, 1), male=False),
        disability_category="visual",
        disability_grade=3,
        covid_confirmed=True,
        covid_admitted=date(2020, 9, 20),
    )
    died = make_member(actor, household, name="丙", relation="child", id_number=valid_id(date(1990, 1, 1)))
    county = users["county_staff"]
    import_roll(
        county,
        RollKind.POVERTY_REGISTRY,
        [
            ["户编号", "姓名", "身份证号", "与户主关系", "贫困户属性", "脱贫状态", "是否监测对象", "乡镇", "村"],
            ["H001", "甲", on_rolls.id_number, "户主", "低保贫困户", "未脱贫", "否", "汉葭街道", "甲村"],
        ],
    )
    import_roll(
        county,
        RollKind.COVID_PATIENTS,
        [
            ["身份证号码", "姓名", "乡镇", "入院日期", "出院日期"],
            [on_rolls.id_number, "甲", "汉葭街道", "2020-10-03", "2020-10-20"],
        ],
    )
    import_roll(
        county,
        RollKind.SEVERE_DISABILITY,
        [
            ["身份证号", "姓名", "乡镇（街道）", "村（社区）", "残疾类别", "残疾等级", "残疾证号"],
            [on_rolls.id_number, "甲", "汉葭街道", "甲村", "肢体", "一级", "x"],
        ],
    )
    import_roll(
        county,
        RollKind.DEATHS,
        [["证件号码", "姓名", "乡镇", "村", "死亡日期"], [died.id_number, "丙", "汉葭街道", "甲村", "2020-09-15"]],
    )
    return household, on_rolls, off_rolls, died


def test_the_rolls_decide_for_the_people_on_them(disputed):
    household, on_rolls, off_rolls, died = disputed
    facts = household_inputs([household.pk], OCT)[household.pk]
    members = {m.ref: m for m in facts.members}
    assert str(died.pk) not in members, "the death list's September death leaves the member out of October"
    assert facts.poverty_registry == "unlifted", "the imported registry, not the caseworker's 非建档立卡"
    first = members[str(on_rolls.pk)]
    assert first.covid == policy.Covid(date(2020, 10, 3), date(2020, 10, 20))
    assert first.disability == policy.Disability("physical", 1)
    second = members[str(off_rolls.pk)]
    assert second.disability == policy.Disability("visual", 3), "absence from the 残联 list erases nothing"
    assert second.covid == policy.Covid(date(2020, 9, 20), None), "on no COVID list: the caseworker's entry"


def test_every_job_reads_the_same_answer(users, disputed):
    household, on_rolls, _, _ = disputed
    determination = determine_household(actor=users["caseworker"], household=household, month=OCT)
    snapshot = determination.input_snapshot
    assert snapshot["poverty_registry"] == "unlifted"
    first = next(m for m in snapshot["members"] if m["ref"] == str(on_rolls.pk))
    assert first["covid"] == {"admitted": "2020-10-03", "discharged": "2020-10-20"}
    assert first["disability"]["grade"] == 1
    assert len(snapshot["members"]) == 2


def test_before_any_registry_import_the_caseworker_decides(users, villages):
    actor = users["caseworker"]
    household = make_household(actor, villages["a"])
    member = make_member(actor, household, poverty_status="monitored")
    assert roll_facts([member.id_number]).poverty_status(member.id_number, "monitored") == "monitored"
    assert household_inputs([household.pk], OCT)[household.pk].poverty_registry == "monitored"


def test_the_comparison_flags_each_disagreement_with_both_values(disputed, township_a):
    _, on_rolls, off_rolls, died = disputed
    compare_township(township_id=township_a.pk, month=OCT)
    reasons = {
        flag.member_id: flag.evidence["reasons"]
        for flag in ComparisonFlag.objects.filter(code=ComparisonFlag.Code.ROLL_FACT_MISMATCH)
    }
    assert reasons == {
        on_rolls.pk: [
            "新冠住院：名单（第2行）为2020-10-03 入院，2020-10-20 出院，登记为未登记",
            "残疾：名单（第2行）为肢体残疾1级，登记为肢体残疾3级",
        ],
        died.pk: ["死亡日期：名单（第2行）为2020-09-15，登记为未登记"],
    }
    assert off_rolls.pk not in reasons, "on no roll: nothing to disagree with"


def test_the_screening_reads_the_same_facts(disputed, township_a):
    """The registry (未脱贫 from the roll, not the caseworker's 非建档立卡) puts the household in the COVID rule's
    groups and the COVID list's stay is in October: the screening finds the relief uncovered for the member on the
    rolls; the member the death list has dead in September is not screened."""
    _, on_rolls, _, died = disputed
    screen_township(township_id=township_a.pk, month=OCT)
    relief = set(
        LedgerEntry.objects.filter(category=LedgerEntry.Category.COVID_RELIEF_CANDIDATE).values_list(
            "member_id", flat=True
        )
    )
    assert on_rolls.pk in relief, "the COVID list's stay and the registry's 未脱贫 decide"
    assert died.pk not in set(LedgerEntry.objects.values_list("member_id", flat=True)), "dead before October"
