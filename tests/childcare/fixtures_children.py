"""Builders of the children's area for its tests (through the services, as users build them)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from cases.models import Member, User, Village
from childcare.models import ChildCase, LeftBehindChild
from childcare.services import children as services
from tests.helpers import make_household, make_member


def years_ago(years: int, days: int = 0) -> date:
    today = timezone.localdate()
    return services.years_before(today, years) - timedelta(days=days)


def make_child_member(
    actor: User, village: Village | None = None, name: str = "留守小明", age: int = 8, **data: Any
) -> Member:
    household = make_household(actor, village)
    make_member(actor, household, name=f"{name}的父亲", relation="head", born=date(1985, 3, 1))
    return make_member(actor, household, name=name, relation="child", born=years_ago(age, 30), **data)


def make_left_behind(
    actor: User, village: Village | None = None, name: str = "留守小明", **data: Any
) -> LeftBehindChild:
    member = make_child_member(actor, village, name=name)
    fields = {
        "guardian_name": "李奶奶",
        "guardian_relation": "祖母",
        "guardian_age": 66,
        "guardian_capacity": "capable",
        "responsible_name": "张干部",
        "responsible_post": "村主任",
        "responsible_phone": "13800138000",
        **data,
    }
    return services.save_child(actor=actor, member=member, data=fields)


def make_case(actor: User, village: Village | None = None, name: str = "孤儿小红", **data: Any) -> ChildCase:
    member = make_child_member(actor, village, name=name, age=10)
    fields = {
        "category": "orphan",
        "father_basis": "dead",
        "father_evidence": "death",
        "father_evidence_ref": "死亡证明2019-001",
        "mother_basis": "missing",
        "mother_evidence": "missing",
        "mother_evidence_ref": "（2019）渝0243民特1号",
        "placement": "dispersed",
        **data,
    }
    return services.open_case(actor=actor, member=member, data=fields)


def insure(case: ChildCase, actor: User, start: date | None = None, end: date | None = None) -> ChildCase:
    today = timezone.localdate()
    data = {
        "insured": True,
        "insurance_policy": "PICC2020-0001",
        "insurer": "人保财险彭水支公司",
        "insurance_from": start or today - timedelta(days=100),
        "insurance_to": end or today + timedelta(days=265),
    }
    return services.update_case(actor=actor, case=case, data=data)
