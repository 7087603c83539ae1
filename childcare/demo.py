"""Demo childcare records for the demo townships, made through the services as their caseworkers would make them:
the left-behind children ledger generated from the registry flags with some visits, the year's left-behind women
screening; then the month's alert check. Deterministic; run once on an empty childcare
(``seed_demo_childcare --if-empty``)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cases.models import Township, User
from childcare import alerts
from childcare.models import LeftBehindChild
from childcare.services import children, groups
from core.months import this_month


@transaction.atomic
def seed(actors: dict[str, User]) -> dict[str, int]:
    """``actors``: township name → a caseworker of it. Returns what was made."""
    today = timezone.localdate()
    made = {"children": 0, "visits": 0, "women": 0}
    for name, actor in actors.items():
        township = Township.objects.get(name=name)
        made["children"] += children.generate_from_registry(actor=actor, township_id=township.pk)
        for n, child in enumerate(LeftBehindChild.objects.filter(township=township).order_by("pk")):
            if n % 2 == 0:  # every other child visited last week; the others are due
                children.record_visit(
                    actor=actor,
                    child=child,
                    data={
                        "visited_on": today - timedelta(days=7),
                        "visitor": actor.first_name or actor.username,
                        "way": "home",
                        "seen_in_person": True,
                        "findings": "学习生活正常",
                    },
                )
                made["visits"] += 1
        made["women"] += groups.generate_women(actor=actor, township_id=township.pk, year=today.year).created
    alerts.run(month=this_month())
    return made
