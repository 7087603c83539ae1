"""The policy parameter in force on a date, for code below the parameters table (the registry and core).

The table lives in ``assistance``, which registers its selector at start-up (``AssistanceConfig.ready``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured

_lookup: Callable[[str, date], Decimal | None] | None = None


def register_lookup(lookup: Callable[[str, date], Decimal | None]) -> None:
    global _lookup
    _lookup = lookup


def parameter(key: str, on: date) -> Decimal:
    if _lookup is None:
        raise ImproperlyConfigured("no policy parameter source is registered (assistance app not installed?)")
    value = _lookup(key, on)
    if value is None:
        raise ImproperlyConfigured(f"政策参数 {key} 在 {on} 没有生效的值")
    return value
