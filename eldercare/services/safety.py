"""eldercare services: safety — the writes of inspections, hazards and their rectification, risk assessments and
incidents (GB 38600-2019), renovation projects with milestones, files and the county's acceptance.

Each takes the acting user as ``actor`` (keyword-only), checks it with ``eldercare.permissions``, validates the
whole input (``ValidationError`` naming the field, in Chinese) and writes in one transaction: nothing
half-saved. Files are checked before anything is written: size (``MAX_FILE_BYTES``), a photo must open as an
image (Pillow), a document must be a PDF or an Office file by its signature."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from cases.permissions import is_county_writer
from core.validators import CONTROL_CHARACTERS, CONTROL_MESSAGE, max_year
from eldercare import permissions
from eldercare.models.homes import NursingHome, Residence
from eldercare.models.safety import (
    ChecklistItem,
    Hazard,
    HazardStep,
    Incident,
    Inspection,
    InspectionResult,
    Milestone,
    ProjectFile,
    RenovationProject,
    Risk,
    RiskAssessment,
    self_care_level,
)

MAX_FILE_BYTES = 10 * 1024 * 1024
PHOTO_FORMATS = {"JPEG", "PNG", "GIF", "WEBP", "BMP"}
DOCUMENT_TYPES = {
    ".pdf": (b"%PDF-",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}


# Checks ---------------------------------------------------------------------------------------------------------


def _text(errors: dict[str, str], field: str, value: Any, label: str, *, required: bool = True, limit: int = 0) -> str:
    text = str(value or "").strip()
    if CONTROL_CHARACTERS.search(text):
        errors[field] = CONTROL_MESSAGE
    elif required and not text:
        errors[field] = f"请填写{label}。"
    elif limit and len(text) > limit:
        errors[field] = f"{label}不能超过 {limit} 个字。"
    return text


def _day(
    errors: dict[str, str], field: str, value: Any, label: str, *, required: bool = True, past: bool = False
) -> Any:
    if value in (None, ""):
        if required:
            errors[field] = f"请填写{label}。"
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        errors[field] = f"{label}格式不正确。"
        return None
    if value.year < 1990 or value.year > max_year():
        errors[field] = f"{label}超出允许范围（1990–{max_year()} 年）。"
    elif past and value > timezone.localdate():
        errors[field] = f"{label}不能晚于今天。"
    return value


def _choice(errors: dict[str, str], field: str, value: Any, choices: Any, label: str) -> str:
    if value not in choices.values:
        errors[field] = f"请选择{label}。"
    return str(value or "")


def _money(errors: dict[str, str], field: str, value: Any, label: str) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        errors[field] = f"{label}格式不正确。"
        return None
    if not amount.is_finite() or amount < 0:
        errors[field] = f"{label}不能为负数。"
        return None
    if amount >= Decimal("10000000000"):
        errors[field] = f"{label}过大（不能超过 100 亿元）。"
        return None
    return amount.quantize(Decimal("0.01"))


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def _size_text(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{max(limit // 1024, 1)} KB"


def check_upload(upload: Any, kind: str, field: str = "file", *, limit: int | None = None) -> bytes:
    """The bytes of an uploaded photo (``kind`` "photo": opens as an image) or document ("document": PDF or
    Office file by its signature), at most ``limit`` bytes; else a ``ValidationError`` naming ``field``."""
    limit = limit or MAX_FILE_BYTES
    if upload is None:
        raise ValidationError({field: "请选择要上传的文件。"})
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError({field: f"文件过大：不能超过 {_size_text(limit)}。"})
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({field: f"文件过大：不能超过 {_size_text(limit)}。"})
    if not data:
        raise ValidationError({field: "文件是空的。"})
    if kind == ProjectFile.Kind.PHOTO:
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
                image_format = image.format
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            raise ValidationError({field: "照片不是有效的图片文件（支持 JPG、PNG、GIF、WEBP、BMP）。"}) from None
        if image_format not in PHOTO_FORMATS:
            raise ValidationError({field: "照片格式不支持（支持 JPG、PNG、GIF、WEBP、BMP）。"})
        return data
    if kind == ProjectFile.Kind.DOCUMENT:
        suffix = PurePath(getattr(upload, "name", "") or "").suffix.lower()
        signatures = DOCUMENT_TYPES.get(suffix)
        if not signatures or not data.startswith(signatures):
            raise ValidationError({field: "文件类型不支持：请上传 PDF、Word（doc/docx）或 Excel（xls/xlsx）文件。"})
        return data
    raise ValidationError({"kind": "请选择文件类别（照片或文件）。"})


def check_evidence_upload(upload: Any, field: str = "evidence_file") -> str:
    """A rectification's evidence: a photo or a document. Its kind."""
    suffix = PurePath(getattr(upload, "name", "") or "").suffix.lower()
    kind = ProjectFile.Kind.DOCUMENT if suffix in DOCUMENT_TYPES else ProjectFile.Kind.PHOTO
    check_upload(upload, kind, field)
    return kind


