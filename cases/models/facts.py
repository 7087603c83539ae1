"""Dated facts (policy.md §2): the rules for month M see the items valid on the 1st day of M.

Each item is a monthly amount (an amount known for a year or a look-back period is divided by its months when
entered) valid from a date and, until it changes, open-ended."""

from __future__ import annotations

from datetime import date

import pghistory
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from cases.models.people import Household, Member

NON_NEGATIVE = [MinValueValidator(0, "金额不能为负数。")]


class DatedQuerySet(models.QuerySet):
    def valid_on(self, on: date) -> DatedQuerySet:
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on)


class DatedFact(models.Model):
    valid_from = models.DateField("起始日期")
    valid_to = models.DateField("截止日期", null=True, blank=True, help_text="含当日；空表示至今有效。")
    evidence = models.FileField("证明材料", upload_to="evidence/%Y/%m/", blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = DatedQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean(self) -> None:
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "截止日期不能早于起始日期。"})

    @classmethod
    def period_constraint(cls, name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
            name=name,
            violation_error_message="截止日期不能早于起始日期。",
        )


@pghistory.track()
class IncomeItem(DatedFact):
    class Kind(models.TextChoices):
        WAGE = "wage", "工资性收入"
        BUSINESS = "business", "经营净收入"
        PROPERTY = "property", "财产性收入"
        TRANSFER = "transfer", "转移性收入"
        EXCLUDED = "excluded", "不计入收入（奖励、助学金、优抚、救助金等）"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="incomes", verbose_name="成员")
    kind = models.CharField("收入类型", max_length=12, choices=Kind.choices)
    monthly_amount = models.DecimalField("月收入（元）", max_digits=12, decimal_places=2, validators=NON_NEGATIVE)

    class Meta:
        ordering = ["member_id", "valid_from"]
        verbose_name = verbose_name_plural = "收入"
        constraints = [
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="income_not_negative"),
            DatedFact.period_constraint("income_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.monthly_amount}"


@pghistory.track()
class Expenditure(DatedFact):
    """Rigid expenditure (刚性支出): self-paid medical, non-compulsory education, severe-disability care."""

    class Kind(models.TextChoices):
        MEDICAL = "medical", "自付医疗费用"
        EDUCATION = "education", "非义务教育费用"
        CARE = "care", "重度残疾护理费用"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="expenditures", verbose_name="成员")
    kind = models.CharField("支出类型", max_length=12, choices=Kind.choices)
    monthly_amount = models.DecimalField("月支出（元）", max_digits=12, decimal_places=2, validators=NON_NEGATIVE)

    class Meta:
        ordering = ["member_id", "valid_from"]
        verbose_name = verbose_name_plural = "刚性支出"
        constraints = [
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="expenditure_not_negative"),
            DatedFact.period_constraint("expenditure_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.monthly_amount}"


@pghistory.track()
class AssetRecord(DatedFact):
    """The household's assets as assessed for a period (重庆 2013 认定办法): one record per period."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="assets", verbose_name="家庭")
    financial = models.DecimalField(
        "金融资产（元）", max_digits=14, decimal_places=2, default=0, validators=NON_NEGATIVE
    )
    vehicles = models.PositiveSmallIntegerField("机动车数量", default=0)
    shop_front = models.BooleanField("有经营性门面", default=False)
    enterprise = models.BooleanField("开办企业", default=False)
    dwellings = models.PositiveSmallIntegerField("住房套数", default=1)
    housing_area_multiple = models.DecimalField(
        "人均住房面积（住房保障标准的倍数）", max_digits=6, decimal_places=2, default=0, validators=NON_NEGATIVE
    )

    class Meta:
        ordering = ["household_id", "valid_from"]
        verbose_name = verbose_name_plural = "家庭财产"
        constraints = [
            models.CheckConstraint(condition=Q(financial__gte=0), name="asset_financial_not_negative"),
            DatedFact.period_constraint("asset_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"家庭财产（{self.valid_from} 起）"
