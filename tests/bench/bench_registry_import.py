"""Import of a 100,000-row poverty registry (建档立卡) xlsx through ``cases.rolls.services.commit_roll`` — reading
with calamine, validation in Python, member matching in one query, COPY — against the same rows through
django-import-export's default path (a ``ModelResource`` for RollRecord, ``import_data(dataset, dry_run=False)``,
the dataset loaded from the same xlsx with tablib), run in its own process.

The limit, measured in the same run: python-calamine reading the same file plus a plain ``COPY`` of its rows into
an unlogged scratch table (no validation, no matching, no indexes). Prints ``BENCH registry_import_100k_s``, the
limit ``BENCH limit_calamine_copy`` and ``BENCH registry_import_100k_s_vs_calamine_copy`` (goal ≤ 2.5), then
``BENCH registry_import_import_export_100k_s`` and ``BENCH registry_import_speedup_vs_import_export`` (goal ≥ 40).
When import-export would take more than about ten minutes for 100,000 rows, its figure is measured on 10,000 rows
and scaled linearly (said in a ``#`` line).

Runs on a database whose name ends with ``_bench`` (BENCH_ALLOW_ANY_DB=1 to override) and leaves it as it found it
(the benchmark's imports are removed). Townships and villages come from that database; a third of the rows carry ID
numbers of members registered there (bench_seed's households: fails without them), 0.5 % are invalid and 0.5 %
repeat an earlier row's number. Fails when fewer rows are imported or copied than generated."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from common import bench, copy_into_scratch, goal, guard_database, require, setup_django, versus

ROWS = 100_000
SAMPLE_ROWS = 10_000
IMPORT_EXPORT_BUDGET_S = 600
NAME_PREFIX = "bench-registry-"
SCRATCH_TABLE = "bench_registry_scratch"
HEADER = ["户编号", "姓名", "身份证号", "与户主关系", "贫困户属性", "脱贫状态", "是否监测对象", "乡镇", "村"]


def database_name() -> str:
    from django.conf import settings

    return settings.DATABASES["default"]["NAME"]


def id_number(rng: random.Random, taken: set[str]) -> str:
    from core import idnumber

    while True:
        born = date(1930, 1, 1) + timedelta(days=rng.randrange(365 * 85))
        first17 = f"500243{born:%Y%m%d}{rng.randrange(1000):03d}"
        number = first17 + idnumber.check_char(first17)
        if number not in taken:
            taken.add(number)
            return number


def generate_rows(rows: int, seed: int = 2020) -> list[list[str]]:
    """Registry rows: households of 1–5 persons in the database's villages."""
    from cases.models import Member, Township, Village

    rng = random.Random(seed)
    townships = dict(Township.objects.values_list("pk", "name"))
    villages = list(Village.objects.values_list("township_id", "name"))
    require(len(villages), 1, "villages in the bench database")
    registered = list(Member.objects.filter(active=True).order_by("id").values_list("id_number", flat=True)[:rows])
    require(len(registered), rows, "active members in the bench database")
    rng.shuffle(registered)
    registered = registered[: rows // 3]
    taken: set[str] = set(registered)
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "明华英芳军平建国红霞勇强秀兰桂珍志伟"
    relations = ["配偶", "之子", "之女", "之孙子", "之母"]
    attributes = ["一般贫困户", "低保贫困户", "特困供养贫困户"]
    out: list[list[str]] = []
    household = 0
    while len(out) < rows:
        household += 1
        township_id, village = rng.choice(villages)
        lifted = "未脱贫" if rng.random() < 0.1 else "已脱贫"
        monitored = "是" if rng.random() < 0.05 else "否"
        attribute = rng.choice(attributes)
        for position in range(min(rng.randint(1, 5), rows - len(out))):
            roll = rng.random()
            if roll < 0.005 and out:
                number = rng.choice(out)[2]  # repeated
            elif roll < 0.01:
                number = id_number(rng, taken)[:17] + "0"  # a wrong check character (or, rarely, a valid one)
            elif registered:
                number = registered.pop()
            else:
                number = id_number(rng, taken)
            name = rng.choice(surnames) + rng.choice(given) + rng.choice(given)
            relation = "户主" if position == 0 else rng.choice(relations)
            row = [f"H{household:09d}", name, number, relation, attribute, lifted, monitored]
            out.append([*row, townships[township_id], village])
    return out


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("建档立卡")
    text = book.add_format({"num_format": "@"})
    sheet.set_column(0, 2, 20, text)
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(rows, 1):
        sheet.write_row(index, 0, row)
    book.close()


def bench_actor():
    from cases.models import User

    user, _ = User.objects.get_or_create(
        username="bench_rolls", defaults={"role": User.Role.COUNTY_STAFF, "first_name": "基准测试"}
    )
    return user


def forget_earlier_runs() -> None:
    """Earlier runs of this benchmark (their rows and files), so the file is imported afresh."""
    from django.db import connection

    from cases.models import RollImport, RollRecord

    earlier = list(RollImport.objects.filter(original_name__startswith=NAME_PREFIX))
    if not earlier:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {RollRecord._meta.db_table} WHERE roll_import_id = ANY(%s)",  # noqa: S608
            [[item.pk for item in earlier]],
        )
    for item in earlier:
        if item.file:
            item.file.storage.delete(item.file.name)
        item.delete()


