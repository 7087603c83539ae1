"""The household's 建档立卡 status from its members' statuses (policy.md §2)."""

from __future__ import annotations

from collections.abc import Iterable

# In order of precedence: one 未脱贫 member makes the household 未脱贫, and so on.
_PRECEDENCE = ("unlifted", "monitored", "lifted")


def household_registry_status(member_statuses: Iterable[str]) -> str:
    """``unlifted`` if any member is 未脱贫, else ``monitored`` if any is a 监测对象, else ``lifted`` if any is
    已脱贫, else ``none`` (policy.md §2)."""
    present = set(member_statuses)
    for status in _PRECEDENCE:
        if status in present:
            return status
    return "none"
