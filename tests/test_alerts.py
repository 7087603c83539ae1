"""The core alert model: ``core.alerts.sync`` opens, keeps (with its ``opened_at``) and closes alert rows."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from core.alerts import Finding, sync
from eldercare.models import ElderAlert

pytestmark = pytest.mark.django_db
OCT, NOV = date(2020, 10, 1), date(2020, 11, 1)
Kind = ElderAlert.Kind


def found(object_id: int, kind: str = Kind.NO_MANAGER, township_id: int | None = None, **evidence) -> Finding:
    return Finding(kind, "eldercare.nursinghome", object_id, f"第{object_id}敬老院", evidence, township_id)


def rows():
    return list(
        ElderAlert.objects.order_by("pk").values(
            "pk", "township_id", "kind", "object_id", "subject", "evidence", "month", "opened_at", "closed_at"
        )
    )


def test_a_second_run_of_the_same_month_leaves_identical_rows(township_a):
    findings = [found(1), found(2, Kind.DUTY_GAP, days=["2020-10-03"])]
    first = sync(ElderAlert, township_id=township_a.pk, month=OCT, kinds=Kind.values, findings=findings)
    before = rows()
    second = sync(ElderAlert, township_id=township_a.pk, month=OCT, kinds=Kind.values, findings=findings)
    assert (first.opened, first.kept, first.closed) == (2, 0, 0)
    assert (second.opened, second.kept, second.closed) == (0, 2, 0)
    assert rows() == before and len(before) == 2


def test_kept_alerts_keep_when_they_were_opened_and_closed_ones_say_when(township_a):
    with time_machine.travel("2020-10-31 20:00 +0800", tick=False):
        sync(ElderAlert, township_id=township_a.pk, month=OCT, kinds=Kind.values, findings=[found(1), found(2)])
    with time_machine.travel("2020-11-30 20:00 +0800", tick=False):
        result = sync(ElderAlert, township_id=township_a.pk, month=NOV, kinds=Kind.values, findings=[found(1, days=3)])
    assert (result.opened, result.kept, result.closed) == (0, 1, 1)
    kept = ElderAlert.objects.get(object_id=1)
    closed = ElderAlert.objects.get(object_id=2)
    assert kept.opened_at.date() == date(2020, 10, 31) and kept.closed_at is None
    assert kept.month == OCT and kept.evidence == {"days": 3}  # found in October, its evidence as November saw it
    assert closed.closed_at.date() == date(2020, 11, 30)


def test_a_finding_again_after_its_alert_closed_opens_a_new_row(township_a):
    sync(ElderAlert, township_id=township_a.pk, month=OCT, kinds=Kind.values, findings=[found(1)])
    sync(ElderAlert, township_id=township_a.pk, month=OCT, kinds=Kind.values, findings=[])
    sync(ElderAlert, township_id=township_a.pk, month=NOV, kinds=Kind.values, findings=[found(1)])
    assert [row["closed_at"] is None for row in rows()] == [False, True]


def test_only_the_given_kinds_and_township_are_touched(township_a, township_b):
    sync(ElderAlert, township_id=township_b.pk, month=OCT, kinds=Kind.values, findings=[found(9)])
    sync(ElderAlert, township_id=township_a.pk, month=OCT, kinds=Kind.values, findings=[found(1, Kind.DUTY_GAP)])
    result = sync(ElderAlert, township_id=township_a.pk, month=OCT, kinds=[Kind.NO_MANAGER], findings=[])
    assert result.closed == 0
    assert ElderAlert.objects.filter(closed_at__isnull=True).count() == 2


def test_a_county_wide_sync_puts_each_finding_in_its_township_and_closes_what_is_gone(township_a, township_b):
    sync(ElderAlert, month=OCT, kinds=Kind.values, findings=[found(1, township_id=township_a.pk)])
    result = sync(
        ElderAlert,
        month=NOV,
        kinds=Kind.values,
        findings=[
            Finding(Kind.NO_MANAGER, "eldercare.nursinghome", 2, "第2敬老院", {}, township_b.pk),
            Finding(Kind.NO_MANAGER, "eldercare.nursinghome", 3, "县社会福利院", {}, None),
        ],
    )
    assert (result.opened, result.kept, result.closed) == (2, 0, 1)
    open_rows = {row["object_id"]: row["township_id"] for row in rows() if row["closed_at"] is None}
    assert open_rows == {2: township_b.pk, 3: None}


def test_describe_words_only_the_alerts_about_to_be_written(township_a):
    asked: list[list[int]] = []

    def describe(findings):
        asked.append(sorted(f.object_id for f in findings))
        return {f.key: f"王某 · {f.subject}" for f in findings}

    def both(days):
        return [
            found(1),
            Finding(Kind.VISIT_OVERDUE, "eldercare.leftbehindelder", 2, "留守老年人", {"days": days}, None, 7),
        ]

    sync(ElderAlert, township_id=township_a.pk, month=OCT, kinds=Kind.values, findings=both(30), describe=describe)
    sync(ElderAlert, township_id=township_a.pk, month=NOV, kinds=Kind.values, findings=both(30), describe=describe)
    sync(ElderAlert, township_id=township_a.pk, month=NOV, kinds=Kind.values, findings=both(60), describe=describe)
    assert asked == [[1, 2], [2]]  # none asked when nothing is written; the changed evidence only
    assert ElderAlert.objects.get(object_id=2).subject == "王某 · 留守老年人"
