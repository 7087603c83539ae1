"""childcare models: children — the ledger of left-behind children (农村留守儿童) with their visits and the
guardianship cases a guardian without capacity raises; the cases of orphans and de-facto unsupported children
(孤儿 / 事实无人抚养儿童, policy.md §10) with their reviews and end (one prepares, another approves)."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q

__all__ = ["ChildCase", "ChildCaseStep", "ChildVisit", "GuardianshipCase", "LeftBehindChild"]


class ParentSituation(models.TextChoices):
    AWAY = "away", "外出务工"
    HOME_INCAPABLE = "home_incapable", "在家但无监护能力"
    HOME = "home", "在家"
    DEAD = "dead", "死亡"
    MISSING = "missing", "失踪"
    PRISON = "prison", "服刑"
    UNKNOWN = "unknown", "不详"


class Capacity(models.TextChoices):
    CAPABLE = "capable", "有监护能力"
    WEAK = "weak", "监护能力弱"
    NONE = "none", "无监护能力"


@pghistory.track()
class LeftBehindChild(models.Model):
    """A left-behind child on the township's ledger (policy.md §15): where the parents are, who the guardian is
    and whether they can care, the school and the named responsible person (帮扶责任人). One active row per
    member; the member's household decides the township."""

    class Source(models.TextChoices):
        REGISTRY = "registry", "户籍标记生成"
        MANUAL = "manual", "经办登记"

    class Status(models.TextChoices):
        ACTIVE = "active", "在册"
        ENDED = "ended", "已移出"

    member = models.ForeignKey("cases.Member", on_delete=models.PROTECT, related_name="+", verbose_name="儿童")
    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.MANUAL)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.ACTIVE)
    start = models.DateField("纳入台账日期")
    father_situation = models.CharField(
        "父亲情况", max_length=16, choices=ParentSituation.choices, default=ParentSituation.AWAY
    )
    father_place = models.CharField("父亲务工地", max_length=100, blank=True)
    mother_situation = models.CharField(
        "母亲情况", max_length=16, choices=ParentSituation.choices, default=ParentSituation.AWAY
    )
    mother_place = models.CharField("母亲务工地", max_length=100, blank=True)
    guardian_name = models.CharField("监护人姓名", max_length=32, blank=True)
    guardian_relation = models.CharField("监护人与儿童关系", max_length=32, blank=True)
    guardian_birth_date = models.DateField("监护人出生日期", null=True, blank=True)
    guardian_age = models.PositiveSmallIntegerField("监护人年龄", null=True, blank=True)
    guardian_health = models.CharField("监护人健康状况", max_length=100, blank=True)
    guardian_capacity = models.CharField(
        "监护能力评估", max_length=8, choices=Capacity.choices, default=Capacity.CAPABLE
    )
    entrusted = models.BooleanField("受委托监护人", default=False)
    school = models.CharField("就读学校", max_length=100, blank=True)
    responsible_name = models.CharField("帮扶责任人", max_length=32, blank=True)
    responsible_post = models.CharField("帮扶责任人职务", max_length=64, blank=True)
    responsible_phone = models.CharField("帮扶责任人电话", max_length=20, blank=True)
    risks = models.TextField("风险情况", blank=True)
    ended_on = models.DateField("移出日期", null=True, blank=True)
    end_reason = models.CharField("移出原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["township_id", "-start", "pk"]
        verbose_name = verbose_name_plural = "留守儿童"
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status="active"),
                name="left_behind_child_one_active",
                violation_error_message="该儿童已在留守儿童台账中。",
            ),
        ]
        indexes = [models.Index(fields=["township", "status"], name="left_behind_child_roll")]

    def __str__(self) -> str:
        return f"{self.member.name}（留守儿童）"


