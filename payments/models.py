"""Money (policy.md §8, §14): monthly payrolls per township × benefit, their payment lines, and the accounts of the
institutions that receive 集中供养 特困 money.

Every benefit is paid every month, on time, by card. A payroll is generated from the month's enrollments (batch 1,
regular lines), submitted by the township, approved by the county, disbursed through a bank file and reconciled
from the bank's result file. Failed lines are re-issued in a later batch of the same month; back pay (补发) lines
and the price subsidy (价格临时补贴) take the same path with their own line kind and benefit.

The database refuses a second regular line for one beneficiary, benefit and month (the household for 低保, the
person otherwise; a 临时救助 case once), so regenerating or a second township's payroll can never pay twice.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

account_validator = RegexValidator(r"^[0-9]{8,30}$", "银行账号应为 8 至 30 位数字。")


class PayrollBenefit(models.TextChoices):
    """What a payroll pays. Enrollment benefits map onto these (新冠患者临时救助 is paid in the 临时救助 payroll);
    ``price_subsidy`` is reserved for the price-subsidy months."""

    DIBAO = "dibao", "低保"
    SINGLE_PERSON = "single_person_dibao", "单人户施保"
    TEKUN = "tekun", "特困供养"
    TEMPORARY = "temporary", "临时救助"
    DISABILITY_LIVING = "disability_living", "困难残疾人生活补贴"
    DISABILITY_CARE = "disability_care", "重度残疾人护理补贴"
    ORPHAN = "orphan_allowance", "孤儿/事实无人抚养儿童基本生活费"
    PRICE_SUBSIDY = "price_subsidy", "价格临时补贴"


@pghistory.track()
class InstitutionAccount(models.Model):
    """The account of a 供养机构 (敬老院, 福利院) as recorded before the homes ledger. No longer read for payees: the
    集中供养 特困 payee is the home of the person's residence (``eldercare``); the data migration
    ``eldercare.services.homes.link_institutions`` made a home of each row."""

    name = models.CharField("供养机构", max_length=64, unique=True, help_text="须与特困供养登记的供养机构名称一致。")
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    bank_name = models.CharField("开户银行", max_length=64)
    bank_account = models.CharField("银行账号", max_length=32, validators=[account_validator])
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "供养机构收款账户"

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Payroll(models.Model):
    """发放花名册: one township, month and benefit. Batch 1 holds the month's regular lines; later batches carry
    re-issues of failed lines (and back pay)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交（待县审批）"
        APPROVED = "approved", "已审批（待发放）"
        DISBURSED = "disbursed", "已发放（待对账）"
        RECONCILED = "reconciled", "已对账"

    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    month = models.DateField("发放月份", help_text="该月1日。")
    benefit = models.CharField("救助项目", max_length=24, choices=PayrollBenefit.choices)
    batch = models.PositiveSmallIntegerField("批次", default=1, help_text="1 为正常发放；之后的批次为失败重发或补发。")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    notes = models.JSONField("生成说明", default=list, blank=True)
    line_count = models.PositiveIntegerField("明细条数", default=0)
    total_amount = models.DecimalField("合计金额（元）", max_digits=14, decimal_places=2, default=0)
    problem_count = models.PositiveIntegerField("不能发放的明细", default=0)
    paid_count = models.PositiveIntegerField("已到账条数", default=0)
    paid_amount = models.DecimalField("已到账金额", max_digits=14, decimal_places=2, default=0)
    failed_count = models.PositiveIntegerField("失败条数", default=0)
    failed_amount = models.DecimalField("失败金额", max_digits=14, decimal_places=2, default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="生成人"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    generated_at = models.DateTimeField("生成时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="提交人",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    return_note = models.CharField("退回原因", max_length=200, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审批人",
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    disbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="发放人",
    )
    disbursed_at = models.DateTimeField("发放时间", null=True, blank=True)
    bank_file_digest = models.CharField("银行文件校验码（SHA-256）", max_length=64, blank=True)
    reconciled_at = models.DateTimeField("对账完成时间", null=True, blank=True)

    class Meta:
        ordering = ["-month", "township_id", "benefit", "batch"]
        verbose_name = verbose_name_plural = "发放花名册"
        indexes = [models.Index(fields=["month", "township", "benefit"], name="payroll_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "month", "benefit", "batch"],
                name="payroll_one_per_township_month_benefit_batch",
                violation_error_message="该乡镇该月该项目的这一批次花名册已存在。",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="payroll_whole_month"),
            models.CheckConstraint(condition=Q(batch__gte=1), name="payroll_batch_from_one"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("submitted_by")),
                name="payroll_approved_by_another_person",
                violation_error_message="提交人不能审批自己提交的工资册。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month.year}年{self.month.month}月 {self.get_benefit_display()} 第{self.batch}批"

    @property
    def month_label(self) -> str:
        return f"{self.month.year}年{self.month.month}月"

    @property
    def pending_count(self) -> int:
        return self.line_count - self.paid_count - self.failed_count


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), level=pghistory.Statement)
class PaymentLine(models.Model):
    """One payment to one payee. The payee and account are copied at generation, so the line says what was paid
    where even after the member's record changes.

    Its history keeps one event per line inserted, changed or deleted, as for every tracked model, but written by
    statement-level triggers: a payroll's lines are written, reconciled and replaced thousands at a time, and one
    ``INSERT … SELECT`` from the statement's transition table records them all (a row-level trigger would run a
    function, attach the context and insert once per line)."""

    class Kind(models.TextChoices):
        REGULAR = "regular", "正常发放"
        REISSUE = "reissue", "失败重发"
        BACK_PAY = "back_pay", "补发"

    class Status(models.TextChoices):
        PENDING = "pending", "待到账"
        PAID = "paid", "已到账"
        FAILED = "failed", "发放失败"

    class PayeeKind(models.TextChoices):
        SELF = "self", "本人"
        GUARDIAN = "guardian", "监护人"
        AGENT = "agent", "代理人"
        INSTITUTION = "institution", "供养机构"

    # indexed by payment_line_payroll_status (payroll first)
    payroll = models.ForeignKey(
        Payroll, on_delete=models.PROTECT, related_name="lines", verbose_name="花名册", db_index=False
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    benefit = models.CharField("救助项目", max_length=24, choices=PayrollBenefit.choices)
    month = models.DateField("所属月份", help_text="该月1日。")
    household = models.ForeignKey("cases.Household", on_delete=models.PROTECT, related_name="+", verbose_name="家庭")
    member = models.ForeignKey(
        "cases.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="对象",
        db_index=False,  # see Meta.indexes
    )
    enrollment = models.ForeignKey(
        "assistance.Enrollment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    temporary_case = models.ForeignKey(
        "assistance.TemporaryCase", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reissue_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reissued_by",
        verbose_name="重发的失败明细",
        help_text="一条失败明细只能重发一次。",
    )
    name = models.CharField("对象姓名", max_length=32, help_text="低保为户主姓名。")
    id_number = models.CharField("对象身份证号", max_length=18, blank=True)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    payee_kind = models.CharField("领取人类别", max_length=12, choices=PayeeKind.choices, default=PayeeKind.SELF)
    payee_name = models.CharField("收款人", max_length=64, blank=True)
    payee_id_number = models.CharField("收款人身份证号", max_length=18, blank=True)
    bank_name = models.CharField("开户银行", max_length=64, blank=True)
    bank_account = models.CharField("银行账号", max_length=32, blank=True)
    problem = models.CharField("不能发放的原因", max_length=120, blank=True)
    status = models.CharField("发放结果", max_length=8, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField("失败原因", max_length=200, blank=True)
    result_at = models.DateTimeField("对账时间", null=True, blank=True)
    back_pay_run = models.ForeignKey(
        "BackPayRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        verbose_name="补发重算",
        db_index=False,
    )
    source_key = models.CharField(
        "补发来源", max_length=120, blank=True, help_text="补发明细：对象、月份和计算时的已发金额；同一来源只补发一次。"
    )
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        ordering = ["payroll_id", "id"]
        verbose_name = verbose_name_plural = "发放明细"
        # The foreign keys empty on most lines (every 低保 line has no member) are indexed where they are set: a
        # payroll's lines are written 100,000 at a time, and an index of empty keys would only slow that down.
        indexes = [
            models.Index(fields=["payroll", "status"], name="payment_line_payroll_status"),
            models.Index(fields=["member"], condition=Q(member__isnull=False), name="payment_line_member"),
            models.Index(
                fields=["back_pay_run"], condition=Q(back_pay_run__isnull=False), name="payment_line_back_pay_run"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["benefit", "month", "household"],
                condition=Q(kind="regular", member__isnull=True),
                name="payment_line_one_regular_per_household",
                violation_error_message="该家庭该月该项目已有正常发放明细，不能重复发放。",
            ),
            models.UniqueConstraint(
                fields=["benefit", "month", "member"],
                condition=Q(kind="regular", member__isnull=False, temporary_case__isnull=True),
                name="payment_line_one_regular_per_person",
                violation_error_message="该对象该月该项目已有正常发放明细，不能重复发放。",
            ),
            models.UniqueConstraint(
                fields=["temporary_case"],
                condition=Q(kind="regular", temporary_case__isnull=False),
                name="payment_line_temporary_case_once",
                violation_error_message="该临时救助已列入发放，不能重复发放。",
            ),
            models.UniqueConstraint(
                fields=["source_key"],
                condition=Q(kind="back_pay"),
                name="payment_line_back_pay_once",
                violation_error_message="该对象该月的这笔补发已生成，不能重复补发。",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_line_amount_positive"),
            models.CheckConstraint(condition=Q(month__day=1), name="payment_line_whole_month"),
            models.CheckConstraint(
                condition=Q(kind="reissue", reissue_of__isnull=False)
                | (~Q(kind="reissue") & Q(reissue_of__isnull=True)),
                name="payment_line_reissue_names_its_line",
                violation_error_message="失败重发的明细须指向原失败明细。",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(failure_reason=""),
                name="payment_line_failure_has_reason",
                violation_error_message="发放失败须有失败原因。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.amount}"


# Price subsidy months (policy.md §8) ------------------------------------------------------------------------


@pghistory.track()
class PriceSubsidyMonth(models.Model):
    """价格临时补贴: the county's decision for one month, entered as a record (the system never guesses it). The
    payroll pays each covered person once: urban or rural amount (by the household's area) × multiplier."""

    month = models.DateField("补贴月份", unique=True, help_text="该月1日。")
    cpi_index = models.DecimalField("居民消费价格指数", max_digits=7, decimal_places=2, null=True, blank=True)
    cpi_rise = models.DecimalField("CPI 同比涨幅", max_digits=6, decimal_places=4, help_text="如 0.035 表示 3.5%。")
    food_rise = models.DecimalField("食品价格同比涨幅", max_digits=6, decimal_places=4, default=0)
    urban_amount = models.DecimalField("城市每人补贴（元）", max_digits=8, decimal_places=2)
    rural_amount = models.DecimalField("农村每人补贴（元）", max_digits=8, decimal_places=2)
    multiplier = models.DecimalField("倍数", max_digits=4, decimal_places=2, default=1)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="录入人"
    )
    decided_at = models.DateTimeField("录入时间", auto_now=True)
    note = models.CharField("依据/说明", max_length=200, blank=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = verbose_name_plural = "价格临时补贴月份"
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="price_subsidy_whole_month"),
            models.CheckConstraint(
                condition=Q(urban_amount__gte=0, rural_amount__gte=0, multiplier__gt=0),
                name="price_subsidy_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month.year}年{self.month.month}月 价格临时补贴"


# Back pay and overpayments (policy.md §0) -------------------------------------------------------------------


class BackPayRun(models.Model):
    """One settlement of paid months (补发/多发) against the amounts in force: for the pending RecomputeMarks, for a
    township and month range, or for one household after an approved change of its amount."""

    township = models.ForeignKey(
        "cases.Township", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="乡镇"
    )
    household = models.ForeignKey(
        "cases.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="家庭"
    )
    from_month = models.DateField("起始月份", null=True, blank=True)
    to_month = models.DateField("截止月份", null=True, blank=True)
    marks = models.ManyToManyField("assistance.RecomputeMark", blank=True, related_name="+", verbose_name="待重算标记")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="发起人"
    )
    started_at = models.DateTimeField("发起时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    counts = models.JSONField("统计", default=dict, blank=True)
    notes = models.JSONField("说明", default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = verbose_name_plural = "补发重算"

    def __str__(self) -> str:
        return f"补发重算 #{self.pk}"


@pghistory.track()
class Overpayment(models.Model):
    """多发: money paid above what was due for a beneficiary, benefit and month (a recompute gave less, or the
    person had died), to recover or waive. ``source_key`` names the settled state it was computed from, so a
    second run over the same state records nothing new."""

    class Status(models.TextChoices):
        OPEN = "open", "待追回"
        RECOVERED = "recovered", "已追回"
        WAIVED = "waived", "已核销"

    DEATH = "死亡后发放"
    RECOMPUTED_LOWER = "重算金额减少"

    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    household = models.ForeignKey("cases.Household", on_delete=models.PROTECT, related_name="+", verbose_name="家庭")
    member = models.ForeignKey(
        "cases.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="对象"
    )
    benefit = models.CharField("救助项目", max_length=24, choices=PayrollBenefit.choices)
    month = models.DateField("所属月份")
    name = models.CharField("对象姓名", max_length=32)
    amount = models.DecimalField("多发金额（元）", max_digits=12, decimal_places=2)
    paid_amount = models.DecimalField("已发金额", max_digits=12, decimal_places=2)
    due_amount = models.DecimalField("应发金额", max_digits=12, decimal_places=2)
    reason = models.CharField("原因", max_length=120)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    run = models.ForeignKey(
        BackPayRun, on_delete=models.PROTECT, null=True, blank=True, related_name="overpayments", verbose_name="重算"
    )
    source_key = models.CharField("来源", max_length=120, unique=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolution_note = models.CharField("处理说明", max_length=200, blank=True)

    class Meta:
        ordering = ["-month", "township_id", "id"]
        verbose_name = verbose_name_plural = "多发待追回"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="overpayment_amount_positive"),
            models.CheckConstraint(condition=Q(month__day=1), name="overpayment_whole_month"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.month:%Y-%m} 多发 {self.amount}"


# Timeliness (policy.md §14) ---------------------------------------------------------------------------------


class TimelinessResult(models.Model):
    """Was a township's regular payroll of one benefit for month M paid by payment.deadline_day of M, and were
    any beneficiaries paid several months in one disbursement (lump payments)? Replaced each time it is checked."""

    class Status(models.TextChoices):
        ON_TIME = "on_time", "按时发放"
        LATE = "late", "逾期发放"
        MISSING = "missing", "未发放"
        NOT_DUE = "not_due", "未到期"

    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    month = models.DateField("月份")
    benefit = models.CharField("救助项目", max_length=24, choices=PayrollBenefit.choices)
    expected = models.BooleanField("应发放", default=True, help_text="该月有在保对象（或补贴月份）。")
    deadline = models.DateField("发放期限")
    payroll = models.ForeignKey(Payroll, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    paid_on = models.DateField("发放日期", null=True, blank=True)
    status = models.CharField("结果", max_length=8, choices=Status.choices)
    lump_count = models.PositiveIntegerField("一次发放多月的对象数", default=0)
    checked_at = models.DateTimeField("检查时间", auto_now=True)

    class Meta:
        ordering = ["-month", "township_id", "benefit"]
        verbose_name = verbose_name_plural = "按月按时发放检查"
        constraints = [
            models.UniqueConstraint(fields=["township", "month", "benefit"], name="timeliness_one_per_cell"),
            models.CheckConstraint(condition=Q(month__day=1), name="timeliness_whole_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_benefit_display()} {self.get_status_display()}"
