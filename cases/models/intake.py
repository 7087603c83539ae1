"""The unified intake window (一门受理、协同办理): applications, home investigations, referrals, window staff."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q

from cases.models.people import Household, Member
from cases.models.regions import Township


class Benefit(models.TextChoices):
    DIBAO = "dibao", "低保"
    TEKUN = "tekun", "特困供养"
    TEMPORARY = "temporary", "临时救助"
    ADVANCE_TEMPORARY = "advance_temporary", "临时救助（先行救助）"
    SINGLE_PERSON = "single_person_dibao", "单人户施保"
    ORPHAN = "orphan_allowance", "孤儿/事实无人抚养儿童基本生活费"
    DISABILITY = "disability_subsidies", "困难残疾人两项补贴"
    COVID_RELIEF = "covid_relief", "新冠肺炎患者临时救助"


PERSONAL_BENEFITS = {Benefit.TEKUN, Benefit.SINGLE_PERSON, Benefit.ORPHAN, Benefit.DISABILITY, Benefit.COVID_RELIEF}

# The workflow steps (cases.services.STEPS) by name, as shown to people.
STEP_LABELS = {
    "receive": "受理",
    "investigate": "记录入户调查",
    "end_publicity": "公示期满",
    "township_approve": "乡镇审核通过",
    "township_return": "退回重新调查",
    "township_reject": "乡镇审核不予批准",
    "county_approve": "县级审批通过（生效）",
    "county_return": "退回乡镇审核",
    "county_reject": "县级不予批准",
    "withdraw": "申请人撤回",
}


@pghistory.track()
class Application(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "已受理（待入户调查）"
        PUBLICITY = "publicity", "民主评议/公示中"
        TOWNSHIP_REVIEW = "township_review", "待乡镇审核"
        COUNTY_APPROVAL = "county_approval", "待县审批"
        APPROVED = "approved", "已生效"
        REJECTED = "rejected", "不予批准"
        WITHDRAWN = "withdrawn", "申请人撤回"

    OPEN_STATUSES = (Status.RECEIVED, Status.PUBLICITY, Status.TOWNSHIP_REVIEW, Status.COUNTY_APPROVAL)

    number = models.CharField("申请编号", max_length=24, unique=True)
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="applications", verbose_name="乡镇")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="applications", verbose_name="家庭")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.RECEIVED)
    received_on = models.DateField("受理日期")
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="受理人"
    )
    reason = models.TextField("申请事由")
    authorization_signed = models.BooleanField("已签署家庭经济状况核对授权书", default=False)
    authorization_date = models.DateField("授权书签署日期", null=True, blank=True)
    authorization_file = models.FileField("授权书扫描件", upload_to="authorizations/%Y/%m/", blank=True)
    epidemic_fast_track = models.BooleanField(
        "疫情期间限时审批",
        default=False,
        help_text="低保申请在疫情期间按工作日限时办结（intake.epidemic_approval_working_days）。",
    )
    due_date = models.DateField("当前环节办理期限", null=True, blank=True)
    publicity_from = models.DateField("公示开始", null=True, blank=True)
    publicity_to = models.DateField("公示结束", null=True, blank=True)
    objections = models.TextField("评议/公示异议及处理", blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decision_reason = models.TextField("决定理由", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = verbose_name_plural = "救助申请"
        indexes = [models.Index(fields=["township", "status", "due_date"], name="application_queue")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_reason=""),
                name="application_rejection_has_reason",
                violation_error_message="不予批准必须写明理由。",
            ),
            models.CheckConstraint(
                condition=Q(authorization_signed=False) | Q(authorization_date__isnull=False),
                name="application_authorization_dated",
                violation_error_message="请填写授权书签署日期。",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ApplicationBenefit(models.Model):
    """One benefit asked for in an application; personal benefits name the member."""

    class Decision(models.TextChoices):
        PENDING = "pending", "待定"
        APPROVED = "approved", "批准"
        REJECTED = "rejected", "不予批准"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="benefits")
    benefit = models.CharField("救助项目", max_length=24, choices=Benefit.choices)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, null=True, blank=True, verbose_name="对象")
    decision = models.CharField("决定", max_length=8, choices=Decision.choices, default=Decision.PENDING)

    class Meta:
        verbose_name = verbose_name_plural = "申请救助项目"
        constraints = [
            models.UniqueConstraint(fields=["application", "benefit", "member"], name="benefit_once_per_application"),
            models.UniqueConstraint(
                fields=["application", "benefit"], condition=Q(member__isnull=True), name="household_benefit_once"
            ),
        ]

    def __str__(self) -> str:
        return self.get_benefit_display()


class ApplicationTransition(models.Model):
    """Every transition: who, when, from which state to which, and the comment."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField("操作", max_length=24)
    from_status = models.CharField("原状态", max_length=16, blank=True)
    to_status = models.CharField("新状态", max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="操作人")
    at = models.DateTimeField("时间", auto_now_add=True)
    comment = models.TextField("意见", blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = verbose_name_plural = "申请办理记录"

    def __str__(self) -> str:
        return f"{self.action_label} → {self.to_status_label}"

    @property
    def action_label(self) -> str:
        return STEP_LABELS.get(self.action, self.action)

    @property
    def to_status_label(self) -> str:
        return Application.Status(self.to_status).label


class Investigation(models.Model):
    """入户调查: the date, two investigators, what they found."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="investigation")
    visited_on = models.DateField("调查日期")
    investigator_1 = models.CharField("调查人一", max_length=32)
    investigator_2 = models.CharField("调查人二", max_length=32)
    findings = models.TextField("调查情况")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="录入人")
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "入户调查"
        constraints = [
            models.CheckConstraint(
                condition=~Q(investigator_1=models.F("investigator_2")),
                name="investigation_two_different_investigators",
                violation_error_message="入户调查须由两名不同的工作人员进行。",
            )
        ]

    def __str__(self) -> str:
        return f"入户调查 {self.visited_on}"


class InvestigationAttachment(models.Model):
    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("附件", upload_to="investigations/%Y/%m/")
    description = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "调查附件"

    def __str__(self) -> str:
        return self.description or str(self.file.name)


class Referral(models.Model):
    """协同办理: a part of the request routed to another office, with its own status and deadline."""

    class Office(models.TextChoices):
        EDUCATION = "education", "教育部门（教育救助）"
        MEDICAL = "medical", "医保部门（医疗救助）"
        HOUSING = "housing", "住建部门（住房救助）"
        EMPLOYMENT = "employment", "人社部门（就业救助）"
        DISABLED = "disabled", "残联"
        JUSTICE = "justice", "司法部门（法律援助）"
        OTHER = "other", "其他部门"

    class Status(models.TextChoices):
        SENT = "sent", "已转办"
        ACCEPTED = "accepted", "已接收"
        DONE = "done", "已办结"
        DECLINED = "declined", "不予受理"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="referrals")
    office = models.CharField("转办部门", max_length=16, choices=Office.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.SENT)
    due_date = models.DateField("办理期限")
    note = models.TextField("转办事项", blank=True)
    result = models.TextField("办理结果", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = verbose_name_plural = "协同转办"

    def __str__(self) -> str:
        return f"{self.get_office_display()}（{self.get_status_display()}）"


class WindowStaff(models.Model):
    """Staff of a township's intake window. Oversight checks each township has a government employee on duty."""

    class Employment(models.TextChoices):
        GOVERNMENT = "government", "在编人员"
        PURCHASED = "purchased", "购买服务人员"

    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="window_staff", verbose_name="乡镇")
    name = models.CharField("姓名", max_length=32)
    employment = models.CharField("用工类型", max_length=12, choices=Employment.choices)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    on_duty_from = models.DateField("在岗起始")
    on_duty_to = models.DateField("在岗截止", null=True, blank=True)

    class Meta:
        ordering = ["township_id", "on_duty_from"]
        verbose_name = verbose_name_plural = "窗口工作人员"
        constraints = [
            models.CheckConstraint(
                condition=Q(on_duty_to__isnull=True) | Q(on_duty_to__gte=models.F("on_duty_from")),
                name="window_staff_period_ordered",
                violation_error_message="在岗截止日期不能早于起始日期。",
            )
        ]

    def __str__(self) -> str:
        return self.name