@pghistory.track()
class GuardianshipCase(models.Model):
    """A guardian without capacity (or under 18) raises a case for the township: change the guardian, or assess
    the child as 事实无人抚养."""

    class Reason(models.TextChoices):
        INCAPABLE = "incapable", "监护人无监护能力"
        MINOR = "minor", "监护人未满18周岁"

    class Status(models.TextChoices):
        OPEN = "open", "办理中"
        RESOLVED = "resolved", "已办结"

    class Outcome(models.TextChoices):
        NONE = "", "—"
        GUARDIAN_CHANGED = "guardian_changed", "已变更监护人"
        DE_FACTO = "de_facto", "已认定事实无人抚养"
        CAPACITY_RESTORED = "capacity_restored", "经评估监护能力恢复"
        OTHER = "other", "其他"

    child = models.ForeignKey(
        LeftBehindChild, on_delete=models.PROTECT, related_name="guardianship_cases", verbose_name="留守儿童"
    )
    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    reason = models.CharField("原因", max_length=10, choices=Reason.choices)
    guardian_name = models.CharField("当时的监护人", max_length=32, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField("立案日期")
    due_date = models.DateField("办理期限")
    outcome = models.CharField("办理结果", max_length=20, choices=Outcome.choices, blank=True, default="")
    outcome_note = models.CharField("办理说明", max_length=500, blank=True)
    resolved_on = models.DateField("办结日期", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="办结人",
    )

    class Meta:
        ordering = ["-opened_on", "-pk"]
        verbose_name = verbose_name_plural = "监护问题个案"
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(status="open"),
                name="guardianship_case_one_open",
                violation_error_message="该儿童已有办理中的监护问题个案。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child.member.name} · {self.get_reason_display()}"


@pghistory.track()
class ChildVisit(models.Model):
    """A visit to a left-behind child (走访探视)."""

    class Way(models.TextChoices):
        HOME = "home", "入户走访"
        SCHOOL = "school", "到校探视"
        PHONE = "phone", "电话联系"
        VIDEO = "video", "视频联系"

    child = models.ForeignKey(LeftBehindChild, on_delete=models.PROTECT, related_name="visits", verbose_name="留守儿童")
    visited_on = models.DateField("探访日期")
    visitor = models.CharField("探访人", max_length=32)
    way = models.CharField("探访方式", max_length=8, choices=Way.choices, default=Way.HOME)
    seen_in_person = models.BooleanField("见到儿童本人", default=True)
    findings = models.TextField("探访情况")
    needs = models.CharField("需求", max_length=500, blank=True)
    follow_up = models.CharField("后续跟进", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = verbose_name_plural = "留守儿童探访"
        indexes = [models.Index(fields=["child", "visited_on"], name="child_visit_child_day")]

    def __str__(self) -> str:
        return f"{self.child.member.name} {self.visited_on}"


class ParentBasis(models.TextChoices):
    DEAD = "dead", "死亡"
    MISSING = "missing", "失踪"
    SEVERE_DISABILITY = "severe_disability", "重度残疾"
    SERIOUS_ILLNESS = "serious_illness", "重病"
    PRISON = "prison", "服刑在押"
    DETOX = "detox", "强制隔离戒毒"
    DETAINED = "detained", "被采取其他限制人身自由措施"
    LOST_CONTACT = "lost_contact", "失联满6个月"
    NONE = "none", "不符合（能履行抚养义务）"


class Evidence(models.TextChoices):
    NONE = "", "—"
    DEATH = "death", "死亡证明"
    MISSING = "missing", "宣告失踪判决"
    PRISON = "prison", "服刑证明"
    DETOX = "detox", "强制隔离戒毒决定书"
    DISABILITY = "disability", "残疾证（重度）"
    ILLNESS = "illness", "重病诊断证明"
    LOST_CONTACT = "lost_contact", "公安机关失联证明（≥6个月）"
    OTHER = "other", "其他证明"


@pghistory.track()
class ChildCase(models.Model):
    """An orphan or de-facto unsupported child (policy.md §10): the basis (each parent's situation with its
    evidence), the allowance enrollment (``assistance.Enrollment``, benefit ``orphan_allowance``, created by the
    approval of an application — linked here, never created here), placement, the 民政惠民济困保 insurance, the
    annual review and the end."""

    class Category(models.TextChoices):
        ORPHAN = "orphan", "孤儿"
        DE_FACTO = "de_facto", "事实无人抚养儿童"

    class Placement(models.TextChoices):
        CENTRALIZED = "centralized", "集中养育"
        DISPERSED = "dispersed", "分散养育"

    class Status(models.TextChoices):
        ACTIVE = "active", "在册"
        ENDED = "ended", "已终止"

    member = models.ForeignKey("cases.Member", on_delete=models.PROTECT, related_name="+", verbose_name="儿童")
    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    category = models.CharField("类别", max_length=10, choices=Category.choices)
    father_basis = models.CharField("父亲情况", max_length=20, choices=ParentBasis.choices)
    father_evidence = models.CharField("父亲情况证明", max_length=16, choices=Evidence.choices, blank=True)
    father_evidence_ref = models.CharField("父亲证明文号", max_length=100, blank=True)
    mother_basis = models.CharField("母亲情况", max_length=20, choices=ParentBasis.choices)
    mother_evidence = models.CharField("母亲情况证明", max_length=16, choices=Evidence.choices, blank=True)
    mother_evidence_ref = models.CharField("母亲证明文号", max_length=100, blank=True)
    placement = models.CharField("养育方式", max_length=12, choices=Placement.choices, default=Placement.DISPERSED)
    enrollment = models.ForeignKey(
        "assistance.Enrollment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="基本生活费",
    )
    insured = models.BooleanField("已参加民政惠民济困保", default=False)
    insurance_policy = models.CharField("保单号", max_length=40, blank=True)
    insurer = models.CharField("承保机构", max_length=64, blank=True)
    insurance_from = models.DateField("保险起期", null=True, blank=True)
    insurance_to = models.DateField("保险止期", null=True, blank=True)
    opened_on = models.DateField("建档日期")
    review_due = models.DateField("下次年度复核期限")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.ACTIVE)
    ended_on = models.DateField("终止日期", null=True, blank=True)
    end_reason = models.CharField("终止原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["township_id", "-opened_on", "pk"]
        verbose_name = verbose_name_plural = "孤儿和事实无人抚养儿童"
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status="active"),
                name="child_case_one_active",
                violation_error_message="该儿童已有在册的孤儿（事实无人抚养儿童）档案。",
            ),
            models.CheckConstraint(
                condition=Q(insurance_to__isnull=True)
                | Q(insurance_from__isnull=True)
                | Q(insurance_to__gte=models.F("insurance_from")),
                name="child_case_insurance_ordered",
                violation_error_message="保险止期不能早于起期。",
            ),
        ]
        indexes = [models.Index(fields=["township", "status"], name="child_case_roll")]

    def __str__(self) -> str:
        return f"{self.member.name}（{self.get_category_display()}）"


@pghistory.track()
class ChildCaseStep(models.Model):
    """An annual review or an end of a case, prepared by one person and approved (or returned) by another."""

    class Kind(models.TextChoices):
        REVIEW = "review", "年度复核"
        END = "end", "终止"

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        RETURNED = "returned", "已退回"

    case = models.ForeignKey(ChildCase, on_delete=models.PROTECT, related_name="steps", verbose_name="档案")
    kind = models.CharField("事项", max_length=8, choices=Kind.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    on = models.DateField("复核（终止）日期")
    findings = models.TextField("情况说明")
    end_reason = models.CharField("终止原因", max_length=200, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="经办人"
    )
    prepared_at = models.DateTimeField("提交时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审批人",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=500, blank=True)

    class Meta:
        ordering = ["-prepared_at", "-pk"]
        verbose_name = verbose_name_plural = "孤儿档案复核与终止"
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="pending"),
                name="child_case_step_one_pending",
                violation_error_message="该档案已有待审批的事项。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_kind_display()}"
