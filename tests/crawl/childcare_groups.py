"""The crawler's objects of childcare_groups (see ``tests/crawl/__init__.py``): a left-behind woman on the year's
screening, a severely disabled member with a 福康工程 service."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from django.utils import timezone

PK_OBJECT: dict[str, str] = {
    "childcare-woman": "woman",
    "api-childcare-woman": "woman",
    "childcare-disabled": "disabled",
    "api-childcare-disabled": "disabled",
    "childcare-service": "fukang_service",
    "api-childcare-service": "fukang_service",
}


def build(side: SimpleNamespace, actor, reviewer) -> None:
    """Create this area's objects for the township of ``side``."""
    from childcare.services import groups as services
    from tests.helpers import make_member, valid_id

    tag = side.tag
    wife = make_member(
        actor,
        side.household,
        name=f"{tag}标记留守妇女",
        id_number=valid_id(date(1984, 2, 2), male=False),
        relation="spouse",
        left_behind_woman=True,
    )
    side.woman = services.add_woman(
        actor=actor,
        member=wife,
        year=timezone.localdate().year,
        data={"husband_away_where": f"{tag}标记外出地", "needs": f"{tag}标记妇女需求"},
    )
    disabled = make_member(
        actor,
        side.household,
        name=f"{tag}标记残疾人",
        relation="parent",
        born=date(1950, 1, 1),
        work_capacity="none",
        disability_category="physical",
        disability_grade=1,
    )
    side.disabled = disabled
    side.fukang_service = services.add_service(
        actor=actor,
        member=disabled,
        data={
            "kind": "care",
            "started_on": date(2025, 1, 1),
            "provider": f"{tag}标记护理站",
            "exception_reason": f"{tag}标记例外",
        },
    )
    side.markers += [wife.name, disabled.name, f"{tag}标记外出地", f"{tag}标记护理站", wife.id_number]
    side.secrets += [wife.id_number, disabled.id_number]
