"""Importing an external roll (rules: ``cases.rolls``): the preview of a file (writes nothing), the commit (with
the acting user, atomic, rows written with a binary COPY) and the pending upload kept between the preview and the
confirmation."""

from __future__ import annotations

import hashlib
from operator import itemgetter
from pathlib import PurePath, PureWindowsPath
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Member, RollImport, RollKind, RollRecord, Township, User, Village
from cases.permissions import ensure_import_rolls
from cases.rolls.columns import RECORD_COLUMNS, SLOT
from cases.rolls.parser import ParsedRoll, PreviewRow, RollRefused, RollReport, parse_roll, record_details
from core import spreadsheets, uploads

PREVIEW_ROWS = 50
_LOCK_KEY = 0x524F4C53  # pg_advisory_xact_lock(key, kind): one committing import per kind at a time
_KIND_LOCK = {kind: index for index, kind in enumerate(RollKind.values)}


ensure_can_import = ensure_import_rolls


def _check_kind(kind: str) -> None:
    if kind not in RollKind.values:
        raise ValidationError({"kind": "请选择要导入的名单。"})


def file_sha256(file_bytes: bytes) -> str:
    return hashlib.sha256(file_bytes).hexdigest()


def _committed(kind: str, sha256: str) -> RollImport | None:
    return (
        RollImport.objects.filter(kind=kind, file_sha256=sha256, status=RollImport.Status.COMMITTED)
        .select_related("imported_by")
        .first()
    )


def _report(kind: str, filename: str, sha256: str, parsed: ParsedRoll) -> RollReport:
    id_slot, duplicate_slot = SLOT["id_number"], SLOT["id_duplicate"]
    return RollReport(
        kind=kind,
        filename=filename,
        sha256=sha256,
        rows=len(parsed.records),
        invalid_ids=sum(1 for record in parsed.records if not record[id_slot]),
        duplicate_ids=sum(1 for record in parsed.records if record[duplicate_slot]),
        problems=parsed.problems,
        hidden_problems=parsed.hidden_problems,
        columns=parsed.columns,
        ignored_columns=parsed.ignored,
    )


@spreadsheets.gc_paused()
def preview_roll(*, actor: User, kind: str, file_bytes: bytes, filename: str) -> RollReport:
    """What importing the file would do, or why it is refused. Writes nothing."""
    ensure_can_import(actor)
    _check_kind(kind)
    sha256 = file_sha256(file_bytes)
    parsed = parse_roll(kind, file_bytes, filename)
    report = _report(kind, filename, sha256, parsed)
    report.existing = _committed(kind, sha256)
    if not report.refused:
        report.matched = _match_members(parsed.records)
        report.preview = _preview_rows(parsed.records, kind)
    return report


@spreadsheets.gc_paused()
def commit_roll(*, actor: User, kind: str, file_bytes: bytes, filename: str) -> RollImport:
    """Import the file: atomic, all rows or none. Raises ``RollRefused`` (with the report) when the file has
    problems. The same file already committed for the kind is not imported again: that import is returned with
    ``reused`` True. The new import becomes the one in force for the kind (``is_current``)."""
    ensure_can_import(actor)
    _check_kind(kind)
    sha256 = file_sha256(file_bytes)
    existing = _committed(kind, sha256)
    if existing is not None:
        existing.reused = True
        return existing
    parsed = parse_roll(kind, file_bytes, filename)
    if parsed.problems:
        raise RollRefused(_report(kind, filename, sha256, parsed))
    stored: RollImport | None = None
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_KEY, _KIND_LOCK[kind]])
            existing = _committed(kind, sha256)
            if existing is not None:  # committed by somebody else meanwhile
                existing.reused = True
                return existing
            matched = _match_members(parsed.records)
            id_slot, duplicate_slot = SLOT["id_number"], SLOT["id_duplicate"]
            stored = RollImport(
                kind=kind,
                file_sha256=sha256,
                original_name=_base_name(filename)[-255:],
                imported_by=actor,
                imported_at=timezone.now(),
                status=RollImport.Status.COMMITTED,
                is_current=True,
                row_count=len(parsed.records),
                invalid_id_count=sum(1 for record in parsed.records if not record[id_slot]),
                duplicate_id_count=sum(1 for record in parsed.records if record[duplicate_slot]),
                matched_count=matched,
                unmatched_count=len(parsed.records) - matched,
            )
            stored.file.save(_stored_name(filename), ContentFile(file_bytes), save=False)
            RollImport.objects.filter(kind=kind, is_current=True).update(is_current=False)
            stored.save()
            _copy_records(stored.pk, parsed.records)
    except BaseException:
        if stored is not None and stored.file.name:
            stored.file.storage.delete(stored.file.name)
        raise
    stored.reused = False
    return stored


