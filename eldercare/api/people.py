"""eldercare api: people — under ``/api/v1/eldercare/``: the left-behind elderly ledger and its visits, 失能 特困
willingness and caregiver visits, care facilities, construction tasks and the app's alerts. Same scope and masking
as the pages; writes go through ``eldercare.services.people``."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from cases.api import ERROR_RESPONSES, ScopedViewSet
from cases.permissions import can_see_full_identity
from cases.serializers import UserNameField
from core import masking
from core.validators import GuardedSerializer, validate_not_future
from eldercare.models import (
    CareFacility,
    CaregiverVisit,
    CareWillingness,
    ConstructionTask,
    ElderAlert,
    ElderVisit,
    LeftBehindElder,
    TownshipCareSetting,
    VisitWay,
)
from eldercare.selectors import people as selectors
from eldercare.services import people as services

TAG = "eldercare"


def _choices(choices: Any) -> str:
    return "、".join(f"{value}（{label}）" for value, label in choices)


class Described:
    """Every field described in the schema: a field without its own help text takes the model field's Chinese
    name."""

    def get_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = super().get_fields()  # type: ignore[misc]
        model = self.Meta.model  # type: ignore[attr-defined]
        for name, field in fields.items():
            if not field.help_text:
                names = {f.name: f.verbose_name for f in model._meta.get_fields() if hasattr(f, "verbose_name")}
                field.help_text = "编号。" if name == "id" else f"{names.get(field.source or name, name)}。"
        return fields


# Serializers ----------------------------------------------------------------------------------------------------


class LeftBehindElderSerializer(Described, serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True, help_text="姓名。")
    id_number = serializers.SerializerMethodField(help_text="身份证号（无权查看完整号码的用户看到部分隐藏的号码）。")
    township_name = serializers.CharField(source="township.name", read_only=True, help_text="乡镇（街道）。")
    living = serializers.CharField(read_only=True, help_text=f"居住情况：{_choices(LeftBehindElder.Living.choices)}。")
    living_label = serializers.CharField(source="get_living_display", read_only=True, help_text="居住情况名称。")
    source = serializers.CharField(read_only=True, help_text=f"来源：{_choices(LeftBehindElder.Source.choices)}。")
    visitor = serializers.CharField(source="visitor_display", read_only=True, help_text="探访责任人。")
    last_visit = serializers.DateField(read_only=True, allow_null=True, help_text="最近探访日期。")
    due = serializers.DateField(
        read_only=True, allow_null=True, help_text="应探访日期（最近探访或纳入日期加探访间隔）。"
    )
    overdue = serializers.BooleanField(read_only=True, help_text="是否探访逾期。")
    priority = serializers.IntegerField(read_only=True, help_text="1：高龄、独居、残疾或低保/特困家庭，优先探访。")

    class Meta:
        model = LeftBehindElder
        fields = [
            "id",
            "member",
            "member_name",
            "id_number",
            "township",
            "township_name",
            "source",
            "entered_on",
            "children_away",
            "children_where",
            "living",
            "living_label",
            "health",
            "needs",
            "emergency_name",
            "emergency_phone",
            "visitor",
            "active",
            "ended_on",
            "end_reason",
            "last_visit",
            "due",
            "overdue",
            "priority",
        ]
        read_only_fields = fields
        extra_kwargs = {"member": {"help_text": "成员编号。"}, "township": {"help_text": "乡镇编号。"}}

    def get_id_number(self, obj: LeftBehindElder) -> str:
        return masking.id_as_seen(obj.member.id_number, can_see_full_identity(self.context["request"].user))


class LeftBehindElderWriteSerializer(GuardedSerializer, serializers.Serializer):
    member = serializers.IntegerField(help_text="纳入台账的成员编号（本乡镇在册、年满老年人年龄）。", min_value=1)
    children_away = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="外出子女。")
    children_where = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="外出地点。")
    living = serializers.ChoiceField(choices=LeftBehindElder.Living.choices, help_text="居住情况。")
    health = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="健康状况。")
    needs = serializers.CharField(required=False, allow_blank=True, max_length=1000, help_text="需求。")
    emergency_name = serializers.CharField(required=False, allow_blank=True, max_length=32, help_text="紧急联系人。")
    emergency_phone = serializers.CharField(required=False, allow_blank=True, max_length=20, help_text="联系电话。")
    visitor_name = serializers.CharField(max_length=32, help_text="探访责任人姓名。")


class LeftBehindVisitSerializer(Described, serializers.ModelSerializer):
    way_label = serializers.CharField(source="get_way_display", read_only=True, help_text="方式名称。")
    recorded_by = UserNameField(help_text="登记人。")

    class Meta:
        model = ElderVisit
        fields = ["id", "elder", "visited_on", "visitor", "way", "way_label", "findings", "needs", "follow_up"]
        fields += ["recorded_by", "created_at"]
        read_only_fields = fields
        extra_kwargs = {"elder": {"help_text": "留守老年人台账编号。"}}


class CareVisitWriteSerializer(GuardedSerializer, serializers.Serializer):
    visited_on = serializers.DateField(help_text="探访日期（不晚于今天）。", validators=[validate_not_future])
    visitor = serializers.CharField(max_length=32, help_text="探访人。")
    way = serializers.ChoiceField(choices=VisitWay.choices, help_text=f"方式：{_choices(VisitWay.choices)}。")
    findings = serializers.CharField(required=False, allow_blank=True, max_length=1000, help_text="探访情况。")
    needs = serializers.CharField(required=False, allow_blank=True, max_length=1000, help_text="需求。")
    follow_up = serializers.CharField(required=False, allow_blank=True, max_length=1000, help_text="后续措施。")


class LeftBehindVisitWriteSerializer(CareVisitWriteSerializer):
    elder = serializers.IntegerField(min_value=1, help_text="留守老年人台账编号。")


class CareWillingnessSerializer(Described, serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True, help_text="姓名。")
    township_name = serializers.CharField(source="township.name", read_only=True, help_text="乡镇（街道）。")
    recorded_by = UserNameField(help_text="登记人。")

    class Meta:
        model = CareWillingness
        fields = ["id", "member", "member_name", "township", "township_name", "enrollment", "asked_on", "willing"]
        fields += ["reason", "recorded_by", "created_at"]
        read_only_fields = fields
        extra_kwargs = {
            "member": {"help_text": "成员编号。"},
            "enrollment": {"help_text": "特困供养编号。"},
            "willing": {"help_text": "是否愿意集中供养。"},
        }


class CareWillingnessWriteSerializer(GuardedSerializer, serializers.Serializer):
    member = serializers.IntegerField(min_value=1, help_text="失能特困人员的成员编号。")
    asked_on = serializers.DateField(help_text="询问日期（不晚于今天）。", validators=[validate_not_future])
    willing = serializers.BooleanField(help_text="是否愿意集中供养。")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="原因；不愿意时必填。")


class CaregiverVisitReadSerializer(Described, serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True, help_text="姓名。")
    way_label = serializers.CharField(source="get_way_display", read_only=True, help_text="方式名称。")
    recorded_by = UserNameField(help_text="登记人。")

    class Meta:
        model = CaregiverVisit
        fields = ["id", "member", "member_name", "township", "visited_on", "visitor", "way", "way_label"]
        fields += ["findings", "needs", "follow_up", "recorded_by", "created_at"]
        read_only_fields = fields
        extra_kwargs = {"member": {"help_text": "成员编号。"}, "township": {"help_text": "乡镇编号。"}}


class CaregiverVisitWriteSerializer(CareVisitWriteSerializer):
    member = serializers.IntegerField(min_value=1, help_text="分散供养特困人员的成员编号。")


class CareFacilitySerializer(Described, serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, help_text="类型名称。")
    status_label = serializers.CharField(source="get_status_display", read_only=True, help_text="状态名称。")
    township_name = serializers.CharField(source="township.name", read_only=True, help_text="乡镇（街道）。")
    village_name = serializers.CharField(source="village.name", read_only=True, default="", help_text="村（社区）。")

    class Meta:
        model = CareFacility
        fields = ["id", "kind", "kind_label", "township", "township_name", "village", "village_name", "name"]
        fields += ["land_area", "floor_area", "opened_on", "services", "status", "status_label"]
        extra_kwargs = {
            "kind": {"help_text": f"类型：{_choices(CareFacility.Kind.choices)}。"},
            "township": {"help_text": "乡镇编号。"},
            "village": {"help_text": "村（社区）编号；站点必填。"},
            "name": {"help_text": "名称。"},
            "land_area": {"help_text": "用地面积（平方米）。"},
            "floor_area": {"help_text": "建筑面积（平方米）。"},
            "opened_on": {"help_text": "投用日期。"},
            "services": {"help_text": "服务内容。"},
            "status": {"help_text": f"状态：{_choices(CareFacility.Status.choices)}。"},
        }
        validators: list = []


class CareFacilityWriteSerializer(GuardedSerializer, CareFacilitySerializer):
    class Meta(CareFacilitySerializer.Meta):
        pass


class ConstructionTaskSerializer(Described, serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, help_text="设施类型名称。")
    township_name = serializers.CharField(source="township.name", read_only=True, help_text="乡镇（街道）。")

    class Meta:
        model = ConstructionTask
        fields = ["id", "year", "township", "township_name", "kind", "kind_label", "village", "planned_on"]
        fields += ["completed_on", "note"]
        extra_kwargs = {
            "year": {"help_text": "年度。"},
            "township": {"help_text": "乡镇编号。"},
            "kind": {"help_text": f"设施类型：{_choices(CareFacility.Kind.choices)}。"},
            "village": {"help_text": "村（社区）编号；站点必填。"},
            "planned_on": {"help_text": "计划完成日期。"},
            "completed_on": {"help_text": "完成日期。"},
            "note": {"help_text": "说明。"},
        }


class ConstructionTaskWriteSerializer(GuardedSerializer, ConstructionTaskSerializer):
    class Meta(ConstructionTaskSerializer.Meta):
        pass


class ElderAlertSerializer(Described, serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, help_text="类别名称。")
    township_name = serializers.CharField(source="township.name", read_only=True, help_text="乡镇（街道）。")
    evidence_text = serializers.SerializerMethodField(help_text="依据（文字）。")

    class Meta:
        model = ElderAlert
        fields = ["id", "kind", "kind_label", "township", "township_name", "object_type", "object_id", "subject"]
        fields += ["evidence", "evidence_text", "month", "opened_at", "closed_at"]
        read_only_fields = fields
        extra_kwargs = {
            "kind": {"help_text": f"类别：{_choices(ElderAlert.Kind.choices)}。"},
            "township": {"help_text": "乡镇编号。"},
            "object_type": {"help_text": "对象类型（模型标识）。"},
            "object_id": {"help_text": "对象编号。"},
            "subject": {"help_text": "对象说明。"},
            "evidence": {"help_text": "依据（日期、天数等）。"},
            "month": {"help_text": "发现它的那次核查所属的月份（该月1日）。"},
            "opened_at": {"help_text": "发现时间。"},
            "closed_at": {"help_text": "解除时间；未解除为空。"},
        }

    def get_evidence_text(self, obj: ElderAlert) -> str:
        return selectors.evidence_text(obj.evidence)


class TownshipCareSettingSerializer(Described, serializers.ModelSerializer):
    township_name = serializers.CharField(source="township.name", read_only=True, help_text="乡镇（街道）。")

    class Meta:
        model = TownshipCareSetting
        fields = ["id", "township", "township_name", "central_care_pilot", "note", "updated_at"]
        read_only_fields = fields


# Filters ------------------------------------------------------------------------------------------------------


class TownshipFilter(GuardedSerializer, serializers.Serializer):
    township = serializers.IntegerField(required=False, min_value=1, max_value=2**62, help_text="按乡镇编号筛选。")


class ElderFilter(TownshipFilter):
    overdue = serializers.BooleanField(required=False, default=False, help_text="true：只看探访逾期。")
    ended = serializers.BooleanField(required=False, default=False, help_text="true：已移出台账的。")
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=40, help_text="姓名或身份证号。")


class AlertFilter(TownshipFilter):
    kind = serializers.ChoiceField(choices=ElderAlert.Kind.choices, required=False, help_text="按类别筛选。")
    closed = serializers.BooleanField(required=False, default=False, help_text="true：已解除的提醒。")


# Viewsets -------------------------------------------------------------------------------------------------------


def _schema(name: str, filters: Any = TownshipFilter, write: Any = None, response: Any = None) -> Any:
    docs = {
        "list": extend_schema(summary=f"{name}列表", parameters=[filters], tags=[TAG]),
        "retrieve": extend_schema(
            summary=f"{name}详情", responses={200: response, 404: ERROR_RESPONSES[404]}, tags=[TAG]
        ),
    }
    if write is not None:
        docs["create"] = extend_schema(
            summary=f"登记{name}", request=write, responses={201: response, **ERROR_RESPONSES}, tags=[TAG]
        )
    return extend_schema_view(**docs)


@_schema("留守老年人", ElderFilter, LeftBehindElderWriteSerializer, LeftBehindElderSerializer)
class ElderViewSet(ScopedViewSet):
    queryset = LeftBehindElder.objects.none()
    serializer_class = LeftBehindElderSerializer

    def get_queryset(self) -> Any:
        rows = LeftBehindElder.objects.select_related("member", "township", "visitor_user")
        return selectors.with_due(self.scoped(rows), timezone.localdate()).order_by("-priority", "due", "pk")

    def list(self, request: Request) -> Response:
        f = self.filters(ElderFilter)
        rows = selectors.elders(
            self.user,
            today=timezone.localdate(),
            query=f["q"],
            township=f.get("township"),
            overdue=f["overdue"],
            ended=f["ended"],
        )
        return self.page_response(rows, lambda page: self.log_access([e.member for e in page], "留守老年人台账"))

    def retrieve(self, request: Request, pk: int) -> Response:
        elder = self.get_object()
        self.log_access([elder.member], "留守老年人台账")
        return Response(self.get_serializer(elder).data)

    def create(self, request: Request) -> Response:
        data = dict(self.parse(LeftBehindElderWriteSerializer).validated_data)
        member = selectors.get_member(self.user, data.pop("member"))
        elder = services.add_elder(actor=self.user, member=member, data=data)
        return self.fresh_response(elder, status.HTTP_201_CREATED)


@_schema("留守老年人探访", TownshipFilter, LeftBehindVisitWriteSerializer, LeftBehindVisitSerializer)
class ElderVisitViewSet(ScopedViewSet):
    queryset = ElderVisit.objects.none()
    serializer_class = LeftBehindVisitSerializer
    township_field = "elder__township"

    def get_queryset(self) -> Any:
        return selectors.visits(self.user)

    def list(self, request: Request) -> Response:
        return self.page_response(selectors.visits(self.user, township=self.filters(TownshipFilter).get("township")))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        data = dict(self.parse(LeftBehindVisitWriteSerializer).validated_data)
        elder = selectors.get_elder(self.user, data.pop("elder"), timezone.localdate())
        visit = services.record_visit(actor=self.user, elder=elder, data=data)
        return self.fresh_response(visit, status.HTTP_201_CREATED)


@_schema("集中供养意愿", TownshipFilter, CareWillingnessWriteSerializer, CareWillingnessSerializer)
class WillingnessViewSet(ScopedViewSet):
    queryset = CareWillingness.objects.none()
    serializer_class = CareWillingnessSerializer

    def get_queryset(self) -> Any:
        return selectors.willingness_records(self.user)

    def list(self, request: Request) -> Response:
        township = self.filters(TownshipFilter).get("township")
        return self.page_response(selectors.willingness_records(self.user, township=township))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        data = dict(self.parse(CareWillingnessWriteSerializer).validated_data)
        member = selectors.get_member(self.user, data.pop("member"))
        record = services.record_willingness(actor=self.user, member=member, **data)
        return self.fresh_response(record, status.HTTP_201_CREATED)


@_schema("分散供养照料探访", TownshipFilter, CaregiverVisitWriteSerializer, CaregiverVisitReadSerializer)
class CaregiverVisitViewSet(ScopedViewSet):
    queryset = CaregiverVisit.objects.none()
    serializer_class = CaregiverVisitReadSerializer

    def get_queryset(self) -> Any:
        return selectors.caregiver_visits(self.user)

    def list(self, request: Request) -> Response:
        township = self.filters(TownshipFilter).get("township")
        return self.page_response(selectors.caregiver_visits(self.user, township=township))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        data = dict(self.parse(CaregiverVisitWriteSerializer).validated_data)
        member = selectors.get_member(self.user, data.pop("member"))
        visit = services.record_caregiver_visit(actor=self.user, member=member, data=data)
        return self.fresh_response(visit, status.HTTP_201_CREATED)


def _place_data(viewset: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Township and village as rows the user sees (another township's is 404)."""
    township = data.get("township")
    village = data.get("village")
    if township is not None:
        data["township"] = selectors.get_township(viewset.user, township.pk)
    if village is not None:
        data["village"] = selectors.get_village(viewset.user, village.pk)
    return data


