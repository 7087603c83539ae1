"""REST API of the assistance app: ``POST /api/v1/evaluate``, the what-if evaluator (evaluate.md); the steps of an
application's workflow (the county's final approval creates the enrollments) and the record of a death (which ends
them), on the registry's URLs ``applications/{id}/transition/`` and ``members/{id}/death/``; the 待遇调整 found by
the monthly re-pricing, confirmed by the township and approved by the county (``amount-changes/``)."""

from __future__ import annotations

from typing import Any

from django.http.request import RawPostDataException
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assistance import changes, enrollments
from assistance.models import AmountChange
from assistance.policy.evaluate import RequestErrors, evaluate_request, load_request_json, parse_request
from assistance.selectors import month_lookup
from cases import serializers as case_serializers
from cases.api import CONFLICT_RESPONSE, ERROR_RESPONSES, ScopedViewSet, application_details
from cases.models import Application, Member
from core.validators import GuardedSerializer, validate_not_future
from core.views import BadParameter, month_param

_EXAMPLE_REQUEST = {
    "month": "2020-10",
    "area": "rural",
    "members": [
        {
            "ref": "m1",
            "id_number": "500243197803150012",
            "employed": True,
            "incomes": [{"kind": "wage", "monthly": "1600.00"}],
        }
    ],
}


def _request_json(request: Request) -> Any:
    """The request body as JSON; ``RequestErrors`` when it is not JSON."""
    try:
        return load_request_json(request.body)
    except RawPostDataException:  # a multipart form, already read for its CSRF token
        raise RequestErrors(["request: 请求体应为 JSON（Content-Type: application/json）"]) from None
    except UnicodeDecodeError:
        raise RequestErrors(["request: 请求体应为 UTF-8 编码的 JSON"]) from None


