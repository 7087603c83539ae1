"""A household as an evaluate.md request: what a determination keeps as its input snapshot, so that any stored
decision can be replayed through the what-if evaluator and explained."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from assistance.policy.model import Household, Member


def _money(value: Decimal) -> str:
    return format(value, "f")


def _member(member: Member) -> dict[str, Any]:
    return {
        "ref": member.ref,
        "id_number": member.id_number,
        "counted": member.counted,
        "employed": member.employed,
        "incomes": [{"kind": i.kind, "monthly": _money(i.monthly)} for i in member.incomes],
        "expenses": [{"kind": e.kind, "monthly": _money(e.monthly)} for e in member.expenses],
        "disability": (
            {"category": member.disability.category, "grade": member.disability.grade} if member.disability else None
        ),
        "major_illness": member.major_illness,
        "schooling": member.schooling,
        "work_capacity": member.work_capacity,
        "self_care_lost": member.self_care_lost,
        "able_supporter": member.able_supporter,
        "child_status": member.child_status,
        "covid": (
            {
                "admitted": member.covid.admitted.isoformat(),
                "discharged": member.covid.discharged.isoformat() if member.covid.discharged else None,
            }
            if member.covid
            else None
        ),
    }


def household_request(household: Household, month: date) -> dict[str, Any]:
    """The evaluate.md request that describes ``household`` for the benefit month starting ``month``; with a
    reviewer's asset-test override in force, its reason too (``asset_override``)."""
    dibao = household.current_dibao
    assets = household.assets
    request: dict[str, Any] = {
        "month": f"{month:%Y-%m}",
        "area": household.area,
        "poverty_registry": household.poverty_registry,
        "current_dibao": {
            "status": dibao.status,
            "monthly_amount": _money(dibao.monthly_amount),
            "gradual_exit_since": f"{dibao.gradual_exit_since:%Y-%m}" if dibao.gradual_exit_since else None,
        },
        "assets": {
            "financial": _money(assets.financial),
            "vehicles": assets.vehicles,
            "shop_front": assets.shop_front,
            "enterprise": assets.enterprise,
            "dwellings": assets.dwellings,
            "housing_area_multiple": _money(assets.housing_area_multiple),
        },
        "members": [_member(member) for member in household.members],
    }
    if household.asset_override is not None:
        request["asset_override"] = household.asset_override
    return request
