"""Site-wide middleware: a login for every page, and no control character in a query string."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_plus

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from core.validators import CONTROL_CHARACTERS


class LoginRequiredEverywhere(LoginRequiredMiddleware):
    """Every page needs a login except those marked ``login_not_required`` (the login page, the health check).
    The API is left to Django REST framework, which answers 401/403 instead of redirecting to a page."""

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> Any:
        if request.path.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


JSON_MAX_DEPTH = 64
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")


def json_depth(body: bytes) -> int:
    """How deeply a JSON text nests arrays and objects, found without parsing it (strings skipped)."""
    depth = deepest = 0
    for bracket in _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", body)):
        depth += 1 if bracket in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


class EdgeChecks:
    """Refuse, before any view or parser sees them: a path or query string holding NUL or another control character
    (PostgreSQL refuses NUL in text), and a JSON body over the upload limit or nested deeper than
    ``JSON_MAX_DEPTH``. Pages get the Chinese 400 page, the API a JSON answer."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = self.problem(request)
        if problem is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": [problem]}, status=400, json_dumps_params={"ensure_ascii": False})
        from config.views import bad_request
        from core.views import BadParameter

        return bad_request(request, BadParameter(problem))

    @staticmethod
    def problem(request: HttpRequest) -> str | None:
        if CONTROL_CHARACTERS.search(request.path) or CONTROL_CHARACTERS.search(
            unquote_plus(request.META.get("QUERY_STRING", ""))
        ):
            return "网址或查询参数中含有不允许的控制字符，请检查后重试。"
        if request.content_type == "application/json":
            try:
                body = request.body
            except RequestDataTooBig:
                return "请求内容过大。"
            if json_depth(body) > JSON_MAX_DEPTH:
                return f"JSON 嵌套层数超过 {JSON_MAX_DEPTH} 层。"
        return None
