"""Permissions of the case-registry API. Which rows a user sees is decided by ``selectors.scope``; here only who
may write at all."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from cases import permissions


class ReadOnlyForAuditors(BasePermission):
    """Auditors read what their scope allows; every write is refused (403) before any input is looked at."""

    message = "审计用户只能查看，不能修改。"

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return permissions.can_write(request.user)
