"""Site-wide middleware: a login for every page, and no control character in a query string."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_plus

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse


class LoginRequiredEverywhere(LoginRequiredMiddleware):
    """Every page needs a login except those marked ``login_not_required`` (the login page, the health check).
    The API is left to Django REST framework, which answers 401/403 instead of redirecting to a page."""

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> Any:
        if request.path.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RefuseControlCharacters:
    """400 for a query string holding NUL or another control character: no such value reaches a view or the
    database (PostgreSQL refuses NUL in text)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if CONTROL_CHARACTERS.search(unquote_plus(request.META.get("QUERY_STRING", ""))):
            from cases.views.common import BadParameter
            from config.views import bad_request

            return bad_request(request, BadParameter("查询参数中含有不允许的控制字符，请检查后重试。"))
        return self.get_response(request)
