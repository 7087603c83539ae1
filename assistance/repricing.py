"""The monthly re-pricing (每月调整金额, policy.md §0, §3, §4), run on Celery after a township's screening: every
enrollment in force in the month is priced again with the rules, and ``assistance.policy.repricing`` says what
follows:

* a 调标 (a parameter version alone changed the amount) applies by itself, from the month, as a dated amount
  recorded with the version (county-wide: every township's run does the same);
* a change of the household's facts (an amount change, entering 渐退期, a return to 在保) becomes an
  ``AmountChange`` for the township to confirm and, except 渐退期, the county to approve (``assistance.changes``).
  A month whose ledger is accepted (locked) gets no new changes: they wait for the next month's run.

Idempotent: a second run of the month finds the amounts already in force and the same changes already proposed,
and writes nothing. Set-based like the screening: facts per chunk of households in a handful of queries, the rules
in memory, the dated amounts in one insert."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from assistance import selectors
from assistance.amounts import InForce, amounts_in_force, sync_latest
from assistance.facts import household_inputs
from assistance.ledgers import answer_findings
from assistance.models import AmountCause, AmountChange, Enrollment, EnrollmentAmount, LedgerEntry, MonthlyLedger
from assistance.policy import repricing as rules
from assistance.policy.model import CurrentDibao, Outcome
from assistance.policy.params import Lookup, MissingParameters, Parameters
from assistance.policy.rules import evaluate_household
from assistance.screening import CHUNK
from cases.models import Household, Township
from core.models import PolicyParameter
from core.months import month_label, month_start
from core.parameters import versions_in_force
from core.performance import without_cycle_collection

Status = Enrollment.Status
Open = AmountChange.Status
# Ledger findings of the household's 低保 that a 调标 alone answers.
AMOUNT_FINDINGS = (LedgerEntry.Category.AMOUNT_CHANGE,)


@dataclass(frozen=True, slots=True)
class _Row:
    pk: int
    benefit: str
    household_id: int
    member_id: int | None
    status: str
    since: date | None
    current: InForce


@dataclass(frozen=True, slots=True)
class _Found:
    row: _Row
    change: rules.Repriced
    version_id: int | None = None


# What priced an amount: its priced month, and the parameter versions entered after it was recorded (left out).
Pricing = tuple[date, frozenset[int]]


class _Prices:
    """The parameters of the month, and those that priced the amounts in force: the parameters of each amount's
    priced month as they stood when it was recorded (a version entered later, even for that month, is left out),
    each read once."""

    def __init__(self, month: date) -> None:
        self.month = month
        self.version_ids = dict(versions_in_force(month).values_list("key", "pk"))
        entered = PolicyParameter.objects.order_by("created_at", "pk").values_list("created_at", "pk")
        self._entered_at = [at for at, _ in entered]
        self._entered_ids = [pk for _, pk in entered]
        self._lookups: dict[Pricing, Lookup] = {(month, frozenset()): selectors.month_lookup(month)}
        self._differs: dict[tuple[Pricing, str], bool] = {}

    def pricing(self, current: InForce) -> Pricing:
        later = bisect_right(self._entered_at, current.recorded_at)
        return (current.priced_month, frozenset(self._entered_ids[later:]))

    def lookup(self, pricing: Pricing) -> Lookup:
        if pricing not in self._lookups:
            month, left_out = pricing
            self._lookups[pricing] = (
                selectors.lookup_as_known(month, left_out) if left_out else selectors.month_lookup(month)
            )
        return self._lookups[pricing]

    def differing(self, used: dict[str, Any], pricing: Pricing) -> list[str]:
        """The keys the month's evaluation used whose value differs in ``pricing`` (each key compared once)."""
        keys = []
        for key, version in used.items():
            differs = self._differs.get((pricing, key))
            if differs is None:
                other = self.lookup(pricing)(key, pricing[0])
                differs = self._differs[(pricing, key)] = other is None or other.value != version.value
            if differs:
                keys.append(key)
        return keys


def _evaluate(household: Any, month: date, params: Parameters) -> dict[tuple[str, str | None], Outcome]:
    try:
        evaluation = evaluate_household(household, month, params)
    except MissingParameters as error:
        raise ValidationError(f"{month:%Y年%m月} 缺少生效的政策参数：{'、'.join(error.keys)}") from None
    return {(o.benefit, o.member): o for o in evaluation.outcomes}