def _original_name(upload: Any) -> str:
    name = PurePath(str(getattr(upload, "name", "") or "文件")).name
    name = CONTROL_CHARACTERS.sub("", name).strip() or "文件"
    return name[-200:]


def _ensure_home(actor: Any, home: NursingHome) -> None:
    permissions.ensure_record_safety(actor, home)


# Checklist ------------------------------------------------------------------------------------------------------


@transaction.atomic
def save_checklist_item(*, actor: Any, data: dict[str, Any], item: ChecklistItem | None = None) -> ChecklistItem:
    permissions.ensure_edit_checklist(actor)
    errors: dict[str, str] = {}
    heading = _text(errors, "heading", data.get("heading"), "类别", limit=40)
    text = _text(errors, "text", data.get("text"), "检查项目", limit=200)
    order = data.get("order") or 0
    if not isinstance(order, int) or order < 0 or order > 100000:
        errors["order"] = "排序应为 0 到 100000 之间的整数。"
    _raise(errors)
    item = item or ChecklistItem()
    item.heading, item.text, item.order, item.active = heading, text, order, bool(data.get("active", True))
    with pghistory.context(user=actor.pk):
        item.save()
    return item


# Inspections ----------------------------------------------------------------------------------------------------


@transaction.atomic
def record_inspection(
    *,
    actor: Any,
    home: NursingHome,
    data: dict[str, Any],
    results: dict[int, tuple[str, str]],
) -> Inspection:
    """An inspection of ``home`` with its checklist results (item id → (result, note)); by the county when a
    county writer records it, else by the township."""
    _ensure_home(actor, home)
    errors: dict[str, str] = {}
    day = _day(errors, "date", data.get("date"), "检查日期", past=True)
    inspectors = _text(errors, "inspectors", data.get("inspectors"), "检查人员", limit=200)
    findings = _text(errors, "findings", data.get("findings"), "检查发现", required=False, limit=5000)
    items = {item.pk: item for item in ChecklistItem.objects.filter(pk__in=list(results))}
    rows = []
    for item_id, (result, note) in results.items():
        field = f"item_{item_id}"
        if item_id not in items:
            errors[field] = "检查项目不存在。"
            continue
        if result not in InspectionResult.Result.values:
            errors[field] = f"请选择“{items[item_id].text}”的检查结果。"
        note = _text(errors, field, note, "说明", required=False, limit=200)
        if result == InspectionResult.Result.PROBLEM and not note and field not in errors:
            errors[field] = f"“{items[item_id].text}”存在问题，请填写说明。"
        rows.append(InspectionResult(item=items[item_id], result=result, note=note))
    _raise(errors)
    by = Inspection.By.COUNTY if is_county_writer(actor) else Inspection.By.TOWNSHIP
    with pghistory.context(user=actor.pk):
        inspection = Inspection.objects.create(
            home=home, date=day, by=by, inspectors=inspectors, findings=findings, created_by=actor
        )
        for row in rows:
            row.inspection = inspection
        InspectionResult.objects.bulk_create(rows)
    return inspection


