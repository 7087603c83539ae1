from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pghistory.models
import pytest

from assistance import selectors
from assistance.policy.defaults import DEFAULT_PARAMETERS, EVALUATOR_KEYS
from core.models import PolicyParameter
from tests.parameter_tables import VALUES_IN_FORCE

pytestmark = pytest.mark.django_db


def value(key: str, on: date) -> Decimal | None:
    version = selectors.parameter_version(key, on)
    return version.value if version else None


def test_migration_loaded_every_default():
    assert PolicyParameter.objects.count() == len(DEFAULT_PARAMETERS)
    keys = set(PolicyParameter.objects.values_list("key", flat=True))
    assert EVALUATOR_KEYS <= keys
    for extra in [
        "income.lookback_months",
        "temporary.township_cap_std_multiple",
        "temporary.cap_std_multiple",
        "temporary.advance_followup_days",
        "intake.publicity_days",
        "intake.epidemic_approval_working_days",
        "intake.step_days.investigation",
        "intake.step_days.review",
        "intake.step_days.approval",
        "payment.deadline_day",
        "comparison.open_flag_max_days",
        "visits.left_behind_elderly_days",
        "visits.left_behind_children_days",
    ]:
        assert extra in keys, extra


@pytest.mark.parametrize(
    ("key", "on", "expected"),
    [
        *VALUES_IN_FORCE,
        ("dibao.standard.urban", date(2030, 1, 1), "636"),
        ("disability.care.grade1", date(2022, 9, 30), "80"),
        ("orphan.de_facto", date(2021, 9, 1), "1225"),
        ("income.employment_cost.pct", date(2020, 10, 1), "0.30"),
    ],
)
def test_value_in_force_on_a_date(key, on, expected):
    assert value(key, on) == Decimal(expected)


def test_no_value_before_the_first_version():
    assert value("dibao.standard.urban", date(2017, 12, 31)) is None
    assert value("orphan.institution", date(2018, 6, 1)) is None


def test_versions_chain_without_gaps_or_overlaps():
    for key in set(PolicyParameter.objects.values_list("key", flat=True)):
        versions = list(selectors.parameter_history(key))
        for earlier, later in itertools.pairwise(versions):
            assert (later.effective_from - earlier.effective_to).days == 1, key
        assert versions[-1].effective_to is None, key


def test_an_explicit_end_date_closes_the_version():
    PolicyParameter.objects.create(
        key="test.temporary", value=Decimal("5"), effective_from=date(2020, 1, 1), effective_to=date(2020, 3, 31)
    )
    assert value("test.temporary", date(2020, 3, 31)) == Decimal("5")
    assert value("test.temporary", date(2020, 4, 1)) is None


def test_versions_in_force_returns_one_row_per_key():
    rows = list(selectors.versions_in_force(date(2020, 10, 1)))
    assert len(rows) == len({row.key for row in rows})
    assert {row.key: row.value for row in rows}["tekun.basic"] == Decimal("806")


def test_unconfirmed_defaults_are_marked():
    assert not PolicyParameter.objects.get(key="gradual_exit.months").confirmed
    assert PolicyParameter.objects.get(key="temporary.covid_multiple").confirmed


def test_changes_are_kept_in_history():
    version = PolicyParameter.objects.get(key="gradual_exit.months")
    version.note = "县局已确认"
    version.confirmed = True
    version.save()
    events = pghistory.models.Events.objects.references(version).order_by("pgh_created_at")
    assert [event.pgh_data["confirmed"] for event in events][-1] is True
    assert events.count() >= 2
