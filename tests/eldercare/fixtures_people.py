"""Builders for the people tests of eldercare (imported explicitly by the test modules)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from cases.models import Member
from eldercare.models import ElderVisit, LeftBehindElder
from tests.helpers import enroll, make_household, make_member


def elder_member(actor, village=None, *, name="留守老人甲", born=date(1945, 3, 1), **data) -> Member:
    household = make_household(actor, village)
    return make_member(actor, household, name=name, born=born, **data)


def ledger_row(actor, member, *, entered_on=None, living="spouse", **fields) -> LeftBehindElder:
    """A ledger row as the service would write it, entered on ``entered_on`` (default long ago)."""
    return LeftBehindElder.objects.create(
        township_id=member.household.township_id,
        member=member,
        entered_on=entered_on or date(2020, 1, 1),
        living=living,
        visitor_name="村干部",
        created_by=actor,
        **fields,
    )


def visit(actor, elder, on: date) -> ElderVisit:
    return ElderVisit.objects.create(elder=elder, visited_on=on, visitor="张三", way="home", recorded_by=actor)


def tekun_person(actor, village=None, *, name="特困甲", lost=2, mode="dispersed", **data) -> Member:
    """A 特困 person with ``lost`` self-care indicators lost, enrolled (support mode ``mode``)."""
    household = make_household(actor, village)
    fields = list(Member.SELF_CARE_FIELDS)[:lost]
    member = make_member(actor, household, name=name, born=date(1950, 1, 1), **{f: True for f in fields}, **data)
    enroll(
        household,
        benefit="tekun",
        amount="600",
        member=member,
        support_mode=mode,
        caregiver_name="照料人甲" if mode == "dispersed" else "",
        institution_name="汉葭敬老院" if mode == "centralized" else "",
    )
    return member


def today() -> date:
    return timezone.localdate()


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)
