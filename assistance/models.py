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