class _PlaceWriteMixin:
    """Create or change through the service: a change starts from the row's values, overlaid with what was sent."""

    instance_name = ""
    fields_written: tuple[str, ...] = ()

    def _save(self, serializer_class: Any, save: Any, instance: Any = None) -> Response:
        partial = instance is not None and self.request.method == "PATCH"
        data = {key: getattr(instance, key) for key in self.fields_written} if instance is not None else {}
        data.update(self.parse(serializer_class, partial=partial).validated_data)
        data = _place_data(self, data)  # type: ignore[arg-type]
        extra = {} if instance is None else {self.instance_name: instance}
        saved = save(actor=self.user, data=data, **extra)  # type: ignore[attr-defined]
        code = status.HTTP_200_OK if instance is not None else status.HTTP_201_CREATED
        return self.fresh_response(saved, code)  # type: ignore[attr-defined]


@extend_schema_view(
    list=extend_schema(summary="养老服务设施列表", parameters=[TownshipFilter], tags=[TAG]),
    retrieve=extend_schema(summary="养老服务设施详情", tags=[TAG]),
    create=extend_schema(summary="登记养老服务设施", request=CareFacilityWriteSerializer, tags=[TAG]),
    update=extend_schema(summary="修改养老服务设施", request=CareFacilityWriteSerializer, tags=[TAG]),
    partial_update=extend_schema(
        summary="修改养老服务设施（部分字段）", request=CareFacilityWriteSerializer, tags=[TAG]
    ),
)
class FacilityViewSet(_PlaceWriteMixin, mixins.UpdateModelMixin, ScopedViewSet):
    queryset = CareFacility.objects.none()
    serializer_class = CareFacilitySerializer
    instance_name = "facility"
    fields_written = (
        "kind",
        "township",
        "village",
        "name",
        "land_area",
        "floor_area",
        "opened_on",
        "services",
        "status",
    )

    def get_queryset(self) -> Any:
        return selectors.facilities(self.user)

    def list(self, request: Request) -> Response:
        return self.page_response(
            selectors.facilities(self.user, township=self.filters(TownshipFilter).get("township"))
        )

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        return self._save(CareFacilityWriteSerializer, services.save_facility)

    def update(self, request: Request, pk: int, partial: bool = False) -> Response:
        return self._save(CareFacilityWriteSerializer, services.save_facility, self.get_object())


