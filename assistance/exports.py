"""Excel exports of the monthly ledgers: Chinese headers, frozen header row, column widths, number formats; ID
numbers written as text and masked for users not allowed to see them (XlsxWriter, constant memory)."""

from __future__ import annotations

import io
from collections.abc import Iterable

import xlsxwriter

from assistance.models import LedgerEntry
from core import masking

COLUMNS = (
    ("类别", 18),
    ("村（社区）", 14),
    ("户编号", 18),
    ("对象", 10),
    ("身份证号", 21),
    ("现月金额（元）", 14),
    ("测算月金额（元）", 16),
    ("依据", 60),
    ("状态", 8),
    ("责任人", 10),
    ("处理情况", 30),
)


def ledger_workbook(*, title: str, entries: Iterable[LedgerEntry], full_identity: bool) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    sheet = book.add_worksheet(title[:31])
    header = book.add_format({"bold": True, "bg_color": "#EEF1F5", "border": 1, "text_wrap": True})
    money = book.add_format({"num_format": "#,##0.00"})
    text = book.add_format({"num_format": "@"})
    for column, (name, width) in enumerate(COLUMNS):
        sheet.set_column(column, column, width)
        sheet.write_string(0, column, name, header)
    sheet.freeze_panes(1, 0)
    row = 0
    for row, entry in enumerate(entries, start=1):
        person = entry.member
        number = person.id_number if person else ""
        sheet.write_string(row, 0, entry.get_category_display())
        sheet.write_string(row, 1, entry.household.village.name)
        sheet.write_string(row, 2, entry.household.number, text)
        sheet.write_string(row, 3, person.name if person else "全户")
        sheet.write_string(row, 4, number if full_identity or not number else masking.mask_id_number(number), text)
        for column, amount in ((5, entry.current_amount), (6, entry.new_amount)):
            if amount is not None:
                sheet.write_number(row, column, float(amount), money)  # Excel stores numbers as doubles
        sheet.write_string(row, 7, "；".join(entry.details.get("reasons", [])))
        sheet.write_string(row, 8, entry.get_status_display())
        sheet.write_string(row, 9, entry.owner.first_name if entry.owner else "")
        sheet.write_string(row, 10, entry.handled_note)
    sheet.autofilter(0, 0, max(row, 1), len(COLUMNS) - 1)
    book.close()
    return buffer.getvalue()