# Hazards ----------------------------------------------------------------------------------------------------------


def _step(hazard: Hazard, actor: Any, action: str, note: str = "") -> None:
    HazardStep.objects.create(hazard=hazard, actor=actor, action=action, note=note)


@transaction.atomic
def record_hazard(
    *, actor: Any, home: NursingHome, data: dict[str, Any], inspection: Inspection | None = None
) -> Hazard:
    """A hazard found in ``home`` (from ``inspection`` or on its own): 整改中 until fixed or reported."""
    _ensure_home(actor, home)
    errors: dict[str, str] = {}
    if inspection is not None and inspection.home_id != home.pk:
        errors["inspection"] = "来源检查不是该敬老院的检查。"
    description = _text(errors, "description", data.get("description"), "隐患描述", limit=2000)
    level = _choice(errors, "level", data.get("level"), Hazard.Level, "隐患等级")
    owner = _text(errors, "owner", data.get("owner"), "整改责任人", limit=64)
    found_on = _day(errors, "found_on", data.get("found_on"), "发现日期", past=True)
    deadline = _day(errors, "deadline", data.get("deadline"), "整改期限")
    if found_on and deadline and "deadline" not in errors and deadline < found_on:
        errors["deadline"] = "整改期限不能早于发现日期。"
    if inspection is not None and found_on and found_on < inspection.date and "found_on" not in errors:
        errors["found_on"] = "发现日期不能早于来源检查的日期。"
    _raise(errors)
    with pghistory.context(user=actor.pk):
        hazard = Hazard.objects.create(
            home=home,
            inspection=inspection,
            description=description,
            level=level,
            owner=owner,
            found_on=found_on,
            deadline=deadline,
            created_by=actor,
        )
        _step(hazard, actor, "登记隐患", f"整改期限 {deadline:%Y-%m-%d}，责任人 {owner}")
    return hazard


def _ensure_open(hazard: Hazard, *statuses: str) -> None:
    if hazard.status not in statuses:
        raise ValidationError({"status": f"该隐患当前状态为“{hazard.get_status_display()}”，不能办理此步骤。"})


@transaction.atomic
def fix_hazard(*, actor: Any, hazard: Hazard, data: dict[str, Any], upload: UploadedFile | None = None) -> Hazard:
    """整改中 → 已整改, with what was done (and optionally a photo or document as evidence)."""
    _ensure_home(actor, hazard.home)
    hazard = Hazard.objects.select_for_update().get(pk=hazard.pk)
    _ensure_open(hazard, Hazard.Status.RECTIFYING)
    errors: dict[str, str] = {}
    fixed_on = _day(errors, "fixed_on", data.get("fixed_on"), "整改完成日期", past=True)
    evidence = _text(errors, "evidence", data.get("evidence"), "整改情况", limit=5000)
    if fixed_on and "fixed_on" not in errors and fixed_on < hazard.found_on:
        errors["fixed_on"] = "整改完成日期不能早于发现日期。"
    if upload is not None:
        try:
            check_evidence_upload(upload)
        except ValidationError as error:
            errors.update({k: v[0] for k, v in error.message_dict.items()})
    _raise(errors)
    hazard.status, hazard.fixed_on, hazard.evidence = Hazard.Status.FIXED, fixed_on, evidence
    if upload is not None:
        upload.seek(0)
        hazard.evidence_file_name = _original_name(upload)
        hazard.evidence_file.save(hazard.evidence_file_name, upload, save=False)
    with pghistory.context(user=actor.pk):
        hazard.save()
        _step(hazard, actor, "整改完成", evidence)
    return hazard