def _outcome_key(row: _Row) -> tuple[str, str | None]:
    return (row.benefit, None if row.benefit == "dibao" else str(row.member_id))


def _household_changes(household: Any, rows: list[_Row], prices: _Prices, base: Parameters) -> list[_Found]:
    params = base.fresh()
    outcomes = _evaluate(household, prices.month, params)
    priced_outcomes: dict[Pricing, dict[tuple[str, str | None], Outcome]] = {}
    found = []
    for row in rows:
        key = _outcome_key(row)
        new = outcomes.get(key)
        priced = new
        differing: list[str] = []
        if row.status == Status.ACTIVE and new is not None and new.decision == rules.GRANT:  # else priced is unused
            pricing = prices.pricing(row.current)
            if pricing != (prices.month, frozenset()):
                differing = prices.differing(params.used, pricing)
        if differing:
            if pricing not in priced_outcomes:
                other = Parameters(pricing[0], prices.lookup(pricing))
                priced_outcomes[pricing] = _evaluate(household, prices.month, other)
            priced = priced_outcomes[pricing].get(key)
        for change in rules.reprice(row.current.amount, row.status, new, priced):
            version = None
            if differing and change.kind == rules.STANDARD:  # the benefit's own parameter first ("tekun.basic")
                own = [key for key in differing if key.startswith(row.benefit.split("_")[0] + ".")]
                version = prices.version_ids.get((own or differing)[0])
            found.append(_Found(row, change, version))
    return found


def _rows(township_id: int, month: date) -> dict[int, list[_Row]]:
    """The township's enrollments in force in ``month`` and not leaving, by household, with their amount in force."""
    enrollments = list(
        Enrollment.objects.in_force(month)
        .filter(township_id=township_id, status__in=(Status.ACTIVE, Status.GRADUAL_EXIT))
        .order_by("household_id", "pk")
        .values_list("pk", "benefit", "household_id", "member_id", "status", "gradual_exit_since")
    )
    current = amounts_in_force((row[0] for row in enrollments), month)
    by_household: dict[int, list[_Row]] = defaultdict(list)
    for pk, benefit, household_id, member_id, status, since in enrollments:
        if status == Status.GRADUAL_EXIT and since is not None and since > month:
            status, since = Status.ACTIVE, None  # an earlier month re-run: not in 渐退期 yet then
        if pk in current:
            row = _Row(pk, benefit, household_id, member_id, status, since, current[pk])
            by_household[household_id].append(row)
    return by_household


def _dibao_on(by_household: dict[int, list[_Row]]) -> dict[int, CurrentDibao]:
    """The 低保 each household is on, as the rules take it (``assistance.facts.benefits_on``, from the rows read)."""
    return {
        row.household_id: CurrentDibao(row.status, row.current.amount, row.since)
        for rows in by_household.values()
        for row in rows
        if row.benefit == "dibao"
    }


def reprice_township(
    *, township_id: int, month: date, run_id: int | None = None, automatic_only: bool = False
) -> dict[str, int]:
    """Re-price the township's enrollments in force in ``month`` (see the module). ``automatic_only``: apply the
    调标 and propose nothing (back pay of a parameter version entered late)."""
    month = month_start(month)
    by_household = _rows(township_id, month)
    prices = _Prices(month)
    base = Parameters(month, prices.lookup((month, frozenset())))
    areas = dict(Household.objects.filter(pk__in=list(by_household)).values_list("pk", "area_type"))
    dibao = _dibao_on(by_household)
    found: list[_Found] = []
    ids = sorted(by_household)
    with without_cycle_collection():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            for household_id, household in household_inputs(chunk, month, dibao, areas=areas).items():
                if household.members:
                    found += _household_changes(household, by_household[household_id], prices, base)
    counts = Counter(item.change.kind for item in found if item.change.kind != rules.STANDARD)  # 调标: applied
    with pghistory.context(reason="每月调整金额"):  # the run's history rows share one context (none looked up per row)
        written = _write(township_id, month, found, run_id=run_id, automatic_only=automatic_only)
    return {"enrollments": sum(len(rows) for rows in by_household.values()), **counts, **written}


