"""Monthly screening: a crafted township where every ledger category appears; re-runs are identical and never
touch handled entries or a locked ledger; a real worker runs the county fan-out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assistance import jobs
from assistance.models import Enrollment, JobRun, LedgerEntry, MonthlyLedger
from assistance.screening import screen_township
from cases import services
from config.celery import app
from tests.helpers import enroll, make_household, make_member

OCT = date(2020, 10, 1)
C = LedgerEntry.Category


def income(actor, household, member, amount, kind="wage"):
    services.add_fact(
        actor=actor,
        household=household,
        kind="income",
        data={"member": member, "kind": kind, "monthly_amount": Decimal(amount), "valid_from": date(2020, 1, 1)},
    )


@pytest.fixture
def crafted(users, villages):
    """One household per ledger category in township A (rural standard 496 in October 2020)."""
    cw = users["caseworker"]
    v = villages["a"]
    made = {}

    def household(key, **kwargs):
        made[key] = make_household(cw, v, area_type="rural", **kwargs)
        return made[key]

    h = household("uncovered")
    make_member(cw, h, relation="head", born=date(1970, 1, 1))

    h = household("amount_change")
    make_member(cw, h, relation="head", born=date(1970, 1, 1))
    enroll(h, amount="100")

    h = household("exit")
    head = make_member(cw, h, relation="head", born=date(1970, 1, 1), employed=True)
    income(cw, h, head, "5000")
    enroll(h, amount="300")

    # 建档立卡 unlifted, per capita between 1× and 2× the standard: entering gradual exit; in gradual exit since
    # September (still within 6 months); in gradual exit since March (the 8th month)
    for key, exit_since in [("entering", None), ("gradual", date(2020, 9, 1)), ("expiring", date(2020, 3, 1))]:
        h = household(key)
        head = make_member(cw, h, relation="head", born=date(1970, 1, 1), poverty_status="unlifted")
        income(cw, h, head, "700", kind="transfer")
        status = "gradual_exit" if exit_since else "active"
        enroll(h, amount="200", status=status, gradual_exit_since=exit_since)

    h = household("single_person")  # unlifted household above the standard with a severely disabled member
    head = make_member(cw, h, relation="head", born=date(1970, 1, 1), poverty_status="unlifted", employed=True)
    income(cw, h, head, "3000")
    made["disabled"] = make_member(
        cw,
        h,
        relation="child",
        born=date(1995, 1, 1),
        disability_category="intellectual",
        disability_grade=1,
        work_capacity="none",
    )

    h = household("tekun")
    made["elder"] = make_member(
        cw, h, relation="head", born=date(1935, 1, 1), work_capacity="none", able_supporter=False
    )
    return made


@pytest.mark.django_db
def test_every_category_appears(crafted, township_a):
    counts = screen_township(township_id=township_a.pk, month=OCT)
    entries = {(e.category, e.household_id) for e in LedgerEntry.objects.filter(month=OCT)}
    expected = {
        (C.ELIGIBLE_UNCOVERED, crafted["uncovered"].pk),
        (C.AMOUNT_CHANGE, crafted["amount_change"].pk),
        (C.EXIT_CANDIDATE, crafted["exit"].pk),
        (C.GRADUAL_EXIT_ENTERING, crafted["entering"].pk),
        (C.GRADUAL_EXIT, crafted["gradual"].pk),
        (C.GRADUAL_EXIT_EXPIRING, crafted["expiring"].pk),
        (C.SINGLE_PERSON_CANDIDATE, crafted["single_person"].pk),
        (C.TEKUN_CANDIDATE, crafted["tekun"].pk),
    }
    assert expected <= entries
    assert counts["households"] == len(crafted) - 2
    uncovered = LedgerEntry.objects.get(category=C.ELIGIBLE_UNCOVERED)
    assert uncovered.new_amount == Decimal("496.00") and uncovered.details["reasons"]
    assert uncovered.owner.username == "cw_a"
    change = LedgerEntry.objects.get(category=C.AMOUNT_CHANGE)
    assert (change.current_amount, change.new_amount) == (Decimal("100.00"), Decimal("496.00"))
    assert Enrollment.objects.filter(status="exited").count() == 0, "screening never exits anyone"


@pytest.mark.django_db
def test_single_person_roll_and_personal_exit(crafted, township_a):
    enroll(crafted["single_person"], benefit="single_person_dibao", member=crafted["disabled"], amount="596")
    enroll(crafted["tekun"], benefit="tekun", member=crafted["elder"], amount="1106")
    screen_township(township_id=township_a.pk, month=OCT)
    assert LedgerEntry.objects.filter(category=C.SINGLE_PERSON, member=crafted["disabled"]).exists()
    assert not LedgerEntry.objects.filter(category=C.TEKUN_CANDIDATE).exists()


def rows():
    return sorted(
        LedgerEntry.objects.values_list("category", "household_id", "member_id", "current_amount", "new_amount")
    )


@pytest.mark.django_db
def test_running_twice_gives_identical_rows_and_keeps_handled_entries(crafted, township_a, users):
    screen_township(township_id=township_a.pk, month=OCT)
    first = rows()
    screen_township(township_id=township_a.pk, month=OCT)
    assert rows() == first
    handled = LedgerEntry.objects.get(category=C.ELIGIBLE_UNCOVERED)
    LedgerEntry.objects.filter(pk=handled.pk).update(
        status="handled", handled_note="已受理低保申请", handled_by=users["caseworker"], handled_at=timezone.now()
    )
    screen_township(township_id=township_a.pk, month=OCT)
    assert rows() == first
    assert LedgerEntry.objects.get(pk=handled.pk).status == "handled"


@pytest.mark.django_db
def test_locked_ledger_is_not_rescreened(crafted, township_a):
    screen_township(township_id=township_a.pk, month=OCT)
    MonthlyLedger.objects.filter(township=township_a, month=OCT).update(status="accepted")
    before = rows()
    with pytest.raises(ValidationError, match="锁定"):
        screen_township(township_id=township_a.pk, month=OCT)
    assert rows() == before


@pytest.mark.django_db
def test_only_county_starts_runs(users):
    with pytest.raises(PermissionDenied):
        jobs.start_screening(actor=users["caseworker"], month=OCT)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_county_fan_out(users, villages):
    cw = users["caseworker"]
    household = make_household(cw, villages["a"], area_type="rural")
    make_member(cw, household, relation="head", born=date(1970, 1, 1))
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        parent = jobs.start_screening(actor=users["county_staff"], month=OCT)
        for _ in range(600):
            parent.refresh_from_db()
            if parent.status in ("done", "failed"):
                break
            import time

            time.sleep(0.1)
    assert parent.status == "done", parent.error
    assert parent.children.count() == 39
    assert parent.counts["townships_done"] == 39
    assert LedgerEntry.objects.filter(household=household, category=C.ELIGIBLE_UNCOVERED).exists()
    # a re-delivered task for a finished run does nothing
    child = parent.children.get(township=household.township)
    assert jobs.execute_screening(child.pk).status == "done"
    assert JobRun.objects.filter(parent=parent).count() == 39


@pytest.mark.django_db
def test_a_county_task_goes_on_with_the_queued_townships(crafted, users):
    parent = jobs.start_screening(actor=users["county_staff"], month=OCT)  # no commit here: no task is queued
    first, *others = parent.children.order_by("pk")
    assert jobs.execute_screening(first.pk).status == "done"
    parent.refresh_from_db()
    assert parent.status == "done" and parent.counts["townships_done"] == 39
    assert parent.counts["households"] == len(crafted) - 2
    assert {run.status for run in parent.children.all()} == {"done"}
    # their own tasks, coming later, leave the finished runs alone
    assert jobs.execute_screening(others[-1].pk).status == "done"
    entries = LedgerEntry.objects.filter(month=OCT)
    assert entries.exists() and not entries.exclude(run__parent=parent).exists()


@pytest.mark.django_db
def test_beat_schedules_screening_then_comparison():
    from django_celery_beat.models import PeriodicTask

    tasks = {t.task: t.crontab for t in PeriodicTask.objects.select_related("crontab")}
    assert (tasks["assistance.screen_county"].day_of_month, tasks["assistance.screen_county"].hour) == ("1", "2")
    assert (tasks["assistance.compare_county"].day_of_month, tasks["assistance.compare_county"].hour) == ("1", "4")
    assert tasks["payments.check_timeliness"].day_of_month == "11"


@pytest.mark.django_db
def test_every_personal_benefit_is_screened(users, villages, township_a):
    """A poor household with a disabled member, an orphaned grandchild and a COVID patient in hospital in October:
    two 两项补贴, the orphan allowance and COVID relief are 应保未保 — one disability entry for the two subsidies."""
    cw = users["caseworker"]
    h = make_household(cw, villages["a"], area_type="rural")
    make_member(cw, h, relation="head", born=date(1960, 1, 1))
    disabled = make_member(
        cw, h, relation="spouse", born=date(1962, 1, 1), disability_category="physical", disability_grade=1
    )
    orphan = make_member(cw, h, relation="grandchild", born=date(2012, 1, 1), child_status="orphan_community")
    patient = make_member(
        cw, h, relation="child", born=date(1990, 1, 1), covid_confirmed=True, covid_admitted=date(2020, 9, 28)
    )
    screen_township(township_id=township_a.pk, month=OCT)
    entries = {(e.category, e.member_id): e for e in LedgerEntry.objects.filter(household=h)}
    assert {C.DISABILITY_CANDIDATE, C.ORPHAN_CANDIDATE, C.COVID_RELIEF_CANDIDATE} <= {c for c, _ in entries}
    assert (C.DISABILITY_CANDIDATE, disabled.pk) in entries and (C.ORPHAN_CANDIDATE, orphan.pk) in entries
    assert (C.COVID_RELIEF_CANDIDATE, patient.pk) in entries
    both = entries[(C.DISABILITY_CANDIDATE, disabled.pk)]
    assert both.new_amount == Decimal("150.00"), "living 70 + care grade-1 80 in one entry"


@pytest.mark.django_db
def test_opened_at_is_kept_by_a_rerun_and_the_next_month(crafted, township_a):
    screen_township(township_id=township_a.pk, month=OCT)
    keys = {(e.category, e.household_id, e.member_id): e.opened_at for e in LedgerEntry.objects.filter(month=OCT)}
    assert keys and all(keys.values())
    screen_township(township_id=township_a.pk, month=OCT)
    again = {(e.category, e.household_id, e.member_id): e.opened_at for e in LedgerEntry.objects.filter(month=OCT)}
    assert again == keys, "a re-run keeps when each finding was first raised"
    screen_township(township_id=township_a.pk, month=date(2020, 11, 1))
    november = {
        (e.category, e.household_id, e.member_id): e.opened_at
        for e in LedgerEntry.objects.filter(month=date(2020, 11, 1))
    }
    kept = [key for key in november if key in keys]
    assert kept and all(november[key] == keys[key] for key in kept), "still open next month: the same opened_at"
