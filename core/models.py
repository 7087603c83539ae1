"""The export centre's records: a large export run as a Celery job (``ExportJob``), and every download, sync or
from a job (``ExportDownload``): who, what, when, how many rows, and the reason given for an export of children's
or disabled persons' records."""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
