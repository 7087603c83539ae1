"""Go-live import of the existing 低保 and 特困 rolls: file format, row problems, scope, all-or-nothing, idempotence,
the command and the upload → preview → confirm pages."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pghistory.models
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from assistance.models import Enrollment
from assistance.roll_import import import_roll, parse_roll
from tests.helpers import make_household, make_member, valid_id, workbook_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "身份证号", "救助项目", "起始月份", "月金额", "供养方式", "照料人", "供养机构"]


def xlsx(rows, headers=HEADERS, title=None) -> bytes:
    return workbook_bytes([*([[title]] if title else []), headers, *rows])


def csv_bytes(rows, encoding, headers=HEADERS) -> bytes:
    lines = [",".join(headers)] + [",".join("" if cell is None else str(cell) for cell in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.fixture
def people(users, villages):
    """Township A: a 低保 household (head and spouse), a dispersed and a centralized 特困 elder. Township B: one."""
    actor = users["caseworker"]
    household = make_household(actor, villages["a"])
    head = make_member(actor, household, name="张三", relation="head")
    spouse = make_member(actor, household, name="李四", relation="spouse")
    lone = make_household(actor, villages["a"])
    elder = make_member(actor, lone, name="王老五", relation="head", born=date(1940, 3, 1), work_capacity="none")
    home = make_household(actor, villages["a"])
    resident = make_member(actor, home, name="赵六", relation="head", born=date(1938, 6, 1), work_capacity="none")
    other = make_household(users["caseworker_b"], villages["b"])
    outsider = make_member(users["caseworker_b"], other, name="郁山人", relation="head")
    return {
        "household": household,
        "head": head,
        "spouse": spouse,
        "elder": elder,
        "resident": resident,
        "outsider": outsider,
    }


def good_rows(people):
    return [
        ["张三", people["head"].id_number, "低保", "2023-01", 620, "", "", ""],
        ["王老五", people["elder"].id_number, "特困", date(2022, 7, 15), "1100.50", "分散", "王小二", ""],
        ["赵六", people["resident"].id_number, "tekun", "2021年3月", 1200, "集中", "", "县社会福利院"],
    ]


def messages_of(report):
    return [(problem.row, problem.column, problem.message) for problem in report.problems]


# The happy path -------------------------------------------------------------------------------------------


def test_valid_xlsx_with_dibao_and_tekun_rows_imports(users, people):
    actor = users["caseworker"]
    report = import_roll(actor=actor, file_bytes=xlsx(good_rows(people)), filename="roll.xlsx", commit=True)
    assert report.ok, messages_of(report)
    assert (report.rows, report.to_create, report.skipped, report.errors, report.created) == (3, 3, 0, 0, 3)

    dibao = Enrollment.objects.get(benefit="dibao")
    assert dibao.household == people["household"] and dibao.member is None
    assert dibao.township_id == actor.township_id and dibao.status == "active"
    assert (dibao.start_month, dibao.monthly_amount) == (date(2023, 1, 1), Decimal("620.00"))
    dispersed = Enrollment.objects.get(member=people["elder"])
    assert (dispersed.benefit, dispersed.start_month, dispersed.monthly_amount) == (
        "tekun",
        date(2022, 7, 1),
        Decimal("1100.50"),
    )
    assert (dispersed.support_mode, dispersed.caregiver_name) == ("dispersed", "王小二")
    centralized = Enrollment.objects.get(member=people["resident"])
    assert (centralized.support_mode, centralized.institution_name) == ("centralized", "县社会福利院")
    assert centralized.start_month == date(2021, 3, 1)

    events = pghistory.models.Events.objects.filter(pgh_obj_model="assistance.Enrollment", pgh_label="insert")
    assert events.count() == 3
    assert {(e.pgh_context["user"], e.pgh_context["reason"]) for e in events} == {(actor.pk, "上线导入")}


def test_importing_the_same_file_again_changes_nothing(users, people):
    data = xlsx(good_rows(people))
    first = import_roll(actor=users["county_staff"], file_bytes=data, filename="roll.xlsx", commit=True)
    assert first.created == 3
    again = import_roll(actor=users["county_staff"], file_bytes=data, filename="roll.xlsx", commit=True)
    assert again.ok and (again.to_create, again.skipped, again.created) == (0, 3, 0)
    assert [n.message.startswith("已在册，跳过") for n in again.notices] == [True, True, True]
    assert Enrollment.objects.count() == 3
    assert pghistory.models.Events.objects.filter(pgh_obj_model="assistance.Enrollment").count() == 3


def test_an_open_enrollment_that_differs_is_an_error_not_a_skip(users, people):
    actor = users["caseworker"]
    import_roll(actor=actor, file_bytes=xlsx(good_rows(people)[:1]), filename="a.xlsx", commit=True)
    changed = good_rows(people)
    changed[0][4] = 700
    report = import_roll(actor=actor, file_bytes=xlsx(changed), filename="a.xlsx", commit=True)
    assert not report.ok and report.created == 0
    [(row, column, message)] = messages_of(report)
    assert (row, column) == (2, "月金额") and "已有在办的低保" in message and "620.00" in message
    assert Enrollment.objects.count() == 1


def test_the_header_may_sit_under_a_title_and_columns_come_in_any_order(users, people):
    headers = ["备注", "月金额（元）", "起始月份", "*身份证号码", "救助项目"]
    rows = [["户主", "300", "2024/5", people["spouse"].id_number, "低保"], [None, None, None, None, None]]
    report = import_roll(
        actor=users["county_admin"],
        file_bytes=xlsx(rows, headers, title="汉葭街道低保名单"),
        filename="roll.xlsx",
        commit=True,
    )
    assert report.ok, messages_of(report)
    assert report.rows == 1
    enrollment = Enrollment.objects.get()
    assert (enrollment.household, enrollment.member, enrollment.start_month) == (
        people["household"],
        None,
        date(2024, 5, 1),
    )


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_in_utf8_with_bom_and_in_gb18030(users, people, encoding):
    data = csv_bytes(good_rows(people), encoding)
    report = import_roll(actor=users["caseworker"], file_bytes=data, filename="roll.csv", commit=True)
    assert report.ok, messages_of(report)
    assert report.created == 3
    assert Enrollment.objects.get(member=people["elder"]).caregiver_name == "王小二"


def test_preview_writes_nothing(users, people):
    report = import_roll(actor=users["caseworker"], file_bytes=xlsx(good_rows(people)), filename="r.xlsx", commit=False)
    assert report.ok and report.to_create == 3 and report.created == 0
    assert [planned.name for planned in report.planned] == ["张三", "王老五", "赵六"]
    assert not Enrollment.objects.exists()


# The file refused as a whole ------------------------------------------------------------------------------


def test_a_file_without_the_id_header_is_refused_whole(users, people):
    headers = ["姓名", "证件号", "救助项目", "起始月份", "月金额"]
    rows = [[row[0], row[1], row[2], row[3], row[4]] for row in good_rows(people)]
    report = import_roll(actor=users["county_staff"], file_bytes=xlsx(rows, headers), filename="r.xlsx", commit=True)
    assert report.refused and not report.ok and report.created == 0
    [problem] = report.problems
    assert problem.row is None and problem.column == "身份证号" and "缺少必填列" in problem.message
    assert not Enrollment.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused(users):
    report = import_roll(actor=users["county_staff"], file_bytes=b"%PDF-1.4", filename="roll.pdf", commit=False)
    assert report.refused and "只支持 Excel" in report.problems[0].message


# Row problems ---------------------------------------------------------------------------------------------


def test_an_id_cell_stored_as_a_number_blocks_the_whole_import(users, people):
    rows = good_rows(people)
    rows.insert(1, ["李四", int(people["spouse"].id_number[:17] + "0"), "特困", "2023-01", 100, "", "", ""])
    report = import_roll(actor=users["caseworker"], file_bytes=xlsx(rows), filename="r.xlsx", commit=True)
    assert not report.ok and report.created == 0
    [problem] = report.problems
    assert (problem.row, problem.letter, problem.column) == (3, "B", "身份证号")
    assert "请将身份证号列设置为文本格式" in problem.message
    assert str(problem).startswith("第 3 行 B 列「身份证号」")
    assert (report.rows, report.to_create, report.errors) == (4, 3, 1)
    assert not Enrollment.objects.exists()


def test_an_invalid_check_character_is_named(users, people):
    number = people["head"].id_number
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    rows = [["", wrong, "低保", "2023-01", 600, "", "", ""]]
    report = import_roll(actor=users["caseworker"], file_bytes=xlsx(rows), filename="r.xlsx", commit=False)
    [(row, column, message)] = messages_of(report)
    assert (row, column) == (2, "身份证号") and f"校验位应为 {number[17]}" in message


def test_an_unknown_person_is_an_error(users, people):
    rows = [["", valid_id(), "低保", "2023-01", 600, "", "", ""]]
    report = import_roll(actor=users["county_staff"], file_bytes=xlsx(rows), filename="r.xlsx", commit=False)
    [(row, column, message)] = messages_of(report)
    assert (row, column) == (2, "身份证号") and "没有该身份证号的在册人员" in message


def test_a_township_user_cannot_import_another_townships_person(users, people):
    rows = [*good_rows(people), ["郁山人", people["outsider"].id_number, "低保", "2023-01", 600, "", "", ""]]
    report = import_roll(actor=users["caseworker"], file_bytes=xlsx(rows), filename="r.xlsx", commit=True)
    [(row, column, message)] = messages_of(report)
    assert (row, column) == (5, "身份证号") and "不属于本乡镇" in message
    assert not Enrollment.objects.exists()
    county = import_roll(actor=users["county_staff"], file_bytes=xlsx(rows), filename="r.xlsx", commit=True)
    assert county.ok and county.created == 4


def test_duplicate_rows_for_one_beneficiary(users, people):
    rows = [
        *good_rows(people),
        ["李四", people["spouse"].id_number, "低保", "2023-01", 620, "", "", ""],  # same household as row 2
        ["王老五", people["elder"].id_number, "特困", "2022-07", 1100.5, "分散", "王小二", ""],  # same as row 3
        ["王老五", people["elder"].id_number, "低保", "2022-07", 300, "", "", ""],  # another benefit: fine
    ]
    report = import_roll(actor=users["caseworker"], file_bytes=xlsx(rows), filename="r.xlsx", commit=False)
    assert [(row, message[:8]) for row, _, message in messages_of(report)] == [
        (5, "与第 2 行重复"),
        (6, "与第 3 行重复"),
    ]
    assert report.to_create == 4


def test_a_name_that_differs_from_the_registry(users, people):
    rows = [["张叁", people["head"].id_number, "低保", "2023-01", 600, "", "", ""]]
    report = import_roll(actor=users["caseworker"], file_bytes=xlsx(rows), filename="r.xlsx", commit=False)
    [(row, column, message)] = messages_of(report)
    assert (row, column) == (2, "姓名") and message.startswith("姓名与登记不一致")


@pytest.mark.parametrize(
    ("cells", "column", "expected"),
    [
        (("社保", "2023-01", 600, "", ""), "救助项目", "无法识别救助项目"),
        (("低保", "2023-13", 600, "", ""), "起始月份", "不是有效的年月"),
        (("低保", "去年", 600, "", ""), "起始月份", "无法识别起始月份"),
        (("低保", "2999-01", 600, "", ""), "起始月份", "晚于本月"),
        (("低保", "2023-01", -5, "", ""), "月金额", "不能为负数"),
        (("低保", "2023-01", "六百", "", ""), "月金额", "不是数字"),
        (("低保", "2023-01", "600.123", "", ""), "月金额", "最多两位小数"),
        (("低保", "2023-01", 600, "分散", ""), "供养方式", "只适用于特困"),
        (("特困", "2023-01", 600, "分散", ""), "照料人", "分散供养须填写照料人"),
        (("特困", "2023-01", 600, "居家", ""), "供养方式", "无法识别供养方式"),
    ],
)
def test_cell_problems_name_the_column(users, people, cells, column, expected):
    benefit, month, amount, mode, caregiver = cells
    rows = [["", people["elder"].id_number, benefit, month, amount, mode, caregiver, ""]]
    report = import_roll(actor=users["caseworker"], file_bytes=xlsx(rows), filename="r.xlsx", commit=False)
    [(row, found_column, message)] = messages_of(report)
    assert (row, found_column) == (2, column) and expected in message


def test_parse_roll_reads_rows_without_the_database(people):
    rows, problems = parse_roll(xlsx(good_rows(people)), "roll.xlsx")
    assert not problems
    assert [(r.row, r.benefit, r.start_month, r.monthly_amount) for r in rows] == [
        (2, "dibao", date(2023, 1, 1), Decimal("620.00")),
        (3, "tekun", date(2022, 7, 1), Decimal("1100.50")),
        (4, "tekun", date(2021, 3, 1), Decimal("1200.00")),
    ]


def test_auditors_may_not_import(users, people, client_for):
    with pytest.raises(PermissionDenied):
        import_roll(actor=users["auditor"], file_bytes=xlsx(good_rows(people)), filename="r.xlsx", commit=False)
    assert client_for("auditor").get(reverse("roll-import")).status_code == 403
    upload = SimpleUploadedFile("r.xlsx", xlsx(good_rows(people)))
    assert client_for("auditor").post(reverse("roll-import"), {"file": upload}).status_code == 403
    assert client_for("auditor").post(reverse("roll-import-confirm"), {"token": "x"}).status_code == 403
    assert not Enrollment.objects.exists()


# Command --------------------------------------------------------------------------------------------------


def test_command_previews_commits_and_exits_2_on_problems(users, people, tmp_path):
    good = tmp_path / "roll.xlsx"
    good.write_bytes(xlsx(good_rows(people)))
    out = io.StringIO()
    call_command("import_rolls", str(good), user="cw_a", stdout=out)
    assert "可导入 3 行" in out.getvalue() and not Enrollment.objects.exists()
    out = io.StringIO()
    call_command("import_rolls", str(good), user="cw_a", commit=True, stdout=out)
    assert "已导入 3 条" in out.getvalue() and Enrollment.objects.count() == 3

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["", valid_id(), "低保", "2023-01", 1, "", "", ""]], "utf-8-sig"))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_rolls", str(bad), user="cw_a", commit=True, stdout=out)
    assert exit_info.value.code == 2
    assert "第 2 行 B 列「身份证号」" in out.getvalue()
    assert Enrollment.objects.count() == 3


# Pages ----------------------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path / "pending"  # core.uploads keeps pending uploads under MEDIA_ROOT/pending/


def test_upload_preview_confirm(users, people, client_for, media):
    client = client_for("caseworker")
    page = client.get(reverse("roll-import"))
    assert page.status_code == 200 and "身份证号列必须设置为文本格式" in page.content.decode()
    upload = SimpleUploadedFile("roll.xlsx", xlsx(good_rows(people)))
    preview = client.post(reverse("roll-import"), {"file": upload})
    body = preview.content.decode()
    assert preview.status_code == 200 and "确认导入" in body and "王老五" in body
    assert not Enrollment.objects.exists()
    token = preview.context["token"]
    assert token and len(list(media.iterdir())) == 1

    # Somebody else cannot use the token.
    stolen = client_for("county_staff").post(reverse("roll-import-confirm"), {"token": token})
    assert stolen.status_code == 302 and not Enrollment.objects.exists()

    done = client.post(reverse("roll-import-confirm"), {"token": token}, follow=True)
    assert "已导入 3 条在册记录" in done.content.decode()
    assert Enrollment.objects.count() == 3
    assert list(media.iterdir()) == []
    again = client.post(reverse("roll-import-confirm"), {"token": token}, follow=True)
    assert "预览已失效" in again.content.decode() and Enrollment.objects.count() == 3


def test_a_township_user_of_another_township_gets_errors_not_data(users, people, client_for, media):
    upload = SimpleUploadedFile("roll.xlsx", xlsx(good_rows(people)))
    preview = client_for("caseworker_b").post(reverse("roll-import"), {"file": upload})
    body = preview.content.decode()
    assert preview.status_code == 200
    assert body.count("不属于本乡镇") == 3
    assert "确认导入" not in body and not preview.context["token"]
    for member in ("head", "elder", "resident"):  # nothing from the registry of township A
        assert people[member].household.number not in body
        assert people[member].name not in body
    assert not Enrollment.objects.exists()


def test_a_refused_file_shows_why(users, client_for, media):
    upload = SimpleUploadedFile("roll.csv", "姓名,救助项目\r\n张三,低保\r\n".encode("gb18030"))
    preview = client_for("county_staff").post(reverse("roll-import"), {"file": upload})
    body = preview.content.decode()
    assert "文件被整体拒绝" in body and "缺少必填列“身份证号”" in body and "确认导入" not in body
