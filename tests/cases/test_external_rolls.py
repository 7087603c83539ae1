"""External rolls (外部名单): the five rolls from xlsx and csv, whole-file refusals with a report, invalid and
repeated IDs kept and flagged, idempotent re-import, supersession, matching, permissions, selectors and pages."""

from __future__ import annotations

import csv
import gc
import hashlib
import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from assistance.facts import household_inputs
from cases.models import Member, RollImport, RollKind, RollRecord
from cases.rolls import parser, selectors, services
from core import spreadsheets
from tests.helpers import make_household, make_member, valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# Files ----------------------------------------------------------------------------------------------------------

REGISTRY_HEADER = ["户编号", "姓名", "身份证号", "与户主关系", "贫困户属性", "脱贫状态", "是否监测对象", "乡镇", "村"]


def xlsx(rows: list[list[object]], title: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    for column in sheet.iter_cols():
        for cell in column:
            if isinstance(cell.value, str):
                cell.number_format = "@"  # text, as a registry export with its ID column formatted as text
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[object]], encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def encode(rows: list[list[object]], fmt: str) -> tuple[bytes, str]:
    if fmt == "xlsx":
        return xlsx(rows), "名单.xlsx"
    return csv_bytes(rows, "utf-8-sig" if fmt == "csv-utf8-bom" else "gb18030"), "名单.csv"


def registry_rows(*people: tuple[object, ...]) -> list[list[object]]:
    """(name, id, 脱贫状态, 是否监测对象, 贫困户属性) → registry rows in 汉葭街道 甲村."""
    return [REGISTRY_HEADER] + [
        ["H001", name, number, "户主", attribute, lifted, monitored, "汉葭街道", "甲村"]
        for name, number, lifted, monitored, attribute in people
    ]


@pytest.fixture
def county(users):
    return users["county_staff"]


def commit(actor, kind: str, data: bytes, filename: str = "名单.xlsx") -> RollImport:
    return services.commit_roll(actor=actor, kind=kind, file_bytes=data, filename=filename)


def refused(actor, kind: str, data: bytes, filename: str = "名单.xlsx") -> parser.RollReport:
    preview = services.preview_roll(actor=actor, kind=kind, file_bytes=data, filename=filename)
    assert preview.refused
    with pytest.raises(parser.RollRefused) as error:
        commit(actor, kind, data, filename)
    assert not RollImport.objects.exists() and not RollRecord.objects.exists(), "a refused file writes nothing"
    assert [str(p) for p in error.value.report.problems] == [str(p) for p in preview.problems]
    return error.value.report


# Each roll's happy path, from xlsx and from csv in both encodings ---------------------------------------------

ID1, ID2 = valid_id(date(1950, 3, 1)), valid_id(date(1988, 7, 9), male=False)

KIND_FILES = {
    RollKind.POVERTY_REGISTRY: [
        REGISTRY_HEADER,
        ["H001", "张三", ID1, "户主", "低保贫困户", "未脱贫", "否", "汉葭街道", "甲村"],
        ["H002", "李四", ID2, "户主", "一般贫困户", "已脱贫", "是", "郁山镇", "乙村"],
    ],
    RollKind.SEVERE_DISABILITY: [
        ["身份证号", "姓名", "乡镇（街道）", "村（社区）", "残疾类别", "残疾等级", "残疾证号"],
        [ID1, "张三", "汉葭", "甲村", "肢体", "一级", "x"],
        [ID2, "李四", "郁山镇", "", "精神残疾", "3", "y"],
    ],
    RollKind.ILLNESS_POVERTY: [
        ["公民身份号码", "姓名", "乡镇", "村", "病种"],
        [ID1, "张三", "汉葭街道", "甲", "尿毒症"],
        [ID2, "李四", "郁山", "乙村", "白血病"],
    ],
    RollKind.COVID_PATIENTS: [
        ["身份证号码", "姓名", "乡镇", "入院日期", "出院日期"],
        [ID1, "张三", "汉葭街道", "2020-02-03", "2020年3月1日"],
        [ID2, "李四", "郁山镇", "2020/2/10", ""],
    ],
    RollKind.DEATHS: [
        ["证件号码", "姓名", "乡镇", "村", "死亡日期"],
        [ID1, "张三", "汉葭街道", "", "2020-05-06"],
        [ID2, "李四", "郁山镇", "乙村", "20200607"],
    ],
}


