"""Alerts as rows: one row per open alert, on one abstract model every app reuses (eldercare, childcare, …).

An app defines its concrete alert (``class ElderAlert(Alert)`` with its ``Kind`` choices) and a monthly job that
finds what should be open now — in one township, or in the whole county at once — and hands it to ``sync``, which
keeps an alert that is still found (its ``opened_at`` survives re-runs, as a comparison flag's does), opens the new
ones and closes, with the time, the open ones no longer found. Running a month twice leaves the same rows.

An alert names its object by model label and primary key (``object_type``, ``object_id``) and says what it is
in words (``subject``: "王某某 · 炊事员"); ``evidence`` holds the facts that raised it (dates, counts) for the page
and the export. Core knows no domain model: the township is a foreign key by name only (empty for a county
institution's alert)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core.lookups import InIds
from core.months import month_end

M = TypeVar("M", bound=models.Model)


class Alert(models.Model):
    """The shape of every alert. ``kind`` takes its choices from the concrete model's ``Kind``."""

    township = models.ForeignKey(
        "cases.Township",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="乡镇",
        help_text="县级机构（如县社会福利院）的提醒不属于乡镇。",
    )
    kind = models.CharField("提醒类别", max_length=40)
    object_type = models.CharField("对象类型", max_length=60)
    object_id = models.PositiveBigIntegerField("对象")
    subject = models.CharField("对象", max_length=200)
    evidence = models.JSONField("依据", default=dict, blank=True)
    month = models.DateField("发现月份", help_text="发现它的那次核查所属的月份（该月1日）。")
    opened_at = models.DateTimeField("发现时间", db_index=True)
    closed_at = models.DateTimeField("解除时间", null=True, blank=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_type", "object_id"],
                condition=Q(closed_at__isnull=True),
                name="%(app_label)s_%(class)s_one_open",
            ),
        ]
        indexes = [models.Index(fields=["township", "closed_at"], name="%(app_label)s_%(class)s_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.subject}"  # type: ignore[attr-defined]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class Finding:
    """One thing that should be open: its kind, its object, what to show, and the township it belongs to (None for
    a county institution's)."""

    kind: str
    object_type: str
    object_id: int
    subject: str
    evidence: dict[str, Any] = field(default_factory=dict, compare=False)
    township_id: int | None = field(default=None, compare=False)
    person_id: int | None = field(default=None, compare=False)  # whom it is about, for ``sync``'s ``describe``

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.kind, self.object_type, self.object_id)


@dataclass(frozen=True)
class SyncResult:
    opened: int
    kept: int
    closed: int

    def counts(self) -> dict[str, int]:
        return {"alerts_opened": self.opened, "alerts_kept": self.kept, "alerts_closed": self.closed}


def sync(
    model: Any,  # a concrete ``Alert`` model
    *,
    month: date,
    kinds: Iterable[str],
    findings: Iterable[Finding],
    township_id: int | None = None,
    describe: Callable[[list[Finding]], dict[tuple[str, str, int], str]] | None = None,
) -> SyncResult:
    """Make the open alerts of ``kinds`` exactly ``findings`` — one township's (``township_id``), or the whole
    county's (None; each finding names its township): keep, open, close. Set-based: one read, then, only when
    something changes, one transaction with one close, one update of the evidence (and subject) of the kept whose
    evidence changed, and one bulk insert. A kept alert keeps the month it was found in. A run that finds what is
    already open writes nothing. Two runs at once cannot both open an alert: the one-open-alert constraint refuses
    the second. ``describe`` gives the subjects of the findings about to be written (new, or with new evidence),
    when wording them costs a query the kept ones need not pay (their people's names)."""
    wanted = {finding.key: finding for finding in findings}
    current = model.objects.filter(kind__in=list(kinds), closed_at__isnull=True)
    if township_id is not None:
        current = current.filter(township_id=township_id)
    open_rows = {
        (kind, object_type, object_id): (pk, evidence)
        for pk, kind, object_type, object_id, evidence in current.values_list(
            "pk", "kind", "object_type", "object_id", "evidence"
        )
    }
    to_close = [pk for key, (pk, _) in open_rows.items() if key not in wanted]
    to_write = [f for key, f in wanted.items() if key not in open_rows or open_rows[key][1] != f.evidence]
    subjects = describe(to_write) if describe is not None and to_write else {}
    changed = [(open_rows[f.key][0], f) for f in to_write if f.key in open_rows]
    now = timezone.now()
    new = [
        model(
            township_id=finding.township_id if township_id is None else township_id,
            kind=finding.kind,
            object_type=finding.object_type,
            object_id=finding.object_id,
            subject=subjects.get(finding.key, finding.subject)[:200],
            evidence=finding.evidence,
            month=month,
            opened_at=now,
        )
        for finding in to_write
        if finding.key not in open_rows
    ]
    if to_close or changed or new:
        with transaction.atomic():
            model.objects.filter(InIds(F("pk"), to_close), closed_at__isnull=True).update(closed_at=now)
            _update_evidence(
                model, [(pk, finding, subjects.get(finding.key, finding.subject)) for pk, finding in changed]
            )
            model.objects.bulk_create(new, batch_size=1000)
    return SyncResult(opened=len(new), kept=len(wanted) - len(new), closed=len(to_close))


def _update_evidence(model: Any, changed: list[tuple[int, Finding, str]]) -> None:
    """The new evidence and subject of kept alerts, in one ``UPDATE … FROM unnest(…)`` (a CASE per row, as
    ``bulk_update`` writes, grows with the square of the rows)."""
    if not changed:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {model._meta.db_table} AS a SET evidence = v.evidence::jsonb, subject = v.subject "  # noqa: S608
            "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(id, evidence, subject) WHERE a.id = v.id",
            [
                [pk for pk, _, _ in changed],
                [json.dumps(finding.evidence) for _, finding, _ in changed],
                [subject[:200] for _, _, subject in changed],
            ],
        )


def judged_on(month: date) -> date:
    """The day a month's alerts are judged on: the month's last day, or today for the current month."""
    return min(month_end(month), timezone.localdate())


def within(queryset: QuerySet[M], township_id: int | None, path: str = "township_id") -> QuerySet[M]:
    """The rows of one township (``path`` leads to its id), or of the whole county when ``township_id`` is None."""
    return queryset if township_id is None else queryset.filter(**{path: township_id})


def object_type_of(model: type[models.Model]) -> str:
    """The label an alert names its object's model by (``eldercare.staffmember``)."""
    return model._meta.label_lower
