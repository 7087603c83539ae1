"""eldercare models: safety — inspections, hazards and rectification, resident risk assessments and incidents
(GB 38600-2019), renovation projects and their files.

GB 38600-2019 is recorded (checklist, risk assessments) but, for 2020, not counted as violations: the only alert
of this area is an overdue hazard (``selectors.safety.alert_findings``)."""

from __future__ import annotations

import secrets
from pathlib import PurePath
from typing import Any

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

__all__ = [
    "ChecklistItem",
    "Hazard",
    "HazardStep",
    "Incident",
    "Inspection",
    "InspectionResult",
    "Milestone",
    "ProjectFile",
    "RenovationProject",
    "RiskAssessment",
    "self_care_level",
]

UPLOAD_FOLDER = "eldercare"


def stored_name(instance: Any, filename: str) -> str:
    """A random name under ``MEDIA_ROOT/eldercare/`` keeping only a short, plain extension."""
    suffix = PurePath(filename or "").suffix.lower()
    if not (suffix[1:].isascii() and suffix[1:].isalnum() and len(suffix) <= 6):
        suffix = ""
    return f"{UPLOAD_FOLDER}/{secrets.token_hex(16)}{suffix}"


class SelfCare(models.TextChoices):
    SELF = "self", "自理"
    HALF = "half", "半失能"
    FULL = "full", "全失能"


def self_care_level(lost: int) -> str:
    """The self-care level from the registry's count of activities a member cannot do (policy.md §15, as the
    特困 care amount reads it): 0 自理, 1–3 半失能, 4–6 全失能."""
    return SelfCare.SELF if lost <= 0 else SelfCare.HALF if lost <= 3 else SelfCare.FULL


@pghistory.track()
class ChecklistItem(models.Model):
    """One line of the inspection checklist (county-editable), seeded with the GB 38600-2019 headings."""

    heading = models.CharField("类别", max_length=40)
    text = models.CharField("检查项目", max_length=200)
    order = models.PositiveIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = verbose_name_plural = "安全检查项目"

    def __str__(self) -> str:
        return f"{self.heading} · {self.text}"


@pghistory.track()
class Inspection(models.Model):
    """A safety inspection of a home by the township or the county."""

    class By(models.TextChoices):
        TOWNSHIP = "township", "乡镇"
        COUNTY = "county", "县民政局"

    home = models.ForeignKey(
        "eldercare.NursingHome", on_delete=models.PROTECT, related_name="inspections", verbose_name="敬老院"
    )
    date = models.DateField("检查日期")
    by = models.CharField("检查单位", max_length=10, choices=By.choices)
    inspectors = models.CharField("检查人员", max_length=200)
    findings = models.TextField("检查发现", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = verbose_name_plural = "安全检查"

    def __str__(self) -> str:
        return f"{self.home} {self.date:%Y-%m-%d} 安全检查"


@pghistory.track()
class InspectionResult(models.Model):
    class Result(models.TextChoices):
        OK = "ok", "符合"
        PROBLEM = "problem", "存在问题"
        UNCHECKED = "unchecked", "未检查"

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results", verbose_name="检查")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name="检查项目")
    result = models.CharField("结果", max_length=10, choices=Result.choices, default=Result.UNCHECKED)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["item__order", "item_id"]
        verbose_name = verbose_name_plural = "检查项目结果"
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="inspection_result_once")]

    def __str__(self) -> str:
        return f"{self.item.text}：{self.get_result_display()}"


@pghistory.track()
class Hazard(models.Model):
    """A hazard (隐患) found in a home, by an inspection or on its own: fixed by the home (整改中 → 已整改), or
    reported to the county (上报县民政局), which records its handling and closes it."""

    class Level(models.TextChoices):
        GENERAL = "general", "一般"
        MAJOR = "major", "较大"
        SEVERE = "severe", "重大"

    class Status(models.TextChoices):
        RECTIFYING = "rectifying", "整改中"
        FIXED = "fixed", "已整改"
        REPORTED = "reported", "已上报县民政局"
        CLOSED = "closed", "县民政局已办结"

    OPEN_STATUSES = (Status.RECTIFYING, Status.REPORTED)

    home = models.ForeignKey(
        "eldercare.NursingHome", on_delete=models.PROTECT, related_name="hazards", verbose_name="敬老院"
    )
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="hazards", verbose_name="来源检查"
    )
    description = models.TextField("隐患描述")
    level = models.CharField("隐患等级", max_length=10, choices=Level.choices, default=Level.GENERAL)
    owner = models.CharField("整改责任人", max_length=64)
    found_on = models.DateField("发现日期")
    deadline = models.DateField("整改期限")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.RECTIFYING)
    fixed_on = models.DateField("整改完成日期", null=True, blank=True)
    evidence = models.TextField("整改情况", blank=True)
    evidence_file = models.FileField("整改佐证材料", upload_to=stored_name, blank=True, max_length=120)
    evidence_file_name = models.CharField("佐证材料文件名", max_length=200, blank=True)
    report_reason = models.TextField("上报原因", blank=True)
    reported_on = models.DateField("上报日期", null=True, blank=True)
    county_handling = models.TextField("县民政局处理情况", blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = verbose_name_plural = "安全隐患"
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("found_on")),
                name="hazard_deadline_after_found",
                violation_error_message="整改期限不能早于发现日期。",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="hazard_status_deadline")]

    def __str__(self) -> str:
        return f"{self.home} · {self.description[:30]}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


