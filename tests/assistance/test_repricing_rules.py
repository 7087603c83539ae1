"""The pure re-pricing rule (assistance.policy.repricing, policy.md §0, §3, §4): every branch, no database.

``reprice(current, status, new, priced)``: ``new`` is the rules on the month's facts under the month's parameters,
``priced`` the rules on the same facts under the parameters that priced the amount in force."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistance.policy.model import Outcome
from assistance.policy.repricing import CHANGE, GRADUAL_EXIT, RETURN, STANDARD, Repriced, reprice

ACTIVE, GRADUAL = "active", "gradual_exit"


def outcome(decision: str, amount: str = "0", *reasons: str) -> Outcome:
    return Outcome("dibao", decision, Decimal(amount), list(reasons or (f"{decision} {amount}",)), members=["1"])


def grant(amount: str) -> Outcome:
    return outcome("grant", amount)


def kinds(changes: list[Repriced]) -> list[tuple[str, Decimal]]:
    return [(change.kind, change.amount) for change in changes]


def D(value: str) -> Decimal:
    return Decimal(value)


# ---------------------------------------------------------------------------------------------------------------
# 在保: no change, 调标, household change, both


@pytest.mark.parametrize("priced", [grant("580"), None], ids=["priced", "no-priced"])
def test_nothing_changes_when_the_month_grants_the_amount_in_force(priced):
    assert reprice(D("580.00"), ACTIVE, grant("580"), priced) == []


def test_parameters_alone_are_a_standard_to_the_new_amount():
    # rural 2 persons, income 300: 440 × 2 − 300 = 580 priced in January; 496 × 2 − 300 = 692 from September
    changes = reprice(D("580.00"), ACTIVE, outcome("grant", "692", "补差", "每月低保金 692"), grant("580"))
    assert kinds(changes) == [(STANDARD, D("692"))]
    assert changes[0].reasons == ("补差", "每月低保金 692")


def test_a_standard_lowering_the_amount_is_a_standard_too():
    assert kinds(reprice(D("580.00"), ACTIVE, grant("560"), grant("580"))) == [(STANDARD, D("560"))]


@pytest.mark.parametrize("new_amount", ["380", "700"])
def test_facts_alone_are_a_change(new_amount):
    # same parameters (priced == new): the household's facts changed the amount
    changes = reprice(D("580.00"), ACTIVE, grant(new_amount), grant(new_amount))
    assert kinds(changes) == [(CHANGE, D(new_amount))]


def test_facts_without_a_priced_outcome_are_a_change():
    assert kinds(reprice(D("580.00"), ACTIVE, grant("380"), None)) == [(CHANGE, D("380"))]
    assert reprice(D("580.00"), ACTIVE, grant("580"), None) == []


def test_priced_not_granting_makes_the_whole_difference_a_change():
    # under the old parameters the household would not be granted at all: nothing is the parameters' share
    changes = reprice(D("580.00"), ACTIVE, grant("100"), outcome("gradual_exit", "580"))
    assert kinds(changes) == [(CHANGE, D("100"))]


def test_both_split_the_parameters_share_from_the_household_change():
    # income rose to 500 (priced: 880 − 500 = 380) and the standard rose (new: 992 − 500 = 492): the 调标 moves
    # the amount in force by the parameters' share 492 − 380 = 112, the rest is the household's change
    changes = reprice(D("580.00"), ACTIVE, grant("492"), grant("380"))
    assert kinds(changes) == [(STANDARD, D("692.00")), (CHANGE, D("492"))]


def test_both_apply_the_parameters_share_to_the_amount_in_force_not_to_the_priced_amount():
    # amount in force 600, priced now 580, new 620: the share (+40) gives 640, the change then goes to 620
    assert kinds(reprice(D("600.00"), ACTIVE, grant("620"), grant("580"))) == [
        (STANDARD, D("640.00")),
        (CHANGE, D("620")),
    ]


def test_both_with_no_parameters_share_is_a_change_alone():
    assert kinds(reprice(D("580.00"), ACTIVE, grant("380"), grant("380"))) == [(CHANGE, D("380"))]


def test_a_parameters_share_below_zero_is_not_applied():
    # a 调标 that would take the amount in force below zero is left to the reviewed change
    assert kinds(reprice(D("50.00"), ACTIVE, grant("20"), grant("200"))) == [(CHANGE, D("20"))]


# ---------------------------------------------------------------------------------------------------------------
# 渐退期


def test_active_household_now_in_gradual_exit_is_proposed_keeping_the_amount_in_force():
    new = outcome("gradual_exit", "580", "建档立卡户", "渐退期第 1 个月（共 6 个月）")
    changes = reprice(D("580.00"), ACTIVE, new, new)
    assert kinds(changes) == [(GRADUAL_EXIT, D("580.00"))]
    assert changes[0].reasons == ("建档立卡户", "渐退期第 1 个月（共 6 个月）")


def test_gradual_exit_keeps_the_amount_in_force_whatever_the_outcome_says():
    assert kinds(reprice(D("580.00"), ACTIVE, outcome("gradual_exit", "999"), None)) == [(GRADUAL_EXIT, D("580.00"))]


@pytest.mark.parametrize("amount", ["580", "400", "700"])
def test_gradual_exit_granted_again_returns_at_the_new_amount(amount):
    changes = reprice(D("580.00"), GRADUAL, grant(amount), grant(amount))
    assert kinds(changes) == [(RETURN, D(amount))]


def test_gradual_exit_still_in_gradual_exit_changes_nothing():
    new = outcome("gradual_exit", "580")
    assert reprice(D("580.00"), GRADUAL, new, new) == []
    assert reprice(D("580.00"), GRADUAL, new, None) == []


# ---------------------------------------------------------------------------------------------------------------
# Outcomes granting nothing: exits are the screening's and the exit review's, not the re-pricing's


@pytest.mark.parametrize("status", [ACTIVE, GRADUAL])
@pytest.mark.parametrize("decision", ["deny", "exit"])
def test_deny_and_exit_propose_nothing(status, decision):
    assert reprice(D("580.00"), status, outcome(decision), grant("580")) == []
    assert reprice(D("580.00"), status, outcome(decision), None) == []


@pytest.mark.parametrize("status", [ACTIVE, GRADUAL])
def test_no_outcome_proposes_nothing(status):
    assert reprice(D("580.00"), status, None, grant("580")) == []