@transaction.atomic
def report_hazard(*, actor: Any, hazard: Hazard, reason: str) -> Hazard:
    """整改中 → 上报县民政局: the home cannot fix it; it goes on the county's list."""
    _ensure_home(actor, hazard.home)
    hazard = Hazard.objects.select_for_update().get(pk=hazard.pk)
    _ensure_open(hazard, Hazard.Status.RECTIFYING)
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, "上报原因", limit=2000)
    _raise(errors)
    hazard.status, hazard.report_reason, hazard.reported_on = Hazard.Status.REPORTED, reason, timezone.localdate()
    with pghistory.context(user=actor.pk):
        hazard.save()
        _step(hazard, actor, "上报县民政局", reason)
    return hazard


@transaction.atomic
def close_hazard(*, actor: Any, hazard: Hazard, handling: str, closed_on: date | None = None) -> Hazard:
    """The county records its handling of a reported hazard and closes it."""
    permissions.ensure_close_hazard(actor, hazard)
    hazard = Hazard.objects.select_for_update().get(pk=hazard.pk)
    _ensure_open(hazard, Hazard.Status.REPORTED)
    errors: dict[str, str] = {}
    handling = _text(errors, "handling", handling, "处理情况", limit=5000)
    closed_on = _day(errors, "closed_on", closed_on or timezone.localdate(), "办结日期", past=True)
    if closed_on and "closed_on" not in errors and closed_on < hazard.found_on:
        errors["closed_on"] = "办结日期不能早于发现日期。"
    _raise(errors)
    hazard.status, hazard.county_handling, hazard.closed_on = Hazard.Status.CLOSED, handling, closed_on
    with pghistory.context(user=actor.pk):
        hazard.save()
        _step(hazard, actor, "县民政局办结", handling)
    return hazard


# Residents: risk assessments and incidents ------------------------------------------------------------------------


def _within_residence(errors: dict[str, str], field: str, day: date | None, residence: Residence) -> None:
    if day is None or field in errors:
        return
    if day < residence.start or (residence.end is not None and day > residence.end):
        errors[field] = "日期不在该老人的入住期间内。"


@transaction.atomic
def record_assessment(*, actor: Any, residence: Residence, data: dict[str, Any]) -> RiskAssessment:
    """A risk assessment of a resident: the nine risks and the self-care level, taken from the registry member's
    self-care fields at this moment."""
    _ensure_home(actor, residence.home)
    errors: dict[str, str] = {}
    day = _day(errors, "date", data.get("date"), "评估日期", past=True)
    _within_residence(errors, "date", day, residence)
    kind = _choice(errors, "kind", data.get("kind"), RiskAssessment.Kind, "评估类型")
    risks = {}
    for name in RiskAssessment.RISK_FIELDS:
        label = RiskAssessment._meta.get_field(name).verbose_name
        risks[name] = _choice(errors, name, data.get(name) or "none", Risk, f"{label}风险")
    assessor = _text(errors, "assessor", data.get("assessor"), "评估人", limit=64)
    note = _text(errors, "note", data.get("note"), "说明", required=False, limit=2000)
    _raise(errors)
    lost = residence.member.self_care_lost
    with pghistory.context(user=actor.pk):
        return RiskAssessment.objects.create(
            residence=residence,
            date=day,
            kind=kind,
            self_care=self_care_level(lost),
            self_care_lost=lost,
            assessor=assessor,
            note=note,
            created_by=actor,
            **risks,
        )


