"""REST API of the assistance app: ``POST /api/v1/evaluate``, the what-if evaluator (evaluate.md); the steps of an
application's workflow (the county's final approval creates the enrollments) and the record of a death (which ends
them), on the registry's URLs ``applications/{id}/transition/`` and ``members/{id}/death/``."""

from __future__ import annotations

from typing import Any

from django.http.request import RawPostDataException
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assistance import enrollments
from assistance.policy.evaluate import RequestErrors, evaluate_request, load_request_json, parse_request
from assistance.selectors import month_lookup
from cases import serializers as case_serializers
from cases.api import CONFLICT_RESPONSE, ERROR_RESPONSES, ScopedViewSet, application_details
from cases.models import Application, Member
from core.validators import GuardedSerializer, validate_not_future

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
