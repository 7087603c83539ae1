"""The price-subsidy, back-pay and timeliness pages: scoped (township B does not see A's rows, A's objects are 404
for B), read-only for auditors (writes → 403, nothing written), the county's writes go through the services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from assistance.models import RecomputeMark
from payments.models import BackPayRun, Overpayment, PaymentLine, PriceSubsidyMonth, TimelinessResult
from payments.timeliness import check_timeliness
from tests.helpers import make_overpayment
from tests.payments.conftest import OCT
from tests.payments.test_back_pay import add_rural_standard, pay_at_rules_amount
from tests.payments.test_timeliness import disburse

pytestmark = pytest.mark.django_db

ROLES = ["caseworker", "reviewer", "caseworker_b", "county_staff", "county_admin", "auditor"]
PRICE = {
    "month": "2020-10",
    "cpi_rise": "3.6",
    "food_rise": "2",
    "urban_amount": "30",
    "rural_amount": "20",
    "multiplier": "2",
    "note": "渝民发〔2020〕测试号",
}


@pytest.fixture
def overpayments(county, township_a, township_b) -> tuple[Overpayment, Overpayment]:
    return (
        make_overpayment(township_a, county.dibao_home, "张大山", "a"),
        make_overpayment(township_b, county.b_home, "郁山户主", "b"),
    )


def test_the_payroll_list_links_the_three_pages(client_for):
    page = client_for("caseworker").get(reverse("payroll-list") + "?month=2020-10").content.decode()
    for url in (reverse("price-subsidy-list"), reverse("back-pay-list"), reverse("timeliness-report")):
        assert f'href="{url}' in page


# 价格临时补贴 ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_price_subsidy_months(client_for, users, role):
    PriceSubsidyMonth.objects.create(
        month=OCT,
        cpi_rise=Decimal("0.036"),
        food_rise=Decimal("0.02"),
        urban_amount=Decimal("30"),
        rural_amount=Decimal("20"),
        multiplier=Decimal("2"),
        decided_by=users["county_staff"],
    )
    page = client_for(role).get(reverse("price-subsidy-list")).content.decode()
    assert 'data-month="2020-10"' in page and "3.6%" in page and "30.00" in page and "×2" in page
    assert ('data-testid="record-form"' in page) == (role in ("county_staff", "county_admin"))


def test_the_county_records_a_month_from_the_page(client_for):
    client = client_for("county_staff")
    response = client.post(reverse("price-subsidy-list"), PRICE)
    assert response.status_code == 302 and response.url == reverse("price-subsidy-list")
    record = PriceSubsidyMonth.objects.get()
    assert (record.month, record.cpi_rise, record.food_rise) == (OCT, Decimal("0.036"), Decimal("0.02"))
    assert record.multiplier == 2 and record.note == PRICE["note"]
    edit = client.get(reverse("price-subsidy-list") + "?month=2020-10").content.decode()
    assert 'value="3.6' in edit and 'value="2020-10"' in edit
    client.post(reverse("price-subsidy-list"), {**PRICE, "urban_amount": "35"})
    assert PriceSubsidyMonth.objects.get().urban_amount == Decimal("35")


def test_a_month_that_does_not_trigger_shows_the_reason_on_the_form(client_for):
    response = client_for("county_admin").post(
        reverse("price-subsidy-list"), {**PRICE, "cpi_rise": "3", "food_rise": "5"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "未达到启动条件" in page and 'data-field-error="cpi_rise"' in page
    assert not PriceSubsidyMonth.objects.exists()
    missing = client_for("county_admin").post(reverse("price-subsidy-list"), {"month": "2020-10"}).content.decode()
    assert 'data-field-error="urban_amount"' in missing


@pytest.mark.parametrize("role", ["auditor", "caseworker", "reviewer"])
def test_only_the_county_records_price_subsidy_months(client_for, role):
    assert client_for(role).post(reverse("price-subsidy-list"), PRICE).status_code == 403
    assert not PriceSubsidyMonth.objects.exists()


# 补发 and 多发 ------------------------------------------------------------------------------------------------


@pytest.fixture
def retroactive(users, county, township_a):
    """October paid at the old rural standard, then the standard raised back to October (a pending mark)."""
    _, payroll = pay_at_rules_amount(users, county, township_a)
    add_rural_standard(users, "520")
    return payroll


def test_a_back_pay_run_from_the_page(client_for, users, county, township_a, retroactive):
    staff = client_for("county_staff")
    page = staff.get(reverse("back-pay-list")).content.decode()
    assert 'data-testid="start-run"' in page and "待重算标记 <strong>1</strong>" in page
    response = staff.post(reverse("back-pay-start"))
    run = BackPayRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("back-pay-run", args=[run.pk])
    line = PaymentLine.objects.get(kind="back_pay")
    assert line.amount == Decimal("48.00") and line.back_pay_run == run and line.payroll.batch == 2
    assert RecomputeMark.objects.get().status == "done"
    detail = staff.get(response.url).content.decode()
    assert f'data-line="{line.pk}"' in detail and reverse("payroll-detail", args=[line.payroll_id]) in detail
    assert "补发 1 笔 48.00 元" in detail
    listing = staff.get(reverse("back-pay-list")).content.decode()
    assert f'data-run="{run.pk}"' in listing and "48.00" in listing
    own = client_for("caseworker").get(response.url).content.decode()
    assert f'data-line="{line.pk}"' in own
    other = client_for("caseworker_b").get(response.url).content.decode()
    assert f'data-line="{line.pk}"' not in other and "张大山" not in other
    # Nothing pending any more: the refusal is a message, no run is recorded.
    again = staff.post(reverse("back-pay-start"), follow=True).content.decode()
    assert "没有待重算的月份" in again and BackPayRun.objects.count() == 1


@pytest.mark.parametrize("role", ["auditor", "caseworker", "reviewer"])
def test_only_the_county_starts_a_run(client_for, retroactive, role):
    page = client_for(role).get(reverse("back-pay-list")).content.decode()
    assert 'data-testid="start-run"' not in page
    assert client_for(role).post(reverse("back-pay-start")).status_code == 403
    assert not BackPayRun.objects.exists() and not PaymentLine.objects.filter(kind="back_pay").exists()
    assert RecomputeMark.objects.get().status == "pending"


def test_a_township_run_of_another_township_is_not_found(client_for, users, township_a, overpayments):
    run = BackPayRun.objects.create(started_by=users["county_staff"], township=township_a, from_month=OCT, to_month=OCT)
    assert client_for("caseworker").get(reverse("back-pay-run", args=[run.pk])).status_code == 200
    assert client_for("caseworker_b").get(reverse("back-pay-run", args=[run.pk])).status_code == 404
    assert f'data-run="{run.pk}"' not in client_for("caseworker_b").get(reverse("back-pay-list")).content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_overpayments_are_scoped(client_for, overpayments, role):
    page = client_for(role).get(reverse("back-pay-list")).content.decode()
    in_a = role in ("caseworker", "reviewer")
    assert ("张大山" in page) == (role != "caseworker_b")
    assert ("郁山户主" in page) == (not in_a)
    assert ('data-testid="resolve"' in page) == (role in ("county_staff", "county_admin"))


def test_resolving_an_overpayment_from_the_page(client_for, overpayments):
    over_a, over_b = overpayments
    url = reverse("overpayment-resolve", args=[over_a.pk])
    staff = client_for("county_staff")
    waived = staff.post(url, {"status": "waived", "note": ""}, follow=True).content.decode()
    assert "核销须说明原因" in waived and Overpayment.objects.get(pk=over_a.pk).status == "open"
    response = staff.post(url, {"status": "recovered", "note": "已退回", "next": reverse("back-pay-list") + "?status="})
    assert response.status_code == 302 and response.url == reverse("back-pay-list") + "?status="
    over_a.refresh_from_db()
    assert over_a.status == "recovered" and over_a.resolution_note == "已退回"
    assert "已追回" in staff.get(response.url).content.decode()
    assert "该多发记录已处理" in staff.post(url, {"status": "waived", "note": "x"}, follow=True).content.decode()
    outside = staff.post(
        reverse("overpayment-resolve", args=[over_b.pk]),
        {"status": "waived", "note": "x", "next": "https://evil.example/"},
    )
    assert outside.url == reverse("back-pay-list")


def test_overpayment_writes_follow_the_service_and_the_scope(client_for, overpayments):
    over_a, _ = overpayments
    url = reverse("overpayment-resolve", args=[over_a.pk])
    assert client_for("caseworker_b").post(url, {"status": "recovered"}).status_code == 404
    assert client_for("caseworker").post(url, {"status": "recovered"}).status_code == 403
    assert client_for("auditor").post(url, {"status": "recovered"}).status_code == 403
    assert Overpayment.objects.get(pk=over_a.pk).status == "open"


# 按月按时发放 -------------------------------------------------------------------------------------------------


@pytest.fixture
def checked(users, county, township_a, township_b):
    disburse(users, township_a, OCT, "dibao", on=date(2020, 10, 9))
    check_timeliness(actor=None, month=OCT)


@pytest.mark.parametrize("role", ROLES)
def test_the_timeliness_report_is_scoped(client_for, checked, role, township_a):
    page = client_for(role).get(reverse("timeliness-report") + "?month=2020-10").content.decode()
    assert ("汉葭街道" in page) == (role != "caseworker_b")
    assert ("郁山镇" in page) == (role not in ("caseworker", "reviewer"))
    if role != "caseworker_b":
        assert 'data-status="on_time"' in page and "10月9日" in page
    if role in ("county_staff", "county_admin", "auditor", "caseworker_b"):
        assert 'data-status="missing"' in page
    assert ('data-testid="recheck"' in page) == (role in ("county_staff", "county_admin"))
    by_township = client_for(role).get(reverse("timeliness-report"), {"month": "2020-10", "township": township_a.pk})
    assert by_township.status_code == (404 if role == "caseworker_b" else 200)


def test_the_timeliness_report_before_a_check(client_for):
    page = client_for("county_staff").get(reverse("timeliness-report") + "?month=2020-10").content.decode()
    assert 'data-testid="not-checked"' in page
    assert client_for("county_staff").get(reverse("timeliness-report") + "?month=2020-13").status_code == 400
    assert client_for("county_staff").get(reverse("timeliness-report")).status_code == 200


def test_the_county_reruns_the_check_from_the_page(client_for, users, county, township_a, township_b):
    disburse(users, township_a, OCT, "dibao", on=date(2020, 10, 12))
    staff = client_for("county_staff")
    response = staff.post(reverse("timeliness-check"), {"month": "2020-10"})
    assert response.status_code == 302 and response.url == reverse("timeliness-report") + "?month=2020-10"
    result = TimelinessResult.objects.get(month=OCT, township=township_a, benefit="dibao")
    assert result.status == "late" and result.paid_on == date(2020, 10, 12)
    page = staff.get(response.url).content.decode()
    assert "已检查2020年10月" in page and 'data-status="late"' in page
    client_for("county_admin").post(reverse("timeliness-check"), {"month": "2020-10"})
    assert TimelinessResult.objects.filter(month=OCT, township=township_a, benefit="dibao").count() == 1


@pytest.mark.parametrize("role", ["auditor", "caseworker", "caseworker_b"])
def test_only_the_county_reruns_the_check(client_for, county, role):
    assert client_for(role).post(reverse("timeliness-check"), {"month": "2020-10"}).status_code == 403
    assert not TimelinessResult.objects.exists()