@transaction.atomic
def record_incident(*, actor: Any, residence: Residence, data: dict[str, Any]) -> Incident:
    _ensure_home(actor, residence.home)
    errors: dict[str, str] = {}
    occurred_at = data.get("occurred_at")
    if not isinstance(occurred_at, datetime):
        errors["occurred_at"] = "请填写发生时间。"
    else:
        if timezone.is_naive(occurred_at):
            occurred_at = timezone.make_aware(occurred_at)
        if occurred_at > timezone.now():
            errors["occurred_at"] = "发生时间不能晚于现在。"
        else:
            _within_residence(errors, "occurred_at", timezone.localtime(occurred_at).date(), residence)
    kind = _choice(errors, "kind", data.get("kind"), Incident.Kind, "事件类型")
    description = _text(errors, "description", data.get("description"), "经过", limit=5000)
    action = _text(errors, "action", data.get("action"), "处置措施", limit=5000)
    reported_to = _text(errors, "reported_to", data.get("reported_to"), "报告对象", required=False, limit=100)
    _raise(errors)
    with pghistory.context(user=actor.pk):
        return Incident.objects.create(
            residence=residence,
            occurred_at=occurred_at,
            kind=kind,
            description=description,
            action=action,
            reported_to=reported_to,
            created_by=actor,
        )


# Renovation ----------------------------------------------------------------------------------------------------

PROJECT_FIELDS = ("name", "kind", "plan", "budget", "spent", "planned_start", "planned_end", "actual_start", "progress")


@transaction.atomic
def save_project(
    *, actor: Any, data: dict[str, Any], home: NursingHome | None = None, project: RenovationProject | None = None
) -> RenovationProject:
    """Create a project of ``home`` or change ``project`` (plan, money, dates, progress). An accepted project is
    no longer changed."""
    home = project.home if project is not None else home
    if home is None:
        raise ValidationError({"home": "请选择敬老院。"})
    _ensure_home(actor, home)
    if project is not None:
        project = RenovationProject.objects.select_for_update().get(pk=project.pk)
        if project.status == RenovationProject.Status.ACCEPTED:
            raise ValidationError({"status": "项目已验收，不能再修改。"})
    errors: dict[str, str] = {}
    name = _text(errors, "name", data.get("name"), "项目名称", limit=100)
    kind = _choice(errors, "kind", data.get("kind"), RenovationProject.Kind, "项目类型")
    plan = _text(errors, "plan", data.get("plan"), "建设内容", required=False, limit=5000)
    budget = _money(errors, "budget", data.get("budget"), "预算")
    spent = _money(errors, "spent", data.get("spent") or 0, "已支出")
    if budget is not None and spent is not None and spent > budget:
        errors["spent"] = "已支出不能超过预算；预算调整后再登记支出。"
    planned_start = _day(errors, "planned_start", data.get("planned_start"), "计划开工日期")
    planned_end = _day(errors, "planned_end", data.get("planned_end"), "计划完工日期")
    if planned_start and planned_end and "planned_end" not in errors and planned_end < planned_start:
        errors["planned_end"] = "计划完工日期不能早于计划开工日期。"
    actual_start = _day(errors, "actual_start", data.get("actual_start"), "实际开工日期", required=False, past=True)
    progress = data.get("progress") or 0
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        errors["progress"] = "进度应为 0 到 100 之间的整数。"
    completed = project is not None and project.status == RenovationProject.Status.COMPLETED
    if completed and progress != 100:
        errors["progress"] = "已完工的项目进度应为 100%。"
    _raise(errors)
    project = project or RenovationProject(home=home, created_by=actor)
    project.name, project.kind, project.plan = name, kind, plan
    project.budget, project.spent = budget, spent
    project.planned_start, project.planned_end, project.actual_start = planned_start, planned_end, actual_start
    project.progress = progress
    if not completed:
        project.status = (
            RenovationProject.Status.UNDERWAY if actual_start or progress > 0 else RenovationProject.Status.PLANNED
        )
    with pghistory.context(user=actor.pk):
        project.save()
    return project


def _ensure_changeable(project: RenovationProject) -> None:
    if project.status == RenovationProject.Status.ACCEPTED:
        raise ValidationError({"status": "项目已验收，不能再修改。"})


@transaction.atomic
def add_milestone(*, actor: Any, project: RenovationProject, data: dict[str, Any]) -> Milestone:
    _ensure_home(actor, project.home)
    _ensure_changeable(project)
    errors: dict[str, str] = {}
    title = _text(errors, "title", data.get("title"), "节点名称", limit=100)
    due = _day(errors, "due", data.get("due"), "计划日期")
    _raise(errors)
    with pghistory.context(user=actor.pk):
        return Milestone.objects.create(project=project, title=title, due=due)


