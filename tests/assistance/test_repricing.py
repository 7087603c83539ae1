"""The monthly re-pricing (assistance.repricing) and the reviewed 待遇调整 (assistance.changes), with real households
and incomes in the database (policy.md §0, §3, §4).

The rural 低保 standard is 440 from 2019-01-01 and 496 from 2020-09-01. The household of most tests: two rural
adults (no add-ons), the head's counted transfer income 300 a month from January 2020, enrolled from January 2020 at
its January amount 440 × 2 − 300 = 580."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assistance import changes
from assistance.amounts import amounts_in_force
from assistance.models import (
    AmountCause,
    AmountChange,
    Enrollment,
    EnrollmentAmount,
    LedgerEntry,
    MonthlyLedger,
)
from assistance.repricing import reprice_township
from assistance.screening import screen_township
from cases import services
from cases.models import User
from core.exceptions import TransitionNotAllowed
from core.models import PolicyParameter
from core.months import months, next_month, this_month
from tests.helpers import enroll, make_household, make_member

pytestmark = pytest.mark.django_db

JAN, APR, MAY, JUN, JUL, AUG, SEP, OCT = (date(2020, m, 1) for m in (1, 4, 5, 6, 7, 8, 9, 10))
JANUARY_AMOUNT = Decimal("580.00")  # 440 × 2 − 300
SEPTEMBER_AMOUNT = Decimal("692.00")  # 496 × 2 − 300
MAY_AMOUNT = Decimal("380.00")  # income 300 + 200: 440 × 2 − 500
Kind = AmountChange.Kind
Status = AmountChange.Status


def income(actor, household, member, amount, valid_from=JAN, kind="transfer"):
    return services.add_fact(
        actor=actor,
        household=household,
        kind="income",
        data={"member": member, "kind": kind, "monthly_amount": Decimal(amount), "valid_from": valid_from},
    )


@pytest.fixture
def cw(users) -> User:
    return users["caseworker"]


@pytest.fixture
def rural(cw, villages):
    """The rural household of two enrolled at 580 from January 2020 (head's income 300 from January)."""
    household = make_household(cw, villages["a"], area_type="rural")
    head = make_member(cw, household, relation="head", born=date(1970, 1, 1))
    make_member(cw, household, relation="spouse", born=date(1972, 3, 1))
    income(cw, household, head, "300")
    enrollment = enroll(household, amount=str(JANUARY_AMOUNT))
    return household, head, enrollment


@pytest.fixture
def reprice(township_a):
    def run(month: date, **kwargs) -> dict[str, int]:
        return reprice_township(township_id=township_a.pk, month=month, **kwargs)

    return run


def snapshot() -> tuple[list[dict], list[dict], list[tuple]]:
    """Every row the re-pricing writes, in full."""
    return (
        list(EnrollmentAmount.objects.order_by("pk").values()),
        list(AmountChange.objects.order_by("pk").values()),
        list(Enrollment.objects.order_by("pk").values_list("pk", "status", "monthly_amount", "gradual_exit_since")),
    )


def in_force(enrollment: Enrollment, month: date) -> Decimal:
    return amounts_in_force([enrollment.pk], month)[enrollment.pk].amount


def dated(enrollment: Enrollment) -> list[tuple[date, Decimal, str]]:
    return list(
        EnrollmentAmount.objects.filter(enrollment=enrollment)
        .order_by("from_month", "pk")
        .values_list("from_month", "amount", "cause")
    )


def open_changes() -> list[AmountChange]:
    return list(AmountChange.objects.filter(status__in=AmountChange.OPEN_STATUSES).order_by("pk"))


# ---------------------------------------------------------------------------------------------------------------
# 调标: a parameter version alone applies by itself


def test_a_month_without_a_new_parameter_or_fact_changes_nothing(rural, reprice):
    _, _, enrollment = rural
    before = snapshot()
    counts = reprice(AUG)
    assert snapshot() == before
    assert counts["enrollments"] == 1 and counts["applied"] == 0 and counts["proposed"] == 0
    assert dated(enrollment) == [(JAN, JANUARY_AMOUNT, AmountCause.INITIAL)]


def test_the_september_standard_is_one_dated_amount_with_its_version(rural, reprice):
    _, _, enrollment = rural
    counts = reprice(SEP)
    assert counts["applied"] == 1 and counts["proposed"] == 0
    row = EnrollmentAmount.objects.get(enrollment=enrollment, cause=AmountCause.STANDARD)
    assert (row.from_month, row.priced_month, row.amount) == (SEP, SEP, SEPTEMBER_AMOUNT)
    version = PolicyParameter.objects.get(key="dibao.standard.rural", effective_from=date(2020, 9, 1))
    assert row.version_id == version.pk and version.value == Decimal("496")
    assert row.change_id is None and row.approved_by_id is None and row.proposed_by_id is None
    assert dated(enrollment) == [(JAN, JANUARY_AMOUNT, AmountCause.INITIAL), (SEP, SEPTEMBER_AMOUNT, "standard")]
    enrollment.refresh_from_db()
    assert enrollment.monthly_amount == SEPTEMBER_AMOUNT
    assert [in_force(enrollment, month) for month in (AUG, SEP, OCT)] == [JANUARY_AMOUNT, *[SEPTEMBER_AMOUNT] * 2]
    assert not AmountChange.objects.exists(), "a 调标 is never a reviewed change"


def test_a_personal_benefits_standard_names_its_own_parameter(cw, villages, reprice):
    # a 特困 person at home (no work capacity, no able supporter, no income, caring for themself): 754 + 0 in
    # January; 806 + 50 from September. The 调标 is recorded with the 特困 basic standard, not the 低保 standard
    # the rules also read for the person
    household = make_household(cw, villages["a"], area_type="rural")
    elder = make_member(
        cw, household, relation="head", born=date(1935, 1, 1), work_capacity="none", able_supporter=False
    )
    enrollment = enroll(household, benefit="tekun", member=elder, amount="754")
    assert reprice(AUG)["applied"] == 0
    assert reprice(SEP)["applied"] == 1
    row = EnrollmentAmount.objects.get(enrollment=enrollment, cause=AmountCause.STANDARD)
    assert (row.from_month, row.amount) == (SEP, Decimal("856.00"))
    assert (row.version.key, row.version.effective_from) == ("tekun.basic", date(2020, 9, 1))
    assert not AmountChange.objects.exists()


def test_running_a_month_again_writes_nothing(rural, reprice):
    reprice(SEP)
    after_first = snapshot()
    counts = reprice(SEP)
    assert snapshot() == after_first
    assert counts["applied"] == 0 and counts["proposed"] == 0 and counts["superseded"] == 0
    reprice(OCT)  # the next month is priced by September's parameters already
    reprice(AUG)  # an earlier month keeps its own amount
    assert snapshot() == after_first


def test_a_standard_answers_the_screenings_amount_change_finding(rural, reprice, township_a):
    household, _, _ = rural
    screen_township(township_id=township_a.pk, month=SEP)
    finding = LedgerEntry.objects.get(month=SEP, household=household, category=LedgerEntry.Category.AMOUNT_CHANGE)
    assert (finding.current_amount, finding.new_amount) == (JANUARY_AMOUNT, SEPTEMBER_AMOUNT)
    reprice(SEP)
    finding.refresh_from_db()
    assert finding.status == LedgerEntry.Status.HANDLED and "调标" in finding.handled_note


def test_a_locked_month_still_gets_its_standard(rural, reprice, township_a):
    _, _, enrollment = rural
    MonthlyLedger.objects.create(township=township_a, month=SEP, status=MonthlyLedger.Status.ACCEPTED)
    assert reprice(SEP)["applied"] == 1
    assert in_force(enrollment, SEP) == SEPTEMBER_AMOUNT


# ---------------------------------------------------------------------------------------------------------------
# A change of the household's facts: proposed, reviewed


def test_an_income_rise_proposes_a_change_and_no_dated_amount(rural, reprice, cw):
    household, head, enrollment = rural
    income(cw, household, head, "200", valid_from=MAY)
    amounts_before = list(EnrollmentAmount.objects.values())
    counts = reprice(MAY)
    assert counts["proposed"] == 1 and counts["applied"] == 0
    change = AmountChange.objects.get()
    assert (change.kind, change.status, change.month) == (Kind.CHANGE, Status.PROPOSED, MAY)
    assert (change.current_amount, change.proposed_amount) == (JANUARY_AMOUNT, MAY_AMOUNT)
    assert (change.enrollment_id, change.household_id, change.member_id) == (enrollment.pk, household.pk, None)
    assert any("380" in reason for reason in change.reasons)
    assert list(EnrollmentAmount.objects.values()) == amounts_before
    enrollment.refresh_from_db()
    assert enrollment.monthly_amount == JANUARY_AMOUNT and in_force(enrollment, MAY) == JANUARY_AMOUNT

    after_first = snapshot()
    counts = reprice(MAY)
    assert snapshot() == after_first and counts["proposed"] == 0, "the one change is kept"
    reprice(JUN)  # the next month finds the same change: kept, still the May one
    assert snapshot() == after_first


def test_a_different_income_supersedes_the_open_change(rural, reprice, cw):
    household, head, _ = rural
    income(cw, household, head, "200", valid_from=MAY)
    reprice(MAY)
    first = AmountChange.objects.get()
    income(cw, household, head, "100", valid_from=MAY)  # 440 × 2 − 600 = 280
    counts = reprice(MAY)
    assert counts["superseded"] == 1 and counts["proposed"] == 1
    first.refresh_from_db()
    assert first.status == Status.SUPERSEDED
    (second,) = open_changes()
    assert (second.month, second.current_amount, second.proposed_amount) == (MAY, JANUARY_AMOUNT, Decimal("280.00"))


def test_a_change_back_to_a_superseded_amount_is_proposed_again(rural, reprice, cw):
    household, head, enrollment = rural
    income(cw, household, head, "200", valid_from=MAY)
    reprice(MAY)  # 380
    extra = income(cw, household, head, "100", valid_from=JUN)
    reprice(JUN)  # 280 supersedes 380
    services.end_fact(actor=cw, fact=extra, valid_to=date(2020, 6, 30))
    counts = reprice(JUL)  # back to 380: the open 280 is superseded and 380 proposed again
    assert counts["superseded"] == 1
    (change,) = open_changes()
    assert (change.month, change.proposed_amount) == (JUL, MAY_AMOUNT)
    assert in_force(enrollment, JUL) == JANUARY_AMOUNT


def test_the_household_returning_to_the_amount_in_force_supersedes_the_change(rural, reprice, cw):
    household, head, _ = rural
    extra = income(cw, household, head, "200", valid_from=MAY)
    reprice(MAY)
    services.end_fact(actor=cw, fact=extra, valid_to=date(2020, 5, 31))
    counts = reprice(JUN)
    assert counts["superseded"] == 1 and counts["proposed"] == 0
    assert open_changes() == []


def test_a_locked_month_proposes_nothing_but_the_next_month_does(rural, reprice, cw, township_a):
    household, head, _ = rural
    income(cw, household, head, "200", valid_from=JUN)
    MonthlyLedger.objects.create(township=township_a, month=JUN, status=MonthlyLedger.Status.ACCEPTED)
    counts = reprice(JUN)
    assert counts.get("proposed", 0) == 0 and counts[Kind.CHANGE] == 1
    assert not AmountChange.objects.exists()
    counts = reprice(JUL)
    assert counts["proposed"] == 1
    change = AmountChange.objects.get()
    assert (change.month, change.proposed_amount) == (JUL, MAY_AMOUNT)


def test_facts_and_a_standard_together_split_into_a_standard_and_a_change(rural, reprice, cw):
    # income 500 from May, never re-priced before September: under January's parameters 880 − 500 = 380, under
    # September's 992 − 500 = 492; the 调标 moves the amount in force by 492 − 380 = 112 to 692 by itself
    household, head, enrollment = rural
    income(cw, household, head, "200", valid_from=MAY)
    counts = reprice(SEP)
    assert counts["applied"] == 1 and counts["proposed"] == 1
    assert dated(enrollment)[-1] == (SEP, SEPTEMBER_AMOUNT, AmountCause.STANDARD)
    change = AmountChange.objects.get()
    assert (change.kind, change.month, change.proposed_amount) == (Kind.CHANGE, SEP, Decimal("492.00"))
    assert change.current_amount == in_force(enrollment, SEP) == SEPTEMBER_AMOUNT
    after_first = snapshot()
    reprice(SEP)
    assert snapshot() == after_first


def test_automatic_only_applies_the_standard_and_proposes_nothing(rural, reprice, cw):
    household, head, enrollment = rural
    income(cw, household, head, "200", valid_from=MAY)
    counts = reprice(SEP, automatic_only=True)
    assert counts["applied"] == 1 and "proposed" not in counts
    assert dated(enrollment)[-1] == (SEP, SEPTEMBER_AMOUNT, AmountCause.STANDARD)
    assert not AmountChange.objects.exists()
    assert reprice(SEP)["proposed"] == 1  # the township's own run proposes the household's change


# ---------------------------------------------------------------------------------------------------------------
# Confirmation (township) and decision (county, another person)


@pytest.fixture
def proposed(rural, reprice, cw):
    """The May change of the rural household to 380, proposed."""
    household, head, enrollment = rural
    income(cw, household, head, "200", valid_from=MAY)
    reprice(MAY)
    return AmountChange.objects.get(), enrollment


def test_confirm_and_decide_apply_from_the_month_after_approval(proposed, users, reprice):
    change, enrollment = proposed
    change = changes.confirm_change(actor=users["caseworker"], change=change, confirm=True, note="入户核实")
    assert change.status == Status.CONFIRMED and change.confirmed_by == users["caseworker"]
    assert change.determination is not None and change.determination.month == MAY
    assert change.determination.dibao_amount == MAY_AMOUNT
    assert in_force(enrollment, MAY) == JANUARY_AMOUNT, "a confirmation alone changes no amount"

    change = changes.decide_change(actor=users["county_staff"], change=change, approve=True)
    effective = next_month(this_month())
    assert (change.status, change.effective_month, change.unreported) == (Status.APPROVED, effective, False)
    assert (change.decided_by, change.confirmed_by) == (users["county_staff"], users["caseworker"])
    row = EnrollmentAmount.objects.get(change=change)
    assert (row.from_month, row.amount, row.cause) == (effective, MAY_AMOUNT, AmountCause.HOUSEHOLD)
    assert (row.priced_month, row.proposed_by, row.approved_by) == (MAY, users["caseworker"], users["county_staff"])
    assert row.determination_id == change.determination_id
    enrollment.refresh_from_db()
    assert enrollment.monthly_amount == MAY_AMOUNT
    assert {in_force(enrollment, month) for month in months(MAY, this_month())} == {JANUARY_AMOUNT}
    assert in_force(enrollment, effective) == MAY_AMOUNT

    before = snapshot()
    reprice(MAY)  # the decided change is not proposed again
    assert snapshot() == before


def test_an_unreported_change_applies_from_the_month_given_with_the_reason(
    proposed, users, django_capture_on_commit_callbacks
):
    change, enrollment = proposed
    change = changes.confirm_change(actor=users["caseworker"], change=change, confirm=True)
    with pytest.raises(ValidationError):
        changes.decide_change(actor=users["county_staff"], change=change, approve=True, unreported_from=MAY)
    with django_capture_on_commit_callbacks() as queued:
        change = changes.decide_change(
            actor=users["county_staff"],
            change=change,
            approve=True,
            note="家庭未报告新增转移性收入",
            unreported_from=date(2020, 5, 17),
        )
    assert (change.status, change.effective_month, change.unreported) == (Status.APPROVED, MAY, True)
    assert change.decision_note == "家庭未报告新增转移性收入"
    assert len(queued) == 1, "months already paid are settled by back pay"
    row = EnrollmentAmount.objects.get(change=change)
    assert (row.from_month, row.amount, row.cause) == (MAY, MAY_AMOUNT, AmountCause.HOUSEHOLD)
    assert "未按规定报告" in row.note and "家庭未报告新增转移性收入" in row.note
    assert [in_force(enrollment, month) for month in (APR, MAY, JUN)] == [JANUARY_AMOUNT, MAY_AMOUNT, MAY_AMOUNT]


def test_unreported_from_cannot_precede_the_enrollment(proposed, users):
    change, _ = proposed
    change = changes.confirm_change(actor=users["caseworker"], change=change, confirm=True)
    with pytest.raises(ValidationError):
        changes.decide_change(
            actor=users["county_staff"], change=change, approve=True, note="未报告", unreported_from=date(2019, 12, 1)
        )


def test_an_unreported_change_is_carried_through_a_later_dated_amount(rural, reprice, users, cw):
    # income 200 more from May, first re-priced in September: 调标 to 692 from September and a change to 492. From
    # May it is 580 − 200 = 380 until the 调标, and 692 − 200 = 492 from September: the 调标 keeps the change.
    household, head, enrollment = rural
    income(cw, household, head, "200", valid_from=MAY)
    reprice(SEP)
    change = changes.confirm_change(actor=cw, change=AmountChange.objects.get(), confirm=True)
    change = changes.decide_change(
        actor=users["county_staff"], change=change, approve=True, note="未报告", unreported_from=MAY
    )
    assert change.effective_month == MAY
    assert [in_force(enrollment, month) for month in (APR, MAY, AUG, SEP, OCT)] == [
        JANUARY_AMOUNT,
        Decimal("380.00"),
        Decimal("380.00"),
        Decimal("492.00"),
        Decimal("492.00"),
    ]
    assert [row.from_month for row in EnrollmentAmount.objects.filter(change=change)] == [MAY, SEP]
    before = snapshot()
    reprice(OCT)
    assert snapshot() == before


def test_the_same_person_cannot_confirm_and_decide(proposed, users):
    change, enrollment = proposed
    with pytest.raises(PermissionDenied):
        changes.confirm_change(actor=users["county_staff"], change=change, confirm=True)  # the township confirms
    with pytest.raises(PermissionDenied):
        changes.confirm_change(actor=users["caseworker_b"], change=change, confirm=True)  # its own township
    with pytest.raises(PermissionDenied):
        changes.decide_change(actor=users["caseworker"], change=change, approve=True)  # the county decides
    change = changes.confirm_change(actor=users["caseworker"], change=change, confirm=True)
    for actor in (users["reviewer"], users["auditor"]):
        with pytest.raises(PermissionDenied):
            changes.decide_change(actor=actor, change=change, approve=True)
    # the confirming worker, now at the county, still cannot approve the change they confirmed
    User.objects.filter(pk=users["caseworker"].pk).update(role=User.Role.COUNTY_STAFF, township=None)
    promoted = User.objects.get(pk=users["caseworker"].pk)
    with pytest.raises(PermissionDenied):
        changes.decide_change(actor=promoted, change=change, approve=True)
    change.refresh_from_db()
    assert change.status == Status.CONFIRMED and change.decided_by is None
    assert dated(enrollment) == [(JAN, JANUARY_AMOUNT, AmountCause.INITIAL)]
    changes.decide_change(actor=users["county_admin"], change=change, approve=True)
    change.refresh_from_db()
    assert change.status == Status.APPROVED


def test_refusals_need_a_reason(proposed, users):
    change, enrollment = proposed
    with pytest.raises(ValidationError):
        changes.confirm_change(actor=users["caseworker"], change=change, confirm=False)
    change = changes.confirm_change(actor=users["caseworker"], change=change, confirm=True)
    with pytest.raises(ValidationError):
        changes.decide_change(actor=users["county_staff"], change=change, approve=False)
    change = changes.decide_change(actor=users["county_staff"], change=change, approve=False, note="收入为一次性")
    assert change.status == Status.REJECTED and change.effective_month is None
    assert dated(enrollment) == [(JAN, JANUARY_AMOUNT, AmountCause.INITIAL)]


# ---------------------------------------------------------------------------------------------------------------
# 渐退期 (policy.md §4)


@pytest.fixture
def poor(cw, villages):
    """A one-person rural 建档立卡 household on 低保 at 440 from January 2020, without income."""

    def make(poverty_status: str = "unlifted"):
        household = make_household(cw, villages["a"], area_type="rural")
        head = make_member(cw, household, relation="head", born=date(1970, 1, 1), poverty_status=poverty_status)
        return household, head, enroll(household, amount="440")

    return make


@pytest.mark.parametrize("poverty_status", ["unlifted", "lifted"])
def test_a_registry_household_above_the_standard_enters_gradual_exit_on_the_townships_confirmation(
    poor, poverty_status, reprice, cw, users
):
    household, head, enrollment = poor(poverty_status)
    income(cw, household, head, "700", valid_from=MAY)  # 440 ≤ 700 < 880
    screen_township(township_id=household.township_id, month=MAY)
    finding = LedgerEntry.objects.get(household=household, category=LedgerEntry.Category.GRADUAL_EXIT_ENTERING)
    counts = reprice(MAY)
    assert counts["proposed"] == 1 and counts["applied"] == 0
    change = AmountChange.objects.get()
    assert (change.kind, change.month) == (Kind.GRADUAL_EXIT, MAY)
    assert change.current_amount == change.proposed_amount == Decimal("440.00")
    assert dated(enrollment) == [(JAN, Decimal("440.00"), AmountCause.INITIAL)]

    change = changes.confirm_change(actor=cw, change=change, confirm=True)
    assert (change.status, change.effective_month, change.decided_by) == (Status.APPROVED, MAY, None)
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.gradual_exit_since) == (Enrollment.Status.GRADUAL_EXIT, MAY)
    assert enrollment.monthly_amount == Decimal("440.00")
    row = EnrollmentAmount.objects.get(change=change)
    assert (row.from_month, row.amount, row.cause) == (MAY, Decimal("440.00"), AmountCause.GRADUAL_EXIT)
    assert (row.proposed_by, row.priced_month) == (cw, JAN)
    assert [in_force(enrollment, month) for month in (APR, MAY, JUN)] == [Decimal("440.00")] * 3
    finding.refresh_from_db()
    assert finding.status == LedgerEntry.Status.HANDLED and finding.handled_by == cw

    before = snapshot()
    reprice(MAY)  # in 渐退期 and still in 渐退期: nothing
    reprice(JUN)
    assert snapshot() == before
    with pytest.raises(TransitionNotAllowed):  # approved already: nothing left for the county
        changes.decide_change(actor=users["county_staff"], change=change, approve=True)


