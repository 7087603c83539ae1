"""Monthly screening (每月摸排, policy.md §4, §5, §14): determine every household of a township for a month,
compare with the enrollments, and write the township's ledger entries. Never exits anyone: a household that no
longer qualifies becomes an exit candidate for a second review.

Set-based: facts are read per chunk of households in a handful of queries, the rules run in memory, and the
entries are written with one delete and one COPY. Re-running a month replaces that month's open entries
and never touches handled entries or an accepted (locked) ledger."""

from __future__ import annotations

import gc
import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from assistance import selectors
from assistance.facts import household_inputs
from assistance.models import Enrollment, LedgerEntry, MonthlyLedger
from assistance.permissions import ledger_owners
from assistance.policy import model as policy
from assistance.policy.params import MissingParameters, Parameters
from assistance.policy.rules import evaluate_household
from cases.models import Household, User
from core.lookups import InIds
from core.months import month_start

Category = LedgerEntry.Category
CHUNK = 5000
GRANTED = ("grant", "gradual_exit")
PERSONAL_BENEFITS = ("tekun", "single_person_dibao")  # the personal benefits the ledger follows


@dataclass(frozen=True)
class Finding:
    category: str
    household_id: int
    member_id: int | None = None
    current_amount: Decimal | None = None
    new_amount: Decimal | None = None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class OpenDibao:
    status: str
    amount: Decimal
    since: date | None


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _open_enrollments(
    household_ids: list[int], month: date
) -> tuple[dict[int, OpenDibao], dict[int, dict[str, Decimal]]]:
    """Open enrollments in force for ``month``: the household's 低保, and personal ones as member → benefit →
    amount."""
    dibao: dict[int, OpenDibao] = {}
    personal: dict[int, dict[str, Decimal]] = defaultdict(dict)
    rows = (
        Enrollment.objects.filter(
            InIds(F("household_id"), household_ids),
            status__in=(Enrollment.Status.ACTIVE, Enrollment.Status.GRADUAL_EXIT),
            start_month__lte=month,
        )
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
        .values_list("benefit", "household_id", "member_id", "status", "monthly_amount", "gradual_exit_since")
    )
    for benefit, household_id, member_id, status, amount, since in rows:
        if benefit == "dibao":
            dibao[household_id] = OpenDibao(status, amount, since)
        else:
            personal[member_id][benefit] = amount
    return dibao, dict(personal)


