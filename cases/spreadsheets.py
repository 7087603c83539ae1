"""Reading uploaded spreadsheets: the first sheet of an Excel file (python-calamine) or a CSV in UTF-8 (with or
without BOM), UTF-16 or GB18030, comma- or tab-separated. One reader for every import; each import turns
``UnreadableFile`` into its own report."""

from __future__ import annotations

import csv
import io
from pathlib import PurePath
from typing import Any

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}


class UnreadableFile(Exception):
    """The file cannot be read at all: ``what`` is wrong and ``fix`` says how to put it right (Chinese)."""

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(f"{what}。{fix}。")
        self.what = what
        self.fix = fix


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_cells(file_bytes: bytes, filename: str) -> list[list[Any]]:
    """All rows of the first sheet (Excel) or of the CSV, from row 1, as Python values."""
    suffix = PurePath(filename or "").suffix.lower()
    if file_bytes.startswith((b"PK\x03\x04", OLE_MAGIC)) or suffix in EXCEL_SUFFIXES:
        return _read_excel(file_bytes)
    if suffix in {".csv", ".txt", ""}:
        return _read_csv(file_bytes)
    raise UnreadableFile(
        "只能导入 Excel 或 CSV 文件（只支持 Excel 的 .xlsx、.xls 格式或 CSV）", "请另存为 .xlsx 或 .csv 后重新上传"
    )


def _read_excel(file_bytes: bytes) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(file_bytes))
    except Exception:
        raise UnreadableFile(
            "无法读取该 Excel 文件（文件可能已损坏或设置了密码）", "请用 Excel 打开后另存为 .xlsx（或 CSV）再上传"
        ) from None
    if not workbook.sheet_names:
        raise UnreadableFile("该 Excel 文件中没有工作表", "请把数据放在第一个工作表中")
    return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)


def decode_text(file_bytes: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM, else GB18030 (which includes GBK)."""
    if file_bytes.startswith((b"\xff\xfe", b"\xfe\xff")):
        return file_bytes.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return file_bytes.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("无法识别 CSV 文件的编码", "请保存为 UTF-8 或 GB18030（GBK）编码的 CSV 后重新上传")


def _read_csv(file_bytes: bytes) -> list[list[Any]]:
    text = decode_text(file_bytes)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as error:
        raise UnreadableFile(f"CSV 文件格式有误（{error}）", "请用 Excel 重新另存为 CSV") from None
