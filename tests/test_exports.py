"""The export toolkit (``core.exports``) and the files written with it: every xlsx read back with python-calamine,
IDs and accounts as exact text, amounts as numbers, local times, no formula anywhere; names that look like formulae
refused at input; the admin's CSV export with a BOM and formulae escaped."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from python_calamine import CalamineWorkbook

from assistance import exports as ledger_exports
from cases.forms import MemberForm
from cases.models import Member
from cases.serializers import MemberWriteSerializer
from core import exports
from core.exports import Column
from core.validators import reject_formula_start
from payments import bankfiles, services
from payments import exports as payroll_exports
from payments.admin import InstitutionAccountForm
from payments.models import PaymentLine, Payroll
from tests.helpers import enroll, make_household, make_member
from tests.payments.conftest import OCT

ID_X = "11010519491231002X"
ID_18 = "500243198005010016"
ACCOUNT_19 = "0123456789012345678"
HYPERLINK = '=HYPERLINK("http://x.cn","点我")'  # fits the 32 characters of a payee name


def sheet(data: bytes, index: int = 0) -> list[list[object]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(index).to_python()


def sheet_names(data: bytes) -> list[str]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names


def assert_no_formula(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        parts = [name for name in book.namelist() if name.startswith("xl/worksheets/")]
        assert parts
        for name in parts:
            xml = book.read(name).decode("utf-8")
            assert not re.search(r"<f[\s>/]", xml), f"formula in {name}"


def sheet_xml(data: bytes, index: int = 1) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return book.read(f"xl/worksheets/sheet{index}.xml").decode("utf-8")


# The toolkit --------------------------------------------------------------------------------------------------

COLUMNS = (
    Column("身份证号", "id", 21),
    Column("姓名", "text", 10),
    Column("金额（元）", "money", 12),
    Column("人数", "int"),
    Column("日期", "date"),
    Column("时间", "datetime"),
)


def test_workbook_is_constant_memory_and_never_turns_strings_into_formulae():
    with exports.workbook(io.BytesIO()) as book:
        assert book.workbook.constant_memory and not book.workbook.in_memory
        assert book.workbook.strings_to_formulas is False and book.workbook.strings_to_numbers is False
    assert "in_memory" not in exports.WORKBOOK_OPTIONS


def test_write_sheet_types_every_cell_and_adds_totals():
    moment = datetime(2020, 10, 31, 17, 30, tzinfo=UTC)  # 2020-11-01 01:30 in Shanghai
    rows = [
        (ID_X, "=1+1", Decimal("1024.5"), 2, date(2020, 10, 1), moment),
        (ID_18, "+86", "0.10", 1, None, None),
        ("0012", "-5", 3.333, None, None, None),
    ]
    tally_seen = []

    def totals(tally):
        tally_seen.append(tally)
        return exports.sum_totals("合计", counted=1)(tally)

    data = exports.xlsx(lambda book: exports.write_sheet(book, "明细", COLUMNS, rows, totals=totals))
    cells = sheet(data)
    assert cells[0] == [column.title for column in COLUMNS]
    assert cells[1][:4] == [ID_X, "=1+1", 1024.5, 2.0]
    assert cells[1][4] == date(2020, 10, 1)
    assert cells[1][5] == datetime(2020, 11, 1, 1, 30)  # local time, not UTC
    assert cells[2][:3] == [ID_18, "+86", 0.1] and cells[3][:2] == ["0012", "-5"]
    assert cells[4][0] == "合计" and cells[4][1] == "3 条" and cells[4][2] == pytest.approx(1027.933)
    assert cells[4][3] == 3.0
    assert tally_seen[0].count == 3 and tally_seen[0].sums[2] == Decimal("1027.933")
    assert_no_formula(data)
    xml = sheet_xml(data)
    assert '<pane ySplit="1"' in xml and 'state="frozen"' in xml  # frozen header row


def test_every_formula_start_is_written_as_a_string():
    texts = ["=SUM(A1:A2)", "+1", "-1", "@A1", "\t=1", "\r=1", HYPERLINK]
    data = exports.xlsx(
        lambda book: exports.write_sheet(book, "s", [Column("a", "text"), Column("b", "id")], [(t, t) for t in texts])
    )
    assert [row[0] for row in sheet(data)[1:]] == texts
    assert [row[1] for row in sheet(data)[1:]] == texts
    assert_no_formula(data)


def test_money_has_two_decimals_and_ids_the_text_format():
    data = exports.xlsx(lambda book: exports.write_sheet(book, "s", COLUMNS[:3], [(ID_X, "x", Decimal("1.5"))]))
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        styles = book.read("xl/styles.xml").decode()
    assert 'formatCode="#,##0.00"' in styles and 'formatCode="@"' in styles
    assert sheet(data)[1][2] == 1.5 and isinstance(sheet(data)[1][2], float)


def test_pairs_sheet_types_values_and_shows_local_time():
    moment = datetime(2020, 10, 31, 16, 5, tzinfo=UTC)
    data = exports.xlsx(
        lambda book: exports.write_pairs(
            book, "汇总", [("合计", Decimal("12.30")), ("笔数", 3), ("时间", moment), ("名称", "=1"), ("空", None)]
        )
    )
    assert sheet(data) == [
        ["合计", 12.3],
        ["笔数", 3.0],
        ["时间", datetime(2020, 11, 1, 0, 5)],
        ["名称", "=1"],
        ["空", ""],
    ]
    assert_no_formula(data)


def test_a_hundred_thousand_rows_stay_flat_in_memory(tmp_path):
    columns = (Column("身份证号", "id", 21), Column("姓名", "text"), Column("金额", "money"))

    def rows(count):
        return ((f"5002431980050{n:05d}", f"姓名{n}", Decimal("1024.00")) for n in range(count))

    def peak(count):
        tracemalloc.start()
        with exports.workbook(str(tmp_path / f"{count}.xlsx")) as book:
            exports.write_sheet(book, "s", columns, rows(count))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(1_000), peak(100_000)
    assert large < small + 2 * 1024 * 1024  # rows go to the sheet's temporary file, not into memory
    assert len(sheet((tmp_path / "100000.xlsx").read_bytes())) == 100_001


# Payroll exports and the bank xlsx ----------------------------------------------------------------------------


@pytest.fixture
def odd_payroll(users, villages, township_a) -> Payroll:
    """A 低保 payroll of township A: an ID ending in X with a 19-digit account starting with 0, and a payee name
    that looks like a formula (stored through the ORM, as data from before the input check)."""
    cw = users["caseworker"]
    first = make_household(cw, villages["a"])
    make_member(cw, first, name="甲户主", relation="head", id_number=ID_X, bank_name="农商行", bank_account=ACCOUNT_19)
    enroll(first, "dibao", "300.50")
    second = make_household(cw, villages["a"])
    member = make_member(cw, second, name="乙户主", relation="head", bank_name="农商行", bank_account="6228480001")
    Member.objects.filter(pk=member.pk).update(payee_name=HYPERLINK, bank_name="=1+1")
    enroll(second, "dibao", "1024.00")
    return services.generate_payroll(actor=cw, township=township_a, month=OCT, benefit="dibao")


def disburse(users, payroll: Payroll) -> Payroll:
    services.submit_payroll(actor=users["caseworker"], payroll=payroll)
    services.approve_payroll(actor=users["county_staff"], payroll=payroll)
    payroll = services.disburse_payroll(actor=users["county_staff"], payroll=payroll)
    PaymentLine.objects.filter(payroll=payroll, name="乙户主").update(payee_name=HYPERLINK, bank_name="=1+1")
    return payroll


def test_bank_xlsx_reads_back_exact_text_numbers_and_no_formula(users, odd_payroll):
    payroll = disburse(users, odd_payroll)
    data = bankfiles.bank_xlsx(payroll, bankfiles.bank_rows(payroll))
    assert sheet_names(data) == ["代发明细", "汇总"]
    cells = sheet(data)
    assert cells[0] == list(bankfiles.HEADER)
    first = next(row for row in cells[1:] if row[3] == "甲户主")
    assert first[4] == ID_X and first[6] == ACCOUNT_19 and first[7] == 300.5 and first[9] == "2020-10"
    assert isinstance(first[0], str) and first[0].isdigit()
    odd = next(row for row in cells[1:] if row[7] == 1024.0)
    assert odd[3] == HYPERLINK and odd[5] == "=1+1"
    assert_no_formula(data)
    figures = {row[0]: row[1] for row in sheet(data, 1)}
    assert figures["笔数"] == 2 and figures["合计金额（元）"] == 1324.5
    # the CSV is byte-exact for the bank's software: the name as it is, no prefix, no escaping
    content = bankfiles.bank_csv(payroll, bankfiles.bank_rows(payroll))
    assert content.startswith(b"\xef\xbb\xbf") and b'"=HYPERLINK(""http://x.cn"",""' in content


def test_payroll_export_amounts_ids_totals_and_local_disbursement_time(users, odd_payroll):
    payroll = disburse(users, odd_payroll)
    Payroll.objects.filter(pk=payroll.pk).update(disbursed_at=datetime(2020, 10, 31, 16, 30, tzinfo=UTC))
    payroll = Payroll.objects.get(pk=payroll.pk)
    lines = payroll.lines.select_related("household").order_by("id")
    data = payroll_exports.payroll_workbook(payroll=payroll, lines=lines, full_identity=True)
    assert sheet_names(data) == ["发放明细", "汇总"]
    cells = sheet(data)
    assert cells[0][0] == "流水号"
    first = next(row for row in cells[1:] if row[3] == "甲户主")
    assert first[4] == ID_X and first[9] == ACCOUNT_19 and first[10] == 300.5
    odd = next(row for row in cells[1:] if row[3] == "乙户主")
    assert odd[6] == HYPERLINK and odd[8] == "=1+1"
    assert cells[-1][0] == "合计" and cells[-1][3] == "2 条" and cells[-1][10] == 1324.5
    figures = {row[0]: row[1] for row in sheet(data, 1)}
    assert figures["发放时间"] == datetime(2020, 11, 1, 0, 30)  # Asia/Shanghai, not UTC (16:30)
    assert figures["合计金额（元）"] == 1324.5 and figures["明细条数"] == 2
    assert_no_formula(data)
    masked = payroll_exports.payroll_workbook(payroll=payroll, lines=lines, full_identity=False)
    values = [cell for row in sheet(masked) for cell in row]
    assert ID_X not in values and ACCOUNT_19 not in values


def test_month_export_reads_back_with_numbers_and_totals(client_for, users, odd_payroll):
    response = client_for("county_staff").get(reverse("payroll-month-export") + "?month=2020-10")
    cells = sheet(response.content)
    assert cells[0][:3] == ["乡镇（街道）", "低保（元）", "低保（笔）"]
    assert cells[1][0] == "汉葭街道" and cells[1][1] == 1324.5 and cells[1][2] == 2.0
    assert cells[-1][0] == "合计" and cells[-1][1] == 1324.5
    assert_no_formula(response.content)


def test_ledger_export_reads_back_ids_as_text():
    village = SimpleNamespace(name="甲村")
    entry = SimpleNamespace(
        member=SimpleNamespace(id_number=ID_X, name="=HYPERLINK(1)"),
        household=SimpleNamespace(village=village, number="500243001001"),
        current_amount=Decimal("300.50"),
        new_amount=None,
        details={"reasons": ["-收入超标"]},
        owner=None,
        handled_note="",
        get_category_display=lambda: "单人户施保候选",
        get_status_display=lambda: "待处理",
    )
    data = ledger_exports.ledger_workbook(title="台账" * 20, entries=[entry], full_identity=True)
    cells = sheet(data)
    assert cells[1][:6] == ["单人户施保候选", "甲村", "500243001001", "=HYPERLINK(1)", ID_X, 300.5]
    assert cells[1][7] == "-收入超标"
    assert_no_formula(data)
    masked = sheet(ledger_exports.ledger_workbook(title="台账", entries=[entry], full_identity=False))
    assert masked[1][4] == ID_X[:6] + "********" + ID_X[-4:]


def test_roll_template_has_a_text_id_column(client_for):
    response = client_for("county_staff").get(reverse("roll-template"))
    if response.status_code != 200:  # the template is for those who may import rolls
        response = client_for("county_admin").get(reverse("roll-template"))
    assert response.status_code == 200
    assert sheet(response.content)[0][0]
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        assert 'formatCode="@"' in book.read("xl/styles.xml").decode()


# Input refused ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_reject_formula_start(value):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        reject_formula_start(value)
    reject_formula_start("农商行")
    reject_formula_start("张-三")


def test_member_form_refuses_a_formula_like_bank_name_naming_the_field(users, villages):
    cw = users["caseworker"]
    home = make_household(cw, villages["a"])
    member = make_member(cw, home, name="丙户主", relation="head", bank_name="农商行", bank_account="6228480002")
    data = {
        name: value
        for name, value in MemberForm(instance=member).initial.items()
        if value is not None and not isinstance(value, list)
    }
    form = MemberForm(data={**data, "bank_name": "=1+1", "payee_name": "@A1"}, instance=member)
    assert not form.is_valid()
    assert "bank_name" in form.errors and "payee_name" in form.errors
    assert "公式" in form.errors["bank_name"][0]
    assert form["bank_name"].label == "开户银行"
    ok = MemberForm(data={**data, "bank_name": "农商行"}, instance=member)
    ok.is_valid()
    assert "bank_name" not in ok.errors


def test_member_serializer_refuses_a_formula_like_payee_name(users, villages):
    cw = users["caseworker"]
    home = make_household(cw, villages["a"])
    member = make_member(cw, home, name="丁户主", relation="head")
    serializer = MemberWriteSerializer(member, data={"bank_name": "+1", "payee_name": "=1"}, partial=True)
    assert not serializer.is_valid()
    assert set(serializer.errors) >= {"bank_name", "payee_name"}


def test_institution_account_form_refuses_a_formula_like_name(db):
    form = InstitutionAccountForm(
        data={"name": "=敬老院", "credit_code": "", "bank_name": "-农商行", "bank_account": "6228480000000000999"}
    )
    assert not form.is_valid() and {"name", "bank_name"} <= set(form.errors)


# The admin's CSV ----------------------------------------------------------------------------------------------


def test_admin_csv_export_has_a_bom_and_escapes_formulae(users, villages, client_for):
    cw = users["caseworker"]
    home = make_household(cw, villages["a"])
    member = make_member(
        cw, home, name="戊户主", relation="head", id_number=ID_X, bank_name="农商行", bank_account=ACCOUNT_19
    )
    Member.objects.filter(pk=member.pk).update(bank_name="=1+1")
    model_admin = admin.site._registry[Member]
    request = RequestFactory().get("/")
    request.user = users["county_admin"]
    formats = model_admin.get_export_formats()
    form_class = model_admin.get_export_form_class()
    form = form_class(formats, model_admin.get_export_resource_classes(request))
    data = {name: "on" for name in form.fields if name not in ("format", "resource", "export_items")}
    csv_index = next(index for index, fmt in enumerate(formats) if fmt().get_extension() == "csv")
    client = client_for("county_admin")
    response = client.post(reverse("admin:cases_member_export"), {**data, "format": str(csv_index), "resource": "0"})
    assert response.status_code == 200, response.content[:500]
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")
    text = content[3:].decode("utf-8")
    assert ID_X in text and ACCOUNT_19 in text
    assert "=1+1" not in text and "1+1" in text  # the leading "=" dropped
    xlsx_index = next(index for index, fmt in enumerate(formats) if fmt().get_extension() == "xlsx")
    response = client.post(reverse("admin:cases_member_export"), {**data, "format": str(xlsx_index), "resource": "0"})
    assert response.status_code == 200
    cells = sheet(response.content)
    row = next(row for row in cells[1:] if ID_X in row)
    assert ACCOUNT_19 in row
    assert_no_formula(response.content)


# Pages --------------------------------------------------------------------------------------------------------


def test_bank_layout_page_points_people_to_the_xlsx(client_for):
    page = client_for("county_staff").get(reverse("payroll-bank-layout")).content.decode()
    assert "请用 Excel 查看请下载 xlsx 版本" in page


def test_payroll_detail_links_the_xlsx_next_to_the_bank_csv(client_for, users, odd_payroll):
    payroll = disburse(users, odd_payroll)
    page = client_for("county_staff").get(reverse("payroll-detail", args=[payroll.pk])).content.decode()
    assert "请用 Excel 查看请下载" in page
    assert reverse("payroll-bankfile", args=[payroll.pk, "xlsx"]) in page
