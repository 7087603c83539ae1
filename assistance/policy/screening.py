"""What a month's determination means for the township's screening ledger (每月摸排台账, policy.md §4, §5, §14),
compared with what the household and its members receive that month. Plain Python: the categories are the values
of ``assistance.models.LedgerEntry.Category``.

* The household's 低保: 应保未保 when the rules grant it and the household is not on it; an amount change; entering,
  in, or at the end of 渐退期; an exit candidate (for a second review: the screening never exits anyone).
* Every personal benefit is followed: 特困, 单人户施保, 两项补贴, the orphan / de-facto unsupported allowance and
  COVID-19 relief are 应保未保 when the rules grant them to a member not on them; a member on one the rules no longer
  grant is an exit candidate, except COVID-19 relief, which ends by itself with the month of discharge.
* One finding per category and person: two benefits of one kind (the two 两项补贴) or two exits of one member make
  one finding, their amounts added and their reasons listed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from assistance.policy.model import CurrentDibao, Evaluation, Outcome

ELIGIBLE_UNCOVERED = "eligible_uncovered"
EXIT_CANDIDATE = "exit_candidate"
GRADUAL_EXIT_ENTERING = "gradual_exit_entering"
GRADUAL_EXIT_EXPIRING = "gradual_exit_expiring"
GRADUAL_EXIT = "gradual_exit"
SINGLE_PERSON_CANDIDATE = "single_person_candidate"
SINGLE_PERSON = "single_person"
TEKUN_CANDIDATE = "tekun_candidate"
DISABILITY_CANDIDATE = "disability_candidate"
ORPHAN_CANDIDATE = "orphan_candidate"
COVID_RELIEF_CANDIDATE = "covid_relief_candidate"
AMOUNT_CHANGE = "amount_change"
CATEGORIES = (
    ELIGIBLE_UNCOVERED,
    EXIT_CANDIDATE,
    GRADUAL_EXIT_ENTERING,
    GRADUAL_EXIT_EXPIRING,
    GRADUAL_EXIT,
    SINGLE_PERSON_CANDIDATE,
    SINGLE_PERSON,
    TEKUN_CANDIDATE,
    DISABILITY_CANDIDATE,
    ORPHAN_CANDIDATE,
    COVID_RELIEF_CANDIDATE,
    AMOUNT_CHANGE,
)
GRANTED = ("grant", "gradual_exit")


@dataclass(frozen=True)
class Followed:
    candidate: str  # the 应保未保 category of a member the rules grant it to and who is not on it
    enrolled: str | None = None  # the category listing every member on it (单人户在册), if the ledger keeps one
    exits: bool = True  # False: it ends by itself (COVID-19 relief, with the month of discharge)


# The personal benefits (rule outcomes) the ledger follows, in the order their findings are listed.
FOLLOWED: dict[str, Followed] = {
    "tekun": Followed(TEKUN_CANDIDATE),
    "single_person_dibao": Followed(SINGLE_PERSON_CANDIDATE, SINGLE_PERSON),
    "disability_living": Followed(DISABILITY_CANDIDATE),
    "disability_care": Followed(DISABILITY_CANDIDATE),
    "orphan_allowance": Followed(ORPHAN_CANDIDATE),
    "covid_relief": Followed(COVID_RELIEF_CANDIDATE, exits=False),
}


@dataclass(frozen=True)
class Finding:
    category: str
    household_id: int
    member_id: int | None = None
    current_amount: Decimal | None = None
    new_amount: Decimal | None = None
    reasons: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, int, int | None]:
        return (self.category, self.household_id, self.member_id)


def _added(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return b if a is None else a if b is None else a + b


def _merge(first: Finding, second: Finding) -> Finding:
    return replace(
        first,
        current_amount=_added(first.current_amount, second.current_amount),
        new_amount=_added(first.new_amount, second.new_amount),
        reasons=first.reasons + tuple(r for r in second.reasons if r not in first.reasons),
    )


def household_findings(dibao: Outcome, household_id: int, now: CurrentDibao | None) -> list[Finding]:
    """The household's 低保 (policy.md §3, §4): the rules' outcome against the 低保 it is on this month."""
    reasons = tuple(dibao.reasons)
    if now is None:
        if dibao.decision == "grant":
            return [Finding(ELIGIBLE_UNCOVERED, household_id, None, None, dibao.monthly_amount, reasons)]
        return []
    if dibao.decision == "grant":
        if now.status == "gradual_exit" or dibao.monthly_amount != now.monthly_amount:
            return [Finding(AMOUNT_CHANGE, household_id, None, now.monthly_amount, dibao.monthly_amount, reasons)]
        return []
    if dibao.decision == "gradual_exit":
        category = GRADUAL_EXIT_ENTERING if now.status == "active" else GRADUAL_EXIT
        return [Finding(category, household_id, None, now.monthly_amount, dibao.monthly_amount, reasons)]
    category = GRADUAL_EXIT_EXPIRING if now.status == "gradual_exit" else EXIT_CANDIDATE
    return [Finding(category, household_id, None, now.monthly_amount, Decimal(0), reasons)]


def member_findings(
    outcomes: Mapping[tuple[str, str | None], Outcome],
    household_id: int,
    member_id: int,
    receives: Mapping[str, Decimal],
) -> list[Finding]:
    """One member's personal benefits (policy.md §5, §6, §7, §9, §10): the rules' outcomes against what the member is
    on this month (benefit → monthly amount)."""
    found: dict[tuple[str, int, int | None], Finding] = {}
    ref = str(member_id)
    for benefit, followed in FOLLOWED.items():
        outcome = outcomes.get((benefit, ref))
        granted = outcome is not None and outcome.decision in GRANTED
        enrolled = receives.get(benefit)
        new_amount = outcome.monthly_amount if granted and outcome is not None else None
        why = tuple(outcome.reasons) if outcome is not None else ()
        if granted and enrolled is None:
            finding = Finding(followed.candidate, household_id, member_id, None, new_amount, why)
        elif enrolled is not None and not granted and followed.exits:
            finding = Finding(EXIT_CANDIDATE, household_id, member_id, enrolled, Decimal(0), why)
        elif enrolled is not None and followed.enrolled:
            finding = Finding(followed.enrolled, household_id, member_id, enrolled, new_amount, why)
        else:
            continue
        found[finding.key] = _merge(found[finding.key], finding) if finding.key in found else finding
    return list(found.values())


def classify(
    household_id: int,
    evaluation: Evaluation,
    dibao_now: CurrentDibao | None,
    personal_now: Mapping[int, Mapping[str, Decimal]],
    member_ids: Sequence[int],
) -> list[Finding]:
    """Every ledger finding of one household for the month (see the module)."""
    outcomes = {(o.benefit, o.member): o for o in evaluation.outcomes}
    findings = household_findings(outcomes[("dibao", None)], household_id, dibao_now)
    decided = any(o.benefit in FOLLOWED for o in evaluation.outcomes)
    if not decided and personal_now.keys().isdisjoint(member_ids):
        return findings  # most households: no personal benefit decided and none received
    for member_id in member_ids:
        findings += member_findings(outcomes, household_id, member_id, personal_now.get(member_id, {}))
    return findings