def check_kind_fields(kind: str, first: RollRecord, second: RollRecord) -> None:
    if kind == RollKind.POVERTY_REGISTRY:
        assert (first.lifted_status, first.monitored, first.poverty_attribute) == ("未脱贫", False, "低保贫困户")
        assert (second.lifted_status, second.monitored, second.poverty_attribute) == ("已脱贫", True, "一般贫困户")
        assert (first.registry_status, second.registry_status) == ("unlifted", "monitored")
        assert (first.household_number, first.relation) == ("H001", "户主")
    elif kind == RollKind.SEVERE_DISABILITY:
        assert (first.disability_category, first.disability_grade) == ("physical", 1)
        assert (second.disability_category, second.disability_grade, second.village_id) == ("mental", 3, None)
    elif kind == RollKind.ILLNESS_POVERTY:
        assert (first.illness, second.illness) == ("尿毒症", "白血病")
        assert first.village.name == "甲村", "a village name without 村 is found when unambiguous"
    elif kind == RollKind.COVID_PATIENTS:
        assert (first.covid_admitted, first.covid_discharged) == (date(2020, 2, 3), date(2020, 3, 1))
        assert (second.covid_admitted, second.covid_discharged) == (date(2020, 2, 10), None)
    elif kind == RollKind.DEATHS:
        assert (first.date_of_death, second.date_of_death) == (date(2020, 5, 6), date(2020, 6, 7))
    if kind != RollKind.POVERTY_REGISTRY:
        assert first.registry_status == "" and first.lifted_status == ""


@pytest.mark.parametrize("fmt", ["xlsx", "csv-utf8-bom", "csv-gb18030"])
@pytest.mark.parametrize("kind", RollKind.values)
def test_each_roll_imports_from_xlsx_and_csv(county, villages, kind, fmt):
    data, filename = encode(KIND_FILES[kind], fmt)
    report = services.preview_roll(actor=county, kind=kind, file_bytes=data, filename=filename)
    assert not report.refused, [str(p) for p in report.problems]
    assert (report.rows, report.invalid_ids, report.duplicate_ids) == (2, 0, 0)
    assert not RollImport.objects.exists(), "the preview writes nothing"

    imported = commit(county, kind, data, filename)
    assert (imported.kind, imported.row_count, imported.is_current, imported.reused) == (kind, 2, True, False)
    first, second = imported.records.order_by("row_number")
    assert (first.name, first.id_number, first.id_valid, first.township.name) == ("张三", ID1, True, "汉葭街道")
    assert (second.name, second.id_number, second.township.name) == ("李四", ID2, "郁山镇")
    assert first.row_number == 2 and second.row_number == 3, "row numbers are the spreadsheet's own"
    check_kind_fields(kind, first, second)


def test_header_below_a_title_row_and_township_names_with_prefix(county, villages):
    rows = registry_rows(("张三", ID1, "未脱贫", "", ""))
    rows[1][7] = "彭水县汉葭街道"
    data = xlsx(rows, title="彭水县建档立卡贫困人口信息表")
    imported = commit(county, RollKind.POVERTY_REGISTRY, data)
    record = imported.records.get()
    assert record.row_number == 3 and record.township.name == "汉葭街道" and record.monitored is False


# Whole-file refusals ------------------------------------------------------------------------------------------


def test_missing_required_column_refuses_the_file_and_names_it(county, villages):
    rows = [[cell for i, cell in enumerate(row) if i != 5] for row in registry_rows(("张三", ID1, "未脱贫", "否", ""))]
    report = refused(county, RollKind.POVERTY_REGISTRY, xlsx(rows))
    (problem,) = report.problems
    assert problem.column == "脱贫状态" and "缺少必填列“脱贫状态”" in problem.message
    assert problem.where == "整个文件" and "加上“脱贫状态”列" in problem.fix


def test_unknown_township_refuses_the_file_naming_the_rows(county, villages):
    rows = registry_rows(("张三", ID1, "未脱贫", "否", ""), ("李四", ID2, "未脱贫", "否", ""), ("王五", "", "", "", ""))
    rows[2][7] = rows[3][7] = "火星镇"
    report = refused(county, RollKind.POVERTY_REGISTRY, xlsx(rows))
    (problem,) = report.problems
    assert problem.rows == [3, 4] and problem.letter == "H" and problem.column == "乡镇"
    assert "“火星镇”不是本县的乡镇" in problem.message and "汉葭街道" in problem.fix
    assert str(problem).startswith("第 3、4 行 H 列「乡镇」")


