"""COVID-19 relief (policy.md §7) from the window to the end of the stay: a patient on the county's COVID list is
found by the monthly screening (a real Celery worker), applied for at the window, enrolled by the county's approval
at 2× the standard, paid by the 临时救助 payroll, and ended with the month of discharge once the list records it."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.db import transaction
from django.utils import timezone

from assistance import jobs
from assistance.models import Enrollment, JobRun, LedgerEntry
from cases.models import RollKind
from cases.rolls import services as roll_services
from core.months import month_start
from payments import services as payment_services
from tests.helpers import approve_application, enroll, make_household, make_member, run_on_a_worker, valid_id

pytestmark = pytest.mark.django_db(transaction=True)
OCT = date(2020, 10, 1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def covid_list(actor, number: str, discharged: str = "") -> None:
    book = openpyxl.Workbook()
    book.active.append(["身份证号码", "姓名", "乡镇", "入院日期", "出院日期"])
    book.active.append([number, "病人", "汉葭街道", "2020-10-03", discharged])
    for row in book.active.iter_rows():
        for cell in row:
            cell.number_format = "@"
    buffer = io.BytesIO()
    book.save(buffer)
    roll_services.commit_roll(
        actor=actor, kind=RollKind.COVID_PATIENTS, file_bytes=buffer.getvalue(), filename="新冠.xlsx"
    )


def test_a_patient_from_the_list_is_screened_enrolled_paid_and_ended_at_discharge(users, villages, township_a):
    cw = users["caseworker"]
    household = make_household(cw, villages["a"], area_type="rural")
    make_member(cw, household, relation="head", born=date(1960, 1, 1))
    patient = make_member(cw, household, name="病人", relation="child", id_number=valid_id(date(1990, 1, 1)))
    enroll(household, "dibao", "992")  # the household is on 低保: its members are in the COVID rule's groups
    covid_list(users["county_staff"], patient.id_number)

    run = run_on_a_worker(lambda: jobs.start_screening(actor=users["county_staff"], month=OCT, township=township_a))
    assert run.status == JobRun.Status.DONE, run.error
    found = LedgerEntry.objects.get(category=LedgerEntry.Category.COVID_RELIEF_CANDIDATE, member=patient)
    assert found.new_amount == Decimal("992.00"), "2 × the rural standard 496"

    with transaction.atomic():
        approve_application(
            users, household, [("covid_relief", patient)], reason="新冠肺炎住院", epidemic_fast_track=True
        )
    relief = Enrollment.objects.get(benefit="covid_relief", member=patient)
    this_month = month_start(timezone.localdate())
    assert relief.status == "active" and relief.end_month is None and relief.start_month == this_month
    assert relief.monthly_amount == 2 * Decimal(relief.determination.result["standard"]), "2 × this month's standard"

    payroll = payment_services.generate_payroll(actor=cw, township=township_a, month=this_month, benefit="temporary")
    line = payroll.lines.get(member=patient)
    assert line.amount == relief.monthly_amount

    covid_list(users["county_staff"], patient.id_number, discharged=timezone.localdate().isoformat())
    run = run_on_a_worker(
        lambda: jobs.start_screening(actor=users["county_staff"], month=this_month, township=township_a)
    )
    assert run.status == JobRun.Status.DONE, run.error
    relief.refresh_from_db()
    assert (relief.status, relief.end_month) == ("exited", this_month), "paid through the month of discharge"
    assert "出院" in relief.exit_reason
    assert not LedgerEntry.objects.filter(month=this_month, category="exit_candidate", member=patient).exists()