@transaction.atomic
def _write(
    township_id: int, month: date, found: list[_Found], *, run_id: int | None, automatic_only: bool
) -> dict[str, int]:
    ledger, _ = MonthlyLedger.objects.select_for_update().get_or_create(township_id=township_id, month=month)
    standard = [item for item in found if item.change.kind == rules.STANDARD]
    EnrollmentAmount.objects.bulk_create(
        (
            EnrollmentAmount(
                enrollment_id=item.row.pk,
                from_month=month,
                priced_month=month,
                amount=item.change.amount,
                cause=AmountCause.STANDARD,
                version_id=item.version_id,
                note=f"{month_label(month)}起按新的政策参数调整",
            )
            for item in standard
        ),
        batch_size=5000,
    )
    sync_latest(item.row.pk for item in standard)
    counts = {"applied": len(standard)}
    if not automatic_only and not ledger.locked:
        applied = {item.row.pk: item.change.amount for item in standard}
        reviewed = [item for item in found if item.change.kind != rules.STANDARD]
        counts |= _propose(township_id, month, reviewed, run_id, applied)
        _close_answered_findings(township_id, month, standard, found)
    return counts


def _same(change: AmountChange, item: _Found) -> bool:
    return change.kind == item.change.kind and change.proposed_amount == item.change.amount


def _propose(
    township_id: int, month: date, found: list[_Found], run_id: int | None, applied: dict[int, Decimal]
) -> dict[str, int]:
    """Keep, supersede or create the township's changes so that each enrollment has the one the month found.
    ``applied``: the 调标 this run applied (enrollment → amount), now the amount in force the change starts from."""
    wanted = {item.row.pk: item for item in found}
    existing = (
        AmountChange.objects.filter(township_id=township_id)
        .filter(Q(status__in=AmountChange.OPEN_STATUSES) | Q(enrollment_id__in=list(wanted)))
        .exclude(status=Open.SUPERSEDED)  # never decided: a finding back to its amount is proposed again
    )
    open_changes: dict[int, AmountChange] = {}
    decided: dict[int, AmountChange] = {}  # the latest decided change of each enrollment
    for change in existing.order_by("created_at", "pk"):
        (open_changes if change.is_open else decided)[change.enrollment_id] = change
    superseded = {  # enrollment → its open change found stale
        pk: change.pk
        for pk, change in open_changes.items()
        if change.month <= month and (pk not in wanted or not _same(change, wanted[pk]))
    }
    AmountChange.objects.filter(pk__in=list(superseded.values())).update(status=Open.SUPERSEDED)
    new = []
    for pk, item in wanted.items():
        if pk in open_changes and pk not in superseded:
            continue  # proposed already (or found in a later month)
        if pk in decided and _same(decided[pk], item):
            continue  # decided already: approved, or refused with a reason
        new.append(
            AmountChange(
                enrollment_id=pk,
                township_id=township_id,
                household_id=item.row.household_id,
                member_id=item.row.member_id,
                kind=item.change.kind,
                month=month,
                current_amount=applied.get(pk, item.row.current.amount),
                proposed_amount=item.change.amount,
                reasons=list(item.change.reasons),
                run_id=run_id,
            )
        )
    AmountChange.objects.bulk_create(new)
    return {"proposed": len(new), "superseded": len(superseded)}


def _close_answered_findings(township_id: int, month: date, standard: list[_Found], found: list[_Found]) -> None:
    """The screening's 金额变化 findings of households whose change was a 调标 alone are answered by it."""
    proposed = {item.row.household_id for item in found if item.change.kind != rules.STANDARD}
    answer_findings(
        township_id=township_id,
        month=month,
        categories=AMOUNT_FINDINGS,
        households={item.row.household_id for item in standard if item.row.benefit == "dibao"} - proposed,
        note=f"调标：{month_label(month)}起按新的政策参数自动调整，无需审批。",
    )


def reprice_county(*, month: date, automatic_only: bool = True) -> dict[str, int]:
    """Every township, one after the other (back pay of a parameter version entered late: the 调标 only)."""
    totals: Counter[str] = Counter()
    for township_id in Township.objects.order_by("code").values_list("pk", flat=True):
        totals.update(reprice_township(township_id=township_id, month=month, automatic_only=automatic_only))
    return dict(totals)
