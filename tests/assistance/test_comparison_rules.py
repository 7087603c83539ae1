"""The comparison's pure rules (assistance.policy.comparison, policy.md §11) on hand-made inputs, no database:
a few cases per flag, with the boundaries (who covers a person, the dead skipped, COVID dates on the month's first
and last days, a death in the month against the enrollment's end month)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from assistance.models import BenefitKind, ComparisonFlag, LedgerEntry
from assistance.policy import comparison as rules
from assistance.policy.comparison import (
    CandidateEntry,
    EndingEnrollment,
    EnrollmentRow,
    ExitReviewRow,
    Inputs,
    ListRecord,
    OpenEnrollments,
    Person,
    RegistryRow,
)

MARCH = date(2020, 3, 1)
JAN, FEB, APRIL = date(2020, 1, 1), date(2020, 2, 1), date(2020, 4, 1)
TOWNSHIP, OTHER = 1, 2


def reg(number: str = "N1", member: int | None = 10, *, row: int = 2, **fields: Any) -> RegistryRow:
    """A valid, unlifted 一般贫困户 registry row; matched to ``member`` (household ``member + 100``) unless None."""
    values: dict[str, Any] = {
        "row_number": row,
        "id_number_raw": number,
        "id_number": number,
        "id_valid": True,
        "id_duplicate": False,
        "name": f"人{member}",
        "township_id": TOWNSHIP,
        "poverty_attribute": "一般贫困户",
        "registry_status": "unlifted",
        "lifted_status": "未脱贫",
        "monitored": False,
    }
    if member is not None:
        values |= {
            "member_id": member,
            "member_name": f"人{member}",
            "member_active": True,
            "member_household_id": member + 100,
            "member_township_id": TOWNSHIP,
            "member_work_capacity": "full",
        }
    return RegistryRow(**(values | fields))


def enr(
    pk: int, benefit: str, household: int, member: int | None = None, *, status: str = "active", **fields: Any
) -> EnrollmentRow:
    values: dict[str, Any] = {"start_month": JAN, "end_month": None, "monthly_amount": Decimal("300.00")}
    return EnrollmentRow(pk, benefit, TOWNSHIP, household, member, status, **(values | fields))


def inputs(*, enrollments: tuple[EnrollmentRow, ...] = (), **fields: Any) -> Inputs:
    return Inputs(month=MARCH, township_id=TOWNSHIP, open_enrollments=OpenEnrollments.index(enrollments), **fields)


def codes(flags: list[rules.Flag]) -> list[tuple[str, int | None]]:
    return [(f.code, f.member_id) for f in flags]


# The constants agree with the models -------------------------------------------------------------------------


def test_codes_and_labels_agree_with_the_models():
    assert set(rules.CODES) == set(ComparisonFlag.Code.values)
    assert rules.BENEFIT_NAMES == dict(BenefitKind.choices)
    assert set(rules.CANDIDATE_CODES) <= set(LedgerEntry.Category.values)
    assert set(rules.CANDIDATE_CODES.values()) <= set(rules.CODES)


# ID_INVALID / ID_DUPLICATE / NAME_MISMATCH --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (reg(), []),
        (reg(id_valid=False, id_number="", id_number_raw="123", township_id=OTHER), [("ID_INVALID", "123", OTHER)]),
        (reg(member=None, id_valid=False, id_number="", id_number_raw=""), [("ID_INVALID", "（空）", TOWNSHIP)]),
        (reg(id_duplicate=True, township_id=OTHER), [("ID_DUPLICATE", "N1", TOWNSHIP)]),
        (reg(member=None, id_duplicate=True, township_id=OTHER), [("ID_DUPLICATE", "N1", OTHER)]),
        (reg(name="别名"), [("NAME_MISMATCH", "N1", TOWNSHIP)]),
        (reg(name=" 人10 "), []),
        (reg(name="  "), []),
        (reg(member=None, name="别名"), []),
        (reg(name="别名", id_duplicate=True), [("ID_DUPLICATE", "N1", TOWNSHIP), ("NAME_MISMATCH", "N1", TOWNSHIP)]),
    ],
)
def test_id_and_name(row, expected):
    flags = rules.id_and_name(inputs(registry=[row]))
    assert [(f.code, f.id_number, f.township_id) for f in flags] == expected
    assert all(f.evidence["registry"][0]["row"] == row.row_number for f in flags)


def test_an_invalid_row_is_not_checked_further():
    row = reg(id_valid=False, id_duplicate=True, name="别名", id_number="")
    assert codes(rules.id_and_name(inputs(registry=[row]))) == [("ID_INVALID", None)]


def test_the_rows_of_a_repeated_number_make_one_flag():
    rows = [reg(row=2, id_duplicate=True), reg(row=3, id_duplicate=True, name="别名")]
    flags = rules.all_flags(inputs(registry=rows))
    duplicate = next(f for f in flags if f.code == "ID_DUPLICATE")
    assert [r["row"] for r in duplicate.evidence["registry"]] == [2, 3]
    mismatch = next(f for f in flags if f.code == "NAME_MISMATCH")
    assert mismatch.evidence["roll_name"] == "人10" and [r["row"] for r in mismatch.evidence["registry"]] == [3]


# JDLK_NOT_COVERED --------------------------------------------------------------------------------------------

NO_CAPACITY = {"member_work_capacity": "none"}


@pytest.mark.parametrize(
    ("row", "enrollments", "reasons"),
    [
        (reg(**NO_CAPACITY), (), ["完全丧失劳动能力"]),
        (reg(**NO_CAPACITY), (enr(1, "dibao", 110),), None),  # the household's 低保
        (reg(**NO_CAPACITY), (enr(1, "single_person_dibao", 110, 10),), None),  # 单人户施保
        (reg(**NO_CAPACITY), (enr(1, "tekun", 110, 10),), None),
        (reg(**NO_CAPACITY), (enr(1, "single_person_dibao", 110, 11),), ["完全丧失劳动能力"]),  # another member's
        (reg(**NO_CAPACITY), (enr(1, "dibao", 999),), ["完全丧失劳动能力"]),  # another household's
        (reg(**NO_CAPACITY), (enr(1, "disability_living", 110, 10),), ["完全丧失劳动能力"]),
        (reg(**NO_CAPACITY, member_date_of_death=FEB), (), None),  # dead
        (reg(**NO_CAPACITY, member_active=False), (), None),
        (reg(**NO_CAPACITY, registry_status="none"), (), None),
        (reg(**NO_CAPACITY, id_valid=False), (), None),
        (reg(member_disability_grade=2), (), ["2级残疾"]),
        (reg(member_disability_grade=3), (), None),
        (reg(member_major_illness_id=5), (), ["患重特大疾病"]),
        (reg(member_work_capacity="partial"), (), None),
    ],
)
def test_jdlk_not_covered(row, enrollments, reasons):
    flags = rules.jdlk_not_covered(inputs(registry=[row], enrollments=enrollments))
    assert [f.evidence["reasons"] for f in flags] == ([reasons] if reasons else [])


def test_jdlk_not_covered_by_the_lists():
    severe = ListRecord(5, "N1", illness="")
    ill = ListRecord(7, "N2", illness="尿毒症")
    unmatched = [reg("N1", None), reg("N2", None), reg("N3", None)]
    flags = rules.jdlk_not_covered(inputs(registry=unmatched, severe_disability=[severe], illness_poverty=[ill]))
    assert [(f.id_number, f.household_id, f.member_id, f.evidence["reasons"]) for f in flags] == [
        ("N1", None, None, ["残联重度残疾人名单第5行"]),
        ("N2", None, None, ["因病致贫名单第7行（尿毒症）"]),
    ]
    # a listed member with a 低保 is covered
    listed = inputs(registry=[reg("N1")], severe_disability=[severe], enrollments=(enr(1, "dibao", 110),))
    assert rules.jdlk_not_covered(listed) == []


# JDLK_EXIT_CHECK ---------------------------------------------------------------------------------------------


def test_jdlk_exit_check():
    household = [reg("N1", 10, row=2, registry_status="lifted"), reg("N2", 11, row=3, member_household_id=110)]
    approved = ExitReviewRow(7, "approved", FEB, "收入超标")
    ending = [
        EndingEnrollment(enr(1, "dibao", 110, end_month=FEB)),
        EndingEnrollment(enr(2, "tekun", 110, 11), (approved,)),
        EndingEnrollment(enr(3, "tekun", 110, 12, end_month=FEB)),  # a member the registry does not name
        EndingEnrollment(enr(4, "dibao", 999, end_month=FEB)),  # not a registry household
    ]
    members = {12: Person(110, TOWNSHIP, "N12", "人12")}
    given = inputs(registry=household, ending=ending, members=members)
    flags = rules.jdlk_exit_check(given)
    assert [(f.household_id, f.member_id, f.id_number, f.name) for f in flags] == [
        (110, None, "N1", "人10"),
        (110, 11, "N2", "人11"),
        (110, 12, "", ""),
    ]
    assert [r["row"] for r in flags[0].evidence["registry"]] == [2, 3]
    assert flags[0].evidence["last_month"] == "2020-02-01"
    assert (flags[0].evidence["exit_reviews"], flags[0].evidence["second_review_approved"]) == ([], False)
    assert flags[1].evidence["exit_reviews"] == [
        {"id": 7, "status": "approved", "last_month": "2020-02-01", "reason": "收入超标"}
    ]
    assert flags[1].evidence["second_review_approved"] is True
    # all_flags names the member from the roll
    named = [f for f in rules.all_flags(given) if f.code == "JDLK_EXIT_CHECK" and f.member_id == 12]
    assert [(f.id_number, f.name) for f in named] == [("N12", "人12")]


# TEKUN_CANDIDATE / SINGLE_PERSON_CANDIDATE ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "member", "registry", "expected"),
    [
        ("tekun_candidate", 10, [reg()], [("TEKUN_CANDIDATE", 10)]),
        ("single_person_candidate", 10, [reg()], [("SINGLE_PERSON_CANDIDATE", 10)]),
        ("tekun_candidate", 11, [reg()], []),  # not in the registry
        ("tekun_candidate", 10, [reg(registry_status="none")], []),
        # the member's first row decides
        ("tekun_candidate", 10, [reg(registry_status="none"), reg(row=3)], []),
        ("tekun_candidate", 10, [reg(), reg(row=3, registry_status="none")], [("TEKUN_CANDIDATE", 10)]),
    ],
)
def test_candidates(category, member, registry, expected):
    entry = CandidateEntry(5, TOWNSHIP, category, member + 100, member, None, "open", {"reasons": ["年满60周岁"]})
    flags = rules.candidates(inputs(registry=registry, candidates=[entry]))
    assert codes(flags) == expected
    for flag in flags:
        assert flag.evidence["ledger_entry"] == {
            "id": 5,
            "status": "open",
            "new_amount": None,
            "reasons": ["年满60周岁"],
        }


def test_candidate_amount_and_missing_details():
    entry = CandidateEntry(5, TOWNSHIP, "tekun_candidate", 110, 10, Decimal("500.00"), "open", None)
    (flag,) = rules.candidates(inputs(registry=[reg()], candidates=[entry]))
    assert flag.evidence["ledger_entry"]["new_amount"] == "500.00"
    assert flag.evidence["ledger_entry"]["reasons"] == []


# ATTRIBUTE_MISMATCH ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attributes", "enrollments", "expected"),
    [
        (["低保贫困户"], (), [(None, ["建档立卡为低保贫困户，但家庭不在低保"])]),
        (["低保贫困户"], (enr(1, "dibao", 110),), []),
        (["低保贫困户"], (enr(1, "single_person_dibao", 110, 11),), []),
        (["特困供养贫困户", "特困供养贫困户"], (), [(None, ["建档立卡为特困供养贫困户，但家庭无人在特困供养"])]),
        (["特困供养贫困户", "特困供养贫困户"], (enr(1, "tekun", 110, 11),), []),
        (["一般贫困户", "一般贫困户"], (enr(1, "dibao", 110),), [(None, ["家庭在低保，但建档立卡为一般贫困户"])]),
        (["一般贫困户", "低保贫困户"], (enr(1, "dibao", 110),), []),
        (["一般贫困户", ""], (), []),
        (["", "一般贫困户"], (enr(1, "tekun", 110, 11),), [(11, ["在特困供养，但建档立卡为一般贫困户"])]),
    ],
)
def test_attribute_mismatch(attributes, enrollments, expected):
    rows = [
        reg(f"N{m}", m, row=m, poverty_attribute=a, member_household_id=110)
        for m, a in zip((10, 11), attributes, strict=False)
    ]
    flags = rules.attribute_mismatch(inputs(registry=rows, enrollments=enrollments))
    assert [(f.member_id, f.evidence["reasons"]) for f in flags] == expected
    for flag in flags:
        assert flag.household_id == 110
        if flag.member_id is None:
            assert flag.id_number == "N10" and flag.evidence["attributes"] == sorted({a for a in attributes if a})


def test_attribute_mismatch_shows_the_households_dibao():
    rows = [reg(poverty_attribute="一般贫困户")]
    (flag,) = rules.attribute_mismatch(inputs(registry=rows, enrollments=(enr(1, "dibao", 110),)))
    assert [e["id"] for e in flag.evidence["enrollments"]] == [1]


# DUPLICATE_BENEFIT -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enrollments", "covered", "expected"),
    [
        ((enr(1, "tekun", 110, 10),), {}, []),
        (
            (enr(1, "tekun", 110, 10), enr(2, "disability_living", 110, 10)),
            {},
            [([1, 2], ["特困供养 + 困难残疾人生活补贴"])],
        ),
        (
            (enr(1, "tekun", 110, 10), enr(2, "single_person_dibao", 110, 10), enr(3, "disability_care", 110, 10)),
            {},
            [([1, 3, 2], ["特困供养 + 重度残疾人护理补贴", "特困供养 + 单人户施保"])],
        ),
        ((enr(1, "tekun", 110, 10), enr(2, "disability_living", 110, 11)), {}, []),  # another member's
        (
            (enr(1, "tekun", 110, 10), enr(2, "dibao", 110, determination_id=9)),
            {9: {"10", "11"}},
            [([1, 2], ["特困供养 + 家庭低保（家庭低保的认定测算将其计入保障人口）"])],
        ),
        ((enr(1, "tekun", 110, 10), enr(2, "dibao", 110, determination_id=9)), {9: {"11"}}, []),
        ((enr(1, "tekun", 110, 10), enr(2, "dibao", 110)), {}, []),  # no determination
    ],
)
def test_duplicate_benefit(enrollments, covered, expected):
    flags = rules.duplicate_benefit(inputs(enrollments=enrollments, covered_members=covered))
    assert [([e["id"] for e in f.evidence["enrollments"]], f.evidence["reasons"]) for f in flags] == expected
    assert all(f.id_number == "" and f.member_id == 10 for f in flags)


def test_duplicate_benefit_is_named_by_all_flags():
    given = inputs(
        enrollments=(enr(1, "tekun", 110, 10), enr(2, "orphan_allowance", 110, 10)),
        members={10: Person(110, TOWNSHIP, "N10", "人10")},
    )
    assert [(f.code, f.id_number, f.name) for f in rules.all_flags(given)] == [("DUPLICATE_BENEFIT", "N10", "人10")]


def test_determinations_to_check():
    rows = [
        enr(1, "dibao", 110, determination_id=9),
        enr(2, "tekun", 110, 10),
        enr(3, "dibao", 120, determination_id=8),
    ]
    assert OpenEnrollments.index(rows).determinations_to_check() == {9}


# COVID_NO_RELIEF ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("admitted", "discharged", "in_month"),
    [
        (date(2020, 3, 31), None, True),  # admitted on the month's last day
        (date(2020, 4, 1), None, False),
        (date(2020, 1, 10), date(2020, 3, 1), True),  # discharged on the month's first day
        (date(2020, 1, 10), date(2020, 2, 29), False),
        (date(2020, 3, 1), date(2020, 3, 31), True),
        (None, None, False),
    ],
)
def test_covid_in_hospital_during_the_month(admitted, discharged, in_month):
    assert rules.in_hospital(MARCH, date(2020, 3, 31), admitted, discharged) is in_month
    listed = ListRecord(2, "N1", "人10", TOWNSHIP, 10, covid_admitted=admitted, covid_discharged=discharged)
    confirmed = {10: (admitted, discharged)}
    for source in ({"covid_patients": [listed]}, {"covid_confirmed": confirmed}):
        flags = rules.covid_no_relief(inputs(registry=[reg()], **source))
        assert codes(flags) == ([("COVID_NO_RELIEF", 10)] if in_month else [])


PERSON = Person(110, TOWNSHIP, "N10", "人10")


@pytest.mark.parametrize(
    ("registry", "enrollments", "children", "groups"),
    [
        ([], (), (), []),  # in none of the groups
        ([reg()], (), (), ["建档立卡（unlifted）"]),
        ([reg(registry_status="none")], (), (), []),
        ([], (enr(1, "dibao", 110),), (), ["低保家庭成员"]),
        ([], (enr(1, "tekun", 110, 10),), (), ["特困供养人员"]),
        ([], (), {10}, ["困境儿童"]),
        ([], (enr(1, "orphan_allowance", 110, 10),), (), ["困境儿童"]),
        (
            [reg()],
            (enr(1, "dibao", 110), enr(2, "tekun", 110, 10)),
            {10},
            ["低保家庭成员", "特困供养人员", "建档立卡（unlifted）", "困境儿童"],
        ),
    ],
)
def test_covid_groups(registry, enrollments, children, groups):
    given = inputs(
        registry=registry,
        enrollments=enrollments,
        children=children,
        covid_confirmed={10: (MARCH, None)},
        members={10: PERSON},
    )
    flags = rules.covid_no_relief(given)
    assert [f.evidence["groups"] for f in flags] == ([groups] if groups else [])
    for flag in flags:
        assert flag.evidence["source"] == "在册成员登记为新冠确诊"
        assert (flag.evidence["covid_admitted"], flag.evidence["covid_discharged"]) == ("2020-03-01", None)


@pytest.mark.parametrize(
    ("relief", "flagged"),
    [
        (enr(5, "covid_relief", 110, 10, start_month=MARCH, end_month=MARCH), False),
        (enr(5, "covid_relief", 110, 10, start_month=FEB), False),
        (enr(5, "covid_relief", 110, 10, start_month=MARCH, status="applying"), True),
        (enr(5, "covid_relief", 110, 10, start_month=JAN, end_month=FEB), True),
        (enr(5, "covid_relief", 110, 10, start_month=APRIL), True),
        (enr(5, "covid_relief", 110, 11, start_month=MARCH), True),  # someone else's
    ],
)
def test_covid_relief_covering_the_month(relief, flagged):
    given = inputs(registry=[reg()], covid_confirmed={10: (MARCH, None)}, covid_relief=[relief])
    assert bool(rules.covid_no_relief(given)) is flagged


def test_covid_list_not_in_the_roll_and_first_row():
    listed = [
        ListRecord(2, "N5", "外人", OTHER, covid_admitted=MARCH),
        ListRecord(3, "N6", "外人二", OTHER, covid_admitted=MARCH),  # not in the registry either
        ListRecord(4, "N1", "人10", TOWNSHIP, 10, covid_admitted=FEB),
        ListRecord(5, "N1", "人10", TOWNSHIP, 10, covid_admitted=MARCH),
    ]
    given = inputs(registry=[reg(), reg("N5", None, registry_status="monitored")], covid_patients=listed)
    flags = rules.covid_no_relief(given)
    assert [(f.id_number, f.township_id, f.household_id, f.member_id) for f in flags] == [
        ("N5", OTHER, None, None),
        ("N1", TOWNSHIP, 110, 10),
    ]
    assert flags[0].evidence["groups"] == ["建档立卡（monitored）"]
    assert flags[1].evidence["source"] == "新冠肺炎患者名单第4行"
    # the list is the county's: all_flags keeps the township's own
    assert [f.id_number for f in rules.all_flags(given)] == ["N1"]


# DECEASED_STILL_PAID -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("died", "end_month", "flagged"),
    [
        (date(2020, 3, 15), None, True),
        (date(2020, 3, 15), MARCH, False),  # paid up to the month of death
        (date(2020, 3, 15), APRIL, True),
        (date(2020, 3, 31), APRIL, True),  # died on the month's last day
        (date(2020, 4, 1), None, False),  # dies after the month
        (date(2020, 1, 31), FEB, True),
        (date(2020, 1, 31), JAN, False),
    ],
)
def test_deceased_still_paid(died, end_month, flagged):
    paid = [enr(1, "tekun", 110, 10, end_month=end_month)]
    for source in (
        {"dead_members": {10: died}},
        {"deaths": [ListRecord(3, "N10", "人10", member_id=10, date_of_death=died)]},
    ):
        flags = rules.deceased_still_paid(inputs(enrollments_of_dead=paid, members={10: PERSON}, **source))
        assert codes(flags) == ([("DECEASED_STILL_PAID", 10)] if flagged else [])
        for flag in flags:
            assert flag.evidence["date_of_death"] == died.isoformat()
            assert [e["id"] for e in flag.evidence["enrollments"]] == [1]


def test_deceased_the_list_comes_first_and_only_the_dead_count():
    paid = [enr(1, "tekun", 110, 10), enr(2, "disability_living", 110, 10, end_month=MARCH), enr(3, "tekun", 120, 20)]
    given = inputs(
        deaths=[ListRecord(4, "N10", "人10", member_id=10, date_of_death=date(2020, 2, 10))],
        dead_members={10: date(2020, 2, 12)},
        enrollments_of_dead=paid,
        members={10: PERSON, 20: Person(120, TOWNSHIP, "N20", "人20")},
    )
    (flag,) = rules.deceased_still_paid(given)
    assert flag.evidence["source"] == "死亡人员名单第4行" and flag.evidence["date_of_death"] == "2020-02-10"
    assert [e["id"] for e in flag.evidence["enrollments"]] == [1, 2]


# all_flags ---------------------------------------------------------------------------------------------------


def test_all_flags_keeps_the_townships_own_in_rule_order():
    rows = [reg(**NO_CAPACITY, name="别名"), reg("N2", 20, row=3, member_township_id=OTHER, **NO_CAPACITY)]
    given = inputs(registry=rows, dead_members={10: FEB}, enrollments_of_dead=[enr(1, "disability_living", 110, 10)])
    assert codes(rules.all_flags(given)) == [
        ("NAME_MISMATCH", 10),
        ("JDLK_NOT_COVERED", 10),
        ("DECEASED_STILL_PAID", 10),
    ]
    county = replace(given, township_id=None)
    assert ("JDLK_NOT_COVERED", 20) in codes(rules.all_flags(county))


# JDLK_ENTRY_CHECK ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "enrollment", "flagged"),
    [
        ("一般贫困户", enr(1, "dibao", 110, start_month=MARCH), True),
        ("特困供养贫困户", enr(1, "dibao", 110, start_month=MARCH), True),
        ("低保贫困户", enr(1, "dibao", 110, start_month=MARCH), False),
        ("一般贫困户", enr(1, "dibao", 110, start_month=FEB), False),  # entered last month: not new
        ("低保贫困户", enr(1, "tekun", 110, 10, start_month=MARCH), True),
        ("特困供养贫困户", enr(1, "tekun", 110, 10, start_month=MARCH), False),
        ("", enr(1, "tekun", 110, 10, start_month=MARCH), False),  # no attribute: nothing to contradict
    ],
)
def test_jdlk_entry_check(attribute, enrollment, flagged):
    found = rules.jdlk_entry_check(inputs(registry=(reg(poverty_attribute=attribute),), enrollments=(enrollment,)))
    assert bool(found) == flagged
    if flagged:
        assert found[0].code == rules.JDLK_ENTRY_CHECK and "本月新纳入" in found[0].evidence["reasons"][0]


# ROLL_FACT_MISMATCH -------------------------------------------------------------------------------------------


def test_roll_fact_mismatch_names_both_values():
    recorded = {
        10: rules.Recorded(poverty_status="lifted", disability=("physical", 3)),
        11: rules.Recorded(poverty_status="none", covid=(date(2020, 3, 2), None), date_of_death=date(2020, 3, 9)),
    }
    listed = {"township_id": TOWNSHIP, "name": "人11"}
    found = rules.roll_fact_mismatch(
        inputs(
            registry=(reg("N1", 10), reg("N2", 11)),
            registry_imported=True,
            recorded=recorded,
            severe_disability=(ListRecord(3, "N1", member_id=10, disability_category="physical", disability_grade=1),),
            covid_patients=(ListRecord(4, "N2", member_id=11, covid_admitted=date(2020, 3, 2), **listed),),
            deaths=(ListRecord(5, "N2", member_id=11, date_of_death=date(2020, 3, 8), **listed),),
        )
    )
    reasons = {f.member_id: f.evidence["reasons"] for f in found}
    assert reasons == {
        10: [
            "建档立卡状态：名单（第2行）为未脱贫，登记为已脱贫",
            "残疾：名单（第3行）为肢体残疾1级，登记为肢体残疾3级",
        ],
        11: ["死亡日期：名单（第5行）为2020-03-08，登记为2020-03-09"],  # the same stay; 非建档立卡 asserts nothing
    }


def test_roll_fact_mismatch_waits_for_a_registry_and_a_match():
    recorded = {10: rules.Recorded(poverty_status="lifted")}
    assert rules.roll_fact_mismatch(inputs(registry=(reg("N1", 10),), recorded=recorded)) == []
    unmatched = ListRecord(3, "N9", disability_category="physical", disability_grade=1)
    assert rules.roll_fact_mismatch(inputs(severe_disability=(unmatched,), recorded=recorded)) == []
