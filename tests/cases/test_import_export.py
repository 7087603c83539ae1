"""Admin round trips with django-import-export: IDs and accounts stay text, bad rows are named, nothing half-written."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
import tablib

from cases.models import Household, Member
from cases.resources import HouseholdResource, MemberResource
from tests.helpers import make_household, valid_id

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list[object]]) -> tablib.Dataset:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return tablib.Dataset().load(buffer.getvalue(), format="xlsx")


def problems(result) -> dict[int, str]:
    """Row number → what is wrong, from validation errors and row errors alike."""
    out = {row.number: str(row.error_dict) for row in result.invalid_rows}
    for number, errors in result.row_errors():
        out[number] = out.get(number, "") + " ".join(str(error.error) for error in errors)
    return out


MEMBER_HEADER = ["户编号", "姓名", "身份证号", "与户主关系", "民族", "联系电话", "劳动能力", "残疾类别", "残疾等级",
                 "建档立卡状态", "开户银行", "银行账号"]  # fmt: skip


def member_row(number: str, name: str, id_number: object, account: object = "6228480000001234567") -> list[object]:
    return [number, name, id_number, "head", "苗族", "13800000000", "full", "", None, "none", "农商行", account]


def test_members_import_with_ids_as_text(users, villages):
    household = make_household(users["caseworker"], villages["a"])
    number = valid_id(date(1966, 6, 6))
    dataset = xlsx([MEMBER_HEADER, member_row(household.number, "孙一", number.lower())])
    result = MemberResource().import_data(dataset, dry_run=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert not Member.objects.exists(), "a dry run writes nothing"
    result = MemberResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    member = Member.objects.get()
    assert member.id_number == number and member.birth_date == date(1966, 6, 6)
    assert member.bank_account == "6228480000001234567"
    exported = MemberResource().export()
    assert exported.dict[0]["身份证号"] == number and isinstance(exported.dict[0]["银行账号"], str)


def test_a_number_cell_is_refused_and_nothing_is_imported(users, villages):
    household = make_household(users["caseworker"], villages["a"])
    good = member_row(household.number, "孙一", valid_id())
    bad = member_row(household.number, "孙二", 500243198001010017)  # a spreadsheet number: digits may be lost
    result = MemberResource().import_data(xlsx([MEMBER_HEADER, good, bad]), dry_run=False, use_transactions=True)
    assert problems(result) == {2: problems(result)[2]}
    assert "“身份证号”列必须设置为文本格式" in problems(result)[2]
    assert not Member.objects.exists(), "all or nothing"


def test_wrong_check_character_is_named(users, villages):
    household = make_household(users["caseworker"], villages["a"])
    result = MemberResource().import_data(
        xlsx([MEMBER_HEADER, member_row(household.number, "孙三", "500243199001010010")]), dry_run=True
    )
    assert "身份证号校验位应为 7" in problems(result)[1]


def test_households_import_takes_township_from_village(villages, township_a):
    dataset = xlsx([
        ["户编号", "村（社区）代码", "住址", "城乡类别（urban/rural）", "联系电话"],
        ["H0001", villages["a"].code, "甲村 1 组", "rural", "02378440000"],
    ])  # fmt: skip
    result = HouseholdResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    household = Household.objects.get(number="H0001")
    assert household.township == township_a and household.phone == "02378440000"
