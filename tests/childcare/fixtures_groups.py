"""Crafted data of the groups area (imported explicitly by the groups tests): households in township A and B, a
left-behind woman, disabled members with and without subsidies, determinations, the 残联 roll and an open 应保未保
entry — built through the registry's services where there is one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.base import ContentFile

from assistance.models import Determination, LedgerEntry
from cases.models import Member, RollImport, RollRecord
from core.months import this_month
from tests.helpers import enroll, make_household, make_member, valid_id


def determination(household, outcomes, members, snapshot_members, month=None) -> Determination:
    """A stored determination of ``household`` with these outcomes (as the policy engine writes them)."""
    return Determination.objects.create(
        household=household,
        month=month or this_month(),
        purpose=Determination.Purpose.SCREENING,
        dibao_decision=next((o["decision"] for o in outcomes if o["benefit"] == "dibao"), "deny"),
        dibao_amount=Decimal("0.00"),
        input_snapshot={"members": snapshot_members},
        result={"household": {"members": members}, "outcomes": outcomes},
        parameters_used={},
    )


def disability_roll(actor, records) -> RollImport:
    roll = RollImport.objects.create(
        kind="severe_disability",
        imported_by=actor,
        is_current=True,
        file=ContentFile(b"x", name="canlian.xlsx"),
        file_sha256="1" * 64,
        original_name="残联名单.xlsx",
    )
    for number, record in enumerate(records, start=2):
        RollRecord.objects.create(roll_import=roll, row_number=number, id_number_raw=record["id_number"], **record)
    return roll


def build_world(users, villages, township_a, township_b) -> SimpleNamespace:
    cw, cw_b = users["caseworker"], users["caseworker_b"]
    # A household in A: the husband away, his wife left behind (flagged in the registry).
    home = make_household(cw, villages["a"])
    husband = make_member(cw, home, name="张外出", id_number=valid_id(date(1978, 3, 1)), relation="head")
    wife = make_member(
        cw,
        home,
        name="李留守",
        id_number=valid_id(date(1982, 6, 1), male=False),
        relation="spouse",
        left_behind_woman=True,
    )
    # A man flagged by mistake, and a single daughter flagged: neither may be listed.
    other = make_household(cw, villages["a"])
    man = make_member(cw, other, name="王标错", relation="head", left_behind_woman=True)
    daughter = make_member(
        cw,
        other,
        name="王女儿",
        id_number=valid_id(date(2000, 1, 1), male=False),
        relation="child",
        left_behind_woman=True,
    )
    # Disabled persons in A.
    poor = make_household(cw, villages["a"])
    severe = make_member(
        cw,
        poor,
        name="赵重残",
        relation="head",
        disability_category="physical",
        disability_grade=1,
        poverty_status="unlifted",
        disability_certificate="51000019800501001111",
    )
    care = enroll(poor, "disability_care", "100", member=severe)
    determination(
        poor,
        [
            {
                "benefit": "dibao",
                "decision": "deny",
                "monthly_amount": "0.00",
                "reasons": ["家庭 1 人", "人均收入 900.00 不低于标准 600.00", "不符合低保条件"],
                "members": [str(severe.pk)],
            },
            {
                "benefit": "disability_care",
                "member": str(severe.pk),
                "decision": "grant",
                "monthly_amount": "100.00",
                "reasons": ["肢体1级，属重度残疾"],
            },
        ],
        [str(severe.pk)],
        [{"ref": str(severe.pk), "disability": {"category": "physical", "grade": 1}}],
    )
    entry = LedgerEntry.objects.create(
        township=township_a,
        month=this_month(),
        category="eligible_uncovered",
        household=poor,
        details={"reasons": ["人均收入低于标准"]},
    )
    mild_home = make_household(cw, villages["a"])
    mild = make_member(cw, mild_home, name="钱轻残", relation="head", disability_category="hearing", disability_grade=4)
    # On the roll only: a registry member with no disability recorded, and a person not in the registry.
    roll_home = make_household(cw, villages["a"])
    on_roll = make_member(cw, roll_home, name="孙名单", relation="head")
    stranger_id = valid_id(date(1970, 1, 1))
    # Township B: a disabled person.
    home_b = make_household(cw_b, villages["b"])
    disabled_b = make_member(
        cw_b, home_b, name="周乙残", relation="head", disability_category="visual", disability_grade=2
    )
    roll = disability_roll(
        users["county_staff"],
        [
            {
                "id_number": on_roll.id_number,
                "name": on_roll.name,
                "township": township_a,
                "disability_category": "intellectual",
                "disability_grade": 2,
                "member": on_roll,
            },
            {
                "id_number": stranger_id,
                "name": "吴不在册",
                "township": township_a,
                "disability_category": "mental",
                "disability_grade": 1,
            },
        ],
    )
    return SimpleNamespace(
        users=users,
        home=home,
        husband=husband,
        wife=wife,
        man=man,
        daughter=daughter,
        poor=poor,
        severe=severe,
        care=care,
        entry=entry,
        mild=mild,
        on_roll=on_roll,
        stranger_id=stranger_id,
        disabled_b=disabled_b,
        home_b=home_b,
        roll=roll,
        a=township_a,
        b=township_b,
        villages=villages,
    )


def member(pk: int) -> Member:
    return Member.objects.get(pk=pk)
