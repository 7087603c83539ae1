"""Reference rows every database holds: the county's townships. Used by the data migration (with the historical
model) and by tests that rebuild reference data after a transactional test empties the tables."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

TOWNSHIPS_CSV = Path(__file__).resolve().parent / "data" / "pengshui_townships.csv"


def load_townships(township_model: Any) -> None:
    with TOWNSHIPS_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    township_model.objects.bulk_create(
        [township_model(code=row["code"], name=row["name"], kind=row["kind"]) for row in rows], ignore_conflicts=True
    )
