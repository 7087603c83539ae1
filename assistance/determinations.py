"""Determine a household for a month: the registry's facts as of the 1st (assistance.facts), the pure rules,
and a stored Determination with the input snapshot, outcomes, reasons and parameter versions used."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from assistance import selectors
from assistance.facts import household_inputs
from assistance.models import Determination
from assistance.permissions import ensure_run_determination
from assistance.policy.evaluate import evaluation_to_json
from assistance.policy.params import MissingParameters, Parameters
from assistance.policy.rules import evaluate_household
from assistance.policy.snapshot import household_request
from cases.models import Household, User
from core.months import month_start


@transaction.atomic
def determine_household(
    *, actor: User | None, household: Household, month: date, purpose: str = Determination.Purpose.MANUAL
) -> Determination:
    """Run the rules for ``household`` and ``month`` (any day of it) and store the result."""
    if actor is not None:  # None: the monthly screening and approvals already checked
        ensure_run_determination(actor, household)
    month = month_start(month)
    inputs = household_inputs([household.pk], month)[household.pk]
    if not inputs.members:
        raise ValidationError(f"家庭 {household.number} 在 {month:%Y年%m月} 没有在册成员，无法测算。")
    params = Parameters(month, selectors.month_lookup(month))
    try:
        evaluation = evaluate_household(inputs, month, params)
    except MissingParameters as error:
        raise ValidationError(f"{month:%Y年%m月} 缺少生效的政策参数：{'、'.join(error.keys)}") from None
    result = evaluation_to_json(evaluation, params)
    dibao = next(o for o in evaluation.outcomes if o.benefit == "dibao")
    return Determination.objects.create(
        household=household,
        month=month,
        purpose=purpose,
        dibao_decision=dibao.decision,
        dibao_amount=dibao.monthly_amount,
        input_snapshot=household_request(inputs, month),
        result=result,
        parameters_used=result.get("parameters_used", {}),
        created_by=actor,
    )


def latest_determination(household: Household) -> Determination | None:
    return household.determinations.order_by("-month", "-created_at", "-id").first()
