"""The strongest of several 建档立卡 statuses (policy.md §2): a household's from its members', a person's from
their registry rows."""

from __future__ import annotations

from collections.abc import Iterable

# In order of precedence: one 未脱贫 member makes the household 未脱贫, and so on.
_PRECEDENCE = ("unlifted", "monitored", "lifted")


def strongest_status(statuses: Iterable[str]) -> str:
    """``unlifted`` if any is 未脱贫, else ``monitored`` if any is a 监测对象, else ``lifted`` if any is 已脱贫,
    else ``none`` (policy.md §2)."""
    present = set(statuses)
    for status in _PRECEDENCE:
        if status in present:
            return status
    return "none"
