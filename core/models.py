"""Policy parameters (policy.md §0): effective-dated versions with their source and confirmation, read by every
layer through ``core.parameters``.

The export centre's records: a large export run as a Celery job (``ExportJob``), and every download, sync or
from a job (``ExportDownload``): who, what, when, how many rows, and the reason given for an export of children's
or disabled persons' records."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q

from core.numbers import plain


class ExportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        EXPIRED = "expired", "已过期删除"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="用户")
    kind = models.CharField("导出类型", max_length=40)
    title = models.CharField("内容", max_length=200)
    params = models.JSONField("参数", default=dict, blank=True)
    reason = models.CharField("导出原因", max_length=200, blank=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField("已写行数", default=0)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    file_path = models.CharField("文件", max_length=300, blank=True)
    error = models.CharField("错误", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "导出任务"

    def __str__(self) -> str:
        return f"{self.title}（{self.get_status_display()}）"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class ExportDownload(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="用户")
    kind = models.CharField("导出类型", max_length=40)
    title = models.CharField("内容", max_length=200)
    params = models.JSONField("参数", default=dict, blank=True)
    rows = models.PositiveIntegerField("行数", default=0)
    sensitive = models.BooleanField("含儿童或残疾人信息", default=False)
    reason = models.CharField("导出原因", max_length=200, blank=True)
    job = models.ForeignKey(ExportJob, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="导出任务")
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = verbose_name_plural = "导出下载记录"

    def __str__(self) -> str:
        return f"{self.user} {self.title} {self.rows} 行"


@pghistory.track(meta={"db_table": "assistance_policyparameterevent"})
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
        db_table = "assistance_policyparameter"  # the table it was created in; the model moved below cases
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
        return plain(self.value) if self.value is not None else str(self.value_json)