def test_a_month_before_the_gradual_exit_proposes_no_return(poor, reprice, cw):
    # re-running April (before the 渐退期 began in May): the household was on 低保 then, its amount unchanged
    household, head, _ = poor()
    income(cw, household, head, "700", valid_from=MAY)
    reprice(MAY)
    changes.confirm_change(actor=cw, change=AmountChange.objects.get(), confirm=True)
    before = snapshot()
    counts = reprice(APR)
    assert snapshot() == before and counts["proposed"] == 0


def test_in_gradual_exit_an_income_falling_again_proposes_the_return(poor, reprice, cw, users):
    household, head, enrollment = poor()
    rise = income(cw, household, head, "700", valid_from=MAY)
    reprice(MAY)
    changes.confirm_change(actor=cw, change=AmountChange.objects.get(), confirm=True)
    services.end_fact(actor=cw, fact=rise, valid_to=date(2020, 6, 30))
    income(cw, household, head, "100", valid_from=JUL)  # 440 − 100 = 340
    counts = reprice(JUL)
    assert counts["proposed"] == 1
    (back,) = open_changes()
    assert (back.kind, back.month, back.current_amount, back.proposed_amount) == (
        Kind.RETURN,
        JUL,
        Decimal("440.00"),
        Decimal("340.00"),
    )
    back = changes.confirm_change(actor=cw, change=back, confirm=True)
    assert back.status == Status.CONFIRMED, "a return to 在保 is approved by the county"
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.GRADUAL_EXIT
    back = changes.decide_change(actor=users["county_staff"], change=back, approve=True)
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.gradual_exit_since) == (Enrollment.Status.ACTIVE, None)
    row = EnrollmentAmount.objects.get(change=back)
    assert (row.from_month, row.amount, row.cause) == (next_month(this_month()), Decimal("340.00"), "review")


@pytest.mark.parametrize(
    ("poverty_status", "amount"),
    [("none", "700"), ("unlifted", "880")],
    ids=["not-in-the-registry", "twice-the-standard"],
)
def test_an_exit_is_not_the_repricings(poor, poverty_status, amount, reprice, cw):
    household, head, enrollment = poor(poverty_status)
    income(cw, household, head, amount, valid_from=MAY)
    before = snapshot()
    counts = reprice(MAY)
    assert snapshot() == before and counts["proposed"] == 0
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE
