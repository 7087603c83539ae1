"""The navigation at the width of the county's office screens (1366 px): one line for the county admin, who sees
every item, and the grouped menus open to their links."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_county_admins_navigation_fits_one_line_at_1366_px(live_server, page, users):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("cadmin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()
    nav = page.get_by_test_id("main-nav")
    first = nav.get_by_role("link", name="家庭查询").bounding_box()
    last = nav.get_by_role("button", name="资料与设置").or_(nav.get_by_role("link", name="资料与设置")).bounding_box()
    bar = page.locator("nav.navbar").bounding_box()
    assert first and last and bar
    assert abs(first["y"] - last["y"]) < 2, "the menu wraps onto a second line"
    assert bar["height"] < 2 * first["height"] + 24, bar
    nav.get_by_role("button", name="救助业务").or_(nav.get_by_role("link", name="救助业务")).click()
    expect(page.get_by_role("link", name="待遇调整")).to_be_visible()
