"""eldercare models: homes — nursing homes (敬老院) and who lives in them; staff, certificates, duty and patrols
follow in this module."""

from __future__ import annotations

import pghistory
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

__all__ = ["NursingHome", "Residence"]

account_validator = RegexValidator(r"^[0-9]{8,30}$", "银行账号应为 8 至 30 位数字。")


@pghistory.track()
class NursingHome(models.Model):
    """A nursing home (乡镇敬老院) or another 供养机构 (e.g. 县社会福利院, without a township). Its bank account
    receives the 集中供养 特困 money of its residents (policy.md §6)."""

    class Kind(models.TextChoices):
        TOWNSHIP = "township", "乡镇敬老院"
        COUNTY = "county", "县级供养机构"

    class Status(models.TextChoices):
        OPEN = "open", "运营中"
        RENOVATING = "renovating", "改造中"
        CLOSED = "closed", "停用"

    township = models.ForeignKey(
        "cases.Township",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="乡镇",
        help_text="县级供养机构可不填。",
    )
    kind = models.CharField("类型", max_length=8, choices=Kind.choices, default=Kind.TOWNSHIP)
    name = models.CharField("名称", max_length=64, unique=True)
    address = models.CharField("地址", max_length=200, blank=True)
    beds = models.PositiveIntegerField("床位数", default=0)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.OPEN)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    bank_name = models.CharField("开户银行", max_length=64, blank=True)
    bank_account = models.CharField("银行账号", max_length=32, blank=True, validators=[account_validator])
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["township__code", "name"]
        verbose_name = verbose_name_plural = "敬老院（供养机构）"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="county") | Q(township__isnull=False),
                name="nursing_home_township_unless_county",
                violation_error_message="乡镇敬老院须选择所属乡镇。",
            ),
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Residence(models.Model):
    """A person living in a home from a date (to a date). A 特困 集中供养 resident is linked to the enrollment the
    home is paid for; others (自费, 托养) are recorded as such. One person lives in one home at a time."""

    class Kind(models.TextChoices):
        TEKUN = "tekun", "特困集中供养"
        OTHER = "other", "其他入住（自费、托养等）"

    member = models.ForeignKey("cases.Member", on_delete=models.PROTECT, related_name="+", verbose_name="入住人员")
    home = models.ForeignKey(NursingHome, on_delete=models.PROTECT, related_name="residences", verbose_name="敬老院")
    kind = models.CharField("入住类型", max_length=8, choices=Kind.choices, default=Kind.TEKUN)
    enrollment = models.ForeignKey(
        "assistance.Enrollment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="特困供养",
    )
    start = models.DateField("入住日期")
    end = models.DateField("离院日期", null=True, blank=True)
    end_reason = models.CharField("离院原因", max_length=100, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["home", "-start", "pk"]
        verbose_name = verbose_name_plural = "入住记录"
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="residence_period_ordered",
                violation_error_message="离院日期不能早于入住日期。",
            ),
            models.CheckConstraint(
                condition=Q(kind="other") | Q(enrollment__isnull=False),
                name="residence_tekun_has_enrollment",
                violation_error_message="特困集中供养须关联特困供养登记。",
            ),
        ]
        indexes = [models.Index(fields=["member", "start"], name="residence_member_start")]

    def __str__(self) -> str:
        return f"{self.member} · {self.home}"

    def covers(self, day) -> bool:  # type: ignore[no-untyped-def]
        return self.start <= day and (self.end is None or self.end >= day)
