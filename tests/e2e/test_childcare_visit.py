"""A caseworker records a visit to a left-behind child whose visit is overdue: the overdue mark disappears from the
child's page and from the ledger's overdue list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from childcare.models import ChildVisit, LeftBehindChild
from tests.childcare.fixtures_children import make_left_behind
from tests.e2e.test_intake import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_caseworker_records_a_visit_and_the_overdue_mark_disappears(live_server, page, users, villages):
    child = make_left_behind(users["caseworker"], villages["a"], name="田小雨")
    LeftBehindChild.objects.filter(pk=child.pk).update(start=timezone.localdate() - timedelta(days=45))
    base = live_server.url
    login(page, base, "cw_a")
    page.goto(f"{base}/childcare/children/?status=active&overdue=1")
    assert page.get_by_test_id("overdue-count").inner_text() == "1"
    page.click("text=田小雨")
    page.wait_for_url(f"**/childcare/children/{child.pk}/")
    assert page.get_by_test_id("overdue").is_visible()

    # A visit in the future is refused, the field named.
    form = page.get_by_test_id("visit-form")
    form.locator("#id_visited_on").fill((timezone.localdate() + timedelta(days=2)).isoformat())
    form.locator("#id_visitor").fill("张干部")
    form.locator("#id_findings").fill("孩子在校表现良好，奶奶身体尚可。")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "日期不能晚于今天" in page.locator("[data-field-error=visited_on]").inner_text()
    assert not ChildVisit.objects.exists()

    form = page.get_by_test_id("visit-form")
    form.locator("#id_visited_on").fill(timezone.localdate().isoformat())
    form.locator("#id_visitor").fill("张干部")
    form.locator("#id_findings").fill("孩子在校表现良好，奶奶身体尚可。")
    form.locator("#id_needs").fill("需要课外辅导")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/childcare/children/{child.pk}/")
    assert "已登记探访" in page.content()
    assert page.get_by_test_id("overdue").count() == 0
    assert "孩子在校表现良好" in page.get_by_test_id("visits").inner_text()
    page.goto(f"{base}/childcare/children/?status=active&overdue=1")
    assert page.get_by_test_id("overdue-count").inner_text() == "0"
    assert "田小雨" not in page.get_by_test_id("children").inner_text()
