"""A caseworker opens the left-behind elderly list, sees the 逾期 mark on a person, records a visit through the form,
and the mark is gone."""

from __future__ import annotations

from datetime import date

import pytest

from eldercare.models import ElderVisit
from tests.e2e.test_intake import login
from tests.eldercare.fixtures_people import elder_member, ledger_row

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_recording_a_visit_clears_the_overdue_mark(live_server, page, users, villages):
    cw = users["caseworker"]
    elder = ledger_row(cw, elder_member(cw, villages["a"], name="逾期老人"), entered_on=date(2020, 1, 1))
    ledger_row(cw, elder_member(cw, villages["a"], name="另一位老人"), entered_on=date(2020, 1, 1))
    page.on("dialog", lambda dialog: dialog.accept())
    base = live_server.url
    login(page, base, "cw_a")
    page.goto(f"{base}/eldercare/elders/")
    row = page.locator("[data-testid=elder-row]", has_text="逾期老人")
    assert row.locator("[data-testid=overdue]").inner_text() == "逾期"

    row.locator("a", has_text="逾期老人").click()
    page.wait_for_url(f"**/eldercare/elders/{elder.pk}/")
    form = page.locator("[data-testid=visit-form]")
    form.locator("#id_visitor").fill("张三")
    form.locator("#id_way").select_option("home")
    form.locator("#id_findings").fill("身体健康，生活能自理")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/eldercare/elders/{elder.pk}/")
    assert "已登记" in page.inner_text("body")
    assert page.locator("h1 [data-testid=overdue]").count() == 0
    assert ElderVisit.objects.filter(elder=elder, visitor="张三", way="home").count() == 1

    page.goto(f"{base}/eldercare/elders/")
    row = page.locator("[data-testid=elder-row]", has_text="逾期老人")
    assert row.locator("[data-testid=overdue]").count() == 0
    other = page.locator("[data-testid=elder-row]", has_text="另一位老人")
    assert other.locator("[data-testid=overdue]").count() == 1
