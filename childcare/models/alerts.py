from __future__ import annotations

from django.db import models

from core.alerts import Alert


class ChildAlert(Alert):
    """An open (or closed) childcare alert, opened and closed by the monthly job (``childcare.alerts``)."""

    class Kind(models.TextChoices):
        VISIT_OVERDUE = "visit_overdue", "留守儿童探访逾期"
        INSURANCE_MISSING = "insurance_missing", "未参加民政惠民济困保"
        GUARDIAN_INCAPABLE = "guardian_incapable", "监护人无监护能力"
        REVIEW_OVERDUE = "review_overdue", "个案逾期未年度复核"

    kind = models.CharField("提醒类别", max_length=40, choices=Kind.choices)

    class Meta(Alert.Meta):
        verbose_name = verbose_name_plural = "儿童关爱提醒"
