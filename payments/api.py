"""REST API of payments (mounted at ``/api/v1/`` by ``payments.urls.api_urlpatterns``): a household's month-by-month
account, ``GET households/{id}/timeline/?from=YYYY-MM&to=YYYY-MM``.

Thin: the household through ``cases.selectors.get_household`` (another township's is 404), the range through
``timeline.parse_range`` (a ValidationError naming the parameter is a 400 via ``cases.api.api_exception_handler``),
one selector, one serializer (ID numbers masked unless ``can_see_full_identity``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors as case_selectors
from cases import services as case_services
from cases.api import ERROR_RESPONSES, api_exception_handler
from cases.models import SensitiveAccessLog
from payments import permissions as perms
from payments import timeline
from payments.serializers import TimelineSerializer


class CanViewTimeline(BasePermission):
    message = "请先登录。"

    def has_permission(self, request: Request, view: Any) -> bool:
        return perms.can_view_timeline(request.user)


class HouseholdTimelineView(APIView):
    permission_classes = [IsAuthenticated, CanViewTimeline]

    def get_exception_handler(self) -> Any:
        return api_exception_handler

    @extend_schema(
        operation_id="households_timeline_retrieve",
        summary="救助待遇明细",
        description=(
            "一户家庭按月的待遇明细：每个对象（低保为全户）、每个项目、每个月的规则应享、核定金额（及其原因和依据）、"
            "实发（已到账明细，含花名册批次和类型）、登记的多发和差额（核定金额 − 已结算）。"
            f"只列出在保、有已到账明细或规则认定符合的月份；最多 {timeline.MAX_MONTHS} 个月。"
            "缺少政策参数的月份在 rules_note 和 notes 中说明。身份证号按权限脱敏。"
        ),
        tags=["households"],
        parameters=[
            OpenApiParameter(
                "from",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="起始月份，格式 YYYY-MM。缺省：截止月份前 11 个月（共 12 个月）。",
                pattern=r"^[0-9]{4}-[0-9]{2}$",
            ),
            OpenApiParameter(
                "to",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description=(
                    f"截止月份，格式 YYYY-MM，不早于起始月份，范围不超过 {timeline.MAX_MONTHS} 个月。"
                    "缺省：本月；只给起始月份时为其后第 11 个月（不晚于本月）。"
                ),
                pattern=r"^[0-9]{4}-[0-9]{2}$",
            ),
        ],
        responses={
            200: TimelineSerializer,
            400: OpenApiResponse(description='月份参数有误：{"from" 或 "to": [说明]}。'),
            404: ERROR_RESPONSES[404],
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        user = request.user
        household = case_selectors.get_household(user, pk)  # type: ignore[arg-type]
        first, last = timeline.parse_range(request.query_params)
        account = timeline.household_timeline(household, first, last)
        members = [a.member for a in account.accounts if a.member is not None]
        case_services.log_sensitive_access(
            actor=user,  # type: ignore[arg-type]
            members=members,
            action=SensitiveAccessLog.Action.API,
            what=f"家庭 {household.number} 待遇明细（{request.method} {request.path}）"[:200],
        )
        return Response(TimelineSerializer(account, context={"request": request}).data)
