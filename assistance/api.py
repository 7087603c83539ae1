"""REST API of the assistance app. ``POST /api/v1/evaluate``: the what-if evaluator (evaluate.md)."""

from __future__ import annotations

from typing import Any

from django.http.request import RawPostDataException
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assistance.policy.evaluate import RequestErrors, evaluate_request, load_request_json, parse_request
from assistance.selectors import month_lookup

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
