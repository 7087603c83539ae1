"""The import toolkit: reading uploaded spreadsheets and reporting what is wrong with them, for every import
(external rolls ``cases.rolls``, the go-live roll ``assistance.roll_import``, the bank's result files
``payments.bankfiles``).

* ``read_cells``: the first sheet of an Excel file (python-calamine) or a CSV in UTF-8 (with or without BOM),
  UTF-16 (with a BOM) or GB18030, comma- or tab-separated, as rows of Python values from row 1 (trailing empty
  cells dropped). A sheet whose used range exceeds ``imports.max_rows`` × ``imports.max_columns`` is refused
  before a single cell is built. Anything unreadable raises ``Refused`` with one ``Problem`` — never a decoding
  or library error.
* ``find_header``: the header row, found by name anywhere in the first rows.
* ``text`` / ``id_text``: the one normalisation of a cell's text.
* ``Problem`` and ``Report``: what is wrong (rows, column, what, how to fix) and the report every import
  extends.
"""

from __future__ import annotations

import csv
import gc
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from core.parameters import parameter

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
DEFAULT_MAX_ROWS = 200_000
DEFAULT_MAX_COLUMNS = 200
HEADER_SEARCH_ROWS = 10
MSG_NUMBER_FIX = "请将该列设置为文本格式后重新导出"


# Problems and reports -----------------------------------------------------------------------------------------


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in "。！？.!?）)" else f"{text}。"


@dataclass
class Problem:
    """Something wrong: ``rows`` empty for the file as a whole, else the spreadsheet rows (header counted) with
    this problem; ``column`` the header name and ``letter`` its spreadsheet column when known; ``message`` what
    is wrong and ``fix`` how to put it right (both Chinese)."""

    message: str
    fix: str = ""
    column: str = ""
    letter: str = ""
    rows: list[int] = field(default_factory=list)

    SHOWN_ROWS = 20

    @classmethod
    def at(cls, row: int | None, column: str, message: str, letter: str = "", fix: str = "") -> Problem:
        return cls(message, fix, column, letter, [] if row is None else [row])

    @property
    def row(self) -> int | None:
        """The (first) row, None for the file as a whole."""
        return self.rows[0] if self.rows else None

    @property
    def what(self) -> str:
        return self.message

    @property
    def where(self) -> str:
        if not self.rows:
            return "整个文件"
        shown = "、".join(str(row) for row in self.rows[: self.SHOWN_ROWS])
        if len(self.rows) > self.SHOWN_ROWS:
            return f"第 {shown} 行等，共 {len(self.rows)} 行"
        return f"第 {shown} 行"

    @property
    def column_label(self) -> str:
        if not self.column:
            return ""
        return f"{self.letter} 列「{self.column}」" if self.letter else f"「{self.column}」"

    @property
    def place(self) -> str:
        return f"{self.where} {self.column_label}" if self.letter else f"{self.where}{self.column_label}"

    def __str__(self) -> str:
        return f"{self.place}：{_sentence(self.message)}{_sentence(self.fix)}"


@dataclass(kw_only=True)
class Report:
    """What an import found in a file; each import extends it with its own counts."""

    filename: str = ""
    problems: list[Problem] = field(default_factory=list)
    hidden_problems: int = 0  # problems beyond the ones listed

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def error_rows(self) -> int:
        return len({row for problem in self.problems for row in (problem.rows or [0])})

    def problem_lines(self, indent: str = "  ") -> list[str]:
        out = [f"{indent}{problem}" for problem in self.problems]
        if self.hidden_problems:
            out.append(f"{indent}另有 {self.hidden_problems} 处问题未列出。")
        return out


