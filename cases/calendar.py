"""The working-day calendar's official rows: the State Council's holidays and make-up working days, loaded from
the ``chinesecalendar`` package (``core.workdays.official_days``). The county's own rows (``source='county'``,
entered in the admin) win: a date the county has set is never touched."""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db import transaction

from core.workdays import official_days

OFFICIAL = "official"
COUNTY = "county"


class Loaded(NamedTuple):
    created: int
    updated: int
    removed: int
    county_kept: int


def sync_official_days(model: Any = None) -> Loaded:
    """Make the official rows match the package: add missing dates, correct changed ones, drop official rows the
    package no longer lists; leave every county row alone. Idempotent. ``model``: the CalendarDay class (a data
    migration passes its historical model)."""
    if model is None:
        from cases.models import CalendarDay

        model = CalendarDay
    official = official_days()
    with transaction.atomic():
        county = set(model.objects.filter(source=COUNTY).values_list("date", flat=True))
        existing = {row.date: row for row in model.objects.filter(source=OFFICIAL)}
        create, update = [], []
        for day, (kind, name) in sorted(official.items()):
            if day in county:
                continue
            row = existing.get(day)
            if row is None:
                create.append(model(date=day, kind=kind, name=name, source=OFFICIAL))
            elif (row.kind, row.name) != (kind, name):
                row.kind, row.name = kind, name
                update.append(row)
        stale = [day for day in existing if day not in official]
        model.objects.bulk_create(create)
        model.objects.bulk_update(update, ["kind", "name"])
        model.objects.filter(source=OFFICIAL, date__in=stale).delete()
    return Loaded(len(create), len(update), len(stale), len(county & official.keys()))
