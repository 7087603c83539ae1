"""What the monthly re-pricing does with one enrollment (policy.md §0, §3, §4): the rules' outcome for the month
against the amount in force, telling a 调标 (a parameter version: applies by itself) from a change of the
household's facts (proposed, reviewed). Plain Python.

* ``new``: the rules on the month's facts under the month's parameters.
* ``priced``: the rules on the same facts under the parameters that priced the amount in force (the same
  outcome when no parameter the evaluation used differs between the two months).

When ``priced`` grants the amount in force, the facts did not change what is due, so any difference from ``new``
is the parameters' alone: a 调标 to ``new``. Otherwise the facts changed: the parameters' share (``new − priced``)
still applies by itself as a 调标 on the amount in force, and the rest is a proposed change to ``new``.

渐退期 (policy.md §4): a household on 低保 whose outcome is now ``gradual_exit`` is proposed for 渐退期 (it keeps the
amount in force); one in 渐退期 that the rules grant again is proposed back to 在保 at ``new``. Outcomes that
grant nothing are exits: the screening's ledger and the two-person exit review handle them, not the re-pricing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from assistance.policy.model import Outcome

STANDARD = "standard"  # 调标: applies by itself
CHANGE = "change"  # the household's facts: proposed, then reviewed
GRADUAL_EXIT = "gradual_exit"  # proposed 渐退期 (keeps the amount in force)
RETURN = "return"  # back to 在保 from 渐退期
GRANT, KEEPS = "grant", "gradual_exit"


@dataclass(frozen=True, slots=True)
class Repriced:
    kind: str
    amount: Decimal
    reasons: tuple[str, ...] = ()


def reprice(current: Decimal, status: str, new: Outcome | None, priced: Outcome | None) -> list[Repriced]:
    """The changes of one enrollment in force (``status`` "active" or "gradual_exit", amount ``current``)."""
    if new is None or new.decision not in (GRANT, KEEPS):
        return []
    why = tuple(new.reasons)
    if status == "gradual_exit":
        return [Repriced(RETURN, new.monthly_amount, why)] if new.decision == GRANT else []
    if new.decision == KEEPS:
        return [Repriced(GRADUAL_EXIT, current, why)]
    if priced is None or priced.decision != GRANT:
        return [Repriced(CHANGE, new.monthly_amount, why)] if new.monthly_amount != current else []
    if priced.monthly_amount == current:
        return [Repriced(STANDARD, new.monthly_amount, why)] if new.monthly_amount != current else []
    changes = []
    standard = current + (new.monthly_amount - priced.monthly_amount)
    if standard != current and standard >= 0:
        changes.append(Repriced(STANDARD, standard, why))
    else:
        standard = current
    if new.monthly_amount != standard:
        changes.append(Repriced(CHANGE, new.monthly_amount, why))
    return changes
