"""eldercare api: safety — under ``/api/v1/eldercare/``: the checklist, inspections with their results, hazards
(recorded, fixed, reported to the county and closed by it), residents' risk assessments and incidents, renovation
projects with their milestones and files (metadata and a download link). Same scope as the pages; writes go
through ``eldercare.services.safety``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from cases.api import CONFLICT_RESPONSE, ERROR_RESPONSES, ScopedViewSet
from cases.serializers import UserNameField
from core.validators import GuardedSerializer, validate_not_future
from eldercare.models.safety import (
    ChecklistItem,
    Hazard,
    HazardStep,
    Incident,
    Inspection,
    InspectionResult,
    Milestone,
    ProjectFile,
    RenovationProject,
    RiskAssessment,
)
from eldercare.selectors import safety as selectors
from eldercare.services import safety as services

TAG = "eldercare"


def _choices(choices: Any) -> str:
    return "、".join(f"{value}（{label}）" for value, label in choices)


class DescribedSerializer(serializers.ModelSerializer):
    """Model fields described in the schema by their Chinese name (and choices) when they carry no help text."""

    def build_field(self, field_name: str, info: Any, model_class: Any, nested_depth: int) -> Any:
        field_class, kwargs = super().build_field(field_name, info, model_class, nested_depth)
        if "help_text" not in kwargs:
            try:
                model_field = model_class._meta.get_field(field_name)
            except FieldDoesNotExist:  # "id" and properties
                model_field = None
            if model_field is not None:
                text = f"{model_field.verbose_name}"
                if model_field.choices:
                    text += f"：{_choices(model_field.choices)}"
                kwargs["help_text"] = text + "。"
            elif field_name == "id":
                kwargs["help_text"] = "编号。"
        return field_class, kwargs


# Serializers ----------------------------------------------------------------------------------------------------


class ChecklistItemSerializer(DescribedSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "heading", "text", "order", "active"]
        read_only_fields = fields


class InspectionResultSerializer(DescribedSerializer):
    item_text = serializers.CharField(source="item.text", read_only=True, help_text="检查项目名称。")
    result_label = serializers.CharField(source="get_result_display", read_only=True, help_text="结果名称。")

    class Meta:
        model = InspectionResult
        fields = ["item", "item_text", "result", "result_label", "note"]
        read_only_fields = fields


class InspectionSerializer(DescribedSerializer):
    home_name = serializers.CharField(source="home.name", read_only=True, help_text="敬老院名称。")
    by_label = serializers.CharField(source="get_by_display", read_only=True, help_text="检查单位名称。")
    results = InspectionResultSerializer(many=True, read_only=True, help_text="各检查项目的结果。")
    created_by = UserNameField(help_text="登记人。")

    class Meta:
        model = Inspection
        fields = ["id", "home", "home_name", "date", "by", "by_label", "inspectors", "findings", "results"]
        fields += ["created_by", "created_at"]
        read_only_fields = fields


class HazardStepSerializer(DescribedSerializer):
    actor = UserNameField(help_text="经办人。")

    class Meta:
        model = HazardStep
        fields = ["at", "action", "note", "actor"]
        read_only_fields = fields


class HazardSerializer(DescribedSerializer):
    home_name = serializers.CharField(source="home.name", read_only=True, help_text="敬老院名称。")
    level_label = serializers.CharField(source="get_level_display", read_only=True, help_text="隐患等级名称。")
    status_label = serializers.CharField(source="get_status_display", read_only=True, help_text="状态名称。")
    overdue = serializers.SerializerMethodField(help_text="是否整改逾期（未整改完成或未办结且已过整改期限）。")
    evidence_file_url = serializers.SerializerMethodField(help_text="整改佐证材料的下载地址；没有时为空。")
    steps = HazardStepSerializer(
        many=True, read_only=True, help_text="整改步骤（登记、整改完成、上报、县民政局办结）。"
    )

    class Meta:
        model = Hazard
        fields = [
            "id",
            "home",
            "home_name",
            "inspection",
            "description",
            "level",
            "level_label",
            "owner",
            "found_on",
            "deadline",
            "status",
            "status_label",
            "overdue",
            "fixed_on",
            "evidence",
            "evidence_file_name",
            "evidence_file_url",
            "report_reason",
            "reported_on",
            "county_handling",
            "closed_on",
            "created_at",
            "steps",
        ]
        read_only_fields = fields

    def get_overdue(self, obj: Hazard) -> bool:
        return selectors.is_overdue(obj, timezone.localdate())

    def get_evidence_file_url(self, obj: Hazard) -> str | None:
        return reverse("eldercare-hazard-evidence", args=[obj.pk]) if obj.evidence_file else None


class HazardCreateSerializer(GuardedSerializer, serializers.Serializer):
    home = serializers.IntegerField(min_value=1, max_value=2**62, help_text="敬老院编号。")
    inspection = serializers.IntegerField(
        min_value=1, max_value=2**62, required=False, allow_null=True, help_text="来源检查编号（可不填）。"
    )
    description = serializers.CharField(max_length=2000, help_text="隐患描述。")
    level = serializers.ChoiceField(
        choices=Hazard.Level.choices, help_text=f"隐患等级：{_choices(Hazard.Level.choices)}。"
    )
    owner = serializers.CharField(max_length=64, help_text="整改责任人。")
    found_on = serializers.DateField(validators=[validate_not_future], help_text="发现日期。")
    deadline = serializers.DateField(help_text="整改期限，不能早于发现日期。")


class HazardFixSerializer(GuardedSerializer, serializers.Serializer):
    fixed_on = serializers.DateField(validators=[validate_not_future], help_text="整改完成日期。")
    evidence = serializers.CharField(max_length=5000, help_text="整改情况（佐证材料请在页面上传）。")


class HazardReportSerializer(GuardedSerializer, serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="上报县民政局的原因（敬老院无法自行整改）。")


class HazardCloseSerializer(GuardedSerializer, serializers.Serializer):
    handling = serializers.CharField(max_length=5000, help_text="县民政局处理情况。")
    closed_on = serializers.DateField(validators=[validate_not_future], help_text="办结日期。")


class HazardFilterSerializer(GuardedSerializer, serializers.Serializer):
    status = serializers.ChoiceField(choices=Hazard.Status.choices, required=False, help_text="按状态筛选。")
    overdue = serializers.BooleanField(required=False, default=False, help_text="true：只列整改逾期的隐患。")
    reported = serializers.BooleanField(required=False, default=False, help_text="true：县民政局处理清单。")
    township = serializers.IntegerField(min_value=1, max_value=2**62, required=False, help_text="乡镇编号。")
    home = serializers.IntegerField(min_value=1, max_value=2**62, required=False, help_text="敬老院编号。")


class HomeFilterSerializer(GuardedSerializer, serializers.Serializer):
    township = serializers.IntegerField(min_value=1, max_value=2**62, required=False, help_text="乡镇编号。")
    home = serializers.IntegerField(min_value=1, max_value=2**62, required=False, help_text="敬老院编号。")


class RiskAssessmentSerializer(DescribedSerializer):
    member_name = serializers.CharField(source="residence.member.name", read_only=True, help_text="老人姓名。")
    home_name = serializers.CharField(source="residence.home.name", read_only=True, help_text="敬老院名称。")

    class Meta:
        model = RiskAssessment
        fields = ["id", "residence", "member_name", "home_name", "date", "kind", *RiskAssessment.RISK_FIELDS]
        fields += ["self_care", "self_care_lost", "assessor", "note", "created_at"]
        read_only_fields = fields


class IncidentSerializer(DescribedSerializer):
    member_name = serializers.CharField(source="residence.member.name", read_only=True, help_text="老人姓名。")
    home_name = serializers.CharField(source="residence.home.name", read_only=True, help_text="敬老院名称。")

    class Meta:
        model = Incident
        fields = ["id", "residence", "member_name", "home_name", "occurred_at", "kind", "description", "action"]
        fields += ["reported_to", "created_at"]
        read_only_fields = fields


class IncidentCreateSerializer(GuardedSerializer, serializers.Serializer):
    residence = serializers.IntegerField(min_value=1, max_value=2**62, help_text="入住记录编号。")
    occurred_at = serializers.DateTimeField(help_text="发生时间。")
    kind = serializers.ChoiceField(
        choices=Incident.Kind.choices, help_text=f"事件类型：{_choices(Incident.Kind.choices)}。"
    )
    description = serializers.CharField(max_length=5000, help_text="经过。")
    action = serializers.CharField(max_length=5000, help_text="处置措施。")
    reported_to = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="报告对象。"
    )


class MilestoneSerializer(DescribedSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "project", "title", "due", "done_on"]
        read_only_fields = fields


class ProjectFileSerializer(DescribedSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, help_text="类别名称。")
    download_url = serializers.SerializerMethodField(help_text="下载地址（仅本人可查看范围内）。")
    uploaded_by = UserNameField(help_text="上传人。")

    class Meta:
        model = ProjectFile
        fields = ["id", "project", "kind", "kind_label", "original_name", "size", "uploaded_by", "uploaded_at"]
        fields += ["download_url"]
        read_only_fields = fields

    def get_download_url(self, obj: ProjectFile) -> str:
        return reverse("eldercare-project-file", args=[obj.pk])


class RenovationProjectSerializer(DescribedSerializer):
    home_name = serializers.CharField(source="home.name", read_only=True, help_text="敬老院名称。")
    status_label = serializers.CharField(source="get_status_display", read_only=True, help_text="状态名称。")
    milestones = MilestoneSerializer(many=True, read_only=True, help_text="项目节点。")
    completed_by = UserNameField(help_text="完工登记人。")
    accepted_by = UserNameField(help_text="验收人。")

    class Meta:
        model = RenovationProject
        fields = [
            "id",
            "home",
            "home_name",
            "name",
            "kind",
            "plan",
            "budget",
            "spent",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "progress",
            "status",
            "status_label",
            "completed_by",
            "accepted_on",
            "accepted_by",
            "acceptance_note",
            "milestones",
        ]
        read_only_fields = fields


# Viewsets --------------------------------------------------------------------------------------------------------


def _list_retrieve(name: str, what: str) -> Any:
    return extend_schema_view(
        list=extend_schema(summary=f"{name}列表", description=what, tags=[TAG]),
        retrieve=extend_schema(summary=f"{name}详情", responses={404: ERROR_RESPONSES[404]}, tags=[TAG]),
    )


class _ReadViewSet(ScopedViewSet):
    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)


@_list_retrieve("安全检查项目", "县民政局维护的检查项目（GB 38600-2019）。")
class ChecklistViewSet(_ReadViewSet):
    queryset = ChecklistItem.objects.none()
    serializer_class = ChecklistItemSerializer

    def get_queryset(self) -> Any:
        return selectors.checklist()

    def list(self, request: Request) -> Response:
        return self.page_response(self.get_queryset())


@extend_schema_view(
    list=extend_schema(summary="安全检查列表", parameters=[HomeFilterSerializer], tags=[TAG]),
    retrieve=extend_schema(summary="安全检查详情", responses={404: ERROR_RESPONSES[404]}, tags=[TAG]),
)
class InspectionViewSet(_ReadViewSet):
    queryset = Inspection.objects.none()
    serializer_class = InspectionSerializer

    def get_queryset(self) -> Any:
        return selectors.inspection_list(self.user).prefetch_related("results__item")

    def list(self, request: Request) -> Response:
        f = self.filters(HomeFilterSerializer)
        rows = selectors.inspection_list(
            self.user, selectors.InspectionFilter(township=f.get("township"), home=f.get("home"))
        )
        return self.page_response(rows.prefetch_related("results__item"))


@extend_schema_view(
    list=extend_schema(
        summary="安全隐患列表",
        description="本人可查看范围内的隐患；reported=true 为县民政局处理清单，overdue=true 为整改逾期。",
        parameters=[HazardFilterSerializer],
        tags=[TAG],
    ),
    retrieve=extend_schema(summary="安全隐患详情", responses={404: ERROR_RESPONSES[404]}, tags=[TAG]),
    create=extend_schema(
        summary="登记隐患",
        request=HazardCreateSerializer,
        responses={201: HazardSerializer, **ERROR_RESPONSES},
        tags=[TAG],
    ),
)
class HazardViewSet(_ReadViewSet):
    queryset = Hazard.objects.none()
    serializer_class = HazardSerializer

    def get_queryset(self) -> Any:
        return selectors.hazard_list(self.user, timezone.localdate()).prefetch_related("steps__actor")

    def list(self, request: Request) -> Response:
        f = self.filters(HazardFilterSerializer)
        filters = selectors.HazardFilter(
            status=f.get("status") or "",
            overdue=f["overdue"],
            reported=f["reported"],
            township=f.get("township"),
            home=f.get("home"),
        )
        rows = selectors.hazard_list(self.user, timezone.localdate(), filters)
        return self.page_response(rows.prefetch_related("steps__actor"))

    def create(self, request: Request) -> Response:
        data = dict(self.parse(HazardCreateSerializer).validated_data)
        home = selectors.get_home(self.user, data.pop("home"))
        inspection_id = data.pop("inspection", None)
        inspection = selectors.get_inspection(self.user, inspection_id) if inspection_id else None
        hazard = services.record_hazard(actor=self.user, home=home, data=data, inspection=inspection)
        return self.fresh_response(hazard, status.HTTP_201_CREATED)

    @extend_schema(
        summary="登记整改完成",
        request=HazardFixSerializer,
        responses={200: HazardSerializer, **ERROR_RESPONSES, **CONFLICT_RESPONSE},
        tags=[TAG],
    )
    @action(detail=True, methods=["post"], url_path="fix", url_name="fix")
    def fix(self, request: Request, pk: int) -> Response:
        hazard = self.get_object()
        data = self.parse(HazardFixSerializer).validated_data
        return self.fresh_response(services.fix_hazard(actor=self.user, hazard=hazard, data=data))

    @extend_schema(
        summary="上报县民政局",
        request=HazardReportSerializer,
        responses={200: HazardSerializer, **ERROR_RESPONSES},
        tags=[TAG],
    )
    @action(detail=True, methods=["post"], url_path="report", url_name="report")
    def report(self, request: Request, pk: int) -> Response:
        hazard = self.get_object()
        data = self.parse(HazardReportSerializer).validated_data
        return self.fresh_response(services.report_hazard(actor=self.user, hazard=hazard, reason=data["reason"]))

    @extend_schema(
        summary="县民政局办结上报的隐患",
        request=HazardCloseSerializer,
        responses={200: HazardSerializer, **ERROR_RESPONSES},
        tags=[TAG],
    )
    @action(detail=True, methods=["post"], url_path="close", url_name="close")
    def close(self, request: Request, pk: int) -> Response:
        hazard = self.get_object()
        data = self.parse(HazardCloseSerializer).validated_data
        hazard = services.close_hazard(
            actor=self.user, hazard=hazard, handling=data["handling"], closed_on=data["closed_on"]
        )
        return self.fresh_response(hazard)


@extend_schema_view(
    list=extend_schema(summary="入住老人风险评估列表", parameters=[HomeFilterSerializer], tags=[TAG]),
    retrieve=extend_schema(summary="风险评估详情", responses={404: ERROR_RESPONSES[404]}, tags=[TAG]),
)
class AssessmentViewSet(_ReadViewSet):
    queryset = RiskAssessment.objects.none()
    serializer_class = RiskAssessmentSerializer

    def get_queryset(self) -> Any:
        return selectors.assessment_list(self.user)

    def list(self, request: Request) -> Response:
        f = self.filters(HomeFilterSerializer)
        return self.page_response(selectors.assessment_list(self.user, home=f.get("home")))


@extend_schema_view(
    list=extend_schema(summary="安全事件列表", parameters=[HomeFilterSerializer], tags=[TAG]),
    retrieve=extend_schema(summary="安全事件详情", responses={404: ERROR_RESPONSES[404]}, tags=[TAG]),
    create=extend_schema(
        summary="登记安全事件",
        request=IncidentCreateSerializer,
        responses={201: IncidentSerializer, **ERROR_RESPONSES},
        tags=[TAG],
    ),
)
class IncidentViewSet(_ReadViewSet):
    queryset = Incident.objects.none()
    serializer_class = IncidentSerializer

    def get_queryset(self) -> Any:
        return selectors.incident_list(self.user)

    def list(self, request: Request) -> Response:
        f = self.filters(HomeFilterSerializer)
        return self.page_response(selectors.incident_list(self.user, home=f.get("home"), township=f.get("township")))

    def create(self, request: Request) -> Response:
        data = dict(self.parse(IncidentCreateSerializer).validated_data)
        residence = selectors.get_residence(self.user, data.pop("residence"))
        incident = services.record_incident(actor=self.user, residence=residence, data=data)
        return self.fresh_response(incident, status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="改造维修项目列表", parameters=[HomeFilterSerializer], tags=[TAG]),
    retrieve=extend_schema(summary="改造维修项目详情", responses={404: ERROR_RESPONSES[404]}, tags=[TAG]),
)
class ProjectViewSet(_ReadViewSet):
    queryset = RenovationProject.objects.none()
    serializer_class = RenovationProjectSerializer

    def get_queryset(self) -> Any:
        return selectors.project_list(self.user).prefetch_related("milestones")

    def list(self, request: Request) -> Response:
        f = self.filters(HomeFilterSerializer)
        rows = selectors.project_list(
            self.user, selectors.ProjectFilter(township=f.get("township"), home=f.get("home"))
        )
        return self.page_response(rows.prefetch_related("milestones"))


@_list_retrieve("项目节点", "改造维修项目的节点（计划日期、完成日期）。")
class MilestoneViewSet(_ReadViewSet):
    queryset = Milestone.objects.none()
    serializer_class = MilestoneSerializer

    def get_queryset(self) -> Any:
        return selectors.visible_milestones(self.user)

    def list(self, request: Request) -> Response:
        return self.page_response(self.get_queryset())


@_list_retrieve("项目照片和文件", "文件信息和下载地址（文件本身从下载地址获取）。")
class ProjectFileViewSet(_ReadViewSet):
    queryset = ProjectFile.objects.none()
    serializer_class = ProjectFileSerializer

    def get_queryset(self) -> Any:
        return selectors.visible_files(self.user)

    def list(self, request: Request) -> Response:
        return self.page_response(self.get_queryset())


router = SimpleRouter(trailing_slash=True)
router.register("eldercare/checklist-items", ChecklistViewSet, basename="api-eldercare-checklist-item")
router.register("eldercare/inspections", InspectionViewSet, basename="api-eldercare-inspection")
router.register("eldercare/hazards", HazardViewSet, basename="api-eldercare-hazard")
router.register("eldercare/risk-assessments", AssessmentViewSet, basename="api-eldercare-assessment")
router.register("eldercare/incidents", IncidentViewSet, basename="api-eldercare-incident")
router.register("eldercare/renovation-projects", ProjectViewSet, basename="api-eldercare-renovation")
router.register("eldercare/milestones", MilestoneViewSet, basename="api-eldercare-milestone")
router.register("eldercare/project-files", ProjectFileViewSet, basename="api-eldercare-project-file")

urlpatterns = router.urls
