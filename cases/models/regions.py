"""Regions (county → township → village) and the people who use the system."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

COUNTY_CODE = "500243"
COUNTY_NAME = "彭水苗族土家族自治县"


class Township(models.Model):
    """乡镇/街道. Codes follow GB/T 10114 ranges under the county code (街道 001–, 镇 100–, 乡 200–)."""

    class Kind(models.TextChoices):
        SUBDISTRICT = "街道", "街道"
        TOWN = "镇", "镇"
        TOWNSHIP = "乡", "乡"

    code = models.CharField("区划代码", max_length=9, unique=True)
    name = models.CharField("名称", max_length=32, unique=True)
    kind = models.CharField("类型", max_length=2, choices=Kind.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "乡镇（街道）"

    def __str__(self) -> str:
        return self.name


class Village(models.Model):
    """村/社区 within a township."""

    class Kind(models.TextChoices):
        VILLAGE = "村", "村"
        COMMUNITY = "社区", "社区"

    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="villages", verbose_name="乡镇")
    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=32)
    kind = models.CharField("类型", max_length=2, choices=Kind.choices, default=Kind.VILLAGE)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "村（社区）"
        constraints = [models.UniqueConstraint(fields=["township", "name"], name="village_unique_name_in_township")]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A user belongs to one township (township roles) or to the county (county roles; auditors either)."""

    class Role(models.TextChoices):
        CASEWORKER = "caseworker", "乡镇经办"
        REVIEWER = "reviewer", "乡镇审核"
        COUNTY_STAFF = "county_staff", "县民政局"
        COUNTY_ADMIN = "county_admin", "县级管理员"
        AUDITOR = "auditor", "审计（只读）"

    role = models.CharField("角色", max_length=16, choices=Role.choices, default=Role.CASEWORKER)
    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name="所属乡镇",
        help_text="乡镇用户必填；县级用户留空。",
    )
    full_identity_access = models.BooleanField(
        "可查看完整证件号和账号",
        default=False,
        help_text="仅对审计用户有意义：县民政局授权后可查看完整身份证号和银行账号。",
    )

    class Meta:
        verbose_name = verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["caseworker", "reviewer"], township__isnull=False)
                | Q(role__in=["county_staff", "county_admin"], township__isnull=True)
                | Q(role="auditor"),
                name="user_role_matches_township",
                violation_error_message="乡镇经办和乡镇审核必须属于一个乡镇；县级用户不能属于乡镇。",
            )
        ]

    @property
    def place_name(self) -> str:
        return self.township.name if self.township else COUNTY_NAME