def test_unknown_village_refuses_the_file(county, villages):
    rows = registry_rows(("张三", ID1, "未脱贫", "否", ""), ("李四", ID2, "未脱贫", "否", ""))
    rows[2][8] = "乙村"  # a village of another township
    report = refused(county, RollKind.POVERTY_REGISTRY, xlsx(rows))
    (problem,) = report.problems
    assert problem.rows == [3] and problem.column == "村" and "汉葭街道没有村（社区）“乙村”" in problem.message


def test_id_cell_stored_as_number_refuses_the_file_and_says_to_format_as_text(county, villages):
    rows = registry_rows(("张三", ID1, "未脱贫", "否", ""), ("李四", int(ID2[:17]), "未脱贫", "否", ""))
    report = refused(county, RollKind.POVERTY_REGISTRY, xlsx(rows))
    (problem,) = report.problems
    assert problem.rows == [3] and problem.letter == "C" and problem.column == "身份证号"
    assert "数字" in problem.message and problem.fix == "请将该列设置为文本格式后重新导出"
    assert "第 3 行 C 列「身份证号」" in str(problem)


def test_id_in_scientific_notation_in_a_csv_refuses_the_file(county, villages):
    rows = registry_rows(("张三", "5.00243E+17", "未脱贫", "否", ""))
    report = refused(county, RollKind.POVERTY_REGISTRY, csv_bytes(rows, "utf-8"), "名单.csv")
    assert report.problems[0].fix == "请将该列设置为文本格式后重新导出"


def test_one_report_lists_every_problem(county, villages):
    rows = registry_rows(
        ("张三", 500243195003010011, "未脱贫", "否", ""),
        ("李四", ID2, "不知道", "也许", "富裕户"),
        ("", ID1, "未脱贫", "否", ""),
    )
    rows[3][7] = "火星镇"
    report = refused(county, RollKind.POVERTY_REGISTRY, xlsx(rows))
    found = {(problem.column, tuple(problem.rows)) for problem in report.problems}
    assert found == {
        ("身份证号", (2,)),
        ("脱贫状态", (3,)),
        ("是否监测对象", (3,)),
        ("贫困户属性", (3,)),
        ("姓名", (4,)),
        ("乡镇", (4,)),
    }
    assert all(problem.message and problem.fix for problem in report.problems)


def test_bad_dates_and_empty_file_are_refused(county, villages):
    rows = [["身份证号", "姓名", "乡镇", "入院日期", "出院日期"], [ID1, "张三", "汉葭街道", "2020-02-30", "2020-01-01"]]
    report = refused(county, RollKind.COVID_PATIENTS, xlsx(rows))
    assert [p.column for p in report.problems] == ["入院日期"] and "不是有效的日期" in report.problems[0].message
    rows[1][3] = "2020-02-03"
    report = refused(county, RollKind.COVID_PATIENTS, xlsx(rows))
    assert report.problems[0].message == "出院日期早于入院日期"
    report = refused(county, RollKind.COVID_PATIENTS, xlsx(rows[:1]))
    assert "没有数据行" in report.problems[0].message
    report = refused(county, RollKind.COVID_PATIENTS, b"\x00\x01 not a sheet", "名单.pdf")
    assert "只能导入 Excel" in report.problems[0].message


# Invalid and repeated IDs are rows, flagged ---------------------------------------------------------------------


def test_invalid_and_duplicate_ids_are_kept_and_flagged(county, villages):
    rows = registry_rows(
        ("张三", ID1, "未脱贫", "否", ""),
        ("张三", ID1.lower() if ID1.endswith("X") else f" {ID1} ", "未脱贫", "否", ""),
        ("李四", "500243199001010010", "已脱贫", "否", ""),
        ("王五", "", "已脱贫", "否", ""),
        ("赵六", ID2, "已脱贫", "否", ""),
    )
    imported = commit(county, RollKind.POVERTY_REGISTRY, xlsx(rows))
    assert (imported.row_count, imported.invalid_id_count, imported.duplicate_id_count) == (5, 2, 2)
    records = {record.row_number: record for record in imported.records.all()}
    assert records[2].id_duplicate and records[3].id_duplicate and records[3].id_number == ID1
    assert not records[4].id_valid and records[4].id_number == "" and records[4].id_number_raw == "500243199001010010"
    assert not records[5].id_valid and records[5].id_number_raw == ""
    assert records[6].id_valid and not records[6].id_duplicate


