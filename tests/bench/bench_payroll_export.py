"""Excel export of a county month's payroll lines (14 columns): rows per second and peak memory of the exporting
process, side by side with openpyxl's normal (not write-only) mode writing the same rows, each in its own process.

The lines are generated one at a time in memory (unsaved model instances, as the page gets them from the
database); the time to generate them is measured separately in the same process and left out of the rows/s, so
what is compared is the writing of the workbook."""

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

ROWS = 100_000


def lines() -> Iterator[object]:
    from cases.models import Household
    from payments.models import PaymentLine

    for i in range(ROWS):
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
    started = time.perf_counter()
    content = payroll_workbook(payroll=payroll, lines=lines(), full_identity=True)
    return {"seconds": time.perf_counter() - started, "bytes": len(content)}


def openpyxl_normal() -> dict[str, float]:
    import io

    import openpyxl
    from openpyxl.styles import Font

    from payments.exports import LINE_COLUMNS

    started = time.perf_counter()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([name for name, _ in LINE_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
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
    return {"seconds": time.perf_counter() - started, "bytes": len(buffer.getvalue())}


def child(mode: str) -> None:
    from common import setup_django

    setup_django()
    started = time.perf_counter()
    for _ in lines():
        pass
    generation = time.perf_counter() - started
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = ours() if mode == "ours" else openpyxl_normal()
    result["generation_seconds"] = generation
    result["seconds"] -= generation
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["baseline_mb"] = baseline / 1024
    print(json.dumps(result))


def measure(mode: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, mode], capture_output=True, text=True, check=True, env=dict(os.environ)
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    mine = measure("ours")
    theirs = measure("openpyxl")
    print(f"# XlsxWriter constant memory: {mine}", flush=True)
    print(f"# openpyxl normal mode: {theirs}; {ROWS / theirs['seconds']:.0f} rows/s", flush=True)
    print(f"BENCH payroll_export_rows_per_s {ROWS / mine['seconds']:.0f} rows/s", flush=True)
    print(f"BENCH payroll_export_peak_mb {mine['peak_mb']:.1f} MB", flush=True)
    print(f"BENCH payroll_export_speedup_vs_openpyxl_normal {theirs['seconds'] / mine['seconds']:.2f} x", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        main()
