"""Benchmark: the pure policy rules, reasons included, over 100,000 synthetic households on one core.

Run from the project root: ``python tests/bench/bench_rules.py``. Prints one line:
``BENCH rules_households_per_s <value> households/s`` (absolute, not judged). The households are built in memory
first (deterministic random, varied) and parameters are resolved once per month from the defaults, as the monthly
screening does; only the rules are timed.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from common import bench, require

from assistance.policy.defaults import EVALUATOR_KEYS
from assistance.policy.model import (
    Assets,
    Covid,
    CurrentDibao,
    Disability,
    Expense,
    Household,
    Income,
    Member,
)
from assistance.policy.params import Parameters, defaults_lookup
from assistance.policy.rules import evaluate_household

HOUSEHOLDS = 100_000
MONTHS = (date(2020, 3, 1), date(2020, 6, 1), date(2020, 10, 1), date(2021, 10, 1), date(2022, 11, 1))
CATEGORIES = ("physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple")
CHILD_STATUSES = ("orphan_institution", "orphan_community", "de_facto_unsupported")


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)).scaleb(-2)


def _member(rng: random.Random, ref: str, month: date) -> Member:
    kind = rng.random()
    if kind < 0.2:
        born = month - timedelta(days=rng.randint(0, 17 * 365))  # child
    elif kind < 0.45:
        born = month - timedelta(days=rng.randint(60 * 365, 95 * 365))  # elderly
    else:
        born = month - timedelta(days=rng.randint(18 * 365, 60 * 365))
    age = (month - born).days // 365
    incomes = []
    employed = 18 <= age < 60 and rng.random() < 0.6
    if employed:
        incomes.append(Income(rng.choice(("wage", "wage", "business")), _money(rng, 300, 3000)))
    if rng.random() < 0.3:
        incomes.append(Income(rng.choice(("property", "transfer", "excluded")), _money(rng, 0, 400)))
    expenses = (Expense("medical", _money(rng, 0, 500)),) if rng.random() < 0.15 else ()
    disability = None
    if rng.random() < 0.12:
        disability = Disability(rng.choice(CATEGORIES), rng.randint(1, 4))
    no_capacity = age >= 60 or age < 16 or (disability is not None and disability.grade <= 2)
    work_capacity = rng.choice(("none", "partial")) if no_capacity and rng.random() < 0.7 else "full"
    child_status = "none"
    if age < 18 and rng.random() < 0.05:
        child_status = rng.choice(CHILD_STATUSES)
    covid = None
    if rng.random() < 0.01:
        admitted = month + timedelta(days=rng.randint(-40, 35))
        covid = Covid(admitted, rng.choice((None, admitted + timedelta(days=rng.randint(1, 40)))))
    schooling = "none"
    if age < 6:
        schooling = "preschool"
    elif age < 18:
        schooling = "student"
    return Member(
        ref=ref,
        birth_date=born,
        counted=rng.random() > 0.03,
        employed=employed,
        incomes=tuple(incomes),
        expenses=expenses,
        disability=disability,
        major_illness=rng.random() < 0.05,
        schooling=schooling,
        work_capacity=work_capacity,
        self_care_lost=rng.randint(0, 6) if work_capacity == "none" else 0,
        able_supporter=rng.random() < 0.6,
        child_status=child_status,
        covid=covid,
    )


def build(count: int, seed: int = 20201001) -> list[tuple[Household, date]]:
    rng = random.Random(seed)
    households = []
    for number in range(count):
        month = rng.choice(MONTHS)
        members = tuple(_member(rng, f"m{i}", month) for i in range(rng.randint(1, 6)))
        status = rng.choices(("none", "active", "gradual_exit"), (60, 33, 7))[0]
        since = None
        if status == "gradual_exit":
            since = date(month.year - (month.month <= 8), (month.month - 9) % 12 + 1, 1)
        current = CurrentDibao(status, _money(rng, 200, 2500) if status != "none" else Decimal(0), since)
        assets = Assets(
            financial=_money(rng, 0, 8_000) if rng.random() < 0.85 else _money(rng, 0, 80_000),
            vehicles=1 if rng.random() < 0.05 else 0,
            shop_front=rng.random() < 0.02,
            enterprise=rng.random() < 0.01,
            dwellings=rng.choice((1, 1, 1, 2)),
            housing_area_multiple=Decimal(rng.randint(0, 50)).scaleb(-1),
        )
        household = Household(
            area="rural" if number % 3 else "urban",
            members=members,
            poverty_registry=rng.choices(("none", "unlifted", "lifted", "monitored"), (55, 15, 25, 5))[0],
            current_dibao=current,
            assets=assets,
        )
        households.append((household, month))
    return households


def main() -> None:
    households = build(HOUSEHOLDS)
    params = {month: Parameters(month, defaults_lookup) for month in MONTHS}
    for month_params in params.values():
        for key in EVALUATOR_KEYS:
            month_params[key]  # resolve every value once, before timing
    evaluated = 0
    started = time.perf_counter()
    for household, month in households:
        evaluation = evaluate_household(household, month, params[month])
        evaluated += bool(evaluation.outcomes)
    elapsed = time.perf_counter() - started
    require(evaluated, HOUSEHOLDS, "households evaluated")
    bench("rules_households_per_s", HOUSEHOLDS / elapsed, "households/s")


if __name__ == "__main__":
    main()
