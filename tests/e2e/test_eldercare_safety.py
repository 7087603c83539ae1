"""A caseworker sees an overdue hazard, reports it to the county (confirming the step); county staff find it on the
county's list and close it, and the hazard leaves the overdue tab."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from eldercare.models import Hazard, NursingHome
from eldercare.services import safety as services
from tests.e2e.test_intake import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_report_an_overdue_hazard_and_the_county_closes_it(live_server, page, users, township_a):
    today = timezone.localdate()
    home = NursingHome.objects.create(township=township_a, name="汉葭测试敬老院", beds=20)
    hazard = services.record_hazard(
        actor=users["caseworker"],
        home=home,
        data={
            "description": "浴室地面湿滑无防滑垫",
            "level": "major",
            "owner": "王院长",
            "found_on": today - timedelta(days=20),
            "deadline": today - timedelta(days=5),
        },
    )
    page.on("dialog", lambda dialog: dialog.accept())
    base = live_server.url
    login(page, base, "cw_a")
    page.goto(f"{base}/eldercare/safety/hazards/?overdue=1")
    assert page.get_by_test_id("overdue-count").inner_text() == "1"
    page.goto(f"{base}/eldercare/safety/hazards/{hazard.pk}/")
    assert page.get_by_test_id("overdue").is_visible()
    page.fill("#id_reason", "需更换整个浴室地面，敬老院无资金")
    page.click("button:has-text('上报县民政局')")
    page.wait_for_load_state()
    assert page.get_by_test_id("status").inner_text() == "已上报县民政局"

    page.context.clear_cookies()
    login(page, base, "county")
    page.goto(f"{base}/eldercare/safety/hazards/?reported=1")
    page.click(f"a[href='/eldercare/safety/hazards/{hazard.pk}/']")
    page.fill("#id_handling", "县民政局安排专项资金更换防滑地面")
    page.click("button:has-text('办结')")
    page.wait_for_load_state()
    assert page.get_by_test_id("status").inner_text() == "县民政局已办结"
    page.goto(f"{base}/eldercare/safety/hazards/?overdue=1")
    assert page.get_by_test_id("overdue-count").inner_text() == "0"
    assert Hazard.objects.get(pk=hazard.pk).status == Hazard.Status.CLOSED
