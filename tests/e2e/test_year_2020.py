"""A whole year (2020) of one crafted township, driven through the system's own services with a real Celery worker:
each month the county's screening and re-pricing run on the worker, the township and the county handle what they
find, and the month's payrolls are generated, submitted, approved, disbursed and reconciled from the bank's result
file. The clock travels through the year (time-machine), so every "today" a service reads is that day of 2020.

Six households, one per scenario (rural, rural standard 440 until August 2020 and 496 from 2020-09-01):

* A — the standard rises on 2020-09-01: paid from September without anyone touching the enrollment;
* B — an income rise in May, reported: the amount falls only from the month after approval (June);
* C — an income rise from March, not reported until July: corrected from March with the approver's reason; the
  months already paid become overpayments;
* D — a 建档立卡 household whose income rises in April: 渐退期 for the rules' 6 months (April–September) keeping its
  amount, then out after the two-person exit review;
* E — a 建档立卡 household in 渐退期 from March whose income falls in June: back to 在保 at its new amount from July;
* F — a disabled member dies in June (recorded in July, after July was paid): June's subsidies are kept, July's
  become overpayments, and the household's 低保 for the one left follows the reviewed path (from September).

Asserted per person, benefit and month: the regular line paid, and what is settled in the end (paid + back pay −
overpayments)."""

from __future__ import annotations

import csv
import io
import time
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.db.models import Sum

from assistance import changes, enrollments, jobs
from assistance.models import AmountChange, Enrollment, EnrollmentAmount, JobRun, LedgerEntry
from cases import services as cases_services
from config.celery import app
from core.models import PolicyParameter
from payments import back_pay, bankfiles, services
from payments.models import BackPayRun, Overpayment, PaymentLine, Payroll
from tests.helpers import approve_application, make_household, make_member

pytestmark = pytest.mark.django_db(transaction=True)

TZ = ZoneInfo("Asia/Shanghai")
MONTHS = [date(2020, m, 1) for m in range(1, 13)]
BANK = {"bank_name": "彭水农商行"}


def on(day: date, hour: int = 9):
    """Travel to ``day`` (ticking on from there)."""
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=True)


def wait_for(find, what: str, seconds: int = 120):
    for _ in range(seconds * 10):
        found = find()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class County:
    """The crafted township's people and the actors."""

    def __init__(self, users, villages, township) -> None:
        self.users, self.township = users, township
        self.cw, self.reviewer, self.staff = users["caseworker"], users["reviewer"], users["county_staff"]
        self.village = villages["a"]
        self.homes: dict[str, object] = {}
        self.heads: dict[str, object] = {}
        self.accounts = iter(range(100, 200))

    def household(self, key: str, poverty_status: str = "none", disabled: bool = False):
        home = make_household(self.cw, self.village, area_type="rural")
        self.heads[key] = make_member(
            self.cw,
            home,
            name=f"{key}户主",
            relation="head",
            born=date(1970, 3, 1),
            poverty_status=poverty_status,
            bank_account=f"62284800000000{next(self.accounts):05d}",
            **BANK,
        )
        extra = {"disability_category": "physical", "disability_grade": 1} if disabled else {}
        spouse = make_member(
            self.cw,
            home,
            name=f"{key}配偶",
            relation="spouse",
            born=date(1975, 6, 1),
            poverty_status=poverty_status,
            bank_account=f"62284800000000{next(self.accounts):05d}",
            **BANK,
            **extra,
        )
        self.homes[key] = home
        return home, spouse

    def income(self, key: str, amount: str, valid_from: date):
        return cases_services.add_fact(
            actor=self.cw,
            household=self.homes[key],
            kind="income",
            data={
                "member": self.heads[key],
                "kind": "property",
                "monthly_amount": Decimal(amount),
                "valid_from": valid_from,
            },
        )

    def month_jobs(self, month: date) -> None:
        """The county's screening of the township on the worker, and the re-pricing it queues."""
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            screening = jobs.start_screening(actor=self.staff, month=month, township=self.township)
            runs = JobRun.objects.filter(township=self.township, month=month, pk__gt=screening.pk)
            repricing = wait_for(
                lambda: runs.filter(kind="repricing", status__in=("done", "failed")).first(), f"re-pricing {month}"
            )
        screening.refresh_from_db()
        assert screening.status == "done", screening.error
        assert repricing.status == "done", repricing.error

    def change(self, key: str, kind: str) -> AmountChange:
        return AmountChange.objects.get(household=self.homes[key], kind=kind, status__in=AmountChange.OPEN_STATUSES)

    def review(self, key: str, kind: str, **decision) -> AmountChange:
        """The township confirms the open change; the county (another person) approves it."""
        found = changes.confirm_change(actor=self.cw, change=self.change(key, kind), confirm=True, note="已入户核实")
        if kind == AmountChange.Kind.GRADUAL_EXIT:
            return found
        return changes.decide_change(actor=self.staff, change=found, approve=True, **decision)

    def pay(self, month: date) -> None:
        """Every payroll of the month through the whole workflow, reconciled with every line paid."""
        for outcome in services.generate_month(actor=self.cw, township=self.township, month=month):
            assert outcome.payroll is not None, outcome
            payroll = services.submit_payroll(actor=self.cw, payroll=outcome.payroll)
            payroll = services.approve_payroll(actor=self.staff, payroll=payroll)
            payroll = services.disburse_payroll(actor=self.staff, payroll=payroll)
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow([*bankfiles.HEADER, "结果", "失败原因"])
            for row in bankfiles.bank_rows(payroll):
                writer.writerow([*row, "成功", ""])
            report = services.reconcile_payroll(
                actor=self.staff, payroll=payroll, file_bytes=out.getvalue().encode("utf-8-sig"), filename="回盘.csv"
            )
            assert report.ok and report.reconciled, report.problems


