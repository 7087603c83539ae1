"""Records of the assistance app: recompute marks of policy parameters, determinations, enrollments and exits,
monthly ledgers and jobs, comparison flags, temporary assistance."""

from __future__ import annotations

from datetime import date

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now


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
        "core.PolicyParameter", on_delete=models.PROTECT, related_name="recompute_marks", verbose_name="参数版本"
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


class Determination(models.Model):
    """The rules applied to one household for one benefit month, from the registry's facts as of that month.

    Keeps the input snapshot, the outcomes with their reasons and the parameter versions used, so an old
    decision can always be explained (policy.md §0)."""

    class Purpose(models.TextChoices):
        MANUAL = "manual", "人工测算"
        APPLICATION = "application", "申请审批"
        SCREENING = "screening", "每月摸排"
        CHANGE = "change", "待遇调整"

    household = models.ForeignKey(
        "cases.Household", on_delete=models.PROTECT, related_name="determinations", verbose_name="家庭"
    )
    month = models.DateField("救助月份", help_text="该月1日。")
    purpose = models.CharField("用途", max_length=12, choices=Purpose.choices, default=Purpose.MANUAL)
    dibao_decision = models.CharField("低保结论", max_length=16)
    dibao_amount = models.DecimalField("低保月金额", max_digits=12, decimal_places=2)
    input_snapshot = models.JSONField("测算时的家庭情况")
    result = models.JSONField("测算结果（含理由）")
    parameters_used = models.JSONField("使用的政策参数")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("测算时间", auto_now_add=True)

    class Meta:
        ordering = ["-month", "-created_at", "-id"]
        verbose_name = verbose_name_plural = "救助认定测算"
        indexes = [models.Index(fields=["household", "-month", "-created_at"], name="determination_latest")]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="determination_whole_month"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.month:%Y-%m} {self.dibao_decision}"


class BenefitKind(models.TextChoices):
    DIBAO = "dibao", "低保"
    TEKUN = "tekun", "特困供养"
    SINGLE_PERSON = "single_person_dibao", "单人户施保"
    COVID_RELIEF = "covid_relief", "新冠患者临时救助"
    DISABILITY_LIVING = "disability_living", "困难残疾人生活补贴"
    DISABILITY_CARE = "disability_care", "重度残疾人护理补贴"
    ORPHAN = "orphan_allowance", "孤儿/事实无人抚养儿童基本生活费"


class EnrollmentQuerySet(models.QuerySet["Enrollment"]):
    def in_force(self, month: date) -> EnrollmentQuerySet:
        """The enrollments on their benefit in benefit month ``month`` (the 1st of a month): the one answer to "is
        this household on 低保 / this person on 特困 … in month M", for the rules, the screening, the payroll and
        the timeliness check.

        * First month: an enrollment is on from its ``start_month`` — the month its approval takes effect is paid
          and counts as "on the benefit" (``start_month <= M``).
        * Last month: it stays on through its ``end_month`` — an exit "after month M" sets ``end_month = M``, and M
          is still paid (``end_month >= M``, or no end month).
        * Status: in force while 在保 or in 渐退期; an exited enrollment still counts for the months up to its end
          month (a person who died in M is paid for M); one being applied for or suspended is not paid."""
        return self.filter(
            Q(end_month__isnull=True) | Q(end_month__gte=month),
            Q(status__in=(Enrollment.Status.ACTIVE, Enrollment.Status.GRADUAL_EXIT))
            | Q(status=Enrollment.Status.EXITED, end_month__isnull=False),
            start_month__lte=month,
        )


