"""childcare api: children — the left-behind children's ledger (``childcare/children/``; a visit is recorded with
``POST childcare/children/{id}/visits/``), visits, guardianship cases, the cases of orphans and de-facto unsupported
children and the alerts, scoped as the pages are (another township's row is 404), ID numbers and phone numbers
masked for auditors without full-identity access; every read of a child's record logged."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api import ERROR_RESPONSES, ScopedViewSet
from cases.permissions import can_see_full_identity
from childcare.models import ChildAlert, ChildCase, ChildCaseStep, ChildVisit, GuardianshipCase, LeftBehindChild
from childcare.models.children import Capacity
from childcare.selectors import children as selectors
from childcare.services import children as services
from core import masking
from core.validators import GuardedSerializer, validate_not_future


def _choices(choices: Any) -> str:
    return "、".join(f"{value}（{label}）" for value, label in choices)


class MaskedMemberMixin(serializers.Serializer):
    member_name = serializers.CharField(source="member.name", read_only=True, help_text="儿童姓名。")
    member_id_number = serializers.SerializerMethodField(help_text="儿童身份证号；无完整查看权限的用户看到脱敏号码。")
    member_birth_date = serializers.DateField(source="member.birth_date", read_only=True, help_text="出生日期。")

    def get_member_id_number(self, obj: Any) -> str:
        return masking.id_as_seen(obj.member.id_number, self.context.get("full_identity", False))


class LeftBehindChildSerializer(MaskedMemberMixin, serializers.ModelSerializer):
    township_name = serializers.CharField(source="township.name", read_only=True, help_text="乡镇（街道）。")
    status = serializers.CharField(read_only=True, help_text=f"状态：{_choices(LeftBehindChild.Status.choices)}。")
    source = serializers.CharField(read_only=True, help_text=f"来源：{_choices(LeftBehindChild.Source.choices)}。")
    father_situation = serializers.CharField(read_only=True, help_text="父亲情况。")
    father_situation_label = serializers.CharField(
        source="get_father_situation_display", read_only=True, help_text="上一字段的中文名称。"
    )
    mother_situation = serializers.CharField(read_only=True, help_text="母亲情况。")
    mother_situation_label = serializers.CharField(
        source="get_mother_situation_display", read_only=True, help_text="上一字段的中文名称。"
    )
    guardian_capacity = serializers.CharField(read_only=True, help_text=f"监护能力：{_choices(Capacity.choices)}。")
    guardian_capacity_label = serializers.CharField(
        source="get_guardian_capacity_display", read_only=True, help_text="上一字段的中文名称。"
    )
    responsible_phone = serializers.SerializerMethodField(
        help_text="帮扶责任人电话；无完整查看权限的用户看到脱敏号码。"
    )
    last_visit = serializers.DateField(read_only=True, allow_null=True, help_text="上次探访日期。")
    visit_due = serializers.DateField(read_only=True, help_text="下次探访期限（上次探访或纳入台账日期加探访周期）。")
    overdue = serializers.BooleanField(read_only=True, help_text="探访是否已逾期。")

    class Meta:
        model = LeftBehindChild
        fields = [
            "id",
            "member",
            "member_name",
            "member_id_number",
            "member_birth_date",
            "township",
            "township_name",
            "source",
            "status",
            "start",
            "father_situation",
            "father_situation_label",
            "father_place",
            "mother_situation",
            "mother_situation_label",
            "mother_place",
            "guardian_name",
            "guardian_relation",
            "guardian_age",
            "guardian_health",
            "guardian_capacity",
            "guardian_capacity_label",
            "entrusted",
            "school",
            "responsible_name",
            "responsible_post",
            "responsible_phone",
            "risks",
            "ended_on",
            "end_reason",
            "last_visit",
            "visit_due",
            "overdue",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "member": {"help_text": "儿童（家庭成员编号）。"},
            "township": {"help_text": "乡镇编号。"},
            "start": {"help_text": "纳入台账日期。"},
            "father_place": {"help_text": "父亲务工地。"},
            "mother_place": {"help_text": "母亲务工地。"},
            "guardian_name": {"help_text": "监护人（受委托监护人）姓名。"},
            "guardian_relation": {"help_text": "监护人与儿童关系。"},
            "guardian_age": {"help_text": "监护人年龄。"},
            "guardian_health": {"help_text": "监护人健康状况。"},
            "entrusted": {"help_text": "是否为受委托监护人。"},
            "school": {"help_text": "就读学校。"},
            "responsible_name": {"help_text": "帮扶责任人姓名。"},
            "responsible_post": {"help_text": "帮扶责任人职务。"},
            "risks": {"help_text": "风险情况。"},
            "ended_on": {"help_text": "移出台账日期。"},
            "end_reason": {"help_text": "移出原因。"},
        }

    def get_responsible_phone(self, obj: LeftBehindChild) -> str:
        full = self.context.get("full_identity", False)
        return obj.responsible_phone if full else masking.mask_phone(obj.responsible_phone)


class ChildVisitSerializer(serializers.ModelSerializer):
    child_name = serializers.CharField(source="child.member.name", read_only=True, help_text="儿童姓名。")
    way = serializers.CharField(read_only=True, help_text=f"探访方式：{_choices(ChildVisit.Way.choices)}。")
    way_label = serializers.CharField(source="get_way_display", read_only=True, help_text="上一字段的中文名称。")

    class Meta:
        model = ChildVisit
        fields = [
            "id",
            "child",
            "child_name",
            "visited_on",
            "visitor",
            "way",
            "way_label",
            "seen_in_person",
            "findings",
            "needs",
            "follow_up",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "child": {"help_text": "留守儿童台账编号。"},
            "visited_on": {"help_text": "探访日期。"},
            "visitor": {"help_text": "探访人。"},
            "seen_in_person": {"help_text": "是否见到儿童本人。"},
            "findings": {"help_text": "探访情况。"},
            "needs": {"help_text": "需求。"},
            "follow_up": {"help_text": "后续跟进。"},
            "created_at": {"help_text": "登记时间。"},
        }


class ChildVisitRequestSerializer(GuardedSerializer, serializers.Serializer):
    visited_on = serializers.DateField(validators=[validate_not_future], help_text="探访日期，不能晚于今天。")
    visitor = serializers.CharField(max_length=32, help_text="探访人。")
    way = serializers.ChoiceField(choices=ChildVisit.Way.choices, default="home", help_text="探访方式。")
    seen_in_person = serializers.BooleanField(default=True, help_text="是否见到儿童本人。")
    findings = serializers.CharField(max_length=2000, help_text="探访情况。")
    needs = serializers.CharField(max_length=500, required=False, allow_blank=True, default="", help_text="需求。")
    follow_up = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="后续跟进。"
    )


class GuardianshipCaseSerializer(serializers.ModelSerializer):
    child_name = serializers.CharField(source="child.member.name", read_only=True, help_text="儿童姓名。")
    reason = serializers.CharField(read_only=True, help_text=f"原因：{_choices(GuardianshipCase.Reason.choices)}。")
    status = serializers.CharField(read_only=True, help_text=f"状态：{_choices(GuardianshipCase.Status.choices)}。")
    outcome = serializers.CharField(read_only=True, help_text="办理结果。")
    outcome_label = serializers.CharField(
        source="get_outcome_display", read_only=True, help_text="上一字段的中文名称。"
    )

    class Meta:
        model = GuardianshipCase
        fields = [
            "id",
            "child",
            "child_name",
            "township",
            "reason",
            "guardian_name",
            "status",
            "opened_on",
            "due_date",
            "outcome",
            "outcome_label",
            "outcome_note",
            "resolved_on",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "child": {"help_text": "留守儿童台账编号。"},
            "township": {"help_text": "乡镇编号。"},
            "guardian_name": {"help_text": "立案时的监护人。"},
            "opened_on": {"help_text": "立案日期。"},
            "due_date": {"help_text": "办理期限。"},
            "outcome_note": {"help_text": "办理说明。"},
            "resolved_on": {"help_text": "办结日期。"},
        }


class ChildCaseStepSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=f"事项：{_choices(ChildCaseStep.Kind.choices)}。")
    status = serializers.CharField(read_only=True, help_text=f"状态：{_choices(ChildCaseStep.Status.choices)}。")

    class Meta:
        model = ChildCaseStep
        fields = ["id", "kind", "status", "on", "findings", "end_reason", "prepared_at", "decided_at", "decision_note"]
        read_only_fields = fields
        extra_kwargs = {
            "on": {"help_text": "复核（终止）日期。"},
            "findings": {"help_text": "情况说明。"},
            "end_reason": {"help_text": "终止原因。"},
            "prepared_at": {"help_text": "提交时间。"},
            "decided_at": {"help_text": "审批时间；待审批时为空。"},
            "decision_note": {"help_text": "审批意见。"},
        }


class ChildCaseSerializer(MaskedMemberMixin, serializers.ModelSerializer):
    township_name = serializers.CharField(source="township.name", read_only=True, help_text="乡镇（街道）。")
    category = serializers.CharField(read_only=True, help_text=f"类别：{_choices(ChildCase.Category.choices)}。")
    category_label = serializers.CharField(
        source="get_category_display", read_only=True, help_text="上一字段的中文名称。"
    )
    placement = serializers.CharField(read_only=True, help_text=f"养育方式：{_choices(ChildCase.Placement.choices)}。")
    status = serializers.CharField(read_only=True, help_text=f"状态：{_choices(ChildCase.Status.choices)}。")
    father_basis = serializers.CharField(read_only=True, help_text="父亲情况。")
    mother_basis = serializers.CharField(read_only=True, help_text="母亲情况。")
    father_evidence = serializers.CharField(read_only=True, help_text="父亲情况的证明材料。")
    mother_evidence = serializers.CharField(read_only=True, help_text="母亲情况的证明材料。")
    insured_now = serializers.BooleanField(read_only=True, help_text="今天是否在民政惠民济困保保险期内。")
    steps = ChildCaseStepSerializer(many=True, read_only=True, help_text="年度复核与终止（一人经办、另一人审批）。")

    class Meta:
        model = ChildCase
        fields = [
            "id",
            "member",
            "member_name",
            "member_id_number",
            "member_birth_date",
            "township",
            "township_name",
            "category",
            "category_label",
            "father_basis",
            "father_evidence",
            "father_evidence_ref",
            "mother_basis",
            "mother_evidence",
            "mother_evidence_ref",
            "placement",
            "enrollment",
            "insured",
            "insurance_policy",
            "insurer",
            "insurance_from",
            "insurance_to",
            "insured_now",
            "opened_on",
            "review_due",
            "status",
            "ended_on",
            "end_reason",
            "steps",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "member": {"help_text": "儿童（家庭成员编号）。"},
            "township": {"help_text": "乡镇编号。"},
            "father_evidence_ref": {"help_text": "父亲证明文号。"},
            "mother_evidence_ref": {"help_text": "母亲证明文号。"},
            "enrollment": {"help_text": "孤儿基本生活费救助关系编号；未纳入时为空。"},
            "insured": {"help_text": "是否参加民政惠民济困保。"},
            "insurance_policy": {"help_text": "保单号。"},
            "insurer": {"help_text": "承保机构。"},
            "insurance_from": {"help_text": "保险起期。"},
            "insurance_to": {"help_text": "保险止期。"},
            "opened_on": {"help_text": "建档日期。"},
            "review_due": {"help_text": "下次年度复核期限。"},
            "ended_on": {"help_text": "终止日期。"},
            "end_reason": {"help_text": "终止原因。"},
        }


class ChildAlertSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=f"提醒类别：{_choices(ChildAlert.Kind.choices)}。")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, help_text="上一字段的中文名称。")
    township_name = serializers.CharField(source="township.name", read_only=True, help_text="乡镇（街道）。")

    class Meta:
        model = ChildAlert
        fields = [
            "id",
            "township",
            "township_name",
            "kind",
            "kind_label",
            "object_type",
            "object_id",
            "subject",
            "evidence",
            "month",
            "opened_at",
            "closed_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "township": {"help_text": "乡镇编号。"},
            "object_type": {"help_text": "对象类型。"},
            "object_id": {"help_text": "对象编号。"},
            "subject": {"help_text": "对象说明。"},
            "evidence": {"help_text": "依据（日期等）。"},
            "month": {"help_text": "发现它的那次核查所属的月份（该月1日）。"},
            "opened_at": {"help_text": "发现时间。"},
            "closed_at": {"help_text": "解除时间；未解除为空。"},
        }


class LeftBehindChildFilterSerializer(GuardedSerializer, serializers.Serializer):
    status = serializers.ChoiceField(choices=LeftBehindChild.Status.choices, required=False, help_text="按状态筛选。")
    township = serializers.IntegerField(required=False, min_value=1, max_value=2**31, help_text="乡镇编号。")
    overdue = serializers.BooleanField(required=False, default=False, help_text="只看探访逾期的。")
    q = serializers.CharField(required=False, max_length=40, default="", help_text="姓名、身份证号或学校。")


class ChildCaseFilterSerializer(GuardedSerializer, serializers.Serializer):
    status = serializers.ChoiceField(choices=ChildCase.Status.choices, required=False, help_text="按状态筛选。")
    category = serializers.ChoiceField(choices=ChildCase.Category.choices, required=False, help_text="按类别筛选。")
    township = serializers.IntegerField(required=False, min_value=1, max_value=2**31, help_text="乡镇编号。")
    q = serializers.CharField(required=False, max_length=40, default="", help_text="姓名或身份证号。")


class ChildAlertFilterSerializer(GuardedSerializer, serializers.Serializer):
    closed = serializers.BooleanField(required=False, default=False, help_text="true：已解除的；默认未解除的。")
    kind = serializers.ChoiceField(choices=ChildAlert.Kind.choices, required=False, help_text="按类别筛选。")
    township = serializers.IntegerField(required=False, min_value=1, max_value=2**31, help_text="乡镇编号。")


class _ChildrenViewSet(ScopedViewSet):
    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "full_identity": can_see_full_identity(self.request.user)}


@extend_schema_view(
    list=extend_schema(summary="留守儿童台账", parameters=[LeftBehindChildFilterSerializer], tags=["childcare"]),
    retrieve=extend_schema(
        summary="留守儿童详情", responses={200: LeftBehindChildSerializer, **ERROR_RESPONSES}, tags=["childcare"]
    ),
)
class ChildViewSet(_ChildrenViewSet):
    queryset = LeftBehindChild.objects.none()
    serializer_class = LeftBehindChildSerializer

    def get_queryset(self) -> Any:
        return selectors.children_list(self.user, timezone.localdate())

    def list(self, request: Request) -> Response:
        f = self.filters(LeftBehindChildFilterSerializer)
        rows = selectors.children_list(
            self.user,
            timezone.localdate(),
            status=f.get("status", ""),
            overdue_only=f["overdue"],
            query=f["q"],
            township=f.get("township"),
        )
        return self.page_response(rows, lambda page: self.log_access([c.member for c in page], "留守儿童台账"))

    def retrieve(self, request: Request, pk: int) -> Response:
        child = self.get_object()
        self.log_access([child.member], f"留守儿童 {child.member.name}")
        return Response(self.get_serializer(child).data)

    @extend_schema(
        summary="登记探访",
        description="为本乡镇的留守儿童登记一次探访；探访日期不能早于儿童出生日期或晚于今天。",
        request=ChildVisitRequestSerializer,
        responses={201: ChildVisitSerializer, **ERROR_RESPONSES},
        tags=["childcare"],
    )
    def visit(self, request: Request, pk: int) -> Response:
        child = self.get_object()
        data = self.parse(ChildVisitRequestSerializer).validated_data
        visit = services.record_visit(actor=self.user, child=child, data=dict(data))
        return Response(ChildVisitSerializer(visit).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="留守儿童探访记录", tags=["childcare"]),
    retrieve=extend_schema(
        summary="探访记录详情", responses={200: ChildVisitSerializer, **ERROR_RESPONSES}, tags=["childcare"]
    ),
)
class VisitViewSet(_ChildrenViewSet):
    queryset = ChildVisit.objects.none()
    serializer_class = ChildVisitSerializer
    township_field = "child__township"

    def get_queryset(self) -> Any:
        return selectors.visits(self.user).order_by("-visited_on", "-pk")

    def list(self, request: Request) -> Response:
        return self.page_response(
            self.get_queryset(), lambda page: self.log_access([v.child.member for v in page], "留守儿童探访记录")
        )

    def retrieve(self, request: Request, pk: int) -> Response:
        visit = self.get_object()
        self.log_access([visit.child.member], "留守儿童探访记录")
        return Response(self.get_serializer(visit).data)


@extend_schema_view(
    list=extend_schema(summary="监护问题个案", tags=["childcare"]),
    retrieve=extend_schema(
        summary="监护问题个案详情", responses={200: GuardianshipCaseSerializer, **ERROR_RESPONSES}, tags=["childcare"]
    ),
)
class GuardianshipViewSet(_ChildrenViewSet):
    queryset = GuardianshipCase.objects.none()
    serializer_class = GuardianshipCaseSerializer

    def get_queryset(self) -> Any:
        return selectors.guardianship_cases(self.user).order_by("-opened_on", "-pk")

    def list(self, request: Request) -> Response:
        return self.page_response(
            self.get_queryset(), lambda page: self.log_access([g.child.member for g in page], "监护问题个案")
        )

    def retrieve(self, request: Request, pk: int) -> Response:
        case = self.get_object()
        self.log_access([case.child.member], "监护问题个案")
        return Response(self.get_serializer(case).data)


@extend_schema_view(
    list=extend_schema(
        summary="孤儿和事实无人抚养儿童档案", parameters=[ChildCaseFilterSerializer], tags=["childcare"]
    ),
    retrieve=extend_schema(
        summary="档案详情", responses={200: ChildCaseSerializer, **ERROR_RESPONSES}, tags=["childcare"]
    ),
)
class CaseViewSet(_ChildrenViewSet):
    queryset = ChildCase.objects.none()
    serializer_class = ChildCaseSerializer

    def get_queryset(self) -> Any:
        return selectors.case_list(self.user, timezone.localdate()).prefetch_related("steps")

    def list(self, request: Request) -> Response:
        f = self.filters(ChildCaseFilterSerializer)
        rows = selectors.case_list(
            self.user,
            timezone.localdate(),
            status=f.get("status", ""),
            category=f.get("category", ""),
            query=f["q"],
            township=f.get("township"),
        ).prefetch_related("steps")
        return self.page_response(rows, lambda page: self.log_access([c.member for c in page], "孤儿档案"))

    def retrieve(self, request: Request, pk: int) -> Response:
        case = self.get_object()
        self.log_access([case.member], f"孤儿档案 {case.member.name}")
        return Response(self.get_serializer(case).data)


@extend_schema_view(
    list=extend_schema(summary="儿童关爱提醒", parameters=[ChildAlertFilterSerializer], tags=["childcare"]),
    retrieve=extend_schema(
        summary="提醒详情", responses={200: ChildAlertSerializer, **ERROR_RESPONSES}, tags=["childcare"]
    ),
)
class AlertViewSet(_ChildrenViewSet):
    queryset = ChildAlert.objects.none()
    serializer_class = ChildAlertSerializer

    def get_queryset(self) -> Any:
        return selectors.alert_list(self.user, is_open=None)

    def list(self, request: Request) -> Response:
        f = self.filters(ChildAlertFilterSerializer)
        rows = selectors.alert_list(
            self.user, is_open=not f["closed"], kind=f.get("kind", ""), township=f.get("township")
        )
        return self.page_response(rows)

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)


urlpatterns = [
    path("childcare/children/", ChildViewSet.as_view({"get": "list"}), name="api-childcare-child-list"),
    path("childcare/children/<int:pk>/", ChildViewSet.as_view({"get": "retrieve"}), name="api-childcare-child-detail"),
    path(
        "childcare/children/<int:pk>/visits/", ChildViewSet.as_view({"post": "visit"}), name="api-childcare-child-visit"
    ),
    path("childcare/visits/", VisitViewSet.as_view({"get": "list"}), name="api-childcare-visit-list"),
    path("childcare/visits/<int:pk>/", VisitViewSet.as_view({"get": "retrieve"}), name="api-childcare-visit-detail"),
    path(
        "childcare/guardianship-cases/",
        GuardianshipViewSet.as_view({"get": "list"}),
        name="api-childcare-guardianship-list",
    ),
    path(
        "childcare/guardianship-cases/<int:pk>/",
        GuardianshipViewSet.as_view({"get": "retrieve"}),
        name="api-childcare-guardianship-detail",
    ),
    path("childcare/cases/", CaseViewSet.as_view({"get": "list"}), name="api-childcare-case-list"),
    path("childcare/cases/<int:pk>/", CaseViewSet.as_view({"get": "retrieve"}), name="api-childcare-case-detail"),
    path("childcare/alerts/", AlertViewSet.as_view({"get": "list"}), name="api-childcare-alert-list"),
    path("childcare/alerts/<int:pk>/", AlertViewSet.as_view({"get": "retrieve"}), name="api-childcare-alert-detail"),
]