@extend_schema_view(
    list=extend_schema(summary="建设任务列表", parameters=[TownshipFilter], tags=[TAG]),
    retrieve=extend_schema(summary="建设任务详情", tags=[TAG]),
    create=extend_schema(summary="登记建设任务", request=ConstructionTaskWriteSerializer, tags=[TAG]),
    update=extend_schema(summary="修改建设任务", request=ConstructionTaskWriteSerializer, tags=[TAG]),
    partial_update=extend_schema(
        summary="修改建设任务（部分字段）", request=ConstructionTaskWriteSerializer, tags=[TAG]
    ),
)
class TaskViewSet(_PlaceWriteMixin, mixins.UpdateModelMixin, ScopedViewSet):
    queryset = ConstructionTask.objects.none()
    serializer_class = ConstructionTaskSerializer
    instance_name = "task"
    fields_written = ("year", "township", "kind", "village", "planned_on", "completed_on", "note")

    def get_queryset(self) -> Any:
        return selectors.tasks(self.user)

    def list(self, request: Request) -> Response:
        return self.page_response(selectors.tasks(self.user, township=self.filters(TownshipFilter).get("township")))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        return self._save(ConstructionTaskWriteSerializer, services.save_task)

    def update(self, request: Request, pk: int, partial: bool = False) -> Response:
        return self._save(ConstructionTaskWriteSerializer, services.save_task, self.get_object())


