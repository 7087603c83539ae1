"""Excel export of a county month's payroll lines (14 columns): rows per second and peak memory of the exporting
process (``payments.exports.payroll_workbook``), each measurement in its own process.

The limit, measured in the same run: XlsxWriter in constant-memory mode writing the same cells with no formatting
(no column widths, formats, frozen panes, filter or totals) → ``payroll_export_rows_per_s_vs_xlsxwriter_plain``
= our rows/s ÷ the limit's rows/s (goal ≥ 0.7). The peer kept for reference: openpyxl's normal (not write-only)
mode writing the same rows → ``payroll_export_speedup_vs_openpyxl_normal`` (not judged).

The lines are generated one at a time in memory (unsaved model instances, as the page gets them from the
database); the time to generate them is measured separately in the same process and left out of the rows/s, so
what is compared is the writing of the workbook. Every run must write all 100,000 rows."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

ROWS = 100_000


def lines(counter: list[int] | None = None) -> Iterator[Any]:
    """The ROWS lines; ``counter[0]`` counts those taken."""
    from cases.models import Household
    from payments.models import PaymentLine

    for i in range(ROWS):
        if counter is not None:
            counter[0] += 1
        yield PaymentLine(
            pk=i + 1,
            kind="regular",
            benefit="dibao",
            month=date(2020, 10, 1),
            household=Household(number=f"500243001{i:07d}"),
            name=f"张{i % 97}",
            id_number=f"500243198001{i % 28 + 1:02d}{i % 1000:03d}X",
            payee_kind="self",
            payee_name=f"张{i % 97}",
            payee_id_number="",
            bank_name="重庆农村商业银行",
            bank_account=f"6228480{i:012d}",
            amount=Decimal("496.00") + i % 7,
            status="pending",
        )


def ours() -> dict[str, float]:
    from cases.models import Township
    from payments.exports import payroll_workbook
    from payments.models import Payroll

    payroll = Payroll(township=Township(name="汉葭街道"), benefit="dibao", month=date(2020, 10, 1), batch=1)
    taken = [0]
    started = time.perf_counter()
    content = payroll_workbook(payroll=payroll, lines=lines(taken), full_identity=True)
    return {"seconds": time.perf_counter() - started, "bytes": len(content), "rows": taken[0]}


def xlsxwriter_plain() -> dict[str, float]:
    """The limit: the same cells, written with XlsxWriter's plain write_string / write_number, no formatting."""
    import io

    import xlsxwriter

    from payments.exports import LINE_COLUMNS
    from payments.models import PaymentLine

    kinds = dict(PaymentLine.Kind.choices)
    payee_kinds = dict(PaymentLine._meta.get_field("payee_kind").choices or [])
    statuses = dict(PaymentLine.Status.choices)
    started = time.perf_counter()
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    sheet = book.add_worksheet("发放明细")
    write = sheet.write_string
    for index, column in enumerate(LINE_COLUMNS):
        write(0, index, column.title)
    rows = 0
    for rows, line in enumerate(lines(), start=1):
        write(rows, 0, str(line.pk))
        write(rows, 1, kinds[line.kind])
        write(rows, 2, line.household.number)
        write(rows, 3, line.name)
        write(rows, 4, line.id_number)
        write(rows, 5, payee_kinds[line.payee_kind])
        write(rows, 6, line.payee_name)
        write(rows, 7, line.payee_id_number)
        write(rows, 8, line.bank_name)
        write(rows, 9, line.bank_account)
        sheet.write_number(rows, 10, float(line.amount))
        write(rows, 11, statuses[line.status])
        if line.failure_reason:
            write(rows, 12, line.failure_reason)
        if line.problem:
            write(rows, 13, line.problem)
    book.close()
    return {"seconds": time.perf_counter() - started, "bytes": len(buffer.getvalue()), "rows": rows}


def openpyxl_normal() -> dict[str, float]:
    import io

    import openpyxl
    from openpyxl.styles import Font

    from payments.exports import LINE_COLUMNS

    started = time.perf_counter()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([column.title for column in LINE_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    row = 1
    for row, line in enumerate(lines(), start=2):
        sheet.append(
            [
                str(line.pk), line.get_kind_display(), line.household.number, line.name, line.id_number,
                line.get_payee_kind_display(), line.payee_name, line.payee_id_number, line.bank_name,
                line.bank_account, float(line.amount), line.get_status_display(), line.failure_reason, line.problem,
            ]
        )  # fmt: skip
        sheet.cell(row=row, column=11).number_format = "#,##0.00"
    buffer = io.BytesIO()
    book.save(buffer)
    return {"seconds": time.perf_counter() - started, "bytes": len(buffer.getvalue()), "rows": row - 1}


def child(mode: str) -> None:
    from common import setup_django

    setup_django()
    started = time.perf_counter()
    for _ in lines():
        pass
    generation = time.perf_counter() - started
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {"ours": ours, "xlsxwriter": xlsxwriter_plain, "openpyxl": openpyxl_normal}[mode]()
    result["generation_seconds"] = generation
    result["seconds"] -= generation
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["baseline_mb"] = baseline / 1024
    print(json.dumps(result))


def measure(mode: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, mode], capture_output=True, text=True, env=dict(os.environ))
    if done.returncode != 0 or not done.stdout.strip():
        sys.stderr.write(done.stderr)
        sys.exit(f"BENCH FAILED: the {mode} export process failed (exit status {done.returncode}).")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    from common import bench, require, versus

    mine = measure("ours")
    limit = measure("xlsxwriter")
    theirs = measure("openpyxl")
    print(f"# ours (payroll_workbook): {mine}", flush=True)
    print(f"# XlsxWriter constant memory, no formatting: {limit}", flush=True)
    print(f"# openpyxl normal mode: {theirs}; {ROWS / theirs['seconds']:.0f} rows/s", flush=True)
    for what, result in (("ours", mine), ("XlsxWriter plain", limit), ("openpyxl", theirs)):
        require(int(result["rows"]), ROWS, f"rows written by {what}")
    rows_per_s = ROWS / mine["seconds"]
    versus("payroll_export_rows_per_s", rows_per_s, "rows/s", "xlsxwriter_plain", ROWS / limit["seconds"], at_least=0.7)
    bench("payroll_export_peak_mb", mine["peak_mb"], "MB")
    bench("payroll_export_speedup_vs_openpyxl_normal", theirs["seconds"] / mine["seconds"], "x")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        main()
