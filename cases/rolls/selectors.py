"""Reads of the external rolls: the import in force for each kind and its records (for the comparison job), the
建档立卡 status of people and households (policy.md §2), and the pages' lists of imports and of an import's records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, QuerySet

from cases.models import RollImport, RollKind, RollRecord, User
from cases.models.people import PovertyStatus
from cases.permissions import ensure_view_rolls
from cases.rolls.columns import RECORD_COLUMNS
from cases.rolls.parser import ListedRow, record_details
from core.lookups import InTexts
from core.masking import id_as_seen

_RANK: dict[str, int] = {
    PovertyStatus.NONE: 0,
    PovertyStatus.LIFTED: 1,
    PovertyStatus.MONITORED: 2,
    PovertyStatus.UNLIFTED: 3,
}


def _stronger(a: str, b: str) -> str:
    return a if _RANK.get(a, 0) >= _RANK.get(b, 0) else b


def current_import(kind: str) -> RollImport | None:
    return RollImport.objects.filter(kind=kind, is_current=True).first()


def current_records(kind: str) -> QuerySet[RollRecord]:
    """The records of the import in force for ``kind`` (none before the first import), for the comparison job:
    ``id_valid=False`` rows raise ID_INVALID, ``id_duplicate=True`` rows ID_DUPLICATE."""
    return RollRecord.objects.filter(roll_import__kind=kind, roll_import__is_current=True)


def has_registry() -> bool:
    """Whether a poverty registry has been imported (from then on it, not the caseworker, decides the status)."""
    return RollImport.objects.filter(kind=RollKind.POVERTY_REGISTRY, is_current=True).exists()


def registry_status_by_id_number(id_numbers: Iterable[str] | None = None) -> dict[str, str]:
    """Normalised ID number → status (unlifted / monitored / lifted / none) in the poverty registry in force, for
    the numbers given (all of the registry when None). A number on several rows takes the strongest status.
    Numbers absent from the registry are absent from the result; empty when no registry was imported."""
    current = current_import(RollKind.POVERTY_REGISTRY)
    if current is None:
        return {}
    records = RollRecord.objects.filter(roll_import=current, id_valid=True)
    if id_numbers is not None:
        records = records.filter(InTexts(F("id_number"), sorted(set(id_numbers))))
    out: dict[str, str] = {}
    for number, status in records.values_list("id_number", "registry_status").iterator(chunk_size=10_000):
        out[number] = _stronger(status, out.get(number, PovertyStatus.NONE))
    return out


def roll_imports(user: User) -> QuerySet[RollImport]:
    ensure_view_rolls(user)
    return RollImport.objects.select_related("imported_by").order_by("-imported_at", "-id")


RECORD_FILTERS = {
    "all": ("全部", {}),
    "invalid": ("身份证号无效", {"id_valid": False}),
    "duplicate": ("身份证号重复", {"id_duplicate": True}),
    "unmatched": ("未匹配在册成员", {"member__isnull": True}),
    "matched": ("已匹配在册成员", {"member__isnull": False}),
}


def roll_records(roll_import: RollImport, show: str = "all") -> QuerySet[RollRecord]:
    lookup = RECORD_FILTERS.get(show, RECORD_FILTERS["all"])[1]
    return (
        RollRecord.objects.filter(roll_import=roll_import, **lookup)
        .select_related("township", "village", "member__household")
        .order_by("row_number")
    )


@dataclass(frozen=True, kw_only=True)
class RecordRow(ListedRow):
    id_shown: str
    relation: str
    member_id: int | None
    household_id: int | None


def record_row(record: RollRecord, kind: str, *, full_identity: bool) -> RecordRow:
    """A record as the detail page shows it: the ID masked unless the user may see full numbers."""
    shown = record.id_number or record.id_number_raw
    member = record.member
    return RecordRow(
        row_number=record.row_number,
        id_shown=id_as_seen(shown, full_identity),
        id_valid=record.id_valid,
        id_duplicate=record.id_duplicate,
        name=record.name,
        township=record.township.name if record.township else "",
        village=record.village.name if record.village else "",
        household_number=record.household_number,
        relation=record.relation,
        details=record_details(kind, {name: getattr(record, name) for name in RECORD_COLUMNS}),
        member_id=record.member_id,
        household_id=member.household_id if member else None,
    )
