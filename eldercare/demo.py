"""Demo eldercare records for the demo townships, made through the services as their caseworkers would make them:
a nursing home per township with staff and certificates, the last week's duty roster and night patrols, a hazard,
and the left-behind elderly ledger generated from the registry flags with some visits; then the month's alert check.
Deterministic (no randomness); run once on an empty eldercare (``seed_demo_eldercare --if-empty``)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from cases.models import Township, User
from core.months import this_month
from eldercare import alerts
from eldercare.models import LeftBehindElder, NursingHome
from eldercare.services import homes, people, safety

STAFF = (("院长", "manager"), ("护理员甲", "carer"), ("护理员乙", "carer"), ("炊事员", "cook"))


def _home(actor: User, township: Township, today: datetime) -> NursingHome:
    """A home with its staff, certificates (one township's cook without a 健康证), a week of duty and patrols."""
    short = township.name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
    home = homes.save_home(
        actor=actor,
        data={"township": township, "kind": "township", "name": f"{short}敬老院", "beds": 60, "status": "open"},
    )
    staff = {
        position: homes.save_staff(
            actor=actor,
            home=home,
            data={
                "name": f"{short}{name}",
                "position": position,
                "employment": "contract",
                "hired_on": today.date() - timedelta(days=900),
            },
        )
        for name, position in STAFF
    }
    with_certificate = ["carer"] + (["cook"] if township.name.endswith("街道") else [])
    for position in with_certificate:
        homes.save_certificate(
            actor=actor,
            staff=staff[position],
            data={
                "kind": "health" if position == "cook" else "care_training",
                "number": f"{township.code[-4:]}{position[:2].upper()}001",
                "issuer": "彭水县疾病预防控制中心" if position == "cook" else "彭水县民政局",
                "issued_on": today.date() - timedelta(days=300),
                "expires_on": today.date() + timedelta(days=400),
            },
        )
    for back in range(1, 8):
        day = today.date() - timedelta(days=back)
        homes.add_shift(actor=actor, home=home, staff=staff["carer"], day=day, start=time(0), end=time(12))
        homes.add_shift(
            actor=actor, home=home, staff=staff["manager"], day=day, start=time(12), end=time(0), overnight=True
        )
        if back != 3:  # one night without a patrol
            at = datetime.combine(day, time(23, 30), tzinfo=timezone.get_current_timezone())
            homes.add_patrol(actor=actor, home=home, at=at, staff=staff["carer"], areas="居室、厨房、消防通道")
    return home


@transaction.atomic
def seed(actors: dict[str, User]) -> dict[str, int]:
    """``actors``: township name → a caseworker of it. Returns what was made."""
    today = timezone.localtime()
    made = {"homes": 0, "elders": 0, "visits": 0}
    for name, actor in actors.items():
        township = Township.objects.get(name=name)
        home = _home(actor, township, today)
        made["homes"] += 1
        safety.record_hazard(
            actor=actor,
            home=home,
            data={
                "description": "厨房燃气软管老化",
                "level": "general",
                "owner": "院长",
                "found_on": today.date() - timedelta(days=40),
                "deadline": today.date() - timedelta(days=10),
            },
        )
        made["elders"] += people.generate_from_registry(actor=actor, township=township)
        elders = LeftBehindElder.objects.filter(township=township).order_by("pk")
        for n, elder in enumerate(elders):
            if n % 2 == 0:  # every other person visited last week; the others are due
                people.record_visit(
                    actor=actor,
                    elder=elder,
                    data={
                        "visited_on": today.date() - timedelta(days=7),
                        "visitor": actor.first_name or actor.username,
                        "way": "home",
                        "findings": "身体状况良好",
                    },
                )
                made["visits"] += 1
    alerts.run(month=this_month())
    return made
