"""External rolls (外部名单): the poverty registry (建档立卡), the severe-disability list (残联), the
poor-because-of-illness list (因病致贫), the COVID-19 patient list and the death list, imported from the
spreadsheets other offices send (policy.md §2, §11). Parsing and the import itself live in ``cases.rolls``.

Each committed import keeps its file, who imported it, when, and its counts. A roll is a full snapshot, not an
increment: the latest committed import of a kind is the one in force (``is_current``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cases.models.people import Member, PovertyStatus
from cases.models.regions import Township, Village


class RollKind(models.TextChoices):
    POVERTY_REGISTRY = "poverty_registry", "建档立卡贫困人口"
    SEVERE_DISABILITY = "severe_disability", "重度残疾人（残联）"
    ILLNESS_POVERTY = "illness_poverty", "因病致贫"
    COVID_PATIENTS = "covid_patients", "新冠肺炎患者"
    DEATHS = "deaths", "死亡人员"


class RollImport(models.Model):
    class Status(models.TextChoices):
        COMMITTED = "committed", "已导入"

    kind = models.CharField("名单", max_length=24, choices=RollKind.choices)
    file = models.FileField("原始文件", upload_to="rolls/%Y/%m/", max_length=255)
    file_sha256 = models.CharField("文件 SHA-256", max_length=64)
    original_name = models.CharField("文件名", max_length=255)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="roll_imports", verbose_name="导入人"
    )
    imported_at = models.DateTimeField("导入时间", default=timezone.now)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.COMMITTED)
    is_current = models.BooleanField("当前生效", default=False)
    row_count = models.PositiveIntegerField("数据行", default=0)
    invalid_id_count = models.PositiveIntegerField("身份证号无效", default=0)
    duplicate_id_count = models.PositiveIntegerField("身份证号重复", default=0)
    matched_count = models.PositiveIntegerField("匹配到在册成员", default=0)
    unmatched_count = models.PositiveIntegerField("未匹配", default=0)

    # Not stored: set on the import ``cases.rolls.services.commit_roll`` returns, True when the file had been
    # imported before.
    reused = False

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = verbose_name_plural = "外部名单导入"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "file_sha256"], condition=Q(status="committed"), name="roll_import_file_once_per_kind"
            ),
            models.UniqueConstraint(fields=["kind"], condition=Q(is_current=True), name="roll_import_one_current"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"


class RollRecord(models.Model):
    """One data row of an imported roll, as read: nothing is dropped or guessed. An invalid ID number keeps its
    raw text (``id_number`` empty, ``id_valid`` False); a number appearing on several rows of the file marks each
    of them ``id_duplicate``. ``member`` is the active member with the same normalised ID at import time."""

    # The records are written by one COPY in the transaction that creates their import and matches their members;
    # no database constraint on these foreign keys (nor on township and village below), whose per-row checks at
    # commit would cost about 0.6 s per 100,000 rows. Django still cascades and nulls them on delete.
    roll_import = models.ForeignKey(
        RollImport,
        on_delete=models.CASCADE,
        related_name="records",
        verbose_name="导入批次",
        db_index=False,
        db_constraint=False,
    )
    row_number = models.PositiveIntegerField("行号")
    id_number_raw = models.CharField("身份证号（原文）", max_length=64, blank=True)
    id_number = models.CharField("身份证号", max_length=18, blank=True)
    id_valid = models.BooleanField("身份证号有效", default=True)
    id_duplicate = models.BooleanField("身份证号重复", default=False)
    name = models.CharField("姓名", max_length=64, blank=True)
    household_number = models.CharField("户编号", max_length=40, blank=True)
    relation = models.CharField("与户主关系", max_length=32, blank=True)
    # Townships and villages are reference data that is never deleted, looked up in the importing transaction:
    # no database constraint on these two, whose per-row checks would cost about a second per 100,000 rows.
    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="乡镇",
        db_index=False,
        db_constraint=False,
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="村（社区）",
        db_index=False,
        db_constraint=False,
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="roll_records",
        verbose_name="在册成员",
        db_constraint=False,
    )
    # 建档立卡
    poverty_attribute = models.CharField("贫困户属性", max_length=32, blank=True)
    lifted_status = models.CharField("脱贫状态", max_length=8, blank=True)
    monitored = models.BooleanField("监测对象", default=False)
    registry_status = models.CharField(
        "建档立卡状态",
        max_length=12,
        choices=PovertyStatus.choices,
        blank=True,
        help_text="由脱贫状态和是否监测对象得出：未脱贫 > 监测对象 > 已脱贫 > 非建档立卡；其他名单留空。",
    )
    # 残联
    disability_category = models.CharField(
        "残疾类别", max_length=16, choices=Member.DisabilityCategory.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField("残疾等级", null=True, blank=True)
    # 因病致贫
    illness = models.CharField("疾病名称", max_length=100, blank=True)
    # 新冠肺炎患者
    covid_admitted = models.DateField("入院日期", null=True, blank=True)
    covid_discharged = models.DateField("出院日期", null=True, blank=True)
    # 死亡人员
    date_of_death = models.DateField("死亡日期", null=True, blank=True)

    class Meta:
        ordering = ["roll_import_id", "row_number"]
        verbose_name = verbose_name_plural = "外部名单记录"
        indexes = [
            models.Index(fields=["id_number"], name="roll_record_id_number"),
            models.Index(fields=["roll_import", "id_number"], name="roll_record_import_id_number"),
            models.Index(fields=["roll_import", "row_number"], name="roll_record_import_row"),
        ]

    def __str__(self) -> str:
        return f"{self.row_number} {self.name}"

    @staticmethod
    def derive_registry_status(lifted_status: str, monitored: bool) -> str:
        """policy.md §2's order for one person: 未脱贫 → unlifted, else 监测对象 → monitored, else 已脱贫 →
        lifted, else none."""
        if lifted_status == "未脱贫":
            return PovertyStatus.UNLIFTED
        if monitored:
            return PovertyStatus.MONITORED
        if lifted_status == "已脱贫":
            return PovertyStatus.LIFTED
        return PovertyStatus.NONE
