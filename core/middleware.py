"""The exception middleware: a refused step raised anywhere below a view becomes a page a person can read.

``PermissionDenied`` → the Chinese 403 page with the exception's sentence; ``TransitionNotAllowed`` → the 409 page
("not from this state"). Views raise and let this answer; the API (``/api/``) is left to Django REST framework's
exception handler."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from core.exceptions import TransitionNotAllowed
from core.views import refuse


class RefusalPages:
    """``PermissionDenied`` → 403, ``TransitionNotAllowed`` → 409, both rendered from ``refused.html``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, PermissionDenied):
            return refuse(request, str(exception), 403)
        if isinstance(exception, TransitionNotAllowed):
            return refuse(request, exception.message, 409)
        return None