def test_the_garbage_collector_is_paused_while_a_file_is_read_and_only_then(county, villages, monkeypatch):
    states = []

    def read_cells(*args):  # type: ignore[no-untyped-def]
        states.append(gc.isenabled())
        return spreadsheets.read_cells(*args)

    monkeypatch.setattr(parser, "read_cells", read_cells)
    commit(county, RollKind.POVERTY_REGISTRY, xlsx(registry_rows(("张三", ID1, "未脱贫", "否", ""))))
    assert states == [False] and gc.isenabled()
    gc.disable()
    try:
        parser.parse_roll(RollKind.POVERTY_REGISTRY, xlsx(registry_rows(("张三", ID1, "未脱贫", "否", ""))), "x.xlsx")
        assert not gc.isenabled(), "a collector paused by the caller stays paused"
    finally:
        gc.enable()


# Idempotence, supersession, what an import keeps ---------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(county, users, villages):
    data = xlsx(registry_rows(("张三", ID1, "未脱贫", "否", "")))
    first = commit(county, RollKind.POVERTY_REGISTRY, data)
    report = services.preview_roll(actor=county, kind=RollKind.POVERTY_REGISTRY, file_bytes=data, filename="again.xlsx")
    assert report.existing == first
    again = commit(users["county_admin"], RollKind.POVERTY_REGISTRY, data, "again.xlsx")
    assert again.pk == first.pk and again.reused
    assert RollImport.objects.count() == 1 and RollRecord.objects.count() == 1
    # The same file is a different roll for another kind only if it has that kind's columns: it is refused here.
    refused_report = services.preview_roll(actor=county, kind=RollKind.DEATHS, file_bytes=data, filename="x.xlsx")
    assert refused_report.refused and refused_report.existing is None


def test_a_new_import_supersedes_the_current_one_of_its_kind(county, villages):
    january = commit(county, RollKind.POVERTY_REGISTRY, xlsx(registry_rows(("张三", ID1, "未脱贫", "否", ""))))
    deaths = commit(county, RollKind.DEATHS, xlsx(KIND_FILES[RollKind.DEATHS]))
    february = commit(county, RollKind.POVERTY_REGISTRY, xlsx(registry_rows(("张三", ID1, "已脱贫", "否", ""))))
    january.refresh_from_db()
    deaths.refresh_from_db()
    assert february.is_current and not january.is_current and deaths.is_current
    assert selectors.current_import(RollKind.POVERTY_REGISTRY) == february
    assert selectors.registry_status_by_id_number([ID1]) == {ID1: "lifted"}, "the registry in force is the latest"


def test_the_committed_import_keeps_file_who_when_and_counts(county, villages, media):
    data = xlsx(registry_rows(("张三", ID1, "未脱贫", "否", ""), ("李四", "123", "已脱贫", "否", "")))
    imported = commit(county, RollKind.POVERTY_REGISTRY, data, "C:\\导出\\2020年建档立卡.xlsx")
    imported = RollImport.objects.get(pk=imported.pk)
    assert imported.imported_by == county and imported.imported_at is not None
    assert imported.original_name == "2020年建档立卡.xlsx"
    assert imported.file_sha256 == hashlib.sha256(data).hexdigest()
    assert imported.file.name.startswith("rolls/") and imported.file.read() == data
    assert (media / imported.file.name).exists()
    assert (imported.row_count, imported.invalid_id_count, imported.matched_count, imported.unmatched_count) == (
        2,
        1,
        0,
        2,
    )
    assert imported.status == RollImport.Status.COMMITTED


def test_the_commit_is_atomic(county, villages, media, monkeypatch):
    earlier = commit(county, RollKind.POVERTY_REGISTRY, xlsx(registry_rows(("张三", ID1, "未脱贫", "否", ""))))
    copy = services._copy_records

    def copy_then_fail(import_id, records):
        copy(import_id, records)
        raise RuntimeError("the connection dropped")

    monkeypatch.setattr(services, "_copy_records", copy_then_fail)
    data = xlsx(registry_rows(("张三", ID1, "已脱贫", "否", ""), ("李四", ID2, "已脱贫", "否", "")))
    with pytest.raises(RuntimeError):
        commit(county, RollKind.POVERTY_REGISTRY, data)
    assert list(RollImport.objects.all()) == [earlier] and RollRecord.objects.count() == 1
    earlier.refresh_from_db()
    assert earlier.is_current, "the import in force stays in force"
    stored = [path for path in (media / "rolls").rglob("*") if path.is_file()]
    assert [path.name for path in stored] == [Path(earlier.file.name).name], "the failed import's file is removed"