class EvaluateView(APIView):
    """Any signed-in user may evaluate: it reads the parameter table and writes nothing."""

    parser_classes = [JSONParser]  # documents the media type; the body is read as JSON whatever its Content-Type

    @extend_schema(
        operation_id="policy_evaluate",
        summary="政策测算（假设评估）",
        description=(
            "按 evaluate.md 测算一户家庭在某月可享受的低保、特困、单人户、临时救助、两项补贴和孤儿基本生活费。"
            "参数取该月1日生效的政策参数，请求中的 parameters 可临时覆盖；只读，不写入任何数据。"
            "请求有误时返回 400，errors 中每个问题一行，格式为“字段路径: 说明”。"
        ),
        tags=["政策测算"],
        request=OpenApiTypes.OBJECT,
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="测算结果：month、standard、household、outcomes"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description='请求有误：{"errors": ["字段路径: 说明", ...]}'),
        },
        examples=[OpenApiExample("农村一人户，2020年10月", value=_EXAMPLE_REQUEST, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        try:
            parsed = parse_request(_request_json(request))
            result = evaluate_request(parsed, month_lookup(parsed.month))
        except RequestErrors as problem:
            return Response({"errors": problem.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(result)


class ApplicationWorkflowViewSet(ScopedViewSet):
    queryset = Application.objects.none()
    serializer_class = case_serializers.ApplicationSerializer

    def get_queryset(self) -> Any:
        return application_details(self.scoped(Application.objects.all()))

    @extend_schema(
        operation_id="applications_transition_create",
        summary="办理（流转）",
        description=(
            "执行一个办理操作。investigate 需 data.visited_on、investigator_1、investigator_2、findings；"
            "end_publicity 可填 data.objections；county_approve（县级审批通过）同时按审批当月的测算建立救助关系，"
            "测算不符合条件时不予通过（400）。当前状态不允许时返回 409。"
        ),
        tags=["applications"],
        request=case_serializers.TransitionRequestSerializer,
        responses={200: case_serializers.ApplicationSerializer, **ERROR_RESPONSES, **CONFLICT_RESPONSE},
    )
    def transition(self, request: Request, pk: int) -> Response:
        application = self.get_object()
        data = self.parse(case_serializers.TransitionRequestSerializer).validated_data
        application = enrollments.act_on_application(
            actor=self.user,
            application=application,
            action=data["action"],
            comment=data["comment"],
            data=data.get("data") or {},
        )
        return self.fresh_response(application)


class DeathRequestSerializer(GuardedSerializer, serializers.Serializer):
    date_of_death = serializers.DateField(validators=[validate_not_future], help_text="死亡日期，不能晚于今天。")


class MemberDeathViewSet(ScopedViewSet):
    queryset = Member.objects.none()
    serializer_class = case_serializers.MemberSerializer
    township_field = "household__township"

    def get_queryset(self) -> Any:
        return self.scoped(Member.objects.select_related("household", "major_illness"))

    @extend_schema(
        operation_id="members_death_create",
        summary="登记死亡",
        description="登记（或更正）成员的死亡日期；其本人的救助关系发放至死亡当月，次月起终止。",
        tags=["members"],
        request=DeathRequestSerializer,
        responses={200: case_serializers.MemberSerializer, **ERROR_RESPONSES},
    )
    def death(self, request: Request, pk: int) -> Response:
        member = self.get_object()
        died_on = self.parse(DeathRequestSerializer).validated_data["date_of_death"]
        member = enrollments.record_death(actor=self.user, member=member, died_on=died_on)
        return self.fresh_response(member)


# 待遇调整 ----------------------------------------------------------------------------------------------------

_STATUSES = "、".join(f"{value}（{label}）" for value, label in AmountChange.Status.choices)
_KINDS = "、".join(f"{value}（{label}）" for value, label in AmountChange.Kind.choices)


class AmountChangeSerializer(serializers.ModelSerializer):
    """A 待遇调整 as read: names and labels, never an ID number. ``status`` and ``kind`` are plain strings (their
    labels beside them), so the schema's enum names stay those of the registry."""

    township_name = serializers.CharField(source="township.name", read_only=True, help_text="乡镇（街道）。")
    household_number = serializers.CharField(source="household.number", read_only=True, help_text="户编号。")
    member_name = serializers.SerializerMethodField(help_text="对象姓名；家庭低保为“全户”。")
    benefit = serializers.CharField(source="enrollment.benefit", read_only=True, help_text="救助项目。")
    benefit_label = serializers.CharField(source="enrollment.get_benefit_display", read_only=True)
    kind = serializers.CharField(read_only=True, help_text=f"调整类别：{_KINDS}。")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status = serializers.CharField(read_only=True, help_text=f"状态：{_STATUSES}。")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    month = serializers.DateField(format="%Y-%m", read_only=True, help_text="发现月份（年-月）。")
    effective_month = serializers.DateField(
        format="%Y-%m", read_only=True, allow_null=True, help_text="生效月份（年-月）；批准前为空。"
    )
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="测算依据。")
    confirmed_by = case_serializers.UserNameField(help_text="乡镇确认人。")
    decided_by = case_serializers.UserNameField(help_text="县级审批人。")

    class Meta:
        model = AmountChange
        fields = [
            "id",
            "township",
            "township_name",
            "household",
            "household_number",
            "member",
            "member_name",
            "enrollment",
            "benefit",
            "benefit_label",
            "kind",
            "kind_label",
            "month",
            "current_amount",
            "proposed_amount",
            "reasons",
            "status",
            "status_label",
            "created_at",
            "confirmed_by",
            "confirmed_at",
            "confirm_note",
            "decided_by",
            "decided_at",
            "decision_note",
            "unreported",
            "effective_month",
        ]
        read_only_fields = fields

    def get_member_name(self, obj: AmountChange) -> str:
        return obj.member.name if obj.member is not None else "全户"


class AmountChangeFilterSerializer(GuardedSerializer, serializers.Serializer):
    status = serializers.ChoiceField(choices=AmountChange.Status.choices, required=False, help_text="按状态筛选。")


class ConfirmChangeSerializer(GuardedSerializer, serializers.Serializer):
    confirm = serializers.BooleanField(help_text="true：确认调整；false：不予调整（须填写 note）。")
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=1000, help_text="说明；不予调整时必填。"
    )


class DecideChangeSerializer(GuardedSerializer, serializers.Serializer):
    approve = serializers.BooleanField(help_text="true：批准；false：不予批准（须填写 note）。")
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=1000,
        help_text="审批意见；不予批准或追溯调整时必填。",
    )
    unreported_from = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        max_length=7,
        help_text=(
            "家庭未按规定报告变化时，自该月起追溯调整（年-月，如 2020-10），理由写在 note；不填则自批准后的次月起。"
        ),
    )

    def validate_unreported_from(self, value: str | None) -> Any:
        if not value:
            return None
        try:
            return month_param(value)
        except BadParameter as error:
            raise serializers.ValidationError(str(error)) from None


