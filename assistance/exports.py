"""Excel exports of the monthly ledgers: Chinese headers, frozen header row, column widths, number formats; ID
numbers written as text and masked for users not allowed to see them (``core.exports``: XlsxWriter, constant
memory, formula-safe)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from assistance.models import LedgerEntry
from core import exports, masking
from core.exports import Column

COLUMNS = (
    Column("类别", "text", 18),
    Column("村（社区）", "text", 14),
    Column("户编号", "id", 18),
    Column("对象", "text", 10),
    Column("身份证号", "id", 21),
    Column("现月金额（元）", "money", 14),
    Column("测算月金额（元）", "money", 16),
    Column("依据", "text", 60),
    Column("状态", "text", 8),
    Column("责任人", "text", 10),
    Column("处理情况", "text", 30),
)


def _rows(entries: Iterable[LedgerEntry], full_identity: bool) -> Iterator[tuple[Any, ...]]:
    for entry in entries:
        person = entry.member
        number = person.id_number if person else ""
        yield (
            entry.get_category_display(),
            entry.household.village.name,
            entry.household.number,
            person.name if person else "全户",
            number if full_identity or not number else masking.mask_id_number(number),
            entry.current_amount,
            entry.new_amount,
            "；".join(entry.details.get("reasons", [])),
            entry.get_status_display(),
            entry.owner.first_name if entry.owner else "",
            entry.handled_note,
        )


def ledger_workbook(*, title: str, entries: Iterable[LedgerEntry], full_identity: bool) -> bytes:
    return exports.xlsx(
        lambda book: exports.write_sheet(book, title, COLUMNS, _rows(entries, full_identity), autofilter=True)
    )
