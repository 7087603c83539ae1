"""The monthly registry comparison (民政–扶贫 信息比对) of a 100,000-row poverty registry with the roll.

On the bench database (100,000 demo households): imports through ``cases.rolls.services.commit_roll`` a registry of
100,000 rows carrying the ID numbers of existing members (0.5 % with another name, 0.5 % invalid numbers, 0.5 %
repeating an earlier row's number; attributes and lifted/monitored statuses at random), then times
``assistance.comparison.compare_county`` — in-process, every source read once for the county, then one delete +
bulk insert per township; the job pages run the same rules per township on Celery workers — and prints
``BENCH comparison_100k_s`` (absolute, not judged). A second run of the same month (replacing the open flags) is
printed as a ``#`` line. Fails when the bench database has fewer than 100,000 active members (bench_seed loads
them), when fewer rows are imported or matched than generated, or when the comparison writes no flags.

Leaves the database as it found it: the benchmark's import and the flags of its month are removed and the
registry that was in force before is in force again."""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from common import bench, guard_database, require, setup_django

ROWS = 100_000
MONTH = date(2020, 3, 1)
NAME_PREFIX = "bench-comparison-"
HEADER = ["户编号", "姓名", "身份证号", "与户主关系", "贫困户属性", "脱贫状态", "是否监测对象", "乡镇", "村"]


def generate_rows(seed: int = 2020) -> list[list[str]]:
    from cases.models import Member

    rng = random.Random(seed)
    members = list(
        Member.objects.filter(active=True)
        .order_by("household_id", "id")
        .values_list("id_number", "name", "household__number", "household__township__name", "household__village__name")[
            : ROWS * 2
        ]
    )
    require(len(members), ROWS, "active members in the bench database")
    households: dict[str, list[tuple[str, ...]]] = {}
    for member in members:
        households.setdefault(member[2], []).append(member)
    groups = list(households.values())
    rng.shuffle(groups)
    attributes = ["一般贫困户", "低保贫困户", "特困供养贫困户"]
    out: list[list[str]] = []
    for group in groups:
        # as in the registry, the attribute and the lifted status are the household's
        attribute = rng.choice(attributes)
        lifted = "未脱贫" if rng.random() < 0.1 else "已脱贫"
        monitored = "是" if rng.random() < 0.05 else "否"
        for position, (number, name, household, township, village) in enumerate(group):
            if len(out) == ROWS:
                return out
            roll = rng.random()
            if roll < 0.005 and out:
                number = rng.choice(out)[2]  # repeated
            elif roll < 0.01:
                number = number[:17] + ("0" if number[17] != "0" else "1")  # a wrong check character
            elif roll < 0.015:
                name = name + "某"
            relation = "户主" if position == 0 else "家庭成员"
            out.append([household, name, number, relation, attribute, lifted, monitored, township, village])
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


def actor():
    from cases.models import User

    user, _ = User.objects.get_or_create(
        username="bench_rolls", defaults={"role": User.Role.COUNTY_STAFF, "first_name": "基准测试"}
    )
    return user


def clean_up() -> None:
    """This benchmark's imports (rows and files) and the flags of its month."""
    from django.db import connection

    from assistance.models import ComparisonFlag
    from cases.models import RollImport, RollRecord

    ComparisonFlag.objects.filter(month=MONTH).delete()
    earlier = list(RollImport.objects.filter(original_name__startswith=NAME_PREFIX))
    if earlier:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {RollRecord._meta.db_table} WHERE roll_import_id = ANY(%s)",  # noqa: S608
                [[item.pk for item in earlier]],
            )
    for item in earlier:
        if item.file:
            item.file.storage.delete(item.file.name)
        item.delete()


def run() -> None:
    from assistance.comparison import compare_county
    from cases.models import RollKind
    from cases.rolls.services import commit_roll

    rows = generate_rows()
    with tempfile.TemporaryDirectory(prefix="bench-comparison-") as tmp:
        path = Path(tmp) / f"{NAME_PREFIX}{ROWS}.xlsx"
        write_xlsx(path, rows)
        started = time.perf_counter()
        imported = commit_roll(
            actor=actor(), kind=RollKind.POVERTY_REGISTRY, file_bytes=path.read_bytes(), filename=path.name
        )
        print(
            f"# registry imported in {time.perf_counter() - started:.2f} s: {imported.row_count} rows, "
            f"{imported.invalid_id_count} invalid, {imported.duplicate_id_count} repeated, "
            f"{imported.matched_count} matched",
            flush=True,
        )
        require(imported.row_count, ROWS, "registry rows imported")
        require(imported.matched_count, ROWS * 9 // 10, "registry rows matched to members")
    started = time.perf_counter()
    counts = compare_county(month=MONTH)
    elapsed = time.perf_counter() - started
    print(f"# first run: {counts}", flush=True)
    started = time.perf_counter()
    again = compare_county(month=MONTH)
    print(f"# second run of the month (replacing open flags): {time.perf_counter() - started:.2f} s", flush=True)
    assert again == counts, (again, counts)
    require(counts["flags"], ROWS // 1000, "comparison flags written")
    bench("comparison_100k_s", elapsed, "s")


def main() -> None:
    os.environ.setdefault("DJANGO_DEBUG", "0")
    setup_django()
    from assistance.models import ComparisonFlag
    from cases.models import RollImport, RollKind

    guard_database("bench_comparison writes 100,000 rows")

    if ComparisonFlag.objects.filter(month=MONTH).exclude(id_number="").filter(run__isnull=False).exists():
        sys.exit(f"the bench database has comparison runs for {MONTH:%Y-%m}: this benchmark would replace them.")
    clean_up()
    in_force = RollImport.objects.filter(kind=RollKind.POVERTY_REGISTRY, is_current=True).first()
    try:
        run()
    finally:
        clean_up()
        if in_force is not None:
            RollImport.objects.filter(pk=in_force.pk).update(is_current=True)


if __name__ == "__main__":
    main()
