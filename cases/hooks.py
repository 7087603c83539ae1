"""Where later layers plug into the case registry without cases importing them (data flows one way).

* ``application_approved``: sent inside the approving transaction when the county approves an application; the
  policy engine (assistance) creates the enrollments from it. ``sender`` is Application; kwargs ``application``
  and ``actor``.
* ``member_died``: sent when a member's date of death is first recorded (kwargs ``member``, ``actor``);
  the enrollments of that person end after the month of death.
* ``parameter``: the policy parameter in force on a date. The parameters table lives in assistance, which
  registers its selector at start-up (``AssistanceConfig.ready``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal

application_approved = Signal()
member_died = Signal()

_parameter_lookup: Callable[[str, date], Decimal | None] | None = None


def register_parameter_lookup(lookup: Callable[[str, date], Decimal | None]) -> None:
    global _parameter_lookup
    _parameter_lookup = lookup


def parameter(key: str, on: date) -> Decimal:
    if _parameter_lookup is None:
        raise ImproperlyConfigured("no policy parameter source is registered (assistance app not installed?)")
    value = _parameter_lookup(key, on)
    if value is None:
        raise ImproperlyConfigured(f"政策参数 {key} 在 {on} 没有生效的值")
    return value
