"""The caseworker's pages: scope on every page, forms that name the field, confirmation steps, flat queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from cases import services
from cases.models import Application, Household, Member, SensitiveAccessLog
from tests.helpers import make_household, make_member, valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users, villages):
    """A household with an application in each of townships A and B."""
    out = {}
    for key, actor, village in [("a", users["caseworker"], villages["a"]), ("b", users["caseworker_b"], villages["b"])]:
        household = make_household(actor, village)
        head = make_member(actor, household, name=f"户主{key}", relation="head")
        child = make_member(actor, household, name=f"孩子{key}", relation="child", born=date(2014, 1, 1))
        application = services.receive_application(
            actor=actor, household=household, benefits=[("dibao", None)], reason="困难", authorization_signed=True
        )
        referral = services.add_referral(actor=actor, application=application, office="medical", due_date=date.today())
        out[key] = {
            "household": household,
            "head": head,
            "child": child,
            "application": application,
            "referral": referral,
        }
    return out


def page_urls(objs) -> list[str]:
    h, m, a = objs["household"], objs["head"], objs["application"]
    return [
        reverse("household-detail", args=[h.pk]),
        reverse("household-edit", args=[h.pk]),
        reverse("household-history", args=[h.pk]),
        reverse("member-new", args=[h.pk]),
        reverse("member-edit", args=[h.pk, m.pk]),
        reverse("fact-new", args=[h.pk, "income"]),
        reverse("application-new", args=[h.pk]),
        reverse("application-detail", args=[a.pk]),
        reverse("application-act", args=[a.pk, "investigate"]),
        reverse("referral-new", args=[a.pk]),
    ]


@pytest.mark.parametrize("role", ["caseworker", "reviewer"])
def test_every_page_of_another_township_is_not_found(client_for, world, role):
    client = client_for(role)
    for url in page_urls(world["b"]):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url
    response = client.post(reverse("referral-update", args=[world["b"]["referral"].pk]), {"status": "done"})
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["caseworker", "county_staff", "auditor"])
def test_own_or_county_pages_open(client_for, world, role):
    client = client_for(role)
    for url in page_urls(world["a"]):
        # An auditor is read only by construction: every write form is refused before it is shown.
        expected = 403 if role == "auditor" and url in write_form_urls(world["a"]) else 200
        assert client.get(url).status_code == expected, url


def write_form_urls(objs) -> list[str]:
    h, m, a = objs["household"], objs["head"], objs["application"]
    return [
        reverse("household-new"),
        reverse("household-edit", args=[h.pk]),
        reverse("member-new", args=[h.pk]),
        reverse("member-edit", args=[h.pk, m.pk]),
        reverse("fact-new", args=[h.pk, "income"]),
        reverse("fact-new", args=[h.pk, "asset"]),
        reverse("application-new", args=[h.pk]),
        reverse("application-act", args=[a.pk, "investigate"]),
        reverse("application-act", args=[a.pk, "withdraw"]),
        reverse("referral-new", args=[a.pk]),
    ]


def test_auditor_gets_403_on_every_write_form_before_it_is_shown(client_for, world):
    client = client_for("auditor")
    for url in write_form_urls(world["a"]):
        response = client.get(url)
        assert response.status_code == 403, url
        body = response.content.decode()
        assert 'data-testid="refusal"' in body and "审计用户只能查看" in body, url
        assert client.post(url, {}).status_code == 403, url


def test_lists_show_only_the_township(client_for, world):
    client = client_for("caseworker")
    body = client.get(reverse("household-search"), {"q": "户主"}).content.decode()
    assert world["a"]["household"].number in body and world["b"]["household"].number not in body
    queue = client.get(reverse("application-queue")).content.decode()
    assert world["a"]["application"].number in queue and world["b"]["application"].number not in queue
    county = client_for("county_staff").get(reverse("application-queue")).content.decode()
    assert world["a"]["application"].number in county and world["b"]["application"].number in county


def test_auditor_sees_masked_identities_and_cannot_write(client_for, users, world):
    head = world["a"]["head"]
    Member.objects.filter(pk=head.pk).update(bank_account="6228480000001234567")
    client = client_for("auditor")
    body = client.get(reverse("household-detail", args=[world["a"]["household"].pk])).content.decode()
    assert head.id_number not in body and head.id_number[:6] + "********" + head.id_number[-4:] in body
    assert "6228480000001234567" not in body and "***************4567" in body
    assert "受理申请" not in body
    response = client.post(
        reverse("household-edit", args=[world["a"]["household"].pk]),
        {"village": world["a"]["household"].village_id, "address": "改", "area_type": "rural"},
    )
    assert response.status_code == 403
    assert Household.objects.get(pk=world["a"]["household"].pk).address != "改"
    users["auditor"].full_identity_access = True
    users["auditor"].save()
    body = client.get(reverse("household-detail", args=[world["a"]["household"].pk])).content.decode()
    assert head.id_number in body


def test_caseworker_sees_full_identities(client_for, world):
    body = client_for("caseworker").get(reverse("household-detail", args=[world["a"]["household"].pk])).content
    assert world["a"]["head"].id_number in body.decode()


def test_viewing_a_household_with_a_child_is_logged(client_for, world, users):
    client_for("county_staff").get(reverse("household-detail", args=[world["a"]["household"].pk]))
    log = SensitiveAccessLog.objects.get()
    assert log.member == world["a"]["child"] and log.user == users["county_staff"] and log.action == "view"


def test_register_household_and_members_through_pages(client_for, villages):
    client = client_for("caseworker")
    response = client.post(
        reverse("household-new"), {"village": villages["a"].pk, "address": "汉葭街道 2 号", "area_type": "urban"}
    )
    household = Household.objects.get(address="汉葭街道 2 号")
    assert response.status_code == 302 and response.url == reverse("household-detail", args=[household.pk])
    form = {
        "name": "赵一",
        "relation": "head",
        "ethnicity": "苗族",
        "work_capacity": "full",
        "schooling": "none",
        "payee_kind": "self",
        "child_status": "none",
        "poverty_status": "none",
        "co_resident": "on",
        "able_supporter": "on",
    }
    bad = client.post(reverse("member-new", args=[household.pk]), {**form, "id_number": "500243199001010010"})
    assert bad.status_code == 200
    assert "身份证号校验位应为 7" in bad.content.decode()
    assert not Member.objects.exists()
    number = valid_id(date(1960, 2, 3))
    ok = client.post(reverse("member-new", args=[household.pk]), {**form, "id_number": number.lower()})
    assert ok.status_code == 302
    member = Member.objects.get()
    assert member.birth_date == date(1960, 2, 3) and member.ethnicity == "苗族"
    duplicate = client.post(
        reverse("member-new", args=[household.pk]), {**form, "name": "赵二", "relation": "spouse", "id_number": number}
    )
    body = duplicate.content.decode()
    assert "一人只能有一条在册记录" in body
    assert f"{reverse('household-detail', args=[household.pk])}#member-{member.pk}" in body


def test_unknown_village_and_negative_amount_are_field_errors(client_for, world, villages):
    client = client_for("caseworker")
    response = client.post(
        reverse("household-new"), {"village": villages["b"].pk, "address": "x", "area_type": "rural"}
    )
    assert response.status_code == 200 and "village" in response.context["form"].errors
    household = world["a"]["household"]
    response = client.post(
        reverse("fact-new", args=[household.pk, "income"]),
        {"member": world["a"]["head"].pk, "kind": "wage", "monthly_amount": "-5", "valid_from": "2020-01-01"},
    )
    assert "金额不能为负数" in response.content.decode()


def test_inline_id_check(client_for, world):
    client = client_for("caseworker")
    bad = client.post(reverse("member-check-id"), {"id_number": "500243199001010010"}).content.decode()
    assert "身份证号校验位应为 7" in bad
    good = client.post(reverse("member-check-id"), {"id_number": "11010519491231002x"}).content.decode()
    assert "1949-12-31" in good and "女" in good
    dup = client.post(reverse("member-check-id"), {"id_number": world["a"]["head"].id_number}).content.decode()
    assert "查看已登记的成员" in dup
    same = client.post(
        reverse("member-check-id"), {"id_number": world["a"]["head"].id_number, "member": world["a"]["head"].pk}
    ).content.decode()
    assert "有效" in same


def test_workflow_through_pages_with_confirmation_and_409(client_for, world):
    application = world["a"]["application"]
    caseworker = client_for("caseworker")
    page = caseworker.get(reverse("application-act", args=[application.pk, "investigate"])).content.decode()
    assert "请确认" in page
    response = caseworker.post(
        reverse("application-act", args=[application.pk, "investigate"]),
        {"visited_on": date.today().isoformat(), "investigator_1": "甲", "investigator_2": "乙", "findings": "属实"},
    )
    assert response.status_code == 302
    assert Application.objects.get(pk=application.pk).status == "publicity"
    conflict = client_for("county_staff").post(reverse("application-act", args=[application.pk, "county_approve"]), {})
    assert conflict.status_code == 409
    assert "不能执行" in conflict.content.decode()
    forbidden = caseworker.post(reverse("application-act", args=[application.pk, "withdraw"]), {"comment": ""})
    assert forbidden.status_code == 200 and "请填写理由" in forbidden.content.decode()
    Application.objects.filter(pk=application.pk).update(publicity_to=date(2000, 1, 1))
    caseworker.post(reverse("application-act", args=[application.pk, "end_publicity"]), {"objections": "无"})
    own = client_for("reviewer").post(reverse("application-act", args=[application.pk, "township_approve"]), {})
    assert own.status_code == 302
    assert Application.objects.get(pk=application.pk).status == "county_approval"


def test_list_pages_make_the_same_number_of_queries_for_more_rows(
    client_for, users, villages, django_assert_max_num_queries
):
    client = client_for("caseworker")

    def fill(n):
        for _ in range(n):
            household = make_household(users["caseworker"], villages["a"])
            make_member(users["caseworker"], household, name="钱某", relation="head")
            services.receive_application(
                actor=users["caseworker"],
                household=household,
                benefits=[("dibao", None)],
                reason="x",
                authorization_signed=True,
            )

    def count_queries(url, params):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, params).status_code == 200
        return len(ctx.captured_queries)

    fill(2)
    small = [count_queries(reverse("household-search"), {"q": "钱"}), count_queries(reverse("application-queue"), {})]
    fill(15)
    large = [count_queries(reverse("household-search"), {"q": "钱"}), count_queries(reverse("application-queue"), {})]
    assert large == small