def regular_paid(home, benefit: str = "dibao", member=None) -> dict[date, Decimal]:
    lines = PaymentLine.objects.filter(household=home, benefit=benefit, kind="regular", status="paid")
    if member is not None:
        lines = lines.filter(member=member)
    return {row["month"]: row["total"] for row in lines.values("month").annotate(total=Sum("amount")).order_by()}


def settled(home, benefit: str = "dibao", member=None) -> dict[date, Decimal]:
    """Paid regular and back-pay lines less the overpayments recorded, per month."""
    totals: dict[date, Decimal] = defaultdict(Decimal)
    lines = PaymentLine.objects.filter(household=home, benefit=benefit, status="paid")
    overpaid = Overpayment.objects.filter(household=home, benefit=benefit)
    if member is not None:
        lines, overpaid = lines.filter(member=member), overpaid.filter(member=member)
    for line in lines:
        totals[line.month] += line.amount
    for over in overpaid:
        totals[over.month] -= over.amount
    return {month: amount for month, amount in totals.items() if amount}


def by_month(*spans: tuple[int, int, str]) -> dict[date, Decimal]:
    """{month: amount} from (first month, last month, amount) spans of 2020."""
    return {date(2020, m, 1): Decimal(amount) for first, last, amount in spans for m in range(first, last + 1)}