def test_comparison_reads_the_flags_of_the_rolls_in_force(county, villages):
    rows = registry_rows(
        ("张三", ID1, "未脱贫", "否", ""), ("张三", ID1, "未脱贫", "否", ""), ("李四", "1", "", "", "")
    )
    commit(county, RollKind.POVERTY_REGISTRY, xlsx(rows))
    records = selectors.current_records(RollKind.POVERTY_REGISTRY)
    assert sorted(records.filter(id_duplicate=True).values_list("row_number", flat=True)) == [2, 3]
    assert list(records.filter(id_valid=False).values_list("id_number_raw", flat=True)) == ["1"]
    assert not selectors.current_records(RollKind.DEATHS).exists()


# Matching, permissions, selectors ------------------------------------------------------------------------------


def test_rows_match_active_members_by_normalised_id(county, users, villages):
    caseworker = users["caseworker"]
    household = make_household(caseworker, villages["a"])
    head = make_member(caseworker, household, name="张三", id_number=ID1)
    left = make_member(caseworker, household, name="旧人", relation="child", id_number=ID2)
    Member.objects.filter(pk=left.pk).update(active=False)  # moved out of the county
    data = xlsx(registry_rows(("张三", ID1, "未脱贫", "否", ""), ("旧人", ID2, "已脱贫", "否", "")))
    report = services.preview_roll(actor=county, kind=RollKind.POVERTY_REGISTRY, file_bytes=data, filename="r.xlsx")
    assert (report.matched, report.unmatched) == (1, 1)
    imported = commit(county, RollKind.POVERTY_REGISTRY, data)
    assert imported.records.get(row_number=2).member == head
    assert imported.records.get(row_number=3).member is None, "an inactive member is not matched"
    assert (imported.matched_count, imported.unmatched_count) == (1, 1)


@pytest.mark.parametrize("role", ["caseworker", "reviewer", "auditor"])
def test_only_county_staff_import(users, villages, role):
    data = xlsx(registry_rows(("张三", ID1, "未脱贫", "否", "")))
    with pytest.raises(PermissionDenied):
        services.preview_roll(actor=users[role], kind=RollKind.POVERTY_REGISTRY, file_bytes=data, filename="r.xlsx")
    with pytest.raises(PermissionDenied):
        commit(users[role], RollKind.POVERTY_REGISTRY, data)
    assert not RollImport.objects.exists()
    assert commit(users["county_admin"], RollKind.POVERTY_REGISTRY, data).row_count == 1


def test_registry_status_follows_policy_section_2(county, users, villages):
    """Through the one facts selector (assistance.facts): the caseworker's entry before any registry import, the
    registry (and ``none`` for a person absent from it) afterwards."""
    caseworker = users["caseworker"]
    household = make_household(caseworker, villages["a"])
    make_member(caseworker, household, name="张三", id_number=ID1, poverty_status="lifted")
    make_member(caseworker, household, name="张小", relation="child", id_number=ID2)
    other = make_household(caseworker, villages["a"])
    make_member(caseworker, other, name="王五", poverty_status="unlifted")

    def statuses() -> dict[int, str]:
        facts = household_inputs([household.pk, other.pk], date(2020, 10, 1))
        return {pk: facts[pk].poverty_registry for pk in facts}

    assert not selectors.has_registry()
    assert statuses() == {household.pk: "lifted", other.pk: "unlifted"}
    commit(
        county,
        RollKind.POVERTY_REGISTRY,
        xlsx(registry_rows(("张三", ID1, "已脱贫", "否", ""), ("张小", ID2, "已脱贫", "是", ""))),
    )
    assert selectors.has_registry()
    assert statuses() == {household.pk: "monitored", other.pk: "none"}, "the registry is the authority"
    assert selectors.registry_status_by_id_number() == {ID1: "lifted", ID2: "monitored"}


def test_a_person_on_two_registry_rows_takes_the_stronger_status(county, villages):
    commit(
        county,
        RollKind.POVERTY_REGISTRY,
        xlsx(registry_rows(("张三", ID1, "已脱贫", "否", ""), ("张三", ID1, "未脱贫", "是", ""))),
    )
    assert selectors.registry_status_by_id_number([ID1]) == {ID1: "unlifted"}