class Refused(Exception):
    """The file is refused as a whole."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("；".join(str(problem) for problem in problems))
        self.problems = list(problems)


def refuse(message: str, fix: str = "", column: str = "", letter: str = "") -> Refused:
    return Refused(Problem(message, fix, column, letter))


class CellError(ValueError):
    """A cell that cannot be read: ``message`` what is wrong, ``fix`` how to fix it; problems of one ``group``
    are listed once with all their rows."""

    def __init__(self, message: str, fix: str = "", group: str = "") -> None:
        super().__init__(f"{_sentence(message)}{_sentence(fix)}")
        self.message = message
        self.fix = fix
        self.group = group or message


# Cells --------------------------------------------------------------------------------------------------------


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def shown(value: Any) -> str:
    """A number as a person would read it (no 1e+17, no .0)."""
    return format(value, ".15g") if isinstance(value, float) else str(value)


_LINE_BREAKS = re.compile(r"\s*(?:\r\n|\r|\n|_x000D_)+\s*")


def text(value: Any) -> str:
    """A cell's text: stripped; line breaks inside (CR, LF, CRLF) become one space; a whole number without its
    ``.0``; a date as 2020-02-03 (with the time, 2020-02-03 08:30:00, when it has one); 是/否 for booleans."""
    if value is None:
        return ""
    if value.__class__ is str:
        if "\r" in value or "\n" in value or "_x000D_" in value:
            value = _LINE_BREAKS.sub(" ", value)
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d}" if value.time() == time.min else f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(value).strip()


_SCIENTIFIC = re.compile(r"^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$")


def id_text(value: Any) -> str:
    """The text of a column that must be stored as text (ID numbers, accounts, household numbers): a number
    cell, or a number in scientific notation, raises ``CellError`` (group ``number``) — its digits and a final X
    are lost. The ``="…"`` and leading ``'`` some exports use to keep text are removed."""
    if value.__class__ is str:  # the common case, quickly: plain text, no quote, no exponent
        plain = value.strip()
        if not plain or (plain[0] not in "='" and "E" not in plain and "e" not in plain and "\n" not in plain):
            return plain
    if is_number(value):
        raise CellError(
            "单元格是数字而不是文本，数字会丢失位数和末位 X（如第一个这样的单元格显示为 " + shown(value) + "）",
            MSG_NUMBER_FIX,
            "number",
        )
    result = text(value)
    if result.startswith('="') and result.endswith('"'):
        result = result[2:-1].strip()
    result = result.lstrip("'").strip()
    if _SCIENTIFIC.match(result):  # a CSV saved from a sheet where the column was a number
        raise CellError(f"单元格是科学计数法的数字（{result}），位数已经丢失", MSG_NUMBER_FIX, "number")
    return result


# Headers ------------------------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_HEADER_NOTE = re.compile(r"[（(][^（）()]*[）)]$")


def header_name(cell: Any, *, keep_note: bool = False) -> str:
    """A header as written, without spaces, ``*`` marks or (unless ``keep_note``) a note in brackets at its end
    (``月金额（元）``)."""
    name = _SPACES.sub("", text(cell)).replace("*", "").replace("＊", "")
    return name if keep_note else (_HEADER_NOTE.sub("", name) or name)


def header_key(cell: Any, names: Mapping[str, str]) -> str | None:
    """The key ``names`` gives the header: as written (``乡镇（街道）``), else without its note in brackets."""
    if cell is None or cell == "":
        return None
    return names.get(header_name(cell, keep_note=True)) or names.get(header_name(cell))


@dataclass
class Header:
    """The header row (0-based ``index``; ``index + 1`` is its row number) and where the known columns are."""

    index: int
    columns: dict[str, int]  # key → column index (the first one when a header repeats)
    read: list[tuple[str, str]]  # (letter, header as written) of each column read
    ignored: list[str]  # headers not used
    repeated: list[tuple[str, int, int]]  # (key, first index, repeated index)
    anchored: bool  # found by the anchor column (else: the first non-empty row)

    @property
    def row(self) -> int:
        return self.index + 1

    def letter(self, key: str) -> str:
        return column_letter(self.columns[key]) if key in self.columns else ""


def find_header(
    cells: list[list[Any]],
    names: Mapping[str, str] | Callable[[Any], str | None],
    anchor: str,
    *,
    search_rows: int = HEADER_SEARCH_ROWS,
    fallback: bool = True,
) -> Header | None:
    """The first of the first ``search_rows`` rows with the ``anchor`` column (or, with ``fallback``, the first
    non-empty row); ``names`` maps a header (as ``header_name`` returns it, or the raw cell when a function)
    to its key. None when there is no such row."""
    lookup: Callable[[Any], str | None]
    if callable(names):
        lookup = names
    else:
        mapping = names
        lookup = lambda cell: header_key(cell, mapping)  # noqa: E731

    index = next((i for i, row in enumerate(cells[:search_rows]) if anchor in {lookup(c) for c in row}), None)
    anchored = index is not None
    if index is None and fallback:
        index = next((i for i, row in enumerate(cells) if any(text(cell) for cell in row)), None)
    if index is None:
        return None
    header = Header(index, {}, [], [], [], anchored)
    for column, cell in enumerate(cells[index]):
        key = lookup(cell)
        if key is None:
            if text(cell):
                header.ignored.append(text(cell))
            continue
        if key in header.columns:
            header.repeated.append((key, header.columns[key], column))
            continue
        header.columns[key] = column
        header.read.append((column_letter(column), text(cell)))
    return header


def data_rows(cells: list[list[Any]], header: Header) -> Iterable[tuple[int, list[Any]]]:
    """(spreadsheet row number, cells) of each non-empty row below the header."""
    for index in range(header.index + 1, len(cells)):
        row = cells[index]
        if any(text(cell) for cell in row):
            yield index + 1, row


