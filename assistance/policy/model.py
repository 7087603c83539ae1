"""What the rules take in (a household and its members, as facts for one month) and what they give back.

Values of the enumerated fields are the English codes of evaluate.md; the tuples below list them so that the
parser and the Django side validate against the same lists. Money is ``Decimal`` yuan, never negative.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

__all__ = [
    "AREAS",
    "CHILD_STATUSES",
    "DIBAO_STATUSES",
    "DISABILITY_CATEGORIES",
    "EXPENSE_KINDS",
    "INCOME_KINDS",
    "POVERTY_REGISTRY",
    "SCHOOLING",
    "WORK_CAPACITY",
    "Assets",
    "Covid",
    "CurrentDibao",
    "Disability",
    "EvalRequest",
    "Evaluation",
    "Expense",
    "Household",
    "Income",
    "Member",
    "Outcome",
]

AREAS = ("urban", "rural")
POVERTY_REGISTRY = ("none", "unlifted", "lifted", "monitored")
DIBAO_STATUSES = ("none", "active", "gradual_exit")
INCOME_KINDS = ("wage", "business", "property", "transfer", "excluded")
EXPENSE_KINDS = ("medical", "education", "care")
DISABILITY_CATEGORIES = ("physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple")
SCHOOLING = ("none", "preschool", "student")
WORK_CAPACITY = ("full", "partial", "none")
CHILD_STATUSES = ("none", "orphan_institution", "orphan_community", "de_facto_unsupported")

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Income:
    kind: str  # INCOME_KINDS; whether it counts is the parameter ``income.excluded.<kind>`` ("excluded": 1)
    monthly: Decimal


@dataclass(frozen=True, slots=True)
class Expense:
    kind: str  # EXPENSE_KINDS: rigid expenditure (刚性支出), deducted from the household's income
    monthly: Decimal


@dataclass(frozen=True, slots=True)
class Disability:
    category: str  # DISABILITY_CATEGORIES
    grade: int  # 1 (most severe) to 4


@dataclass(frozen=True, slots=True)
class Covid:
    """A confirmed COVID-19 patient's hospital stay; ``discharged`` None while still in hospital."""

    admitted: date
    discharged: date | None = None


@dataclass(frozen=True, kw_only=True)
class Member:
    """A household member. ``birth_date`` comes from the ID number, parsed once when the member is built."""

    ref: str
    birth_date: date
    id_number: str = ""
    counted: bool = True  # False: not a co-resident member (policy.md §2), ignored by every rule
    employed: bool = False
    incomes: tuple[Income, ...] = ()
    expenses: tuple[Expense, ...] = ()
    disability: Disability | None = None
    major_illness: bool = False
    schooling: str = "none"
    work_capacity: str = "full"
    self_care_lost: int = 0
    able_supporter: bool = True
    child_status: str = "none"
    covid: Covid | None = None
    # Sums the rules need for every set of members this member is in; computed once here, not per rule.
    # ``income_by_kind``: the monthly total of each income kind the member has, in INCOME_KINDS order. Whether a
    # kind counts is a parameter (``income.excluded.<kind>``, policy.md §2), applied by the rules.
    income_by_kind: tuple[tuple[str, Decimal], ...] = field(init=False, repr=False, compare=False)
    expense_total: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sums: dict[str, Decimal] = {}
        for income in self.incomes:
            sums[income.kind] = sums.get(income.kind, _ZERO) + income.monthly
        by_kind = tuple((kind, sums[kind]) for kind in INCOME_KINDS if kind in sums)
        if len(by_kind) != len(sums):  # a kind outside the list (the parser refuses them): kept, after the others
            by_kind += tuple((kind, amount) for kind, amount in sums.items() if kind not in INCOME_KINDS)
        object.__setattr__(self, "income_by_kind", by_kind)
        object.__setattr__(self, "expense_total", sum((e.monthly for e in self.expenses), _ZERO))


@dataclass(frozen=True, slots=True)
class Assets:
    financial: Decimal = _ZERO
    vehicles: int = 0
    shop_front: bool = False
    enterprise: bool = False
    dwellings: int = 1
    housing_area_multiple: Decimal = _ZERO  # housing area per person ÷ the housing-security standard


@dataclass(frozen=True, slots=True)
class CurrentDibao:
    status: str = "none"  # DIBAO_STATUSES; "active" or "gradual_exit" means on 低保 now
    monthly_amount: Decimal = _ZERO  # kept unchanged during gradual exit
    gradual_exit_since: date | None = None  # 1st day of the first month of the gradual exit


@dataclass(frozen=True, kw_only=True)
class Household:
    area: str  # AREAS: which 低保 standard applies
    members: tuple[Member, ...]
    poverty_registry: str = "none"  # POVERTY_REGISTRY (建档立卡 status)
    current_dibao: CurrentDibao = CurrentDibao()
    assets: Assets = Assets()
    # A reviewer's written reason for overriding a failed asset test (policy.md §3), None without one: the
    # failures are still named, and the test counts as passed.
    asset_override: str | None = None


@dataclass(frozen=True, kw_only=True)
class EvalRequest:
    """A parsed what-if request: the household, the benefit month (its 1st day) and parameter overrides."""

    month: date
    household: Household
    parameters: Mapping[str, Decimal] = field(default_factory=dict)


# Results are built on the hot path (100,000 households a run), so they are plain slotted classes.


@dataclass(slots=True)
class Outcome:
    """One decision. The household's 低保 outcome has ``members``; a personal benefit has ``member``."""

    benefit: str
    decision: str
    monthly_amount: Decimal  # already rounded to the yuan, two decimal places
    reasons: list[str]
    member: str | None = None
    members: list[str] | None = None
    care_level: str | None = None  # 特困 only: "self", "half" or "full"


@dataclass(slots=True)
class Evaluation:
    """What the rules decided for a household and month; ``members`` are those left after 特困 (step 1)."""

    month: date
    area: str
    standard: Decimal
    members: list[str]
    counted_income: Decimal
    per_capita_income: Decimal
    assets_pass: bool
    outcomes: list[Outcome]
