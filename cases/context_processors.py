"""What the site's layout shows a user: flags from the permissions, never a rule in the template."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cases import permissions


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "nav": {
            "rolls": permissions.can_view_rolls(user),
            "admin": permissions.can_use_admin(user),
        }
    }