@_schema("养老服务提醒", AlertFilter, None, ElderAlertSerializer)
class AlertViewSet(ScopedViewSet):
    queryset = ElderAlert.objects.none()
    serializer_class = ElderAlertSerializer

    def get_queryset(self) -> Any:
        return selectors.all_alerts(self.user)

    def list(self, request: Request) -> Response:
        f = self.filters(AlertFilter)
        rows = selectors.alerts(self.user, closed=f["closed"], kind=f.get("kind", ""), township=f.get("township"))
        return self.page_response(rows)

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)


@_schema("乡镇集中托养试点设置", TownshipFilter, None, TownshipCareSettingSerializer)
class CareSettingViewSet(ScopedViewSet):
    queryset = TownshipCareSetting.objects.none()
    serializer_class = TownshipCareSettingSerializer

    def get_queryset(self) -> Any:
        return selectors.care_settings(self.user)

    def list(self, request: Request) -> Response:
        return self.page_response(selectors.care_settings(self.user))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)


router = SimpleRouter(trailing_slash=True)
router.register("eldercare/elders", ElderViewSet, basename="api-eldercare-elder")
router.register("eldercare/elder-visits", ElderVisitViewSet, basename="api-eldercare-elder-visit")
router.register("eldercare/willingness", WillingnessViewSet, basename="api-eldercare-willingness")
router.register("eldercare/caregiver-visits", CaregiverVisitViewSet, basename="api-eldercare-caregiver-visit")
router.register("eldercare/facilities", FacilityViewSet, basename="api-eldercare-facility")
router.register("eldercare/construction-tasks", TaskViewSet, basename="api-eldercare-task")
router.register("eldercare/care-settings", CareSettingViewSet, basename="api-eldercare-care-setting")
router.register("eldercare/alerts", AlertViewSet, basename="api-eldercare-alert")

urlpatterns = router.urls
