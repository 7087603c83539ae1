"""The export toolkit: every xlsx file the system writes goes through here (XlsxWriter, constant-memory mode).

* Rows are streamed: each row goes to the sheet's temporary file as soon as the next one starts, so 100,000 rows
  cost no more memory than 100.
* Typed columns (``Column.kind``):

  ``text``      a string cell, general format
  ``id``        a string cell, text format ``@`` (ID numbers, accounts, household numbers: never a number, never
                scientific notation, a final ``X`` kept)
  ``money``     a number with two decimals (``#,##0.00``; ``Column.num_format`` overrides it)
  ``int``       a whole number
  ``date``      a date, ``yyyy-mm-dd``
  ``datetime``  a local date and time (Asia/Shanghai, ``django.utils.timezone.localtime``), ``yyyy-mm-dd hh:mm``

* Formula safety: text is always written with ``write_string``, never ``write()``: a name beginning with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return lands as the text it is, not as a formula. The workbook is also
  opened with ``strings_to_formulas`` (and ``strings_to_numbers`` / ``strings_to_urls``) off.
* Every sheet with columns has a bold header row, frozen, and column widths; an optional totals row at the end.

Usage::

    buffer = io.BytesIO()
    with exports.workbook(buffer) as book:
        exports.write_sheet(book, "发放明细", COLUMNS, rows, totals=exports.sum_totals("合计"))
        exports.write_pairs(book, "汇总", [("笔数", 3), ("合计金额（元）", Decimal("1625.00"))])
    content = buffer.getvalue()
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, Literal

import xlsxwriter
from django.utils import timezone
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from core.validators import FORMULA_START

Kind = Literal["text", "id", "money", "int", "date", "datetime"]
KINDS: tuple[str, ...] = ("text", "id", "money", "int", "date", "datetime")

# constant_memory: rows are flushed as written. Never pass in_memory: XlsxWriter silently drops constant_memory then.
WORKBOOK_OPTIONS: dict[str, Any] = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
HEADER_STYLE: dict[str, Any] = {"bold": True, "bg_color": "#EEF1F5", "border": 1, "text_wrap": True}
_NUMBER_FORMATS: dict[str, str | None] = {
    "text": None,
    "id": "@",
    "money": MONEY_FORMAT,
    "int": None,
    "date": DATE_FORMAT,
    "datetime": DATETIME_FORMAT,
}


@dataclass(frozen=True)
class Column:
    """One column: its header, what its cells hold, its width in characters (None: Excel's default)."""

    title: str
    kind: Kind = "text"
    width: float | None = None
    num_format: str | None = None  # instead of the kind's format, e.g. ``0.00`` for the bank's amounts

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    @property
    def format_code(self) -> str | None:
        return self.num_format or _NUMBER_FORMATS[self.kind]


@dataclass
class Tally:
    """What a sheet held: the number of data rows and the sum of each money and int column (by index)."""

    count: int = 0
    sums: dict[int, Decimal] = field(default_factory=dict)


Totals = Sequence[Any] | Callable[[Tally], Sequence[Any]]


class Book:
    """An open workbook and its cell formats (one format object per style, as XlsxWriter wants)."""

    def __init__(self, target: str | IO[bytes]) -> None:
        self.workbook = xlsxwriter.Workbook(target, dict(WORKBOOK_OPTIONS))
        self._formats: dict[tuple[str | None, bool], Format | None] = {}
        self.header = self.workbook.add_format(HEADER_STYLE)
        self.label = self.header

    def cell_format(self, code: str | None, total: bool = False) -> Format | None:
        """The format with number format ``code`` (bold with a top border on the totals row)."""
        key = (code, total)
        if key not in self._formats:
            properties: dict[str, Any] = {"num_format": code} if code else {}
            if total:
                properties.update(bold=True, top=1)
            self._formats[key] = self.workbook.add_format(properties) if properties else None
        return self._formats[key]

    def close(self) -> None:
        self.workbook.close()


@contextmanager
def workbook(target: str | IO[bytes]) -> Iterator[Book]:
    """A workbook written to ``target`` (a path or a binary file, e.g. ``io.BytesIO``) when the block ends."""
    book = Book(target)
    try:
        yield book
    finally:
        book.close()


def xlsx(write: Callable[[Book], object]) -> bytes:
    """The bytes of a workbook filled by ``write(book)``."""
    import io

    buffer = io.BytesIO()
    with workbook(buffer) as book:
        write(book)
    return buffer.getvalue()


def local_naive(value: datetime) -> datetime:
    """An aware datetime as local wall time (Excel has no time zones); a naive one as it is."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def _money(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value).strip())


def _writer(sheet: Worksheet, column: Column, fmt: Format | None) -> Callable[[int, int, Any], object]:
    """The function writing one cell of ``column``; None writes nothing (an empty cell)."""
    write_string, write_number, write_datetime = sheet.write_string, sheet.write_number, sheet.write_datetime
    kind = column.kind
    if kind in ("text", "id"):

        def text(row: int, col: int, value: Any) -> object:
            if value is None:
                return None
            return write_string(row, col, value if isinstance(value, str) else str(value), fmt)

        return text
    if kind in ("money", "int"):

        def number(row: int, col: int, value: Any) -> object:
            if value is None or value == "":
                return None
            return write_number(row, col, float(value), fmt)  # Excel stores numbers as doubles

        return number
    if kind == "date":

        def day(row: int, col: int, value: Any) -> object:
            if value is None:
                return None
            if isinstance(value, datetime):
                value = local_naive(value).date()
            return write_datetime(row, col, value, fmt)

        return day

    def moment(row: int, col: int, value: Any) -> object:
        if value is None:
            return None
        return write_datetime(row, col, local_naive(value), fmt)

    return moment


def _prepare(book: Book, name: str, columns: Sequence[Column], widths_only: bool = False) -> Worksheet:
    sheet = book.workbook.add_worksheet(name[:31])
    for index, column in enumerate(columns):
        if column.width is not None:
            sheet.set_column(index, index, column.width, None if widths_only else book.cell_format(column.format_code))
    return sheet


def write_sheet(
    book: Book,
    name: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    totals: Totals | None = None,
    freeze_columns: int = 0,
    autofilter: bool = False,
) -> Tally:
    """Sheet ``name``: the header row (frozen, with the first ``freeze_columns`` columns), then one row per item of
    ``rows`` (values in column order; None leaves a cell empty), streamed. ``totals``: the cells of a last row, or
    a function of the ``Tally`` giving them (see ``sum_totals``). Returns the tally."""
    sheet = _prepare(book, name, columns)
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.title, book.header)
    sheet.freeze_panes(1, freeze_columns)
    writers = [_writer(sheet, column, book.cell_format(column.format_code)) for column in columns]
    summed = [index for index, column in enumerate(columns) if column.kind in ("money", "int")]
    sums = dict.fromkeys(summed, Decimal(0))
    number = 0
    for number, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            writers[index](number, index, value)
        for index in summed:
            value = row[index]
            if value is not None and value != "":
                sums[index] += _money(value)
    tally = Tally(count=number, sums=sums)
    if autofilter:
        sheet.autofilter(0, 0, max(number, 1), len(columns) - 1)
    if totals is not None:
        cells = totals(tally) if callable(totals) else totals
        last = number + 1
        for index, value in enumerate(cells):
            if value is None:
                continue
            column = columns[index]
            if isinstance(value, str) and column.kind not in ("text", "id"):
                column = Column(column.title, "text")  # a label under a number column
            _writer(sheet, column, book.cell_format(column.format_code, total=True))(last, index, value)
    return tally


def sum_totals(label: str = "合计", *, counted: int | None = None) -> Callable[[Tally], list[Any]]:
    """A totals row: ``label`` in the first column, the sum under every money and int column; with ``counted``,
    ``“N 条”`` (the number of rows) in that column."""

    def cells(tally: Tally) -> list[Any]:
        width = max([0, *tally.sums, counted or 0]) + 1
        row: list[Any] = [None] * width
        for index, total in tally.sums.items():
            row[index] = total
        if counted is not None:
            row[counted] = f"{tally.count} 条"
        row[0] = label
        return row

    return cells


def write_pairs(
    book: Book, name: str, pairs: Iterable[tuple[str, Any]], *, widths: tuple[float, float] = (16, 36)
) -> None:
    """A sheet of label / value rows (no header), e.g. a payroll's 汇总. The value's kind follows its type:
    Decimal money, int a number, datetime local time, date a date, anything else text (format ``@``)."""
    label_column, value_column = Column("", "text", widths[0]), Column("", "text", widths[1])
    sheet = _prepare(book, name, (label_column, value_column), widths_only=True)
    for row, (label, value) in enumerate(pairs):
        sheet.write_string(row, 0, label, book.label)
        if isinstance(value, Decimal | float):
            kind: Kind = "money"
        elif isinstance(value, int) and not isinstance(value, bool):
            kind = "int"
        elif isinstance(value, datetime):
            kind = "datetime"
        elif isinstance(value, date):
            kind = "date"
        else:
            kind = "id"
            value = "" if value is None else str(value)
        column = Column("", kind)
        _writer(sheet, column, book.cell_format(column.format_code))(row, 1, value)


def starts_like_formula(value: Any) -> bool:
    """Whether a spreadsheet could take this text for a formula (``=``, ``+``, ``-``, ``@``, tab, CR first)."""
    return isinstance(value, str) and value.startswith(FORMULA_START)