@extend_schema_view(
    list=extend_schema(
        summary="待遇调整列表",
        description="每月调整金额发现的家庭情况变化（调标除外），本人可查看的范围内，新发现的在前。",
        parameters=[AmountChangeFilterSerializer],
        tags=["amount-changes"],
    ),
    retrieve=extend_schema(
        summary="待遇调整详情",
        description="含测算依据、乡镇确认和县级审批的办理人、时间和意见；不含身份证号。",
        responses={200: AmountChangeSerializer, 404: ERROR_RESPONSES[404]},
        tags=["amount-changes"],
    ),
)
class AmountChangeViewSet(ScopedViewSet):
    """Auditors read; the township confirms, the county (another person) decides, through ``assistance.changes``."""

    queryset = AmountChange.objects.none()
    serializer_class = AmountChangeSerializer

    def get_queryset(self) -> Any:
        return changes.changes(self.user).select_related("township", "enrollment")

    def list(self, request: Request) -> Response:
        filters = self.filters(AmountChangeFilterSerializer)
        rows = changes.changes(self.user, status=filters.get("status")).select_related("township", "enrollment")
        return self.page_response(rows)

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="乡镇确认待遇调整",
        description=(
            "本乡镇（街道）工作人员确认调整，或写明理由不予调整。进入渐退期的，确认后即生效（保留原金额）；"
            "金额变化和恢复在保报县民政局审批。当前状态不是“待乡镇确认”时返回 409。"
        ),
        tags=["amount-changes"],
        request=ConfirmChangeSerializer,
        responses={200: AmountChangeSerializer, **ERROR_RESPONSES, **CONFLICT_RESPONSE},
    )
    def confirm(self, request: Request, pk: int) -> Response:
        change = self.get_object()
        data = self.parse(ConfirmChangeSerializer).validated_data
        change = changes.confirm_change(actor=self.user, change=change, confirm=data["confirm"], note=data["note"])
        return self.fresh_response(change)

    @extend_schema(
        summary="县级审批待遇调整",
        description=(
            "县民政局（确认人以外的另一人）批准或不予批准乡镇已确认的调整。批准后自批准后的次月起按新金额发放；"
            "家庭未按规定报告的，填写 unreported_from 自该月起追溯调整，已发放月份的差额由补发（退）结算。"
            "当前状态不是“待县级审批”时返回 409。"
        ),
        tags=["amount-changes"],
        request=DecideChangeSerializer,
        responses={200: AmountChangeSerializer, **ERROR_RESPONSES, **CONFLICT_RESPONSE},
    )
    def decide(self, request: Request, pk: int) -> Response:
        change = self.get_object()
        data = self.parse(DecideChangeSerializer).validated_data
        change = changes.decide_change(
            actor=self.user,
            change=change,
            approve=data["approve"],
            note=data["note"],
            unreported_from=data["unreported_from"] if data["approve"] else None,
        )
        return self.fresh_response(change)