@pghistory.track()
class HazardStep(models.Model):
    """One step of a hazard's rectification, as it happened (登记, 整改, 上报, 县处理)."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="steps", verbose_name="隐患")
    at = models.DateTimeField("时间", auto_now_add=True)
    action = models.CharField("步骤", max_length=40)
    note = models.TextField("说明", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="经办人"
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = verbose_name_plural = "隐患整改步骤"

    def __str__(self) -> str:
        return self.action


class Risk(models.TextChoices):
    NONE = "none", "无"
    LOW = "low", "低"
    HIGH = "high", "高"


def _risk(label: str) -> models.CharField:
    return models.CharField(label, max_length=4, choices=Risk.choices, default=Risk.NONE)


@pghistory.track()
class RiskAssessment(models.Model):
    """A resident's risk assessment (GB 38600-2019 §4): on admission, when their condition changes, or regular."""

    class Kind(models.TextChoices):
        ADMISSION = "admission", "入院评估"
        CHANGE = "change", "变化复评"
        REGULAR = "regular", "定期评估"

    RISK_FIELDS = (
        "choking",
        "misuse",
        "pressure_sore",
        "scald",
        "bed_fall",
        "fall",
        "harm",
        "wandering",
        "recreation",
    )

    residence = models.ForeignKey(
        "eldercare.Residence", on_delete=models.PROTECT, related_name="+", verbose_name="入住记录"
    )
    date = models.DateField("评估日期")
    kind = models.CharField("评估类型", max_length=10, choices=Kind.choices)
    choking = _risk("噎食")
    misuse = _risk("食品药品误食")
    pressure_sore = _risk("压疮")
    scald = _risk("烫伤")
    bed_fall = _risk("坠床")
    fall = _risk("跌倒")
    harm = _risk("他伤和自伤")
    wandering = _risk("走失")
    recreation = _risk("文娱活动意外")
    self_care = models.CharField("自理能力", max_length=4, choices=SelfCare.choices)
    self_care_lost = models.PositiveSmallIntegerField(
        "不能完成的日常活动项数", validators=[MaxValueValidator(6)], help_text="评估时取自在册成员的自理能力登记。"
    )
    assessor = models.CharField("评估人", max_length=64)
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = verbose_name_plural = "入住老人风险评估"
        indexes = [models.Index(fields=["residence", "date"], name="risk_assessment_residence")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%Y-%m-%d}"

    def high_risks(self) -> list[str]:
        return [
            str(getattr(self._meta.get_field(name), "verbose_name", name))
            for name in self.RISK_FIELDS
            if getattr(self, name) == "high"
        ]