@transaction.atomic
def complete_milestone(*, actor: Any, milestone: Milestone, done_on: date | None) -> Milestone:
    _ensure_home(actor, milestone.project.home)
    _ensure_changeable(milestone.project)
    errors: dict[str, str] = {}
    done_on = _day(errors, "done_on", done_on, "完成日期", past=True)
    if milestone.done_on is not None:
        errors["done_on"] = "该节点已登记完成。"
    _raise(errors)
    milestone.done_on = done_on
    with pghistory.context(user=actor.pk):
        milestone.save()
    return milestone


@transaction.atomic
def upload_project_file(*, actor: Any, project: RenovationProject, kind: str, upload: Any) -> ProjectFile:
    """A photo or document of the project, checked first, then stored under ``MEDIA_ROOT/eldercare/`` with a
    random name."""
    _ensure_home(actor, project.home)
    if kind not in ProjectFile.Kind.values:
        raise ValidationError({"kind": "请选择文件类别（照片或文件）。"})
    data = check_upload(upload, kind, "file")
    upload.seek(0)
    record = ProjectFile(
        project=project, kind=kind, original_name=_original_name(upload), size=len(data), uploaded_by=actor
    )
    record.file.save(record.original_name, upload, save=False)
    try:
        with pghistory.context(user=actor.pk):
            record.save()
    except Exception:
        record.file.delete(save=False)
        raise
    return record


@transaction.atomic
def record_completion(*, actor: Any, project: RenovationProject, actual_end: date | None) -> RenovationProject:
    """The works are finished: 已完工待验收 (the county accepts it; not the one who recorded this)."""
    _ensure_home(actor, project.home)
    project = RenovationProject.objects.select_for_update().get(pk=project.pk)
    if project.status not in (RenovationProject.Status.PLANNED, RenovationProject.Status.UNDERWAY):
        raise ValidationError({"status": f"项目当前状态为“{project.get_status_display()}”，不能登记完工。"})
    errors: dict[str, str] = {}
    actual_end = _day(errors, "actual_end", actual_end, "实际完工日期", past=True)
    start = project.actual_start or project.planned_start
    if actual_end and "actual_end" not in errors and actual_end < start:
        errors["actual_end"] = "实际完工日期不能早于开工日期。"
    _raise(errors)
    project.status, project.actual_end, project.progress = RenovationProject.Status.COMPLETED, actual_end, 100
    project.actual_start = project.actual_start or project.planned_start
    project.completed_by = actor
    with pghistory.context(user=actor.pk):
        project.save()
    return project


@transaction.atomic
def accept_project(*, actor: Any, project: RenovationProject, accepted_on: date | None, note: str) -> RenovationProject:
    """The county's completion acceptance: by a county writer who did not record the completion."""
    project = RenovationProject.objects.select_for_update().get(pk=project.pk)
    permissions.ensure_accept_project(actor, project)
    if project.status != RenovationProject.Status.COMPLETED:
        raise ValidationError({"status": f"项目当前状态为“{project.get_status_display()}”，不能验收（须先登记完工）。"})
    errors: dict[str, str] = {}
    accepted_on = _day(errors, "accepted_on", accepted_on, "验收日期", past=True)
    if accepted_on and "accepted_on" not in errors and project.actual_end and accepted_on < project.actual_end:
        errors["accepted_on"] = "验收日期不能早于实际完工日期。"
    note = _text(errors, "note", note, "验收意见", limit=2000)
    _raise(errors)
    project.status, project.accepted_on, project.accepted_by = RenovationProject.Status.ACCEPTED, accepted_on, actor
    project.acceptance_note = note
    with pghistory.context(user=actor.pk):
        project.save()
    return project