# Pages ---------------------------------------------------------------------------------------------------------


def test_page_flow_upload_preview_confirm(client_for, users, villages, media):
    client = client_for("county_staff")
    data = xlsx(registry_rows(("张三", ID1, "未脱贫", "否", ""), ("李四", "bad", "已脱贫", "否", "")))
    page = client.get(reverse("external-roll-import"))
    assert page.status_code == 200 and "贫困户属性" in page.content.decode() and "是否监测对象" in page.content.decode()

    upload = io.BytesIO(data)
    upload.name = "建档立卡.xlsx"
    preview = client.post(reverse("external-roll-import"), {"kind": "poverty_registry", "file": upload})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert 'data-testid="roll-confirm"' in html and 'data-count="invalid_ids">1<' in html
    assert not RollImport.objects.exists(), "the preview writes nothing"
    token = preview.context["token"]
    # core.uploads keeps the pending upload; the token is signed, not the file's name
    assert services.load_pending(actor=users["county_staff"], token=token)[1] == data

    done = client.post(reverse("external-roll-confirm"), {"token": token})
    imported = RollImport.objects.get()
    assert done.status_code == 302 and done.url == reverse("external-roll-detail", args=[imported.pk])
    assert not list((media / "pending").iterdir()), "the pending upload is cleaned after the commit"
    assert imported.row_count == 2 and imported.original_name == "建档立卡.xlsx"

    again = client.post(reverse("external-roll-confirm"), {"token": token})
    assert again.status_code == 302 and RollImport.objects.count() == 1, "a used token imports nothing"

    detail = client.get(done.url)
    assert detail.status_code == 200 and "当前生效" in detail.content.decode()
    invalid = client.get(done.url, {"show": "invalid"})
    assert [row.row_number for row in invalid.context["rows"]] == [3]
    listing = client.get(reverse("external-roll-list"))
    assert "建档立卡.xlsx" in listing.content.decode()
    download = client.get(reverse("external-roll-file", args=[imported.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == data


def test_refused_upload_shows_the_report_and_no_confirm_button(client_for, villages):
    client = client_for("county_staff")
    upload = io.BytesIO(xlsx(registry_rows(("张三", int(ID1[:17]), "未脱贫", "否", ""))))
    upload.name = "r.xlsx"
    page = client.post(reverse("external-roll-import"), {"kind": "poverty_registry", "file": upload})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="roll-refused"' in html and "roll-confirm" not in html
    assert "请将该列设置为文本格式后重新导出" in html and "第 2 行" in html


def test_pages_are_for_county_users(client_for, users, villages):
    imported = commit(users["county_staff"], RollKind.POVERTY_REGISTRY, xlsx(registry_rows(("张三", ID1, "", "", ""))))
    for role in ("caseworker", "reviewer"):
        client = client_for(role)
        for url in (
            reverse("external-roll-list"),
            reverse("external-roll-import"),
            reverse("external-roll-detail", args=[imported.pk]),
            reverse("external-roll-file", args=[imported.pk]),
        ):
            assert client.get(url).status_code == 403, (role, url)
    auditor = client_for("auditor")
    assert auditor.get(reverse("external-roll-list")).status_code == 200
    detail = auditor.get(reverse("external-roll-detail", args=[imported.pk]))
    assert detail.status_code == 200 and ID1 not in detail.content.decode(), "IDs are masked for auditors"
    assert auditor.get(reverse("external-roll-import")).status_code == 403
    assert auditor.post(reverse("external-roll-confirm"), {"token": "x" * 30}).status_code == 403
    assert auditor.get(reverse("external-roll-file", args=[imported.pk])).status_code == 403


def test_a_pending_upload_belongs_to_its_uploader(client_for, users, villages):
    token = services.stash_pending(
        actor=users["county_staff"],
        kind=RollKind.POVERTY_REGISTRY,
        file_bytes=xlsx(registry_rows(("张三", ID1, "", "", ""))),
        filename="r.xlsx",
    )
    response = client_for("county_admin").post(reverse("external-roll-confirm"), {"token": token})
    assert response.status_code == 302 and not RollImport.objects.exists()
    response = client_for("county_staff").post(reverse("external-roll-confirm"), {"token": "../../etc/passwd"})
    assert response.status_code == 302 and not RollImport.objects.exists()
