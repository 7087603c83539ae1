"""The screening's classification (assistance/policy/screening.py) on outcomes alone, without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistance.models import LedgerEntry
from assistance.policy import screening as rules
from assistance.policy.model import CurrentDibao, Evaluation, Outcome

D = Decimal


def evaluation(*outcomes: Outcome, dibao: str = "deny", amount: str = "0") -> Evaluation:
    household = Outcome("dibao", dibao, D(amount), ["依据"], members=[])
    return Evaluation(date(2020, 10, 1), "rural", D(496), [], D(0), D(0), True, [household, *outcomes])


def personal(benefit: str, member: int, amount: str = "70", decision: str = "grant") -> Outcome:
    return Outcome(benefit, decision, D(amount), [f"{benefit}依据"], member=str(member))


def test_the_categories_are_the_models():
    assert set(rules.CATEGORIES) == set(LedgerEntry.Category.values)


@pytest.mark.parametrize(
    ("decision", "now", "expected"),
    [
        ("grant", None, rules.ELIGIBLE_UNCOVERED),
        ("deny", None, None),
        ("grant", CurrentDibao("active", D(496)), None),  # the same amount: nothing to do
        ("grant", CurrentDibao("active", D(300)), rules.AMOUNT_CHANGE),
        ("grant", CurrentDibao("gradual_exit", D(496)), rules.AMOUNT_CHANGE),  # back in full 低保
        ("gradual_exit", CurrentDibao("active", D(496)), rules.GRADUAL_EXIT_ENTERING),
        ("gradual_exit", CurrentDibao("gradual_exit", D(496)), rules.GRADUAL_EXIT),
        ("deny", CurrentDibao("gradual_exit", D(496)), rules.GRADUAL_EXIT_EXPIRING),
        ("deny", CurrentDibao("active", D(496)), rules.EXIT_CANDIDATE),
    ],
)
def test_the_households_dibao(decision, now, expected):
    found = rules.classify(1, evaluation(dibao=decision, amount="496"), now, {}, [10])
    assert [f.category for f in found] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("benefit", "candidate"),
    [
        ("tekun", rules.TEKUN_CANDIDATE),
        ("single_person_dibao", rules.SINGLE_PERSON_CANDIDATE),
        ("disability_living", rules.DISABILITY_CANDIDATE),
        ("orphan_allowance", rules.ORPHAN_CANDIDATE),
        ("covid_relief", rules.COVID_RELIEF_CANDIDATE),
    ],
)
def test_every_personal_benefit_granted_and_not_received_is_uncovered(benefit, candidate):
    found = rules.classify(1, evaluation(personal(benefit, 10)), None, {}, [10])
    assert [(f.category, f.member_id, f.new_amount) for f in found] == [(candidate, 10, D(70))]


def test_the_two_subsidies_make_one_entry_with_both_amounts_and_reasons():
    found = rules.classify(
        1, evaluation(personal("disability_living", 10), personal("disability_care", 10, "80")), None, {}, [10]
    )
    assert len(found) == 1
    assert (found[0].new_amount, found[0].reasons) == (D(150), ("disability_living依据", "disability_care依据"))


def test_received_and_no_longer_granted_is_an_exit_candidate_except_covid_relief():
    receives = {10: {"tekun": D(806), "single_person_dibao": D(596), "covid_relief": D(992)}}
    found = rules.classify(1, evaluation(), None, receives, [10])
    assert [(f.category, f.current_amount) for f in found] == [(rules.EXIT_CANDIDATE, D(806) + D(596))]


def test_single_person_roll_lists_everyone_on_it():
    found = rules.classify(
        1, evaluation(personal("single_person_dibao", 10, "596")), None, {10: {"single_person_dibao": D(596)}}, [10]
    )
    assert [(f.category, f.current_amount, f.new_amount) for f in found] == [(rules.SINGLE_PERSON, D(596), D(596))]


def test_a_household_with_nothing_personal_is_quick():
    assert rules.classify(1, evaluation(), None, {99: {"tekun": D(806)}}, [10, 11]) == []