def measure_commit(path: Path) -> float:
    from cases.models import RollKind
    from cases.rolls.parser import parse_roll
    from cases.rolls.services import commit_roll

    data = path.read_bytes()
    actor = bench_actor()
    started = time.perf_counter()
    parsed = parse_roll(RollKind.POVERTY_REGISTRY, data, path.name)
    parse_s = time.perf_counter() - started
    assert not parsed.problems, [str(problem) for problem in parsed.problems[:5]]
    started = time.perf_counter()
    imported = commit_roll(actor=actor, kind=RollKind.POVERTY_REGISTRY, file_bytes=data, filename=path.name)
    elapsed = time.perf_counter() - started
    assert not imported.reused
    require(imported.row_count, ROWS, "registry rows imported")
    require(imported.matched_count, ROWS // 3 - ROWS // 100, "registry rows matched to members")
    print(
        f"# commit_roll: {imported.row_count} rows, {imported.invalid_id_count} invalid, "
        f"{imported.duplicate_id_count} repeated, {imported.matched_count} matched; "
        f"reading + validation alone {parse_s:.2f} s",
        flush=True,
    )
    return elapsed


def measure_calamine_copy(path: Path) -> float:
    """The limit: read the same file with python-calamine and COPY its rows into an unlogged scratch table."""
    from python_calamine import CalamineWorkbook

    columns = ", ".join(f"c{index} text" for index in range(len(HEADER)))

    def read() -> list[list[object]]:
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[1:]

    create = f"CREATE UNLOGGED TABLE {SCRATCH_TABLE} ({columns})"
    elapsed, copied = copy_into_scratch(SCRATCH_TABLE, create, "", read)
    require(copied, ROWS, "rows read by calamine and copied")
    return elapsed


# django-import-export, in its own process -----------------------------------------------------------------------


def import_export_child(path: Path) -> None:
    import tablib
    from django.db import connection
    from import_export import fields, resources, widgets

    from cases.models import RollImport, RollKind, RollRecord, Township, Village

    actor = bench_actor()
    target = RollImport.objects.create(
        kind=RollKind.POVERTY_REGISTRY,
        file=f"rolls/{path.name}",
        file_sha256=f"import-export-{time.time_ns()}",
        original_name=f"{NAME_PREFIX}import-export.xlsx",
        imported_by=actor,
    )

    class YesWidget(widgets.BooleanWidget):
        TRUE_VALUES = ["是"]
        FALSE_VALUES = ["否"]

    class VillageWidget(widgets.ForeignKeyWidget):
        def get_queryset(self, value, row, *args, **kwargs):  # type: ignore[no-untyped-def]
            return Village.objects.filter(township__name=row["乡镇"])

    class RollRecordResource(resources.ModelResource):
        household_number = fields.Field("household_number", "户编号")
        name = fields.Field("name", "姓名")
        id_number_raw = fields.Field("id_number_raw", "身份证号")
        relation = fields.Field("relation", "与户主关系")
        poverty_attribute = fields.Field("poverty_attribute", "贫困户属性")
        lifted_status = fields.Field("lifted_status", "脱贫状态")
        monitored = fields.Field("monitored", "是否监测对象", widget=YesWidget())
        township = fields.Field("township", "乡镇", widget=widgets.ForeignKeyWidget(Township, "name"))
        village = fields.Field("village", "村", widget=VillageWidget(Village, "name"))

        class Meta:
            model = RollRecord
            fields = (
                "id",
                "household_number",
                "name",
                "id_number_raw",
                "relation",
                "poverty_attribute",
                "lifted_status",
                "monitored",
                "township",
                "village",
            )

        def before_save_instance(self, instance, row, **kwargs):  # type: ignore[no-untyped-def]
            instance.roll_import_id = target.pk
            instance.row_number = kwargs.get("row_number", 0) + 1

    started = time.perf_counter()
    dataset = tablib.Dataset().load(path.read_bytes(), format="xlsx")
    result = RollRecordResource().import_data(dataset, dry_run=False)
    elapsed = time.perf_counter() - started
    written = RollRecord.objects.filter(roll_import=target).count()
    failed = result.has_errors() or result.has_validation_errors()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {RollRecord._meta.db_table} WHERE roll_import_id = %s", [target.pk])  # noqa: S608
    target.delete()
    print(f"RESULT {elapsed:.3f} {written} {int(failed)}", flush=True)


def run_import_export(path: Path, timeout: float) -> tuple[float, int] | None:
    """(seconds, rows written) from a child process, or None when it ran out of time."""
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--import-export", str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=dict(os.environ),
        )
    except subprocess.TimeoutExpired:
        return None
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        sys.exit(f"BENCH FAILED: import-export run failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    _, seconds, written, failed = lines[-1].split()
    expected = int(path.stem.rsplit("-", 1)[-1])
    if failed != "0" or int(written) != expected:
        sys.exit(
            f"BENCH FAILED: import-export wrote {written} of {expected} rows (errors: {failed != '0'}): "
            "not a fair comparison."
        )
    return float(seconds), int(written)


def measure_import_export(rows: list[list[str]], folder: Path, full: Path) -> float:
    sample = folder / f"{NAME_PREFIX}{SAMPLE_ROWS}.xlsx"
    write_xlsx(sample, rows[:SAMPLE_ROWS])
    sample_s, written = run_import_export(sample, IMPORT_EXPORT_BUDGET_S) or (float("inf"), 0)
    print(f"# import-export on {SAMPLE_ROWS:,} rows: {sample_s:.1f} s ({written} rows written)", flush=True)
    estimate = sample_s * ROWS / SAMPLE_ROWS
    if estimate <= IMPORT_EXPORT_BUDGET_S:
        measured = run_import_export(full, IMPORT_EXPORT_BUDGET_S * 1.5)
        if measured is not None:
            print(f"# import-export on {ROWS:,} rows measured in full ({measured[1]} rows written)", flush=True)
            return measured[0]
    print(
        f"# import-export at {ROWS:,} rows would take more than ~{IMPORT_EXPORT_BUDGET_S // 60} minutes: "
        f"figure scaled linearly from {SAMPLE_ROWS:,} rows ({sample_s:.1f} s × {ROWS // SAMPLE_ROWS})",
        flush=True,
    )
    return estimate


def main() -> None:
    # As in production: with DEBUG on, Django keeps every query's SQL, which would slow both import paths.
    os.environ.setdefault("DJANGO_DEBUG", "0")
    setup_django()
    guard_database("bench_registry_import writes 100,000 rows")
    if len(sys.argv) == 3 and sys.argv[1] == "--import-export":
        import_export_child(Path(sys.argv[2]))
        return
    from cases.models import RollImport, RollKind

    forget_earlier_runs()
    in_force = RollImport.objects.filter(kind=RollKind.POVERTY_REGISTRY, is_current=True).first()
    try:
        run()
    finally:  # leave the database as it was: no benchmark registry in force for other benchmarks
        forget_earlier_runs()
        if in_force is not None:
            RollImport.objects.filter(pk=in_force.pk).update(is_current=True)


def run() -> None:
    rows = generate_rows(ROWS)
    with tempfile.TemporaryDirectory(prefix="bench-rolls-") as tmp:
        folder = Path(tmp)
        path = folder / f"{NAME_PREFIX}{ROWS}.xlsx"
        write_xlsx(path, rows)
        print(f"# {path.name}: {path.stat().st_size / 1e6:.1f} MB, database {database_name()}", flush=True)
        ours = measure_commit(path)
        limit = measure_calamine_copy(path)
        versus("registry_import_100k_s", ours, "s", "calamine_copy", limit, at_most=2.5)
        theirs = measure_import_export(rows, folder, path)
        bench("registry_import_import_export_100k_s", theirs, "s")
        bench("registry_import_speedup_vs_import_export", theirs / ours, "x")
        goal("registry_import_speedup_vs_import_export", theirs / ours, "x", at_least=40)


if __name__ == "__main__":
    main()
