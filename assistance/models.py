"""Policy parameters (policy.md §0): effective-dated versions with their source and confirmation."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q


@pghistory.track()
class PolicyParameter(models.Model):
    """One version of a parameter. The value for a benefit month is the one in force on the 1st of that month."""

    key = models.CharField("参数", max_length=80, db_index=True)
    value = models.DecimalField("数值", max_digits=14, decimal_places=4, null=True, blank=True)
    value_json = models.JSONField("表格/列表值", null=True, blank=True)
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True, help_text="含当日；空表示仍在生效。")
    source = models.CharField("依据", max_length=200, blank=True)
    confirmed = models.BooleanField("已确认", default=False, help_text="未确认的参数在界面上显示“待确认”。")
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="录入人"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        ordering = ["key", "effective_from"]
        verbose_name = verbose_name_plural = "政策参数"
        constraints = [
            models.UniqueConstraint(fields=["key", "effective_from"], name="parameter_one_version_per_day"),
            models.CheckConstraint(
                condition=Q(value__isnull=False, value_json__isnull=True)
                | Q(value__isnull=True, value_json__isnull=False),
                name="parameter_has_one_value",
                violation_error_message="数值和表格值必须且只能填写一个。",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="parameter_period_ordered",
                violation_error_message="失效日期不能早于生效日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} = {self.display_value}（{self.effective_from} 起）"

    @property
    def display_value(self) -> str:
        return format(self.value.normalize(), "f") if self.value is not None else str(self.value_json)


class RecomputeMark(models.Model):
    """待重算月份: benefit months of one parameter key to recompute because a version took effect in the past.

    The monthly screening re-runs these months and the payments side turns the differences into back-pay lines
    (补发); paid lines are never edited. ``from_month`` and ``to_month`` are 1st days of months, both included.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待重算"
        DONE = "done", "已重算"

    key = models.CharField("参数", max_length=80, db_index=True)
    from_month = models.DateField("起始月份", help_text="该月1日。")
    to_month = models.DateField("截止月份", help_text="该月1日；含该月。")
    version = models.ForeignKey(
        PolicyParameter, on_delete=models.PROTECT, related_name="recompute_marks", verbose_name="参数版本"
    )
    reason = models.TextField("原因")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="标记人"
    )
    created_at = models.DateTimeField("标记时间", auto_now_add=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    done_at = models.DateTimeField("重算完成时间", null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = verbose_name_plural = "待重算月份"
        constraints = [
            models.CheckConstraint(
                condition=Q(from_month__day=1, to_month__day=1, to_month__gte=models.F("from_month")),
                name="recompute_mark_whole_months",
                violation_error_message="起止月份须为每月1日，且截止月份不能早于起始月份。",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", done_at__isnull=True) | Q(status="done", done_at__isnull=False),
                name="recompute_mark_done_has_time",
                violation_error_message="已重算的标记须有完成时间，待重算的不能有。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.months_label} {self.get_status_display()}"

    @property
    def month_count(self) -> int:
        return (self.to_month.year - self.from_month.year) * 12 + self.to_month.month - self.from_month.month + 1

    @property
    def months_label(self) -> str:
        start = f"{self.from_month.year}年{self.from_month.month}月"
        if self.to_month == self.from_month:
            return start
        return f"{start}至{self.to_month.year}年{self.to_month.month}月"
