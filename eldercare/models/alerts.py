from __future__ import annotations

from django.db import models

from core.alerts import Alert


class ElderAlert(Alert):
    """An open (or closed) eldercare alert, opened and closed by the monthly job (``eldercare.alerts``)."""

    class Kind(models.TextChoices):
        COOK_NO_CERTIFICATE = "cook_no_certificate", "炊事员无有效健康证"
        CERTIFICATE_EXPIRING = "certificate_expiring", "证书即将到期"
        NO_MANAGER = "no_manager", "敬老院无管理人员"
        DUTY_GAP = "duty_gap", "值班有空档"
        NIGHT_PATROL_MISSING = "night_patrol_missing", "夜间未巡查"
        HAZARD_OVERDUE = "hazard_overdue", "隐患整改逾期"
        VISIT_OVERDUE = "visit_overdue", "留守老年人探访逾期"

    kind = models.CharField("提醒类别", max_length=40, choices=Kind.choices)

    class Meta(Alert.Meta):
        verbose_name = verbose_name_plural = "养老服务提醒"
