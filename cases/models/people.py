"""Households (户) and members: the facts a caseworker records about people (policy.md §2, §12)."""

from __future__ import annotations

from datetime import date

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from cases.models.regions import Township, Village
from core import idnumber

phone_validator = RegexValidator(r"^[0-9\-+ ]{5,20}$", "电话号码格式不正确。")


class AreaType(models.TextChoices):
    URBAN = "urban", "城市"
    RURAL = "rural", "农村"


class PovertyStatus(models.TextChoices):
    NONE = "none", "非建档立卡"
    UNLIFTED = "unlifted", "未脱贫"
    LIFTED = "lifted", "已脱贫"
    MONITORED = "monitored", "监测对象"


@pghistory.track()
class Household(models.Model):
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="households", verbose_name="乡镇")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="households", verbose_name="村（社区）")
    number = models.CharField("户编号", max_length=32, unique=True)
    address = models.CharField("住址", max_length=200)
    area_type = models.CharField("城乡类别", max_length=8, choices=AreaType.choices, help_text="决定适用的低保标准。")
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[phone_validator])
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["number"]
        verbose_name = verbose_name_plural = "家庭"
        indexes = [
            models.Index(fields=["township", "number"], name="household_township_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}"


class IllnessCatalog(models.Model):
    """The county's catalogue of major illnesses (重特大疾病目录), edited by the county."""

    name = models.CharField("病种", max_length=64, unique=True)
    code = models.CharField("编码", max_length=16, blank=True)
    active = models.BooleanField("有效", default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "重特大疾病目录"

    def __str__(self) -> str:
        return self.name


CHILD_AGE = 18  # under this age a member is a child: their records are sensitive


@pghistory.track()
class Member(models.Model):
    class Relation(models.TextChoices):
        HEAD = "head", "户主"
        SPOUSE = "spouse", "配偶"
        CHILD = "child", "子女"
        PARENT = "parent", "父母"
        GRANDCHILD = "grandchild", "孙子女"
        GRANDPARENT = "grandparent", "祖父母"
        SIBLING = "sibling", "兄弟姐妹"
        CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
        OTHER = "other", "其他"

    class Sex(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    class NotCountedReason(models.TextChoices):
        NONE = "", "—"
        PRISON = "prison", "服刑"
        DETOX = "detox", "强制隔离戒毒"
        MISSING = "missing", "宣告失踪"
        CLERGY = "clergy", "宗教教职人员（离家3年以上）"
        NOT_RESIDENT = "not_resident", "非共同生活"

    class WorkCapacity(models.TextChoices):
        FULL = "full", "有劳动能力"
        PARTIAL = "partial", "部分丧失劳动能力"
        NONE = "none", "完全丧失劳动能力"

    class Schooling(models.TextChoices):
        NONE = "none", "无"
        PRESCHOOL = "preschool", "学龄前"
        STUDENT = "student", "在校生"

    class DisabilityCategory(models.TextChoices):
        NONE = "", "无残疾"
        PHYSICAL = "physical", "肢体"
        VISUAL = "visual", "视力"
        HEARING = "hearing", "听力"
        SPEECH = "speech", "言语"
        INTELLECTUAL = "intellectual", "智力"
        MENTAL = "mental", "精神"
        MULTIPLE = "multiple", "多重"

    class ChildStatus(models.TextChoices):
        NONE = "none", "无"
        ORPHAN_INSTITUTION = "orphan_institution", "机构养育孤儿"
        ORPHAN_COMMUNITY = "orphan_community", "社会散居孤儿"
        DE_FACTO = "de_facto_unsupported", "事实无人抚养儿童"

    class PayeeKind(models.TextChoices):
        SELF = "self", "本人"
        GUARDIAN = "guardian", "监护人"
        AGENT = "agent", "代理人"

    SELF_CARE_FIELDS = (
        "cannot_eat",
        "cannot_dress",
        "cannot_transfer",
        "cannot_toilet",
        "cannot_walk_indoors",
        "cannot_bathe",
    )

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members", verbose_name="家庭")
    name = models.CharField("姓名", max_length=32)
    id_number = models.CharField("身份证号", max_length=18)
    birth_date = models.DateField("出生日期")
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    identity_override_reason = models.CharField(
        "出生日期/性别更正说明",
        max_length=200,
        blank=True,
        help_text="户籍登记有误时，出生日期和性别可不按身份证号推算，须写明依据（如户籍更正证明）。",
    )
    relation = models.CharField("与户主关系", max_length=16, choices=Relation.choices)
    ethnicity = models.CharField("民族", max_length=16, default="汉族")
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[phone_validator])
    co_resident = models.BooleanField("共同生活（计入家庭成员）", default=True)
    not_counted_reason = models.CharField(
        "不计入原因", max_length=16, choices=NotCountedReason.choices, blank=True, default=""
    )
    employed = models.BooleanField("就业", default=False)
    work_capacity = models.CharField("劳动能力", max_length=8, choices=WorkCapacity.choices, default=WorkCapacity.FULL)
    schooling = models.CharField("就学", max_length=12, choices=Schooling.choices, default=Schooling.NONE)
    disability_category = models.CharField(
        "残疾类别", max_length=16, choices=DisabilityCategory.choices, blank=True, default=""
    )
    disability_grade = models.PositiveSmallIntegerField(
        "残疾等级", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    disability_certificate = models.CharField("残疾证号", max_length=32, blank=True)
    major_illness = models.ForeignKey(
        IllnessCatalog, on_delete=models.PROTECT, null=True, blank=True, verbose_name="重特大疾病"
    )
    cannot_eat = models.BooleanField("不能自主进食", default=False)
    cannot_dress = models.BooleanField("不能自主穿衣", default=False)
    cannot_transfer = models.BooleanField("不能上下床", default=False)
    cannot_toilet = models.BooleanField("不能如厕", default=False)
    cannot_walk_indoors = models.BooleanField("不能室内行走", default=False)
    cannot_bathe = models.BooleanField("不能自主洗澡", default=False)
    able_supporter = models.BooleanField("有具备赡养扶养抚养能力的法定义务人", default=True)
    child_status = models.CharField(
        "困境儿童类别", max_length=24, choices=ChildStatus.choices, default=ChildStatus.NONE
    )
    left_behind_elderly = models.BooleanField("留守老人", default=False)
    left_behind_child = models.BooleanField("留守儿童", default=False)
    left_behind_woman = models.BooleanField("留守妇女", default=False)
    poverty_status = models.CharField(
        "建档立卡状态（经办登记）", max_length=12, choices=PovertyStatus.choices, default=PovertyStatus.NONE
    )
    covid_confirmed = models.BooleanField("新冠确诊", default=False)
    covid_admitted = models.DateField("入院日期", null=True, blank=True)
    covid_discharged = models.DateField("出院日期", null=True, blank=True)
    date_of_death = models.DateField("死亡日期", null=True, blank=True)
    bank_name = models.CharField("开户银行", max_length=64, blank=True)
    bank_account = models.CharField(
        "银行账号",
        max_length=32,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{8,30}$", "银行账号应为 8 至 30 位数字。")],
    )
    payee_kind = models.CharField("领取人", max_length=8, choices=PayeeKind.choices, default=PayeeKind.SELF)
    payee_name = models.CharField("领取人姓名", max_length=32, blank=True)
    payee_id_number = models.CharField("领取人身份证号", max_length=18, blank=True)
    active = models.BooleanField(
        "在册", default=True, help_text="注销（迁出县外、重复登记等）后不再在册；死亡另记死亡日期。"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["household_id", "id"]
        verbose_name = verbose_name_plural = "家庭成员"
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"], condition=Q(active=True), name="member_one_active_record_per_id_number"
            ),
            models.UniqueConstraint(
                fields=["household"], condition=Q(active=True, relation="head"), name="member_one_head_per_household"
            ),
            models.CheckConstraint(
                condition=Q(disability_category="", disability_grade__isnull=True)
                | (
                    ~Q(disability_category="")
                    & Q(disability_grade__isnull=False, disability_grade__gte=1, disability_grade__lte=4)
                ),
                name="member_disability_category_and_grade_together",
                violation_error_message="残疾类别和残疾等级须同时填写。",
            ),
            models.CheckConstraint(
                condition=Q(covid_discharged__isnull=True)
                | Q(covid_admitted__isnull=False, covid_discharged__gte=models.F("covid_admitted")),
                name="member_discharge_after_admission",
                violation_error_message="出院日期不能早于入院日期。",
            ),
        ]
        indexes = [
            models.Index(fields=["id_number"], name="member_id_number_prefix", opclasses=["text_pattern_ops"]),
            models.Index(fields=["name"], name="member_name_prefix", opclasses=["text_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The database constraints, as field errors a person can act on."""
        errors = {}
        if self.disability_category and self.disability_grade is None:
            errors["disability_grade"] = "请填写残疾等级。"
        if not self.disability_category and self.disability_grade is not None:
            errors["disability_category"] = "请填写残疾类别。"
        if self.covid_discharged and not self.covid_admitted:
            errors["covid_admitted"] = "有出院日期时须填写入院日期。"
        elif self.covid_discharged and self.covid_admitted and self.covid_discharged < self.covid_admitted:
            errors["covid_discharged"] = "出院日期不能早于入院日期。"
        if self.date_of_death and self.birth_date and self.date_of_death < self.birth_date:
            errors["date_of_death"] = "死亡日期不能早于出生日期。"
        if errors:
            raise ValidationError(errors)

    @property
    def self_care_lost(self) -> int:
        return sum(bool(getattr(self, field)) for field in self.SELF_CARE_FIELDS)

    @property
    def counted(self) -> bool:
        return self.co_resident and not self.not_counted_reason

    def age_on(self, on: date) -> int:
        return idnumber.age_on(self.birth_date, on)

    def is_child_on(self, on: date) -> bool:
        return self.age_on(on) < CHILD_AGE

    @property
    def is_disabled(self) -> bool:
        return bool(self.disability_category)


class SensitiveAccessLog(models.Model):
    """Who viewed or exported a child's or a disabled person's record, and when."""

    class Action(models.TextChoices):
        VIEW = "view", "查看"
        EXPORT = "export", "导出"
        API = "api", "接口读取"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="用户")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="access_logs", verbose_name="成员")
    action = models.CharField("操作", max_length=8, choices=Action.choices)
    what = models.CharField("内容", max_length=200)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = verbose_name_plural = "敏感信息访问记录"

    def __str__(self) -> str:
        return f"{self.user} {self.get_action_display()} {self.member}"
