from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_caseworker_logs_in_and_sees_own_township(live_server, page, users, township_a):
    page.goto(f"{live_server.url}/")
    assert "登录" in page.title()
    page.fill("#id_username", "cw_a")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.locator(".alert-danger").inner_text()
    page.fill("#id_username", "cw_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/townships/{township_a.pk}/")
    assert township_a.name in page.locator("h1").inner_text()
    assert "乡镇经办" in page.get_by_test_id("current-user").inner_text()
    page.click("text=退出登录")
    page.wait_for_url("**/accounts/login/")