@pghistory.track()
class Incident(models.Model):
    """A safety incident with a resident (fall, choking, wandering …) and what was done."""

    class Kind(models.TextChoices):
        FALL = "fall", "跌倒"
        CHOKING = "choking", "噎食"
        WANDERING = "wandering", "走失"
        SCALD = "scald", "烫伤"
        BED_FALL = "bed_fall", "坠床"
        MISUSE = "misuse", "误食"
        HARM = "harm", "他伤自伤"
        PRESSURE_SORE = "pressure_sore", "压疮"
        RECREATION = "recreation", "文娱活动意外"
        OTHER = "other", "其他"

    residence = models.ForeignKey(
        "eldercare.Residence", on_delete=models.PROTECT, related_name="+", verbose_name="入住记录"
    )
    occurred_at = models.DateTimeField("发生时间")
    kind = models.CharField("事件类型", max_length=14, choices=Kind.choices)
    description = models.TextField("经过")
    action = models.TextField("处置措施")
    reported_to = models.CharField("报告对象", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = verbose_name_plural = "安全事件"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


@pghistory.track()
class RenovationProject(models.Model):
    """A renovation (三改: 改厕、改厨、改浴) or repair project of a home, accepted by the county on completion."""

    class Kind(models.TextChoices):
        THREE = "three", "三改（改厕、改厨、改浴）"
        REPAIR = "repair", "维修"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        PLANNED = "planned", "计划中"
        UNDERWAY = "underway", "实施中"
        COMPLETED = "completed", "已完工待验收"
        ACCEPTED = "accepted", "已验收"

    home = models.ForeignKey(
        "eldercare.NursingHome", on_delete=models.PROTECT, related_name="renovations", verbose_name="敬老院"
    )
    name = models.CharField("项目名称", max_length=100)
    kind = models.CharField("项目类型", max_length=8, choices=Kind.choices)
    plan = models.TextField("建设内容", blank=True)
    budget = models.DecimalField("预算（元）", max_digits=12, decimal_places=2)
    spent = models.DecimalField("已支出（元）", max_digits=12, decimal_places=2, default=0)
    planned_start = models.DateField("计划开工日期")
    planned_end = models.DateField("计划完工日期")
    actual_start = models.DateField("实际开工日期", null=True, blank=True)
    actual_end = models.DateField("实际完工日期", null=True, blank=True)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0, validators=[MaxValueValidator(100)])
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PLANNED)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="完工登记人",
    )
    accepted_on = models.DateField("验收日期", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="验收人",
    )
    acceptance_note = models.TextField("验收意见", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["-planned_start", "-pk"]
        verbose_name = verbose_name_plural = "改造维修项目"
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")),
                name="renovation_planned_ordered",
                violation_error_message="计划完工日期不能早于计划开工日期。",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="renovation_progress_percent",
                violation_error_message="进度应在 0 到 100 之间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.home} · {self.name}"


@pghistory.track()
class Milestone(models.Model):
    project = models.ForeignKey(
        RenovationProject, on_delete=models.CASCADE, related_name="milestones", verbose_name="项目"
    )
    title = models.CharField("节点", max_length=100)
    due = models.DateField("计划日期")
    done_on = models.DateField("完成日期", null=True, blank=True)

    class Meta:
        ordering = ["due", "pk"]
        verbose_name = verbose_name_plural = "项目节点"

    def __str__(self) -> str:
        return self.title


@pghistory.track()
class ProjectFile(models.Model):
    """A photo or document of a project, kept on disk under ``MEDIA_ROOT/eldercare/`` with a random name."""

    class Kind(models.TextChoices):
        PHOTO = "photo", "照片"
        DOCUMENT = "document", "文件"

    project = models.ForeignKey(RenovationProject, on_delete=models.CASCADE, related_name="files", verbose_name="项目")
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    file = models.FileField("文件", upload_to=stored_name, max_length=120)
    original_name = models.CharField("原文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上传人"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = verbose_name_plural = "项目照片和文件"

    def __str__(self) -> str:
        return self.original_name


# The GB 38600-2019 headings the checklist starts with (the county edits the list afterwards).
GB38600_CHECKLIST: tuple[tuple[str, str], ...] = (
    ("安全风险评估", "入院时对每位老年人进行风险评估，身体状况变化时复评"),
    ("服务防护", "噎食"),
    ("服务防护", "食品药品误食"),
    ("服务防护", "压疮"),
    ("服务防护", "烫伤"),
    ("服务防护", "坠床"),
    ("服务防护", "跌倒"),
    ("服务防护", "他伤和自伤"),
    ("服务防护", "走失"),
    ("服务防护", "文娱活动意外"),
    ("管理要求", "人员培训"),
    ("管理要求", "值班巡查与交接班"),
    ("管理要求", "应急预案与演练"),
    ("管理要求", "消防安全"),
    ("管理要求", "食品安全"),
    ("管理要求", "设施设备"),
)


def seed_checklist(item_model: Any = None) -> int:
    """Load the GB 38600-2019 checklist items that are missing (by heading and text); the number added. Called by
    the data migration with its historical model, and by tests with the real one."""
    model = item_model or ChecklistItem
    have = set(model.objects.values_list("heading", "text"))
    new = [
        model(heading=heading, text=text, order=(index + 1) * 10, active=True)
        for index, (heading, text) in enumerate(GB38600_CHECKLIST)
        if (heading, text) not in have
    ]
    model.objects.bulk_create(new)
    return len(new)