def classify(
    household_id: int,
    evaluation: policy.Evaluation,
    dibao_now: OpenDibao | None,
    personal_now: dict[int, dict[str, Decimal]],
    members: Sequence[policy.Member],
) -> list[Finding]:
    """What the month's determination means for the ledger, compared with what the household receives now."""
    findings: list[Finding] = []
    outcomes = {(o.benefit, o.member): o for o in evaluation.outcomes}
    dibao = outcomes[("dibao", None)]
    reasons = tuple(dibao.reasons)
    if dibao_now is None:
        if dibao.decision == "grant":
            findings.append(
                Finding(Category.ELIGIBLE_UNCOVERED, household_id, None, None, dibao.monthly_amount, reasons)
            )
    elif dibao.decision == "grant":
        if dibao_now.status == Enrollment.Status.GRADUAL_EXIT or dibao.monthly_amount != dibao_now.amount:
            findings.append(
                Finding(Category.AMOUNT_CHANGE, household_id, None, dibao_now.amount, dibao.monthly_amount, reasons)
            )
    elif dibao.decision == "gradual_exit":
        category = Category.GRADUAL_EXIT_ENTERING if dibao_now.status == "active" else Category.GRADUAL_EXIT
        findings.append(Finding(category, household_id, None, dibao_now.amount, dibao.monthly_amount, reasons))
    else:
        category = Category.GRADUAL_EXIT_EXPIRING if dibao_now.status == "gradual_exit" else Category.EXIT_CANDIDATE
        findings.append(Finding(category, household_id, None, dibao_now.amount, Decimal(0), reasons))

    member_ids = [int(member.ref) for member in members]
    decided = any(o.benefit in PERSONAL_BENEFITS for o in evaluation.outcomes)
    if not decided and personal_now.keys().isdisjoint(member_ids):
        return findings  # most households: no personal benefit decided and none received
    for member_id in member_ids:
        ref = str(member_id)
        receives = personal_now.get(member_id, {})
        for benefit, candidate, enrolled_category in (
            ("tekun", Category.TEKUN_CANDIDATE, None),
            ("single_person_dibao", Category.SINGLE_PERSON_CANDIDATE, Category.SINGLE_PERSON),
        ):
            outcome = outcomes.get((benefit, ref))
            granted = outcome is not None and outcome.decision in GRANTED
            enrolled = receives.get(benefit)
            new_amount = outcome.monthly_amount if granted and outcome else None
            why = tuple(outcome.reasons) if outcome else ()
            if granted and enrolled is None:
                findings.append(Finding(candidate, household_id, member_id, None, new_amount, why))
            elif enrolled is not None and not granted:
                findings.append(Finding(Category.EXIT_CANDIDATE, household_id, member_id, enrolled, Decimal(0), why))
            elif enrolled is not None and enrolled_category:
                findings.append(Finding(enrolled_category, household_id, member_id, enrolled, new_amount, why))
    return findings


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """The screening makes and drops millions of small objects (facts, outcomes) that form no reference cycles:
    reference counting frees them, and the cyclic garbage collector would only scan them over and over (a quarter
    of the screening's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def screen_township(*, township_id: int, month: date, run_id: int | None = None) -> dict[str, int]:
    """Screen every household of the township for ``month`` and replace the month's open ledger entries."""
    month = month_start(month)
    ledger, _ = MonthlyLedger.objects.get_or_create(township_id=township_id, month=month)
    if ledger.locked:
        raise ValidationError(f"{month:%Y年%m月} 的摸排台账已验收锁定，不能重新摸排。")
    params = Parameters(month, selectors.month_lookup(month))
    areas = dict(Household.objects.filter(township_id=township_id).order_by("pk").values_list("pk", "area_type"))
    findings: list[Finding] = []
    screened = 0
    with _without_cycle_collection():
        for chunk in _chunks(list(areas)):
            dibao_now, personal_now = _open_enrollments(chunk, month)
            current = {hid: policy.CurrentDibao(o.status, o.amount, o.since) for hid, o in dibao_now.items()}
            for household_id, household in household_inputs(chunk, month, current, areas=areas).items():
                if not household.members:
                    continue
                try:
                    evaluation = evaluate_household(household, month, params.fresh())
                except MissingParameters as error:
                    raise ValidationError(f"{month:%Y年%m月} 缺少生效的政策参数：{'、'.join(error.keys)}") from None
                findings += classify(
                    household_id, evaluation, dibao_now.get(household_id), personal_now, household.members
                )
                screened += 1
        written = _replace_open_entries(township_id=township_id, month=month, findings=findings, run_id=run_id)
    counts = Counter(f.category for f in findings)
    return {"households": screened, "entries": written, **counts}


def _default_owner(township_id: int) -> int | None:
    return (
        User.objects.filter(ledger_owners(), township_id=township_id)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


# The entries are written with COPY: a township's thousands of rows in one stream, without a model instance, a
# placeholder and a JSON field adaptation per value.
_COPY_FIELDS = (
    "township",
    "month",
    "category",
    "household",
    "member",
    "current_amount",
    "new_amount",
    "details",
    "status",
    "handled_note",
    "owner",
    "run",
)


@transaction.atomic
def _replace_open_entries(*, township_id: int, month: date, findings: list[Finding], run_id: int | None) -> int:
    ledger = MonthlyLedger.objects.select_for_update().get(township_id=township_id, month=month)
    if ledger.locked:
        raise ValidationError(f"{month:%Y年%m月} 的摸排台账已验收锁定。")
    entries = LedgerEntry.objects.filter(township_id=township_id, month=month)
    entries.filter(status=LedgerEntry.Status.OPEN).delete()
    handled = set(entries.values_list("category", "household_id", "member_id"))
    owner = _default_owner(township_id)
    open_status = str(LedgerEntry.Status.OPEN)
    rows = [
        (
            township_id,
            month,
            str(f.category),
            f.household_id,
            f.member_id,
            f.current_amount,
            f.new_amount,
            json.dumps({"reasons": list(f.reasons)}),
            open_status,
            "",
            owner,
            run_id,
        )
        for f in findings
        if (f.category, f.household_id, f.member_id) not in handled
    ]
    meta, quote = LedgerEntry._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in _COPY_FIELDS)
    with connection.cursor() as cursor, cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    ledger.screened_at = timezone.now()
    ledger.save(update_fields=["screened_at"])
    return len(rows)
