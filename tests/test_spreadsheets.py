"""The import toolkit (core.spreadsheets) and the pending-upload store (core.uploads) on awkward input."""

from __future__ import annotations

import io
import time
from datetime import date, datetime

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError

from core import spreadsheets, uploads
from core.spreadsheets import CellError, Limits, Problem, Refused, find_header, id_text, read_cells, text

ID = "11010519491231002X"
ID_DIGITS = "110105194912310021"


def xlsx(write) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    write(book.add_worksheet())
    book.close()
    return buffer.getvalue()


def refused(data: bytes, name: str, limits: Limits | None = None) -> Problem:
    with pytest.raises(Refused) as caught:
        read_cells(data, name, limits or Limits())
    [problem] = caught.value.problems
    assert problem.rows == [] and problem.message and problem.fix
    return problem


# Size ---------------------------------------------------------------------------------------------------------


def test_a_far_cell_is_refused_before_any_cell_is_built():
    data = xlsx(lambda sheet: sheet.write_string("CV100000", "x"))
    assert len(data) < 8 * 1024
    started = time.perf_counter()
    problem = refused(data, "far.xlsx", Limits(max_rows=50_000, max_columns=200))
    assert time.perf_counter() - started < 1
    assert "100000 行 × 100 列" in problem.message and "CV100000" in problem.message
    assert "50000 行 × 200 列" in problem.message


@pytest.mark.django_db
def test_the_limits_in_force_are_the_policy_parameters():
    assert Limits.in_force() == Limits(200_000, 200)
    data = xlsx(lambda sheet: sheet.write_string("GS1", "x"))  # column 201
    with pytest.raises(Refused) as caught:
        read_cells(data, "wide.xlsx")
    assert "1 行 × 201 列" in caught.value.problems[0].message


def test_a_far_cell_within_the_limits_does_not_fill_the_grid():
    data = xlsx(lambda sheet: (sheet.write_string("A1", "身份证号"), sheet.write_string("CV100000", "x")))
    cells = read_cells(data, "far.xlsx", Limits())  # bounded by the limits; kept sparse
    assert len(cells) == 100_000 and cells[0] == ["身份证号"] and cells[-1][-1] == "x"
    assert sum(len(row) for row in cells) == 101, "only the cells up to each row's last value"


def test_a_long_csv_is_refused():
    data = ("a\n" * 11).encode()
    problem = refused(data, "long.csv", Limits(max_rows=10, max_columns=5))
    assert "超过导入上限 10 行 × 5 列" in problem.message


# Encodings ----------------------------------------------------------------------------------------------------


def test_broken_utf16_is_a_problem_not_an_exception():
    for data in (b"\xff\xfe" + "姓名,".encode("utf-16-le") + b"\x00\xd8", b"\xff\xfeA"):
        problem = refused(data, "broken.csv")
        assert "UTF-16" in problem.message


def test_broken_utf8_with_a_bom_is_a_problem():
    assert "UTF-8" in refused(b"\xef\xbb\xbf\xff\xfe\xfa", "broken.csv").message


def test_gb18030_and_utf16_and_utf8_bom_csv():
    content = f"姓名,身份证号\r\n𠮷野家,{ID}\r\n"
    for encoded in (
        content.encode("gb18030"),
        b"\xef\xbb\xbf" + content.encode(),
        content.encode("utf-16"),
        content.encode(),
    ):
        assert read_cells(encoded, "a.csv", Limits()) == [["姓名", "身份证号"], ["𠮷野家", ID]]


def test_a_file_that_is_neither_excel_nor_csv():
    assert "只能导入 Excel 或 CSV" in refused(b"%PDF-1.4", "a.pdf").message
    assert "无法读取该 Excel 文件" in refused(b"PK\x03\x04broken", "a.xlsx").message


# Headers ------------------------------------------------------------------------------------------------------


def test_a_header_row_on_row_3():
    cells = [["2020年10月 名单"], [], ["序号", "姓名", " 身份证号码 *", "备注（选填）", "姓名"], ["1", "张三", ID]]
    header = find_header(cells, {"姓名": "name", "身份证号": "id", "身份证号码": "id", "备注": "note"}, "id")
    assert header is not None and header.row == 3 and header.anchored
    assert header.columns == {"name": 1, "id": 2, "note": 3}
    assert header.letter("id") == "C" and header.ignored == ["序号"] and header.repeated == [("name", 1, 4)]
    assert list(spreadsheets.data_rows(cells, header)) == [(4, ["1", "张三", ID])]