def _base_name(filename: str) -> str:
    """The file's own name, without a folder (browsers on Windows may send C:\\…\\name.xlsx)."""
    return PureWindowsPath(filename or "").name or "roll"


def _stored_name(filename: str) -> str:
    name = _base_name(filename)
    stem, suffix = PurePath(name).stem[:80], PurePath(name).suffix[:10]
    return f"{stem}{suffix}"


def _copy_records(import_id: int, records: list[list[Any]]) -> None:
    """COPY the records, in binary (nothing to escape or to parse), in ID-number order: the two indexes on the
    number are then filled from left to right rather than at random places (a fifth of the write's time). The
    table's order does not matter: records are read by row number."""
    table = RollRecord._meta.db_table
    statement = f"COPY {table} ({', '.join(RECORD_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    fields = {field.column: field for field in RollRecord._meta.concrete_fields}
    # Each column's type without its size (varchar(64) → varchar); every column of the layout has one.
    types = [cast(str, fields[name].cast_db_type(connection)).partition("(")[0] for name in RECORD_COLUMNS]
    with connection.cursor() as cursor:
        with cursor.cursor.copy(statement) as copy:
            copy.set_types(types)
            for record in sorted(records, key=itemgetter(SLOT["id_number"])):
                record[0] = import_id
                copy.write_row(record)


# Pending uploads (between the preview and the confirmation) ---------------------------------------------------

UPLOAD_KIND = "external-roll:"


def stash_pending(*, actor: User, kind: str, file_bytes: bytes, filename: str) -> str:
    """Keep an uploaded file until it is confirmed (``core.uploads``): the signed token naming it."""
    return uploads.stash(actor.pk, UPLOAD_KIND + kind, file_bytes, filename)


def load_pending(*, actor: User, token: str) -> tuple[str, bytes, str]:
    """(kind, file bytes, file name) of a pending upload made by ``actor``; ``ValidationError`` when it has
    expired, was tampered with or is somebody else's."""
    upload_kind = uploads.kind_of(token)
    if not upload_kind.startswith(UPLOAD_KIND):
        raise ValidationError(uploads.EXPIRED)
    data, filename = uploads.load(actor.pk, upload_kind, token)
    return upload_kind.removeprefix(UPLOAD_KIND), data, filename


def discard_pending(token: str) -> None:
    uploads.discard(token)


def _match_members(records: list[list[Any]]) -> int:
    """Fill each record's member (the active member with its normalised number): one query. Returns the count of
    matched records."""
    id_slot, member_slot = SLOT["id_number"], SLOT["member_id"]
    numbers = {record[id_slot] for record in records if record[id_slot]}
    if not numbers:
        return 0
    with connection.cursor() as cursor:
        # The numbers (digits and X) as one text parameter: quoting an array of 100,000 costs more than the query.
        cursor.execute(
            f"SELECT id_number, id FROM {Member._meta.db_table} "  # noqa: S608
            "WHERE active AND id_number = ANY(string_to_array(%s, ','))",
            [",".join(numbers)],
        )
        members = dict(cursor.fetchall())
    matched = 0
    for record in records:
        member_id = members.get(record[id_slot])
        if member_id is not None:
            record[member_slot] = member_id
            matched += 1
    return matched


def _preview_rows(records: list[list[Any]], kind: str) -> list[PreviewRow]:
    places = dict(Township.objects.values_list("pk", "name"))
    village_ids = {record[SLOT["village_id"]] for record in records[:PREVIEW_ROWS]} - {None}
    villages = dict(Village.objects.filter(pk__in=village_ids).values_list("pk", "name"))
    return [
        PreviewRow(
            row_number=record[SLOT["row_number"]],
            id_number=record[SLOT["id_number"]] or record[SLOT["id_number_raw"]],
            id_valid=record[SLOT["id_valid"]],
            id_duplicate=record[SLOT["id_duplicate"]],
            name=record[SLOT["name"]],
            township=places.get(record[SLOT["township_id"]], ""),
            village=villages.get(record[SLOT["village_id"]], ""),
            household_number=record[SLOT["household_number"]],
            details=record_details(kind, dict(zip(RECORD_COLUMNS, record, strict=True))),
            matched=record[SLOT["member_id"]] is not None,
        )
        for record in records[:PREVIEW_ROWS]
    ]
