"""A caseworker registers a household of two members and submits a 低保 application; a reviewer moves it on."""

from __future__ import annotations

from datetime import date

import pytest

from cases.models import Application, Household
from tests.conftest import PASSWORD
from tests.helpers import valid_id

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def add_member(page, name: str, id_number: str, relation: str) -> None:
    page.click("text=添加成员")
    page.fill("#id_name", name)
    page.fill("#id_id_number", id_number)
    page.select_option("#id_relation", relation)
    page.fill("#id_ethnicity", "苗族")
    page.click("button:has-text('保存')")
    page.wait_for_url("**/households/*/")


def test_register_household_apply_and_review(live_server, page, users, villages):
    base = live_server.url
    login(page, base, "cw_a")
    page.click("nav >> text=家庭查询")
    page.click("text=登记新家庭")
    page.select_option("#id_village", str(villages["a"].pk))
    page.fill("#id_address", "汉葭街道滨江路 8 号")
    page.select_option("#id_area_type", "urban")
    page.click("button:has-text('保存')")
    page.wait_for_url("**/households/*/")
    household = Household.objects.get(address="汉葭街道滨江路 8 号")

    # A wrong check character is caught inline, before saving.
    page.click("text=添加成员")
    page.fill("#id_id_number", "500243199001010010")
    page.locator("#id_name").focus()
    assert "身份证号校验位应为 7" in page.get_by_test_id("id-check-error").inner_text()
    page.go_back()
    page.wait_for_load_state()
    page.goto(f"{base}/households/{household.pk}/")

    add_member(page, "吴国强", valid_id(date(1975, 3, 8)), "head")
    add_member(page, "吴秀英", valid_id(date(1978, 11, 2), male=False), "spouse")
    members = page.get_by_test_id("members").inner_text()
    assert "吴国强" in members and "吴秀英" in members

    page.click("text=受理申请")
    page.check("input[name=household_benefits][value=dibao]")
    page.fill("#id_reason", "户主患病，家庭收入骤减")
    page.check("#id_authorization_signed")
    page.click("button:has-text('受理')")
    page.wait_for_url("**/applications/*/")
    application = Application.objects.get(household=household)
    assert "已受理" in page.get_by_test_id("status").inner_text()

    page.click("text=记录入户调查")
    page.fill("#id_visited_on", application.received_on.isoformat())
    page.fill("#id_investigator_1", "张经办")
    page.fill("#id_investigator_2", "村干部李某")
    page.fill("#id_findings", "家中两人，户主因病无法务工，情况属实。")
    page.click("button:has-text('确认记录入户调查')")
    page.wait_for_url(f"**/applications/{application.pk}/")
    assert "公示" in page.get_by_test_id("status").inner_text()

    Application.objects.filter(pk=application.pk).update(publicity_to=date(2000, 1, 1))  # the 7 days pass
    page.reload()
    page.click("text=公示期满")
    page.fill("#id_objections", "公示期内无异议")
    page.click("button:has-text('确认公示期满')")
    page.wait_for_url(f"**/applications/{application.pk}/")
    assert "待乡镇审核" in page.get_by_test_id("status").inner_text()
    page.click("text=退出登录")

    login(page, base, "rv_a")
    page.click("nav >> text=申请办理")
    page.click(f"text={application.number}")
    page.click("text=乡镇审核通过")
    page.fill("#id_comment", "经审核，符合低保条件")
    page.click("button:has-text('确认乡镇审核通过')")
    page.wait_for_url(f"**/applications/{application.pk}/")
    assert "待县审批" in page.get_by_test_id("status").inner_text()
    timeline = page.get_by_test_id("transitions").inner_text()
    assert "乡镇审核通过" in timeline and "经审核，符合低保条件" in timeline
    assert Application.objects.get(pk=application.pk).status == "county_approval"