def test_no_header_within_the_rows_searched():
    cells = [["x"]] * 12 + [["身份证号"]]
    assert find_header(cells, {"身份证号": "id"}, "id", fallback=False) is None
    fallback = find_header(cells, {"身份证号": "id"}, "id")
    assert fallback is not None and fallback.index == 0 and not fallback.anchored


# Cells --------------------------------------------------------------------------------------------------------


def test_formula_like_text_is_read_as_text():
    assert read_cells(b'a,"=1+1"\r\n', "f.csv", Limits()) == [["a", "=1+1"]]
    data = xlsx(lambda sheet: sheet.write_string("A1", "=1+1"))
    assert read_cells(data, "f.xlsx", Limits()) == [["=1+1"]]
    assert text("=1+1") == "=1+1"


def test_long_digit_strings():
    def write(sheet):
        sheet.write_string("A1", ID_DIGITS)
        sheet.write_number("A2", int(ID_DIGITS))

    cells = read_cells(xlsx(write), "ids.xlsx", Limits())
    assert id_text(cells[0][0]) == ID_DIGITS, "an 18-digit ID stored as text is kept exactly"
    with pytest.raises(CellError) as caught:
        id_text(cells[1][0])
    assert caught.value.group == "number" and caught.value.fix == spreadsheets.MSG_NUMBER_FIX
    assert "1.1010519491231e+17" in caught.value.message
    with pytest.raises(CellError):
        id_text("1.10105E+17")  # a CSV saved from a number column
    assert id_text('="' + ID_DIGITS + '"') == ID_DIGITS and id_text("'" + ID) == ID


def test_line_breaks_inside_a_cell():
    cells = read_cells('"张\r\n三",x\r\n"李\n四",y\r\n'.encode(), "n.csv", Limits())
    assert [text(row[0]) for row in cells] == ["张 三", "李 四"]
    assert text("  a \r\n\r\n b  ") == "a b" and text("a_x000D_\nb") == "a b"


def test_characters_outside_the_bmp():
    data = xlsx(lambda sheet: sheet.write_string("A1", "𠮷 𩸽"))
    assert read_cells(data, "u.xlsx", Limits()) == [["𠮷 𩸽"]]
    assert read_cells("𠮷,𩸽\n".encode("gb18030"), "u.csv", Limits()) == [["𠮷", "𩸽"]]


def test_text_formats_one_way():
    assert text(None) == "" and text(12.0) == "12" and text(True) == "是"
    assert text(date(2020, 2, 3)) == "2020-02-03" and text(datetime(2020, 2, 3)) == "2020-02-03"
    assert text(datetime(2020, 2, 3, 8, 30)) == "2020-02-03 08:30:00"


def test_one_problem_format():
    assert str(Problem("缺少必填列“结果”", "请加上该列", "结果")) == "整个文件「结果」：缺少必填列“结果”。请加上该列。"
    assert str(Problem.at(3, "身份证号", "号码无效。", "B")) == "第 3 行 B 列「身份证号」：号码无效。"
    assert Problem("x", rows=list(range(2, 30))).where.endswith("等，共 28 行")


# Pending uploads ----------------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path / "pending"


def test_upload_store_round_trip(media):
    token = uploads.stash(7, "rolls", b"abc", "名单.xlsx")
    assert len(list(media.iterdir())) == 1
    assert uploads.load(7, "rolls", token) == (b"abc", "名单.xlsx")
    assert uploads.kind_of(token) == "rolls"
    uploads.discard(token)
    assert list(media.iterdir()) == []
    with pytest.raises(ValidationError, match="已过期或不存在"):
        uploads.load(7, "rolls", token)


def test_upload_store_refuses_another_user_kind_tampering_and_age(media):
    token = uploads.stash(7, "rolls", b"abc", "a.csv")
    for user, kind, given in (
        (8, "rolls", token),
        (7, "roll-import", token),
        (7, "rolls", token[:-2] + ("AA" if token[-2:] != "AA" else "BB")),
        (7, "rolls", "../../etc/passwd"),
        (7, "rolls", ""),
    ):
        with pytest.raises(ValidationError, match="已过期或不存在"):
            uploads.load(user, kind, given)
    with pytest.raises(ValidationError, match="已过期或不存在"):
        uploads.load(7, "rolls", token, max_age=-1)
    (media / next(media.iterdir()).name).write_bytes(b"changed")
    with pytest.raises(ValidationError):
        uploads.load(7, "rolls", token)
