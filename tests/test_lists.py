"""Lists that scale: the roll (救助对象) and the application queue (申请办理) search, filter, count and page; the roll's
export takes exactly the page's rows; the county's navigation; the jobs page refuses a blank month on its field."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from assistance import exports as assistance_exports
from assistance.models import JobRun
from cases import exports as cases_exports
from tests.helpers import enroll, make_household, make_member, receive, valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def roll(users, villages):
    """Two households in township A (one 低保 from 2020-01, one 特困 from 2021-03) and one in township B."""
    a1 = make_household(users["caseworker"], villages["a"])
    a1_head = make_member(users["caseworker"], a1, name="张甲一", id_number=valid_id(date(1970, 1, 1)))
    a2 = make_household(users["caseworker"], villages["a"])
    a2_head = make_member(users["caseworker"], a2, name="李甲二", id_number=valid_id(date(1971, 2, 2)))
    b1 = make_household(users["caseworker_b"], villages["b"])
    make_member(users["caseworker_b"], b1, name="王乙一", id_number=valid_id(date(1972, 3, 3)))
    return {
        "a1": enroll(a1, "dibao", "496.00"),
        "a2": enroll(a2, "tekun", "700.00", member=a2_head, start_month=date(2021, 3, 1)),
        "b1": enroll(b1, "dibao", "496.00"),
        "a1_head": a1_head,
    }


def _rows(response) -> list[int]:
    assert response.status_code == 200
    return [e.pk for e in response.context["page"]]


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_roll_search_and_filters_narrow_the_rows(client_for, roll):
    client, url = client_for("county_staff"), reverse("enrollment-list")
    a1, a2, b1 = roll["a1"], roll["a2"], roll["b1"]
    assert set(_rows(client.get(url))) == {a1.pk, a2.pk, b1.pk}
    assert _rows(client.get(url, {"q": a1.household.number})) == [a1.pk]
    assert _rows(client.get(url, {"q": "李甲"})) == [a2.pk]
    assert _rows(client.get(url, {"q": roll["a1_head"].id_number})) == [a1.pk]
    assert set(_rows(client.get(url, {"township": a1.township_id}))) == {a1.pk, a2.pk}
    assert set(_rows(client.get(url, {"benefit": "dibao"}))) == {a1.pk, b1.pk}
    assert _rows(client.get(url, {"start_month": "2021-03"})) == [a2.pk]
    assert _rows(client.get(url, {"township": b1.township_id, "benefit": "dibao", "q": "王乙"})) == [b1.pk]
    assert _rows(client.get(url, {"status": "exited"})) == []
    body = client.get(url, {"q": "李甲"}).content.decode()
    assert 'data-testid="roll-count">共 1 条' in body and 'name="township"' in body


def test_township_user_cannot_widen_to_another_township(client_for, roll):
    client, url = client_for("caseworker"), reverse("enrollment-list")
    response = client.get(url, {"township": roll["b1"].township_id})
    assert set(_rows(response)) == {roll["a1"].pk, roll["a2"].pk}
    assert "乡镇（街道）" in _messages(response)
    assert _rows(client.get(url, {"q": "王乙"})) == []
    assert 'name="township"' not in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"township": "999999"}, "乡镇（街道）"),
        ({"township": "abc"}, "乡镇（街道）"),
        ({"start_month": "2026-13"}, "起始月份"),
        ({"benefit": "nope"}, "救助项目"),
        ({"status": "nope"}, "状态"),
    ],
)
def test_bad_roll_filters_name_their_field(client_for, roll, params, field):
    response = client_for("county_staff").get(reverse("enrollment-list"), params)
    assert len(_rows(response)) == 3  # the bad filter is left out, the page still answers
    assert field in _messages(response)


def test_queue_bad_filters_name_their_field(client_for, users):
    client = client_for("caseworker")
    for params, field in [({"status": "nope"}, "状态"), ({"overdue": "x"}, "已超期")]:
        response = client.get(reverse("application-queue"), params)
        assert response.status_code == 200 and field in _messages(response)


@pytest.mark.parametrize("name", ["enrollment-list", "application-queue"])
def test_nul_in_a_search_is_a_400_never_a_500(client_for, users, name):
    response = client_for("county_staff").get(reverse(name), {"q": "张\x00"})
    assert response.status_code == 400 and "控制字符" in response.content.decode()


def test_roll_pages_and_counts(client_for, users, villages):
    for _ in range(52):
        enroll(make_household(users["caseworker"], villages["a"]), "dibao", "300")
    client, url = client_for("caseworker"), reverse("enrollment-list")
    first = client.get(url)
    assert len(_rows(first)) == 50 and first.context["page"].paginator.count == 52
    body = first.content.decode()
    assert "共 52 条" in body and "第 1 / 2 页" in body
    assert len(_rows(client.get(url, {"page": "2"}))) == 2
    assert len(_rows(client.get(url, {"page": "abc"}))) == 50


def test_export_link_carries_the_filters_and_exports_the_page_rows(client_for, users, roll):
    client = client_for("county_staff")
    params = {"q": "李甲", "township": str(roll["a1"].township_id), "benefit": "tekun", "start_month": "2021-03"}
    response = client.get(reverse("enrollment-list"), params)
    link = response.context["export_query"]
    assert parse_qs(link) == {key: [value] for key, value in params.items()}
    body = response.content.decode()
    href = body.split('data-testid="export-enrollments"')[0].rsplit('href="', 1)[1].split('"', 1)[0]
    assert urlsplit(href.replace("&amp;", "&")).path == reverse("export-start")
    exported = assistance_exports._enrollments(users["county_staff"], {k: v[0] for k, v in parse_qs(link).items()})
    assert [e.pk for e in exported] == _rows(response) == [roll["a2"].pk]
    # A township user's export of another township is their own rows only, as on their page.
    own = assistance_exports._enrollments(users["caseworker"], {"township": str(roll["b1"].township_id)})
    assert {e.pk for e in own} == {roll["a1"].pk, roll["a2"].pk}


def _application(users, village, name: str):
    household = make_household(users["caseworker"], village)
    make_member(users["caseworker"], household, name=name)
    return receive(users["caseworker"], household)


def test_application_queue_searches_keeps_filters_and_counts(client_for, users, villages):
    first = _application(users, villages["a"], "赵申请")
    second = _application(users, villages["a"], "钱申请")
    client, url = client_for("caseworker"), reverse("application-queue")
    everything = client.get(url)
    assert {a.pk for a in everything.context["page"]} == {first.pk, second.pk}
    assert "共 2 条" in everything.content.decode()
    by_name = client.get(url, {"q": "赵申"})
    assert [a.pk for a in by_name.context["page"]] == [first.pk]
    assert "共 1 条" in by_name.content.decode()
    export = {k: v[0] for k, v in parse_qs(by_name.context["export_query"]).items()}  # the export: the same rows
    assert [a.pk for a in cases_exports.applications(users["caseworker"], export)] == [first.pk]
    by_number = client.get(url, {"q": second.household.number})
    assert [a.pk for a in by_number.context["page"]] == [second.pk]
    head_id = second.household.members.get().id_number
    assert [a.pk for a in client.get(url, {"q": head_id}).context["page"]] == [second.pk]
    assert [a.pk for a in client.get(url, {"q": "赵申", "status": first.status}).context["page"]] == [first.pk]
    assert list(client.get(url, {"q": "赵申", "status": "rejected"}).context["page"]) == []
    assert list(client.get(url, {"q": "赵申", "overdue": "1"}).context["page"]) == []
    # another township's caseworker finds nothing of township A
    assert list(client_for("caseworker_b").get(url, {"q": "赵申"}).context["page"]) == []


def test_nav_renders_every_link_for_a_county_admin(client_for):
    body = client_for("county_admin").get(reverse("enrollment-list")).content.decode()
    nav = body.split('data-testid="main-nav"', 1)[1].split("</ul>\n    <span", 1)[0]
    for name in [
        "township-list",
        "household-search",
        "application-queue",
        "enrollment-list",
        "temporary-list",
        "ledger-list",
        "amount-change-list",
        "payroll-list",
        "external-roll-list",
        "parameter-list",
        "export-list",
        "admin:index",
        "eldercare-home-list",
        "eldercare-elder-list",
        "eldercare-alert-list",
        "childcare-child-list",
        "childcare-disabled-list",
        "childcare-alert-list",
    ]:
        assert f'href="{reverse(name)}"' in nav, name
    assert nav.count('data-bs-toggle="dropdown"') == 3


def test_nav_keeps_role_based_visibility(client_for):
    body = client_for("caseworker").get(reverse("enrollment-list")).content.decode()
    assert f'href="{reverse("admin:index")}"' not in body
    assert f'href="{reverse("enrollment-list")}"' in body


@pytest.mark.parametrize(("month", "error"), [("", "请选择要摸排的月份"), ("2026-13", "月份参数不正确")])
def test_jobs_form_refuses_a_bad_month_on_its_field(client_for, month, error):
    response = client_for("county_staff").post(reverse("job-list"), {"month": month, "township": ""})
    assert response.status_code == 400
    assert error in str(response.context["form"].errors["month"])
    body = response.content.decode()
    assert 'data-testid="job-month-error"' in body and error in body and "is-invalid" in body
    assert not JobRun.objects.exists()