def test_a_year_of_one_township(users, villages, township_a):
    # The county's parameters were all entered before 2020 (their versions include the 2020-09-01 standards).
    PolicyParameter.objects.update(created_at=datetime(2019, 12, 1, tzinfo=TZ))
    county = County(users, villages, township_a)
    cw, staff = county.cw, county.staff

    with on(date(2020, 1, 2)):
        for key in "ABCDE":
            county.household(key, poverty_status={"D": "lifted", "E": "unlifted"}.get(key, "none"))
            approve_application(users, county.homes[key], [("dibao", None)])
        _, disabled = county.household("F", disabled=True)
        approve_application(users, county.homes["F"], [("dibao", None), ("disability_subsidies", disabled)])
    first = {e.household_id: e.monthly_amount for e in Enrollment.objects.filter(benefit="dibao")}
    assert first[county.homes["A"].pk] == Decimal("880.00") and first[county.homes["F"].pk] == Decimal("980.00")

    for month in MONTHS:
        m = month.month
        with on(month.replace(day=2)):  # what households reported at the window, before the month's jobs
            if m == 3:
                county.income("E", "1000", date(2020, 3, 1))
            if m == 4:
                county.income("D", "1000", date(2020, 4, 1))
            if m == 5:
                county.income("B", "300", date(2020, 5, 1))
            if m == 6:
                cases_services.end_fact(
                    actor=cw,
                    fact=county.homes["E"].members.get(relation="head").incomes.get(),
                    valid_to=date(2020, 5, 31),
                )
                county.income("E", "100", date(2020, 6, 1))
            if m == 7:
                county.income("C", "200", date(2020, 3, 1))  # from March: not reported until now
            county.month_jobs(month)

        with on(month.replace(day=3)):  # the township and the county handle what the month's jobs found
            if m == 3:
                county.review("E", AmountChange.Kind.GRADUAL_EXIT)
            if m == 4:
                county.review("D", AmountChange.Kind.GRADUAL_EXIT)
            if m == 5:
                county.review("B", AmountChange.Kind.CHANGE)
            if m == 6:
                county.review("E", AmountChange.Kind.RETURN)
            if m == 7:
                with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
                    county.review(
                        "C", AmountChange.Kind.CHANGE, note="家庭未按规定报告租金收入", unreported_from=date(2020, 3, 1)
                    )
                    wait_for(
                        lambda: BackPayRun.objects.filter(
                            household=county.homes["C"], finished_at__isnull=False
                        ).first(),
                        "the settlement of household C",
                    )
            if m == 8:
                run = back_pay.back_pay_run(actor=staff, township=township_a, from_month=date(2020, 7, 1))
                assert run.counts["overpayments"] == 2  # the dead member's two July subsidies
                county.review("F", AmountChange.Kind.CHANGE)
            if m == 10:
                expiring = LedgerEntry.objects.get(
                    category=LedgerEntry.Category.GRADUAL_EXIT_EXPIRING, household=county.homes["D"], month=month
                )
                assert expiring.status == "open"
                enrollment = Enrollment.objects.get(household=county.homes["D"], benefit="dibao")
                review = enrollments.request_exit(
                    actor=cw,
                    enrollment=enrollment,
                    last_month=date(2020, 9, 1),
                    reason="渐退期届满，人均收入仍高于标准",
                )
                enrollments.review_exit(actor=county.reviewer, review=review, approve=True, comment="复核属实")

        with on(month.replace(day=5)):
            county.pay(month)

        if m == 7:
            with on(date(2020, 7, 20)):  # the death in June is recorded after July was paid
                enrollments.record_death(actor=cw, member=disabled, died_on=date(2020, 6, 20))

    homes = county.homes
    expected_regular = {
        "A": by_month((1, 8, "880"), (9, 12, "992")),
        "B": by_month((1, 5, "880"), (6, 8, "580"), (9, 12, "692")),
        "C": by_month((1, 6, "880"), (7, 8, "680"), (9, 12, "792")),
        "D": by_month((1, 9, "880")),
        "E": by_month((1, 6, "880"), (7, 8, "780"), (9, 12, "892")),
        "F": by_month((1, 8, "980"), (9, 12, "496")),
    }
    expected_settled = {**expected_regular, "C": by_month((1, 2, "880"), (3, 8, "680"), (9, 12, "792"))}
    for key, expected in expected_regular.items():
        assert regular_paid(homes[key]) == expected, f"household {key}: 低保 paid"
        assert settled(homes[key]) == expected_settled[key], f"household {key}: 低保 settled"
    for benefit, amount in (("disability_living", "70"), ("disability_care", "80")):
        assert regular_paid(homes["F"], benefit, disabled) == by_month((1, 7, amount)), benefit
        assert settled(homes["F"], benefit, disabled) == by_month((1, 6, amount)), benefit
    deaths = Overpayment.objects.filter(member=disabled)
    assert {(o.month, o.reason) for o in deaths} == {(date(2020, 7, 1), Overpayment.DEATH)}

    # How each amount came to be: the 调标 by itself, the reviewed changes with who approved them.
    causes = {
        key: list(
            EnrollmentAmount.objects.filter(enrollment__household=home, enrollment__benefit="dibao")
            .order_by("from_month", "pk")
            .values_list("from_month", "cause", "amount")
        )
        for key, home in homes.items()
    }
    assert causes["A"] == [
        (date(2020, 1, 1), "initial", Decimal("880.00")),
        (date(2020, 9, 1), "standard", Decimal("992.00")),
    ]
    assert causes["C"][1] == (date(2020, 3, 1), "household", Decimal("680.00"))
    assert causes["D"][1] == (date(2020, 4, 1), "gradual_exit", Decimal("880.00"))
    assert causes["E"][2] == (date(2020, 7, 1), "review", Decimal("780.00"))
    correction = EnrollmentAmount.objects.get(enrollment__household=homes["C"], cause="household")
    assert correction.change.unreported and correction.approved_by == staff and "未按规定报告" in correction.note
    standard = EnrollmentAmount.objects.filter(cause="standard", from_month=date(2020, 9, 1))
    assert standard.count() == 5 and {row.version.key for row in standard} == {"dibao.standard.rural"}
    exited = Enrollment.objects.get(household=homes["D"], benefit="dibao")
    assert (exited.status, exited.end_month) == ("exited", date(2020, 9, 1))
    assert not Payroll.objects.filter(status__in=("draft", "submitted", "approved", "disbursed"), batch=1).exists()
