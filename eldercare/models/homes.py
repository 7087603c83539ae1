"""eldercare models: homes — nursing homes (敬老院) and who lives in them (residences), their staff with
certificates, the 24-hour duty roster, duty logs (handover) and patrols."""

from __future__ import annotations

import pghistory
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

__all__ = ["Certificate", "DutyLog", "DutyShift", "NursingHome", "Patrol", "Residence", "Staff"]

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


@pghistory.track()
class Staff(models.Model):
    """A person working in a home: 院长/管理人员 and 护理员 count for the 24-hour duty, 炊事员 do not (they need a
    valid 健康证). Current while hired and not left (``left_on`` is the last working day)."""

    class Position(models.TextChoices):
        MANAGER = "manager", "院长/管理人员"
        CARER = "carer", "护理员"
        COOK = "cook", "炊事员"
        OTHER = "other", "其他"

    class Employment(models.TextChoices):
        ESTABLISHED = "established", "在编"
        CONTRACT = "contract", "聘用"
        PUBLIC_WELFARE = "public_welfare", "公益性岗位"

    DUTY_POSITIONS = (Position.MANAGER, Position.CARER)

    home = models.ForeignKey(NursingHome, on_delete=models.PROTECT, related_name="staff", verbose_name="敬老院")
    name = models.CharField("姓名", max_length=32)
    id_number = models.CharField("身份证号", max_length=18, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    position = models.CharField("岗位", max_length=12, choices=Position.choices)
    employment = models.CharField("用工性质", max_length=16, choices=Employment.choices)
    hired_on = models.DateField("入职日期")
    left_on = models.DateField("离职日期", null=True, blank=True)
    left_reason = models.CharField("离职原因", max_length=100, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["home", "position", "name", "pk"]
        verbose_name = verbose_name_plural = "敬老院工作人员"
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("hired_on")),
                name="staff_period_ordered",
                violation_error_message="离职日期不能早于入职日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.get_position_display()}"

    def is_current(self, day) -> bool:  # type: ignore[no-untyped-def]
        return self.hired_on <= day and (self.left_on is None or self.left_on >= day)


@pghistory.track()
class Certificate(models.Model):
    """A certificate of a staff member: 健康证 (required of cooks), 护理员培训证, or another one (named)."""

    class Kind(models.TextChoices):
        HEALTH = "health", "健康证"
        CARE_TRAINING = "care_training", "护理员培训证"
        OTHER = "other", "其他证书"

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="certificates", verbose_name="工作人员")
    kind = models.CharField("证书类别", max_length=16, choices=Kind.choices)
    title = models.CharField("证书名称", max_length=64, blank=True, help_text="“其他证书”须填写名称。")
    number = models.CharField("证书编号", max_length=64)
    issuer = models.CharField("发证机关", max_length=100)
    issued_on = models.DateField("发证日期")
    expires_on = models.DateField("有效期至", null=True, blank=True, help_text="长期有效可不填。")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["staff", "kind", "-issued_on", "pk"]
        verbose_name = verbose_name_plural = "工作人员证书"
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("issued_on")),
                name="certificate_expires_after_issue",
                violation_error_message="有效期至须晚于发证日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title or self.get_kind_display()} {self.number}"


@pghistory.track()
class DutyShift(models.Model):
    """One person on duty in a home on a day, from ``start`` to ``end``. A shift crossing midnight says so
    explicitly (``overnight``: it ends at ``end`` on the next day; ``end == start`` is then a 24-hour shift); without
    the flag the end must be later than the start, so a shift "ending before it starts" is refused, never guessed."""

    home = models.ForeignKey(NursingHome, on_delete=models.PROTECT, related_name="shifts", verbose_name="敬老院")
    day = models.DateField("值班日期")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="shifts", verbose_name="值班人员")
    start = models.TimeField("开始时间")
    end = models.TimeField("结束时间")
    overnight = models.BooleanField("次日结束", default=False, help_text="跨夜值班：结束时间为次日。")
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        ordering = ["home", "day", "start", "pk"]
        verbose_name = verbose_name_plural = "值班安排"
        constraints = [
            models.CheckConstraint(
                condition=Q(overnight=True, end__lte=models.F("start")) | Q(overnight=False, end__gt=models.F("start")),
                name="duty_shift_end_after_start",
                violation_error_message="结束时间须晚于开始时间（跨夜值班请选择“次日结束”）。",
            ),
        ]
        indexes = [models.Index(fields=["home", "day"], name="duty_shift_home_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.start:%H:%M}–{'次日' if self.overnight else ''}{self.end:%H:%M}"


@pghistory.track()
class DutyLog(models.Model):
    """The duty log of a home's day: the handover notes, by whom."""

    home = models.ForeignKey(NursingHome, on_delete=models.PROTECT, related_name="duty_logs", verbose_name="敬老院")
    day = models.DateField("日期")
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="记录人"
    )
    handover = models.TextField("交接班记录", max_length=2000)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["home", "-day", "-pk"]
        verbose_name = verbose_name_plural = "值班日志"

    def __str__(self) -> str:
        return f"{self.home} {self.day}"


@pghistory.track()
class Patrol(models.Model):
    """A patrol round of a home (day or night): when, who, which areas, what was found."""

    home = models.ForeignKey(NursingHome, on_delete=models.PROTECT, related_name="patrols", verbose_name="敬老院")
    at = models.DateTimeField("巡查时间")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="patrols", verbose_name="巡查人")
    areas = models.CharField("巡查区域", max_length=200)
    findings = models.TextField("发现情况", max_length=2000, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["home", "-at", "-pk"]
        verbose_name = verbose_name_plural = "巡查记录"
        indexes = [models.Index(fields=["home", "at"], name="patrol_home_at")]

    def __str__(self) -> str:
        return f"{self.home} {self.at:%Y-%m-%d %H:%M}"
