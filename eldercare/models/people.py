"""eldercare models: people — 集中供养 willingness of 失能 特困 persons (with the township's 集中托养 pilot flag),
caregiver visits to 分散供养 特困 persons, community elderly-care facilities and the year's construction tasks,
and the ledger of left-behind elderly (农村留守老年人) with their visits.

The 集中托养 pilot is a flag on a small per-township settings row (``TownshipCareSetting.central_care_pilot``):
it is a fact about the township, not about one answer, and the willingness page reads it from there."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

__all__ = [
    "CareFacility",
    "CareWillingness",
    "CaregiverVisit",
    "ConstructionTask",
    "ElderVisit",
    "LeftBehindElder",
    "TownshipCareSetting",
    "VisitWay",
]

phone_validator = RegexValidator(r"^[0-9+\-() ]{5,20}$", "请填写正确的电话号码。")


class VisitWay(models.TextChoices):
    HOME = "home", "上门"
    PHONE = "phone", "电话"
    VIDEO = "video", "视频"


@pghistory.track()
class TownshipCareSetting(models.Model):
    """A township's eldercare settings: whether it runs the 集中托养 pilot (高谷镇)."""

    township = models.OneToOneField("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    central_care_pilot = models.BooleanField("集中托养试点", default=False)
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["township__code"]
        verbose_name = verbose_name_plural = "乡镇养老服务设置"

    def __str__(self) -> str:
        return f"{self.township}"


@pghistory.track()
class CareWillingness(models.Model):
    """A 失能 特困 person asked on a date whether they are willing to live in a home (集中供养)."""

    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    member = models.ForeignKey("cases.Member", on_delete=models.PROTECT, related_name="+", verbose_name="特困人员")
    enrollment = models.ForeignKey(
        "assistance.Enrollment", on_delete=models.PROTECT, related_name="+", verbose_name="特困供养"
    )
    asked_on = models.DateField("询问日期")
    willing = models.BooleanField("愿意集中供养")
    reason = models.CharField("原因", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["-asked_on", "-pk"]
        verbose_name = verbose_name_plural = "集中供养意愿"
        indexes = [models.Index(fields=["member", "asked_on"], name="willingness_member_asked")]

    def __str__(self) -> str:
        return f"{self.member} · {'愿意' if self.willing else '不愿意'}"


@pghistory.track()
class CaregiverVisit(models.Model):
    """A visit to a 分散供养 特困 person by their caregiver or the township."""

    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    member = models.ForeignKey("cases.Member", on_delete=models.PROTECT, related_name="+", verbose_name="特困人员")
    enrollment = models.ForeignKey(
        "assistance.Enrollment", on_delete=models.PROTECT, related_name="+", verbose_name="特困供养"
    )
    visited_on = models.DateField("探访日期")
    visitor = models.CharField("探访人", max_length=32)
    way = models.CharField("方式", max_length=8, choices=VisitWay.choices, default=VisitWay.HOME)
    findings = models.TextField("探访情况", max_length=1000, blank=True)
    needs = models.TextField("需求", max_length=1000, blank=True)
    follow_up = models.TextField("后续措施", max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = verbose_name_plural = "分散供养照料探访"

    def __str__(self) -> str:
        return f"{self.member} · {self.visited_on}"


@pghistory.track()
class CareFacility(models.Model):
    """A community elderly-care centre (one per township) or station (one per village or community)."""

    class Kind(models.TextChoices):
        CENTRE = "centre", "乡镇（街道）养老服务中心"
        STATION = "station", "村（社区）养老服务站点"

    class Status(models.TextChoices):
        BUILDING = "building", "建设中"
        OPEN = "open", "运营中"
        CLOSED = "closed", "停用"

    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    village = models.ForeignKey(
        "cases.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="村（社区）"
    )
    name = models.CharField("名称", max_length=64)
    land_area = models.DecimalField(
        "用地面积（平方米）", max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    floor_area = models.DecimalField(
        "建筑面积（平方米）", max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    opened_on = models.DateField("投用日期", null=True, blank=True)
    services = models.TextField("服务内容", max_length=1000, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["township__code", "kind", "name"]
        verbose_name = verbose_name_plural = "社区养老服务设施"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="centre", village__isnull=True) | Q(kind="station", village__isnull=False),
                name="care_facility_station_has_village",
                violation_error_message="站点须选择村（社区），中心不选村（社区）。",
            ),
            models.UniqueConstraint(
                fields=["township"],
                condition=Q(kind="centre") & ~Q(status="closed"),
                name="care_facility_one_centre_per_township",
                violation_error_message="该乡镇已有养老服务中心。",
            ),
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(kind="station") & ~Q(status="closed"),
                name="care_facility_one_station_per_village",
                violation_error_message="该村（社区）已有养老服务站点。",
            ),
            models.CheckConstraint(
                condition=Q(land_area__gte=0) & Q(floor_area__gte=0), name="care_facility_areas_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class ConstructionTask(models.Model):
    """One of the year's construction tasks: a centre of a township or a station of a village, planned to be
    finished by a date, completed on a date."""

    year = models.PositiveSmallIntegerField("年度")
    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    kind = models.CharField("设施类型", max_length=8, choices=CareFacility.Kind.choices)
    village = models.ForeignKey(
        "cases.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="村（社区）"
    )
    planned_on = models.DateField("计划完成日期")
    completed_on = models.DateField("完成日期", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["-year", "township__code", "kind", "pk"]
        verbose_name = verbose_name_plural = "养老服务设施建设任务"

    def __str__(self) -> str:
        return f"{self.year} · {self.get_kind_display()}"


@pghistory.track()
class LeftBehindElder(models.Model):
    """A left-behind elderly person (农村留守老年人) on the township's ledger, from the registry flag or added by
    a caseworker, with a responsible visitor; ended when they no longer are left behind."""

    class Source(models.TextChoices):
        REGISTRY = "registry", "户籍标记生成"
        MANUAL = "manual", "手工登记"

    class Living(models.TextChoices):
        ALONE = "alone", "独居"
        SPOUSE = "spouse", "与配偶"
        GRANDCHILDREN = "grandchildren", "与孙辈"
        OTHER = "other", "其他"

    township = models.ForeignKey("cases.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    member = models.ForeignKey("cases.Member", on_delete=models.PROTECT, related_name="+", verbose_name="老年人")
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.MANUAL)
    entered_on = models.DateField("纳入台账日期")
    children_away = models.CharField("外出子女", max_length=200, blank=True)
    children_where = models.CharField("子女外出地点", max_length=200, blank=True)
    living = models.CharField("居住情况", max_length=16, choices=Living.choices, default=Living.ALONE)
    health = models.CharField("健康状况", max_length=200, blank=True)
    needs = models.TextField("需求", max_length=1000, blank=True)
    emergency_name = models.CharField("紧急联系人", max_length=32, blank=True)
    emergency_phone = models.CharField("紧急联系人电话", max_length=20, blank=True, validators=[phone_validator])
    visitor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="探访责任人（工作人员）",
    )
    visitor_name = models.CharField("探访责任人（姓名）", max_length=32, blank=True)
    active = models.BooleanField("在台账", default=True)
    ended_on = models.DateField("移出日期", null=True, blank=True)
    end_reason = models.CharField("移出原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["township__code", "pk"]
        verbose_name = verbose_name_plural = "农村留守老年人"
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(active=True),
                name="left_behind_elder_one_active_per_member",
                violation_error_message="该老年人已在留守老年人台账中。",
            ),
        ]
        indexes = [models.Index(fields=["township", "active"], name="left_behind_elder_township")]

    def __str__(self) -> str:
        return f"{self.member}"

    @property
    def visitor_display(self) -> str:
        if self.visitor_user_id:
            return self.visitor_user.first_name or self.visitor_user.username  # type: ignore[union-attr]
        return self.visitor_name


@pghistory.track()
class ElderVisit(models.Model):
    """A visit to a left-behind elderly person."""

    elder = models.ForeignKey(LeftBehindElder, on_delete=models.PROTECT, related_name="visits", verbose_name="老年人")
    visited_on = models.DateField("探访日期")
    visitor = models.CharField("探访人", max_length=32)
    way = models.CharField("方式", max_length=8, choices=VisitWay.choices, default=VisitWay.HOME)
    findings = models.TextField("探访情况", max_length=1000, blank=True)
    needs = models.TextField("需求", max_length=1000, blank=True)
    follow_up = models.TextField("后续措施", max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = verbose_name_plural = "留守老年人探访"
        indexes = [models.Index(fields=["elder", "visited_on"], name="elder_visit_elder_date")]

    def __str__(self) -> str:
        return f"{self.elder} · {self.visited_on}"