@pghistory.track()
class Enrollment(models.Model):
    """A beneficiary on a benefit: the household for 低保, the person for every other benefit."""

    class Status(models.TextChoices):
        APPLYING = "applying", "申请中"
        ACTIVE = "active", "在保"
        GRADUAL_EXIT = "gradual_exit", "渐退期"
        SUSPENDED = "suspended", "暂停"
        EXITED = "exited", "已退出"

    class SupportMode(models.TextChoices):
        NONE = "", "—"
        CENTRALIZED = "centralized", "集中供养"
        DISPERSED = "dispersed", "分散供养"

    OPEN_STATUSES = (Status.APPLYING, Status.ACTIVE, Status.GRADUAL_EXIT, Status.SUSPENDED)

    benefit = models.CharField("救助项目", max_length=24, choices=BenefitKind.choices)
    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    household = models.ForeignKey(
        "cases.Household", on_delete=models.PROTECT, related_name="enrollments", verbose_name="家庭"
    )
    member = models.ForeignKey(
        "cases.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="enrollments", verbose_name="对象"
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.ACTIVE)
    start_month = models.DateField("起始月份", help_text="该月1日。")
    end_month = models.DateField("截止月份", null=True, blank=True, help_text="最后一个发放月的1日；空表示持续。")
    # The latest dated amount (EnrollmentAmount), kept by assistance.amounts for lists; a month is paid the amount
    # in force for it in the dated amounts.
    monthly_amount = models.DecimalField("最新核定月金额（元）", max_digits=12, decimal_places=2)
    gradual_exit_since = models.DateField("渐退期起始月份", null=True, blank=True)
    exit_reason = models.CharField("退出原因", max_length=200, blank=True)
    support_mode = models.CharField(
        "供养方式", max_length=12, choices=SupportMode.choices, blank=True, default=SupportMode.NONE
    )
    caregiver_name = models.CharField("照料人", max_length=32, blank=True)
    caregiver_phone = models.CharField("照料人电话", max_length=20, blank=True)
    institution_name = models.CharField("供养机构", max_length=64, blank=True)
    determination = models.ForeignKey(
        Determination, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="依据测算"
    )
    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="申请"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        ordering = ["township_id", "benefit", "id"]
        verbose_name = verbose_name_plural = "救助对象（在保）"
        indexes = [models.Index(fields=["township", "benefit", "status"], name="enrollment_roll")]
        constraints = [
            models.UniqueConstraint(
                fields=["benefit", "household"],
                condition=Q(member__isnull=True, status__in=["applying", "active", "gradual_exit", "suspended"]),
                name="enrollment_one_open_per_household",
                violation_error_message="该家庭已有在办的同类救助。",
            ),
            models.UniqueConstraint(
                fields=["benefit", "member"],
                condition=Q(member__isnull=False, status__in=["applying", "active", "gradual_exit", "suspended"]),
                name="enrollment_one_open_per_person",
                violation_error_message="该对象已有在办的同类救助。",
            ),
            models.CheckConstraint(
                condition=Q(benefit="dibao", member__isnull=True) | (~Q(benefit="dibao") & Q(member__isnull=False)),
                name="enrollment_beneficiary_matches_benefit",
                violation_error_message="低保以家庭为对象，其他救助以个人为对象。",
            ),
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="enrollment_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(end_month__isnull=True) | Q(end_month__gte=models.F("start_month")),
                name="enrollment_period_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(support_mode="dispersed") | ~Q(caregiver_name=""),
                name="enrollment_dispersed_has_caregiver",
                violation_error_message="分散供养须登记照料人。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_benefit_display()} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class AmountCause(models.TextChoices):
    """Why an enrollment's monthly amount is what it is from a month on."""

    INITIAL = "initial", "核定"
    STANDARD = "standard", "调标"
    HOUSEHOLD = "household", "家庭变化"
    GRADUAL_EXIT = "gradual_exit", "渐退"
    REVIEW = "review", "复核"


@pghistory.track()
class EnrollmentAmount(models.Model):
    """One dated amount of an enrollment: from ``from_month`` on, until the next one, the benefit month is paid
    this amount. The payroll of month M pays the amount in force for M; back pay compares what was settled with it.

    * 核定: the first amount (the approval's determination, or the go-live import);
    * 调标: a parameter version changed the amount by itself (``version``), from the version's month, county-wide;
    * 家庭变化 / 复核: a reviewed change of the household's facts (``change``), proposed by the township and approved
      by the county, from the month after approval (earlier only for an unreported change, with the reason);
    * 渐退: the household entered 渐退期 and keeps its last amount.

    ``priced_month`` is the benefit month whose parameters priced the amount: the monthly re-pricing compares the
    rules under those parameters with the rules under the month's own to tell a 调标 from a household change."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="amounts", verbose_name="救助")
    from_month = models.DateField("起始月份", help_text="该月1日。")
    amount = models.DecimalField("月金额（元）", max_digits=12, decimal_places=2)
    cause = models.CharField("原因", max_length=14, choices=AmountCause.choices)
    priced_month = models.DateField("测算月份", help_text="按该月政策参数测算；该月1日。")
    version = models.ForeignKey(
        "core.PolicyParameter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="调标依据的参数版本",
    )
    determination = models.ForeignKey(
        Determination, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="依据测算"
    )
    change = models.ForeignKey(
        "AmountChange", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="待遇调整"
    )
    note = models.TextField("说明", blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="提出人",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="批准人",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        ordering = ["enrollment_id", "from_month", "id"]
        verbose_name = verbose_name_plural = "救助金额（按月生效）"
        indexes = [models.Index(fields=["enrollment", "-from_month", "-id"], name="enrollment_amount_in_force")]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_month__day=1, priced_month__day=1), name="enrollment_amount_whole_months"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="enrollment_amount_dated_not_negative"),
            models.CheckConstraint(
                condition=~Q(cause="standard") | Q(version__isnull=False),
                name="enrollment_amount_standard_has_version",
                violation_error_message="调标须记录参数版本。",
            ),
            models.CheckConstraint(
                condition=~Q(cause__in=["household", "review"]) | Q(change__isnull=False, approved_by__isnull=False),
                name="enrollment_amount_change_is_reviewed",
                violation_error_message="家庭变化须经审核批准。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_month:%Y-%m} {self.amount} {self.get_cause_display()}"


@pghistory.track()
class AmountChange(models.Model):
    """待遇调整: a change of an enrollment the monthly re-pricing found in the household's facts (not a 调标). The
    township confirms it (or records why not); a change of amount and a return to 在保 are then approved by the
    county (another person) and apply from the month after approval, or from an earlier month when the household
    failed to report the change (recorded, with the approver's reason); entering 渐退期 applies on the township's
    confirmation. One open change per enrollment; a newer finding supersedes it."""

    class Kind(models.TextChoices):
        CHANGE = "change", "金额变化"
        GRADUAL_EXIT = "gradual_exit", "进入渐退期"
        RETURN = "return", "恢复在保"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待乡镇确认"
        CONFIRMED = "confirmed", "待县级审批"
        DECLINED = "declined", "乡镇不予调整"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "县级不予批准"
        SUPERSEDED = "superseded", "已被新测算取代"

    OPEN_STATUSES = (Status.PROPOSED, Status.CONFIRMED)

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="changes", verbose_name="救助")
    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    household = models.ForeignKey("cases.Household", on_delete=models.PROTECT, related_name="+", verbose_name="家庭")
    member = models.ForeignKey(
        "cases.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="对象"
    )
    kind = models.CharField("调整类别", max_length=14, choices=Kind.choices)
    month = models.DateField("发现月份", help_text="测算发现变化的救助月份，该月1日。")
    current_amount = models.DecimalField("现月金额", max_digits=12, decimal_places=2)
    proposed_amount = models.DecimalField("测算月金额", max_digits=12, decimal_places=2)
    reasons = models.JSONField("测算依据", default=list, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PROPOSED)
    created_at = models.DateTimeField("发现时间", auto_now_add=True)
    run = models.ForeignKey("JobRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="乡镇确认人",
    )
    confirmed_at = models.DateTimeField("乡镇确认时间", null=True, blank=True)
    confirm_note = models.TextField("乡镇意见", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="县级审批人",
    )
    decided_at = models.DateTimeField("县级审批时间", null=True, blank=True)
    decision_note = models.TextField("县级意见", blank=True)
    unreported = models.BooleanField("家庭未按规定报告", default=False)
    effective_month = models.DateField("生效月份", null=True, blank=True, help_text="该月1日。")
    determination = models.ForeignKey(
        Determination, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="依据测算"
    )

    class Meta:
        ordering = ["-month", "township_id", "household_id", "id"]
        verbose_name = verbose_name_plural = "待遇调整"
        indexes = [models.Index(fields=["township", "status", "month"], name="amount_change_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=Q(status__in=["proposed", "confirmed"]),
                name="amount_change_one_open",
                violation_error_message="该救助已有待处理的待遇调整。",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="amount_change_whole_month"),
            models.CheckConstraint(
                condition=~Q(decided_by=models.F("confirmed_by")),
                name="amount_change_approved_by_another_person",
                violation_error_message="审批须由确认人以外的另一人进行。",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["declined", "rejected"]) | ~Q(confirm_note="", decision_note=""),
                name="amount_change_refusal_has_reason",
                violation_error_message="不予调整须写明理由。",
            ),
            models.CheckConstraint(
                condition=Q(unreported=False) | ~Q(decision_note=""),
                name="amount_change_unreported_has_reason",
                violation_error_message="按未报告追溯调整须写明理由。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.current_amount}→{self.proposed_amount} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ExitReview(models.Model):
    """No exit takes effect without a second review by another person (policy.md §4: 防止错退)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待复核"
        APPROVED = "approved", "复核同意退出"
        REJECTED = "rejected", "复核不同意"

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="exit_reviews")
    last_month = models.DateField("最后发放月份", help_text="该月1日；之后不再发放。")
    reason = models.CharField("退出原因", max_length=200)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField("提出时间", auto_now_add=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField("复核时间", null=True, blank=True)
    review_comment = models.TextField("复核意见", blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = verbose_name_plural = "退出复核"
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"], condition=Q(status="pending"), name="exit_review_one_pending"
            ),
            models.CheckConstraint(
                condition=~Q(reviewed_by=models.F("requested_by")),
                name="exit_review_by_another_person",
                violation_error_message="复核须由另一人进行。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} {self.get_status_display()}"


class AssetTestOverrideQuerySet(models.QuerySet["AssetTestOverride"]):
    def in_force(self, month: date) -> AssetTestOverrideQuerySet:
        """Overrides covering the benefit month starting ``month`` (a 1st)."""
        return self.filter(Q(to_month__isnull=True) | Q(to_month__gte=month), from_month__lte=month)


@pghistory.track()
class AssetTestOverride(models.Model):
    """A reviewer's written override of a failed asset test (policy.md §3: "A reviewer may override a failed test
    with a written reason (recorded)"). For the months it covers the rules still name each failed condition, then
    the override and its reason, and count the test as passed. When several cover a month the latest recorded
    one is used."""

    household = models.ForeignKey(
        "cases.Household", on_delete=models.PROTECT, related_name="asset_overrides", verbose_name="家庭"
    )
    from_month = models.DateField("起始月份", help_text="该月1日。")
    to_month = models.DateField("截止月份", null=True, blank=True, help_text="该月1日，含该月；空表示持续有效。")
    reason = models.TextField("审核同意理由")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="审核人"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = AssetTestOverrideQuerySet.as_manager()

    class Meta:
        ordering = ["household_id", "-created_at", "-id"]
        verbose_name = verbose_name_plural = "资产核查审核同意"
        constraints = [
            models.CheckConstraint(
                condition=Q(from_month__day=1) & (Q(to_month__isnull=True) | Q(to_month__day=1)),
                name="asset_override_whole_months",
                violation_error_message="起止月份须为每月1日。",
            ),
            models.CheckConstraint(
                condition=Q(to_month__isnull=True) | Q(to_month__gte=models.F("from_month")),
                name="asset_override_period_ordered",
                violation_error_message="截止月份不能早于起始月份。",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="asset_override_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.household} 资产核查审核同意 {self.from_month:%Y-%m}"

    @property
    def months_label(self) -> str:
        start = f"{self.from_month.year}年{self.from_month.month}月"
        if self.to_month is None:
            return f"{start}起"
        if self.to_month == self.from_month:
            return start
        return f"{start}至{self.to_month.year}年{self.to_month.month}月"


@pghistory.track()
class TemporaryCase(models.Model):
    """临时救助 (policy.md §7): 急难型 or 支出型, at most once per person per cause per calendar year unless a reason
    is recorded; the amount decides who approves (township up to temporary.township_cap_std_multiple × the urban
    standard, the county above, 一事一议 above temporary.cap_std_multiple ×). 先行救助 opens a follow-up to assess
    低保 within temporary.advance_followup_days."""

    class Kind(models.TextChoices):
        EMERGENCY = "emergency", "急难型"
        EXPENDITURE = "expenditure", "支出型"

    class Cause(models.TextChoices):
        FIRE = "fire", "火灾等意外事故"
        TRAFFIC = "traffic", "交通事故"
        DISASTER = "disaster", "自然灾害"
        ILLNESS = "illness", "重大疾病"
        EDUCATION = "education", "教育支出"
        COVID = "covid", "新冠肺炎疫情"
        OTHER = "other", "其他"

    class Level(models.TextChoices):
        TOWNSHIP = "township", "乡镇审批"
        COUNTY = "county", "县级审批"
        CASE_BY_CASE = "case_by_case", "一事一议"

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "不予批准"

    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    household = models.ForeignKey("cases.Household", on_delete=models.PROTECT, related_name="+", verbose_name="家庭")
    member = models.ForeignKey("cases.Member", on_delete=models.PROTECT, related_name="+", verbose_name="救助对象")
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    cause = models.CharField("事由", max_length=12, choices=Cause.choices)
    description = models.TextField("情况说明")
    amount = models.DecimalField("救助金额（元）", max_digits=12, decimal_places=2)
    year = models.PositiveSmallIntegerField("年度")
    level = models.CharField("审批层级", max_length=14, choices=Level.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    advance = models.BooleanField("先行救助", default=False)
    repeat_reason = models.CharField(
        "同年同事由再次救助的理由", max_length=200, blank=True, help_text="同一对象同一事由一年内原则上只救助一次。"
    )
    followup_due = models.DateField("低保评估期限", null=True, blank=True)
    followup_done_on = models.DateField("低保评估完成日期", null=True, blank=True)
    followup_note = models.CharField("评估结果", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField("审批日期", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "临时救助"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="temporary_amount_positive"),
            models.UniqueConstraint(
                fields=["member", "cause", "year"],
                condition=Q(repeat_reason="") & ~Q(status="rejected"),
                name="temporary_once_per_person_cause_year",
                violation_error_message="该对象本年度已因同一事由获得临时救助；如确需再次救助，请填写理由。",
            ),
            models.CheckConstraint(
                condition=Q(advance=False) | Q(followup_due__isnull=False),
                name="temporary_advance_has_followup",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class JobRun(models.Model):
    """One run of a monthly job for a township and month (or the county, as the parent of its townships' runs)."""

    class Kind(models.TextChoices):
        SCREENING = "screening", "每月摸排"
        COMPARISON = "comparison", "信息比对"
        REPRICING = "repricing", "每月调整金额"
        ELDERCARE = "eldercare", "养老服务提醒"
        CHILDCARE = "childcare", "儿童关爱提醒"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "运行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("任务", max_length=12, choices=Kind.choices)
    township = models.ForeignKey(
        "cases.Township", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="乡镇"
    )
    month = models.DateField("月份", help_text="该月1日。")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.QUEUED)
    counts = models.JSONField("统计", default=dict, blank=True)
    error = models.TextField("错误", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "任务运行记录"
        indexes = [models.Index(fields=["kind", "month", "township"], name="jobrun_lookup")]
        constraints = [models.CheckConstraint(condition=Q(month__day=1), name="jobrun_whole_month")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.month:%Y-%m} {self.get_status_display()}"


class MonthlyLedger(models.Model):
    """A township's 摸排台账 for a month: submitted by the township, accepted (then locked) or returned by the
    county."""

    class Status(models.TextChoices):
        DRAFT = "draft", "待上报"
        SUBMITTED = "submitted", "已上报"
        RETURNED = "returned", "已退回"
        ACCEPTED = "accepted", "已验收（锁定）"

    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    month = models.DateField("月份")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    screened_at = models.DateTimeField("最近摸排时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField("上报时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField("验收时间", null=True, blank=True)
    review_note = models.TextField("验收意见", blank=True)

    class Meta:
        ordering = ["-month", "township_id"]
        verbose_name = verbose_name_plural = "摸排台账"
        constraints = [
            models.UniqueConstraint(fields=["township", "month"], name="ledger_one_per_township_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="ledger_whole_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_status_display()}"

    @property
    def locked(self) -> bool:
        return self.status == self.Status.ACCEPTED


class LedgerEntry(models.Model):
    """One finding of the monthly screening, with an owner and a status (open → handled with a note)."""

    class Category(models.TextChoices):
        ELIGIBLE_UNCOVERED = "eligible_uncovered", "应保未保"
        EXIT_CANDIDATE = "exit_candidate", "不再符合条件（待复核退出）"
        GRADUAL_EXIT_ENTERING = "gradual_exit_entering", "进入渐退期"
        GRADUAL_EXIT_EXPIRING = "gradual_exit_expiring", "渐退期届满"
        GRADUAL_EXIT = "gradual_exit", "渐退期在册"
        SINGLE_PERSON_CANDIDATE = "single_person_candidate", "单人户施保候选"
        SINGLE_PERSON = "single_person", "单人户在册"
        TEKUN_CANDIDATE = "tekun_candidate", "特困供养候选"
        DISABILITY_CANDIDATE = "disability_candidate", "残疾人两项补贴应保未保"
        ORPHAN_CANDIDATE = "orphan_candidate", "孤儿/事实无人抚养儿童基本生活费应保未保"
        COVID_RELIEF_CANDIDATE = "covid_relief_candidate", "新冠患者临时救助应保未保"
        AMOUNT_CHANGE = "amount_change", "金额变化"

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        HANDLED = "handled", "已处理"

    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    month = models.DateField("月份")
    category = models.CharField("类别", max_length=24, choices=Category.choices)
    household = models.ForeignKey("cases.Household", on_delete=models.PROTECT, related_name="+", verbose_name="家庭")
    member = models.ForeignKey(
        "cases.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="成员"
    )
    current_amount = models.DecimalField("现月金额", max_digits=12, decimal_places=2, null=True, blank=True)
    new_amount = models.DecimalField("测算月金额", max_digits=12, decimal_places=2, null=True, blank=True)
    details = models.JSONField("依据", default=dict, blank=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="责任人",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    handled_note = models.TextField("处理情况", blank=True)
    run = models.ForeignKey(JobRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    opened_at = models.DateTimeField(
        "发现时间",
        db_default=Now(),
        help_text="同一事项（类别、家庭、成员）首次摸排发现的时间；重新摸排和以后月份的摸排保留它。",
    )

    class Meta:
        ordering = ["township_id", "category", "household_id", "member_id"]
        verbose_name = verbose_name_plural = "摸排台账条目"
        indexes = [models.Index(fields=["township", "month", "category"], name="ledger_entry_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "month", "category", "household", "member"],
                name="ledger_entry_once",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(handled_note=""),
                name="ledger_entry_handled_has_note",
                violation_error_message="处理时请填写处理情况。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.household_id}"


class ComparisonFlag(models.Model):
    """One finding of the monthly comparison with the poverty registry and the other external rolls (民政–扶贫
    信息比对, policy.md §11), with its evidence, assigned to the township and tracked until resolved with a note.

    A flag belongs to one month. Re-running a month replaces its open flags and never touches resolved ones.
    ``opened_at`` is when the same finding (township, code, ID number, household, member) was first raised and is
    still open, carried over re-runs and from an earlier month's open flag, so its age counts towards
    ``comparison.open_flag_max_days``."""

    class Code(models.TextChoices):
        JDLK_NOT_COVERED = "JDLK_NOT_COVERED", "建档立卡对象应保未保"
        JDLK_EXIT_CHECK = "JDLK_EXIT_CHECK", "建档立卡户退出低保/特困（须复核）"
        TEKUN_CANDIDATE = "TEKUN_CANDIDATE", "建档立卡特困供养候选"
        SINGLE_PERSON_CANDIDATE = "SINGLE_PERSON_CANDIDATE", "建档立卡单人户施保候选"
        ATTRIBUTE_MISMATCH = "ATTRIBUTE_MISMATCH", "贫困户属性与救助不一致"
        ID_INVALID = "ID_INVALID", "身份证号无效"
        ID_DUPLICATE = "ID_DUPLICATE", "身份证号重复"
        NAME_MISMATCH = "NAME_MISMATCH", "姓名不一致"
        DUPLICATE_BENEFIT = "DUPLICATE_BENEFIT", "重复享受救助"
        COVID_NO_RELIEF = "COVID_NO_RELIEF", "新冠患者未获临时救助"
        DECEASED_STILL_PAID = "DECEASED_STILL_PAID", "死亡人员仍在保"
        JDLK_ENTRY_CHECK = "JDLK_ENTRY_CHECK", "建档立卡新纳入对象与贫困户属性不符"
        ROLL_FACT_MISMATCH = "ROLL_FACT_MISMATCH", "名单与登记信息不一致"

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        RESOLVED = "resolved", "已处理"

    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    month = models.DateField("月份", help_text="该月1日。")
    code = models.CharField("问题类别", max_length=24, choices=Code.choices)
    household = models.ForeignKey(
        "cases.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="家庭"
    )
    member = models.ForeignKey(
        "cases.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="成员"
    )
    id_number = models.CharField("身份证号", max_length=64, blank=True, help_text="名单或在册记录上的号码（原文）。")
    name = models.CharField("姓名", max_length=64, blank=True)
    evidence = models.JSONField("依据", default=dict, blank=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="责任人",
    )
    opened_at = models.DateTimeField("发现时间")
    resolution_note = models.TextField("处理情况", blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="处理人",
    )
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    run = models.ForeignKey(JobRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["township_id", "code", "id_number", "household_id", "member_id"]
        verbose_name = verbose_name_plural = "信息比对问题"
        indexes = [
            models.Index(fields=["township", "month", "code"], name="comparison_flag_lookup"),
            models.Index(fields=["status", "opened_at"], name="comparison_flag_open_age"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "month", "code", "id_number", "household", "member"],
                name="comparison_flag_once",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="comparison_flag_whole_month"),
            models.CheckConstraint(
                condition=Q(status="open", resolved_at__isnull=True)
                | (Q(status="resolved", resolved_at__isnull=False) & ~Q(resolution_note="")),
                name="comparison_flag_resolved_has_note",
                violation_error_message="处理时请填写处理情况。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} {self.id_number}"