# Reading the file ---------------------------------------------------------------------------------------------


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a whole file is read, checked and written: the hundreds of
    thousands of row lists made meanwhile would have it walk every live object again and again (a tenth or more of
    an import's time), and they form no reference cycles that need collecting early."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass(frozen=True)
class Limits:
    max_rows: int = DEFAULT_MAX_ROWS
    max_columns: int = DEFAULT_MAX_COLUMNS

    @classmethod
    def in_force(cls) -> Limits:
        """``imports.max_rows`` and ``imports.max_columns`` in force today (the defaults without a source)."""
        today = timezone.localdate()
        try:
            return cls(int(parameter("imports.max_rows", today)), int(parameter("imports.max_columns", today)))
        except ImproperlyConfigured:
            return cls()


def read_cells(file_bytes: bytes, filename: str, limits: Limits | None = None) -> list[list[Any]]:
    """All rows of the first sheet (Excel) or of the CSV, from row 1, as Python values. Raises ``Refused``."""
    suffix = PurePath(filename or "").suffix.lower()
    if file_bytes.startswith((b"PK\x03\x04", OLE_MAGIC)) or suffix in EXCEL_SUFFIXES:
        return _read_excel(file_bytes, limits or Limits.in_force())
    if suffix in {".csv", ".txt", ""}:
        return _read_csv(file_bytes, limits or Limits.in_force())
    raise refuse(
        "只能导入 Excel 或 CSV 文件（只支持 Excel 的 .xlsx、.xls 格式或 CSV）", "请另存为 .xlsx 或 .csv 后重新上传"
    )


def _too_large(rows: int, columns: int, limits: Limits) -> Refused:
    return refuse(
        f"表格太大：使用范围为 {rows} 行 × {columns} 列（到 {column_letter(columns - 1)}{rows} 单元格），"
        f"超过导入上限 {limits.max_rows} 行 × {limits.max_columns} 列",
        "请删去表格中多余的行、列和远处的空白单元格（或把数据复制到新的工作表）后重新上传",
    )


def _read_excel(file_bytes: bytes, limits: Limits) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    unreadable = refuse(
        "无法读取该 Excel 文件（文件可能已损坏或设置了密码）", "请用 Excel 打开后另存为 .xlsx（或 CSV）再上传"
    )
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(file_bytes))
        if not workbook.sheet_names:
            raise refuse("该 Excel 文件中没有工作表", "请把数据放在第一个工作表中")
        sheet = workbook.get_sheet_by_index(0)
    except Refused:
        raise
    except Exception:
        raise unreadable from None
    end = sheet.end
    if end is None:
        return []
    rows, columns = end[0] + 1, end[1] + 1
    if rows > limits.max_rows or columns > limits.max_columns:
        raise _too_large(rows, columns, limits)
    # Row by row, keeping only the cells up to each row's last value: a far cell does not fill the grid.
    start_column = (sheet.start or (0, 0))[1]
    pad = [""] * start_column
    out: list[list[Any]] = []
    try:
        for row in sheet.iter_rows():
            last = len(row)
            while last and (row[last - 1] == "" or row[last - 1] is None):
                last -= 1
            if last < len(row):
                row = row[:last]
            out.append([*pad, *row] if pad and row else row)
    except Exception:
        raise unreadable from None
    return out


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_BAD_ENCODING = ("无法识别 CSV 文件的编码", "请保存为 UTF-8 或 GB18030（GBK）编码的 CSV 后重新上传")


def decode_text(file_bytes: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else GB18030 (which includes GBK). Raises ``Refused``."""
    for bom, encoding in _BOMS:
        if file_bytes.startswith(bom):
            try:
                return file_bytes.decode(encoding)
            except UnicodeDecodeError as error:
                name = "UTF-16" if encoding == "utf-16" else "UTF-8"
                raise refuse(
                    f"CSV 文件开头标明是 {name} 编码，但第 {error.start + 1} 个字节起的内容不是 {name}"
                    "（文件可能已损坏）",
                    "请用 Excel 或记事本打开后另存为 UTF-8 编码的 CSV 再上传",
                ) from None
    for encoding in ("utf-8", "gb18030"):
        try:
            return file_bytes.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise refuse(*_BAD_ENCODING)


def _read_csv(file_bytes: bytes, limits: Limits) -> list[list[Any]]:
    decoded = decode_text(file_bytes)
    if "\x00" in decoded:
        raise refuse(*_BAD_ENCODING)
    first_line = decoded.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    out: list[list[Any]] = []
    try:
        for row in csv.reader(io.StringIO(decoded, newline=""), delimiter=delimiter):
            if len(out) >= limits.max_rows or len(row) > limits.max_columns:
                rows = max(len(out) + 1, decoded.count("\n"))
                raise _too_large(rows, max(len(row), 1), limits)
            out.append(row)
    except csv.Error as error:
        raise refuse(f"CSV 文件格式有误（{error}）", "请用 Excel 重新另存为 CSV") from None
    return out
