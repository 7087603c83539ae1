"""childcare models: groups — the screening of left-behind women (农村留守妇女, policy.md §15) per township and year,
and the 福康工程 services given to poor severely disabled persons. The disabled persons ledger itself is not stored:
it is read from the registry, the 残联 roll and the assistance records (``childcare.selectors.groups``)."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q

__all__ = ["FukangService", "LeftBehindWoman"]


@pghistory.track()
class LeftBehindWoman(models.Model):
    """One woman on a township's screening of a year: a married rural woman whose husband works away for six
    months or more a year and who stays home."""

    class Source(models.TextChoices):
        REGISTRY = "registry", "户籍标记生成"
        MANUAL = "manual", "人工添加"

    class Health(models.TextChoices):
        GOOD = "good", "健康"
        FAIR = "fair", "一般"
        ILL = "ill", "患病"
        DISABLED = "disabled", "残疾"

    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    member = models.ForeignKey(
        "cases.Member", on_delete=models.PROTECT, related_name="left_behind_screenings", verbose_name="留守妇女"
    )
    year = models.PositiveSmallIntegerField("年度")
    source = models.CharField("来源", max_length=12, choices=Source.choices, default=Source.MANUAL)
    husband_away_where = models.CharField("丈夫外出地点", max_length=100, blank=True)
    husband_away_since = models.DateField("丈夫外出时间", null=True, blank=True)
    children_in_care = models.PositiveSmallIntegerField("照料子女人数", default=0, validators=[MaxValueValidator(30)])
    elderly_in_care = models.PositiveSmallIntegerField("照料老人人数", default=0, validators=[MaxValueValidator(30)])
    care_note = models.CharField("照料情况说明", max_length=200, blank=True)
    health = models.CharField("健康状况", max_length=12, choices=Health.choices, blank=True)
    work = models.CharField("就业（劳动）情况", max_length=100, blank=True)
    needs = models.TextField("需求", blank=True)
    screened_on = models.DateField("摸排日期", null=True, blank=True)
    screened_by = models.CharField("摸排人", max_length=32, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["township_id", "-year", "member_id"]
        verbose_name = verbose_name_plural = "农村留守妇女摸排"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year"],
                name="left_behind_woman_once_a_year",
                violation_error_message="该妇女本年度已在留守妇女台账中。",
            ),
        ]
        indexes = [models.Index(fields=["township", "year"], name="left_behind_woman_ledger")]

    def __str__(self) -> str:
        return f"{self.year}年 留守妇女"


@pghistory.track()
class FukangService(models.Model):
    """One 福康工程 service given to a disabled person (for poor severely disabled persons; another person only with
    the reason written in ``exception_reason``)."""

    class Kind(models.TextChoices):
        REHABILITATION = "rehabilitation", "康复治疗"
        ASSISTIVE_DEVICE = "assistive_device", "辅具适配"
        CARE = "care", "护理服务"
        OTHER = "other", "其他"

    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    member = models.ForeignKey(
        "cases.Member", on_delete=models.PROTECT, related_name="fukang_services", verbose_name="服务对象"
    )
    kind = models.CharField("服务类别", max_length=20, choices=Kind.choices)
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    provider = models.CharField("服务机构（提供者）", max_length=100)
    note = models.TextField("服务内容说明", blank=True)
    exception_reason = models.CharField(
        "例外说明",
        max_length=200,
        blank=True,
        help_text="福康工程面向贫困重度残疾人；为其他残疾人登记服务时须写明原因。",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = verbose_name_plural = "福康工程服务"
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="fukang_service_ends_after_start",
                violation_error_message="结束日期不能早于开始日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_on:%Y-%m-%d}"
