"""The REST API of the case registry and the intake window (/api/v1/): scope, masking, errors, the workflow."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cases import services
from cases.models.facts import AssetRecord, Expenditure, IncomeItem
from cases.models.intake import Application, ApplicationTransition, Investigation, Referral
from cases.models.people import Household, Member, SensitiveAccessLog
from cases.models.regions import Village
from core import idnumber

pytestmark = pytest.mark.django_db

API = "/api/v1"
_sequence = itertools.count(1)


# Helpers ----------------------------------------------------------------------------------------------------


def make_id(born: date, *, male: bool = True, region: str = "500243") -> str:
    """A valid 18-character ID number (unique within a test run)."""
    n = next(_sequence) % 500
    first17 = f"{region}{born:%Y%m%d}{n * 2 + (1 if male else 0):03d}"
    return first17 + idnumber.check_char(first17)


def make_household(actor: Any, village: Village, **data: Any) -> Household:
    return services.save_household(
        actor=actor, data={"village": village, "address": "测试路1号", "area_type": "rural", **data}
    )


def make_member(actor: Any, household: Household, name: str, born: date, relation: str = "head", **data: Any):
    return services.save_member(
        actor=actor,
        household=household,
        data={"name": name, "id_number": make_id(born), "relation": relation, **data},
    )


def post(client: Client, url: str, data: Any = None, **extra: Any) -> Any:
    return client.post(url, data or {}, content_type="application/json", **extra)


def patch(client: Client, url: str, data: Any, **extra: Any) -> Any:
    return client.patch(url, data, content_type="application/json", **extra)


def put(client: Client, url: str, data: Any, **extra: Any) -> Any:
    return client.put(url, data, content_type="application/json", **extra)


def listed_ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def world(users, villages):
    """Township A: a household with an adult head and a child; township B: a household with a disabled head.
    Each has an income, an expenditure, an asset record, an application and a referral."""
    county = users["county_staff"]
    ha = make_household(county, villages["a"])
    head_a = make_member(county, ha, "张三", date(1970, 1, 1))
    child_a = make_member(county, ha, "张小宝", date(2015, 6, 1), relation="child")
    hb = make_household(county, villages["b"])
    head_b = make_member(
        county,
        hb,
        "李四",
        date(1965, 3, 3),
        disability_category="physical",
        disability_grade=2,
        bank_name="农业银行",
        bank_account="6228480012345674321",
        payee_kind="agent",
        payee_name="李五",
        payee_id_number=make_id(date(1990, 2, 2)),
    )
    objects: dict[str, tuple[int, int]] = {"households": (ha.pk, hb.pk), "members": (head_a.pk, head_b.pk)}
    for resource, kind in (("incomes", "income"), ("expenditures", "expenditure")):
        pair = []
        for household, member in ((ha, head_a), (hb, head_b)):
            data = {"member": member, "kind": "wage" if kind == "income" else "medical"}
            data.update(monthly_amount=Decimal("800.00"), valid_from=date(2024, 1, 1))
            pair.append(services.add_fact(actor=county, household=household, kind=kind, data=data).pk)
        objects[resource] = (pair[0], pair[1])
    assets = [
        services.add_fact(
            actor=county, household=h, kind="asset", data={"financial": Decimal("1000"), "valid_from": date(2024, 1, 1)}
        )
        for h in (ha, hb)
    ]
    objects["assets"] = (assets[0].pk, assets[1].pk)
    applications = [
        services.receive_application(
            actor=users[role], household=h, benefits=[("dibao", None)], reason="生活困难", authorization_signed=True
        )
        for role, h in (("caseworker", ha), ("caseworker_b", hb))
    ]
    objects["applications"] = (applications[0].pk, applications[1].pk)
    referrals = [
        services.add_referral(
            actor=users[role], application=app, office="medical", due_date=today() + timedelta(days=10)
        )
        for role, app in (("caseworker", applications[0]), ("caseworker_b", applications[1]))
    ]
    objects["referrals"] = (referrals[0].pk, referrals[1].pk)
    return SimpleNamespace(
        ha=ha,
        hb=hb,
        head_a=head_a,
        child_a=child_a,
        head_b=head_b,
        app_a=applications[0],
        app_b=applications[1],
        referral_a=referrals[0],
        objects=objects,
    )


RESOURCES = ["households", "members", "incomes", "expenditures", "assets", "applications", "referrals"]


# Scope ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize(("role", "own", "other"), [("caseworker", 0, 1), ("reviewer", 0, 1), ("caseworker_b", 1, 0)])
def test_township_user_sees_only_own_township(client_for, world, resource, role, own, other):
    client = client_for(role)
    mine, theirs = world.objects[resource][own], world.objects[resource][other]
    assert client.get(f"{API}/{resource}/{mine}/").status_code == 200
    response = client.get(f"{API}/{resource}/{theirs}/")
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}
    ids = listed_ids(client.get(f"{API}/{resource}/"))
    assert mine in ids
    assert theirs not in ids


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("role", ["county_staff", "county_admin", "auditor"])
def test_county_users_see_both_townships(client_for, world, resource, role):
    client = client_for(role)
    a, b = world.objects[resource]
    assert client.get(f"{API}/{resource}/{a}/").status_code == 200
    assert client.get(f"{API}/{resource}/{b}/").status_code == 200
    assert {a, b} <= listed_ids(client.get(f"{API}/{resource}/"))


def test_list_filters(client_for, world, villages, township_b):
    client = client_for("county_staff")
    assert listed_ids(client.get(f"{API}/households/", {"township": township_b.pk})) == {world.hb.pk}
    assert listed_ids(client.get(f"{API}/households/", {"village": villages["a"].pk})) == {world.ha.pk}
    assert listed_ids(client.get(f"{API}/households/", {"q": "李四"})) == {world.hb.pk}
    assert listed_ids(client.get(f"{API}/households/", {"q": world.child_a.id_number})) == {world.ha.pk}
    assert listed_ids(client.get(f"{API}/members/", {"household": world.ha.pk})) == {world.head_a.pk, world.child_a.pk}
    assert listed_ids(client.get(f"{API}/incomes/", {"member": world.head_b.pk})) == {world.objects["incomes"][1]}
    assert listed_ids(client.get(f"{API}/expenditures/", {"household": world.ha.pk})) == {
        world.objects["expenditures"][0]
    }
    assert listed_ids(client.get(f"{API}/assets/", {"household": world.hb.pk})) == {world.objects["assets"][1]}
    assert client.get(f"{API}/households/", {"township": "abc"}).status_code == 400


def test_search_is_scoped(client_for, world):
    assert listed_ids(client_for("caseworker").get(f"{API}/households/", {"q": "李四"})) == set()
    assert listed_ids(client_for("caseworker").get(f"{API}/households/", {"q": world.head_b.id_number})) == set()


def test_township_user_cannot_write_to_other_township(client_for, world, users):
    client = client_for("caseworker")
    b = world.objects
    before = Household.objects.get(pk=world.hb.pk).address
    assert patch(client, f"{API}/households/{world.hb.pk}/", {"address": "改"}).status_code == 404
    assert patch(client, f"{API}/members/{world.head_b.pk}/", {"name": "改"}).status_code == 404
    assert post(client, f"{API}/members/{world.head_b.pk}/deactivate/", {"reason": "x"}).status_code == 404
    assert post(client, f"{API}/incomes/{b['incomes'][1]}/end/", {"valid_to": "2024-12-31"}).status_code == 404
    assert post(client, f"{API}/applications/{world.app_b.pk}/transition/", {"action": "withdraw"}).status_code == 404
    assert post(client, f"{API}/applications/{world.app_b.pk}/referrals/", {}).status_code == 404
    assert patch(client, f"{API}/referrals/{b['referrals'][1]}/", {"status": "accepted"}).status_code == 404
    # references in a body to another township's rows do not resolve
    response = post(
        client,
        f"{API}/members/",
        {"household": world.hb.pk, "name": "王", "id_number": make_id(date(1980, 1, 1)), "relation": "spouse"},
    )
    assert response.status_code == 400
    assert "household" in response.json()
    response = post(
        client, f"{API}/members/{world.child_a.pk}/move/", {"to_household": world.hb.pk, "relation": "child"}
    )
    assert response.status_code == 400
    assert "to_household" in response.json()
    assert Household.objects.get(pk=world.hb.pk).address == before
    assert Member.objects.get(pk=world.head_b.pk).name == "李四"
    assert Member.objects.get(pk=world.child_a.pk).household_id == world.ha.pk


# Authentication and the auditor -----------------------------------------------------------------------------


def test_anonymous_is_refused(world):
    client = Client()
    for resource in RESOURCES:
        assert client.get(f"{API}/{resource}/").status_code in (401, 403)
    assert post(client, f"{API}/households/", {"address": "x"}).status_code in (401, 403)
    assert client.get(f"{API}/households/", HTTP_AUTHORIZATION="Token not-a-token").status_code in (401, 403)
    assert Household.objects.count() == 2


def test_token_authentication(users, world, villages):
    token = Token.objects.create(user=users["caseworker"])
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert listed_ids(client.get(f"{API}/households/", **auth)) == {world.ha.pk}
    response = post(
        client, f"{API}/households/", {"village": villages["a"].pk, "address": "新街2号", "area_type": "urban"}, **auth
    )
    assert response.status_code == 201, response.content
    assert response.json()["township_name"] == "汉葭街道"


def _write_requests(world: Any, villages: Any) -> list[tuple[str, str, dict[str, Any]]]:
    o = world.objects
    return [
        ("post", f"{API}/households/", {"village": villages["a"].pk, "address": "x", "area_type": "rural"}),
        (
            "put",
            f"{API}/households/{world.ha.pk}/",
            {"village": villages["a"].pk, "address": "x", "area_type": "rural"},
        ),
        ("patch", f"{API}/households/{world.ha.pk}/", {"address": "x"}),
        (
            "post",
            f"{API}/members/",
            {"household": world.ha.pk, "name": "王", "id_number": make_id(date(1990, 1, 1)), "relation": "spouse"},
        ),
        ("patch", f"{API}/members/{world.head_a.pk}/", {"name": "改"}),
        ("put", f"{API}/members/{world.head_a.pk}/", {"name": "改", "relation": "head"}),
        ("post", f"{API}/members/{world.child_a.pk}/move/", {"to_household": world.hb.pk, "relation": "child"}),
        ("post", f"{API}/members/{world.child_a.pk}/deactivate/", {"reason": "重复登记"}),
        (
            "post",
            f"{API}/incomes/",
            {"member": world.head_a.pk, "kind": "wage", "monthly_amount": "1", "valid_from": "2024-01-01"},
        ),
        ("post", f"{API}/incomes/{o['incomes'][0]}/end/", {"valid_to": "2024-12-31"}),
        (
            "post",
            f"{API}/expenditures/",
            {"member": world.head_a.pk, "kind": "medical", "monthly_amount": "1", "valid_from": "2024-01-01"},
        ),
        ("post", f"{API}/expenditures/{o['expenditures'][0]}/end/", {"valid_to": "2024-12-31"}),
        ("post", f"{API}/assets/", {"household": world.ha.pk, "valid_from": "2024-01-01"}),
        ("post", f"{API}/assets/{o['assets'][0]}/end/", {"valid_to": "2024-12-31"}),
        (
            "post",
            f"{API}/applications/",
            {"household": world.ha.pk, "benefits": [{"benefit": "dibao"}], "reason": "x", "authorization_signed": True},
        ),
        ("post", f"{API}/applications/{world.app_a.pk}/transition/", {"action": "withdraw", "comment": "x"}),
        ("post", f"{API}/applications/{world.app_a.pk}/referrals/", {"office": "medical", "due_date": "2099-01-01"}),
        ("patch", f"{API}/referrals/{o['referrals'][0]}/", {"status": "accepted"}),
    ]


def _counts() -> tuple[int, ...]:
    models = (Household, Member, IncomeItem, Expenditure, AssetRecord, Application, ApplicationTransition, Referral)
    return (
        *(model.objects.count() for model in models),
        Member.objects.filter(active=True).count(),
        IncomeItem.objects.filter(valid_to__isnull=False).count(),
        Referral.objects.exclude(status="sent").count(),
    )


def test_auditor_gets_403_on_every_write(client_for, world, villages):
    client = client_for("auditor")
    before = _counts()
    for method, url, body in _write_requests(world, villages):
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code == 403, (method, url, response.content)
        assert response.json()["detail"] == "审计用户只能查看，不能修改。"
    assert _counts() == before
    assert Household.objects.get(pk=world.ha.pk).address == "测试路1号"


def test_county_staff_may_write_everywhere(client_for, world, villages):
    response = patch(client_for("county_staff"), f"{API}/households/{world.hb.pk}/", {"address": "郁山新街"})
    assert response.status_code == 200, response.content
    assert response.json()["address"] == "郁山新街"


# Identity masking -------------------------------------------------------------------------------------------


def test_auditor_sees_masked_identity(client_for, world, users):
    body = client_for("auditor").get(f"{API}/members/{world.head_b.pk}/").json()
    head = world.head_b
    assert body["id_number"] == idnumber.mask(head.id_number)
    assert body["payee_id_number"] == idnumber.mask(head.payee_id_number)
    assert body["bank_account"] == "*" * 15 + "4321"
    members = client_for("auditor").get(f"{API}/households/{world.hb.pk}/").json()["members"]
    assert members[0]["id_number"] == idnumber.mask(head.id_number)
    rows = client_for("auditor").get(f"{API}/members/").json()["results"]
    assert all("*" in row["id_number"] for row in rows)


def test_auditor_with_full_identity_access_sees_full_numbers(client_for, world, users):
    users["auditor"].full_identity_access = True
    users["auditor"].save()
    body = client_for("auditor").get(f"{API}/members/{world.head_b.pk}/").json()
    assert body["id_number"] == world.head_b.id_number
    assert body["bank_account"] == "6228480012345674321"
    assert body["payee_id_number"] == world.head_b.payee_id_number


@pytest.mark.parametrize("role", ["caseworker", "county_staff"])
def test_staff_see_full_numbers(client_for, world, role):
    body = client_for(role).get(f"{API}/members/{world.head_a.pk}/").json()
    assert body["id_number"] == world.head_a.id_number


def test_masked_values_are_never_written_back(client_for, world):
    head = world.head_b
    url = f"{API}/members/{head.pk}/"
    masked = {
        "name": "李四新",
        "id_number": idnumber.mask(head.id_number),
        "bank_account": "*" * 15 + "4321",
        "payee_id_number": idnumber.mask(head.payee_id_number),
    }
    response = patch(client_for("county_staff"), url, masked)
    assert response.status_code == 200, response.content
    head.refresh_from_db()
    assert head.name == "李四新"
    assert "*" not in head.id_number + head.bank_account + head.payee_id_number
    assert head.bank_account == "6228480012345674321"


# Households and members -------------------------------------------------------------------------------------


def test_create_household_and_members(client_for, villages, township_a):
    client = client_for("caseworker")
    response = post(
        client,
        f"{API}/households/",
        {"village": villages["a"].pk, "address": "滨江路8号", "area_type": "urban", "phone": "023-7844 1234"},
    )
    assert response.status_code == 201, response.content
    household = response.json()
    assert household["township"] == township_a.pk
    assert household["number"].startswith(township_a.code)
    assert household["members"] == []
    head_id = make_id(date(1980, 5, 17), male=False)
    response = post(
        client,
        f"{API}/members/",
        {"household": household["id"], "name": "王芳", "id_number": head_id.lower(), "relation": "head"},
    )
    assert response.status_code == 201, response.content
    member = response.json()
    assert member["id_number"] == head_id
    assert member["birth_date"] == "1980-05-17"
    assert member["sex"] == "F"
    assert member["household_number"] == household["number"]
    response = post(
        client,
        f"{API}/members/",
        {
            "household": household["id"],
            "name": "王小明",
            "id_number": make_id(date(2012, 9, 1)),
            "relation": "child",
            "schooling": "student",
        },
    )
    assert response.status_code == 201, response.content
    detail = client.get(f"{API}/households/{household['id']}/").json()
    assert detail["head_name"] == "王芳"
    assert detail["member_count"] == 2
    assert [m["name"] for m in detail["members"]] == ["王芳", "王小明"]
    listed = client.get(f"{API}/households/").json()["results"]
    assert listed[0]["head_name"] == "王芳"


def test_update_household_put_and_patch(client_for, world, villages):
    client = client_for("caseworker")
    url = f"{API}/households/{world.ha.pk}/"
    response = patch(client, url, {"phone": "13800000000"})
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "13800000000"
    response = put(client, url, {"village": villages["a"].pk, "address": "新址", "area_type": "urban"})
    assert response.status_code == 200, response.content
    world.ha.refresh_from_db()
    assert (world.ha.address, world.ha.area_type, world.ha.phone) == ("新址", "urban", "13800000000")
    response = patch(client, url, {"phone": "电话"})
    assert response.status_code == 400
    assert "phone" in response.json()


def test_wrong_check_character(client_for, world):
    valid = make_id(date(1985, 7, 7))
    wrong = valid[:17] + ("0" if valid[17] != "0" else "1")
    before = Member.objects.count()
    response = post(
        client_for("caseworker"),
        f"{API}/members/",
        {"household": world.ha.pk, "name": "错号", "id_number": wrong, "relation": "spouse"},
    )
    assert response.status_code == 400
    assert f"身份证号校验位应为 {valid[17]}" in response.json()["id_number"][0]
    assert Member.objects.count() == before


def test_duplicate_id_number_links_to_existing_member(client_for, world):
    before = Member.objects.count()
    body = {"household": world.ha.pk, "name": "重复", "id_number": world.child_a.id_number, "relation": "child"}
    response = post(client_for("caseworker"), f"{API}/members/", body)
    assert response.status_code == 400
    data = response.json()
    assert "张小宝" in data["id_number"][0]
    assert data["existing_member"] == world.child_a.pk
    assert data["existing_household"] == world.ha.pk
    assert data["existing_member_url"].endswith(f"{API}/members/{world.child_a.pk}/")
    assert Member.objects.count() == before


def test_duplicate_in_other_township_does_not_reveal_the_member(client_for, world):
    body = {"household": world.hb.pk, "name": "重复", "id_number": world.child_a.id_number, "relation": "child"}
    response = post(client_for("caseworker_b"), f"{API}/members/", body)
    assert response.status_code == 400
    data = response.json()
    assert "其他乡镇" in data["id_number"][0]
    assert "张小宝" not in str(data)
    assert "existing_member" not in data


def test_unknown_village_or_township(client_for, world, villages, township_b):
    client = client_for("caseworker")
    before = Household.objects.count()
    response = post(client, f"{API}/households/", {"village": 999999, "address": "x", "area_type": "rural"})
    assert response.status_code == 400
    assert "village" in response.json()
    response = post(
        client,
        f"{API}/households/",
        {"village": villages["a"].pk, "township": 999999, "address": "x", "area_type": "rural"},
    )
    assert response.status_code == 400
    assert "township" in response.json()
    response = post(client, f"{API}/households/", {"village": villages["b"].pk, "address": "x", "area_type": "rural"})
    assert response.status_code == 400
    assert "village" in response.json()
    response = post(
        client_for("county_staff"),
        f"{API}/households/",
        {"village": villages["a"].pk, "township": township_b.pk, "address": "x", "area_type": "rural"},
    )
    assert response.status_code == 400
    assert response.json()["village"] == ["该村（社区）不属于所选乡镇（街道）。"]
    assert Household.objects.count() == before


def test_disability_category_without_grade_is_400(client_for, world):
    response = patch(client_for("caseworker"), f"{API}/members/{world.head_a.pk}/", {"disability_category": "visual"})
    assert response.status_code == 400
    assert "disability_grade" in response.json()
    response = patch(
        client_for("caseworker"),
        f"{API}/members/{world.head_a.pk}/",
        {"disability_category": "visual", "disability_grade": 3},
    )
    assert response.status_code == 200, response.content


def test_second_head_is_refused(client_for, world):
    body = {"household": world.ha.pk, "name": "又一户主", "id_number": make_id(date(1971, 1, 1)), "relation": "head"}
    response = post(client_for("caseworker"), f"{API}/members/", body)
    assert response.status_code == 400
    assert response.json()["relation"] == ["该户已有户主，请先修改原户主的关系。"]


def test_move_and_deactivate_member(client_for, world, users, villages):
    client = client_for("caseworker")
    new_household = make_household(users["caseworker"], villages["a"])
    url = f"{API}/members/{world.child_a.pk}/"
    response = post(client, f"{url}move/", {"to_household": new_household.pk, "relation": "head"})
    assert response.status_code == 200, response.content
    assert response.json()["household"] == new_household.pk
    assert response.json()["relation"] == "head"
    response = post(client, f"{url}deactivate/", {"reason": ""})
    assert response.status_code == 400
    assert "reason" in response.json()
    response = post(client, f"{url}deactivate/", {"reason": "重复登记"})
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False


# Facts ------------------------------------------------------------------------------------------------------


def test_negative_income_is_refused(client_for, world):
    before = IncomeItem.objects.count()
    body = {"member": world.head_a.pk, "kind": "wage", "monthly_amount": "-5", "valid_from": "2024-01-01"}
    response = post(client_for("caseworker"), f"{API}/incomes/", body)
    assert response.status_code == 400
    assert "monthly_amount" in response.json()
    assert IncomeItem.objects.count() == before


def test_record_and_end_facts(client_for, world):
    client = client_for("caseworker")
    body = {"member": world.child_a.pk, "kind": "education", "monthly_amount": "300.50", "valid_from": "2024-09-01"}
    response = post(client, f"{API}/expenditures/", body)
    assert response.status_code == 201, response.content
    fact = response.json()
    assert (fact["household"], fact["member_name"], fact["valid_to"]) == (world.ha.pk, "张小宝", None)
    response = post(client, f"{API}/expenditures/{fact['id']}/end/", {"valid_to": "2024-08-01"})
    assert response.status_code == 400
    assert "valid_to" in response.json()
    response = post(client, f"{API}/expenditures/{fact['id']}/end/", {"valid_to": "2025-06-30"})
    assert response.status_code == 200, response.content
    assert response.json()["valid_to"] == "2025-06-30"
    body = {"household": world.ha.pk, "financial": "5000", "vehicles": 1, "valid_from": "2024-01-01"}
    response = post(client, f"{API}/assets/", body)
    assert response.status_code == 201, response.content
    assert response.json()["household_number"] == world.ha.number
    body = {"member": world.head_b.pk, "kind": "wage", "monthly_amount": "1", "valid_from": "2024-01-01"}
    assert "member" in post(client, f"{API}/incomes/", body).json()


# The intake window ------------------------------------------------------------------------------------------


def _receive(client: Client, household: Household, **extra: Any) -> Any:
    body = {
        "household": household.pk,
        "benefits": [{"benefit": "dibao"}],
        "reason": "因病致贫，申请低保。",
        "authorization_signed": True,
        "authorization_date": str(today()),
        **extra,
    }
    return post(client, f"{API}/applications/", body)


def _investigate(client: Client, application_id: int) -> Any:
    data = {
        "visited_on": str(today()),
        "investigator_1": "王五",
        "investigator_2": "赵六",
        "findings": "家中无劳动力。",
    }
    return post(client, f"{API}/applications/{application_id}/transition/", {"action": "investigate", "data": data})


def _end_publicity_now(application_id: int) -> None:
    Application.objects.filter(pk=application_id).update(publicity_to=today() - timedelta(days=1))


def test_full_workflow(client_for, world, users):
    caseworker = client_for("caseworker")
    response = _receive(
        caseworker, world.ha, benefits=[{"benefit": "dibao"}, {"benefit": "temporary", "member": world.head_a.pk}]
    )
    assert response.status_code == 201, response.content
    application = response.json()
    app_url = f"{API}/applications/{application['id']}/"
    assert application["status"] == "received"
    assert application["number"].startswith("SQ")
    assert {b["benefit"] for b in application["benefits"]} == {"dibao", "temporary"}
    assert {a["action"] for a in application["available_actions"]} == {"investigate", "withdraw"}
    assert application["transitions"][0]["action"] == "receive"

    response = _investigate(caseworker, application["id"])
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "publicity"
    assert response.json()["investigation"]["investigator_2"] == "赵六"

    response = post(caseworker, f"{app_url}transition/", {"action": "end_publicity"})
    assert response.status_code == 409
    assert "尚未期满" in response.json()["detail"]

    _end_publicity_now(application["id"])
    response = post(caseworker, f"{app_url}transition/", {"action": "end_publicity", "data": {"objections": "无异议"}})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["objections"]) == ("township_review", "无异议")

    reviewer = client_for("reviewer")
    assert [a["action"] for a in reviewer.get(app_url).json()["available_actions"]] == [
        "township_approve",
        "township_return",
        "township_reject",
    ]
    response = post(reviewer, f"{app_url}transition/", {"action": "township_approve", "comment": "同意"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "county_approval"

    response = post(client_for("county_staff"), f"{app_url}transition/", {"action": "county_approve"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved"
    assert body["decided_on"] == str(today())
    assert {b["decision"] for b in body["benefits"]} == {"approved"}
    assert [t["action"] for t in body["transitions"]] == [
        "receive",
        "investigate",
        "end_publicity",
        "township_approve",
        "county_approve",
    ]
    names = [t["actor_name"] for t in body["transitions"]]
    assert names[3] == (users["reviewer"].get_full_name() or "rv_a")
    assert all(names)
    assert body["available_actions"] == []


def test_transition_not_allowed_is_409_and_writes_nothing(client_for, world):
    url = f"{API}/applications/{world.app_a.pk}/transition/"
    before = ApplicationTransition.objects.count()
    response = post(client_for("reviewer"), url, {"action": "township_approve"})
    assert response.status_code == 409
    assert response.json()["detail"] == "申请当前状态为“已受理（待入户调查）”，不能执行“乡镇审核通过”。"
    assert ApplicationTransition.objects.count() == before
    assert Application.objects.get(pk=world.app_a.pk).status == "received"


def test_preparer_cannot_approve(client_for, world):
    reviewer = client_for("reviewer")
    assert _investigate(reviewer, world.app_a.pk).status_code == 200
    _end_publicity_now(world.app_a.pk)
    url = f"{API}/applications/{world.app_a.pk}/transition/"
    assert post(client_for("caseworker"), url, {"action": "end_publicity"}).status_code == 200
    before = ApplicationTransition.objects.count()
    response = post(reviewer, url, {"action": "township_approve"})
    assert response.status_code == 403
    assert "经办与审批不能是同一人" in response.json()["detail"]
    assert ApplicationTransition.objects.count() == before
    assert Application.objects.get(pk=world.app_a.pk).status == "township_review"


def test_wrong_role_is_403(client_for, world):
    assert _investigate(client_for("caseworker"), world.app_a.pk).status_code == 200
    _end_publicity_now(world.app_a.pk)
    url = f"{API}/applications/{world.app_a.pk}/transition/"
    assert post(client_for("caseworker"), url, {"action": "end_publicity"}).status_code == 200
    response = post(client_for("caseworker"), url, {"action": "township_approve"})
    assert response.status_code == 403
    assert "乡镇审核" in response.json()["detail"]


def test_investigation_needs_its_data_and_writes_nothing_without(client_for, world):
    url = f"{API}/applications/{world.app_a.pk}/transition/"
    data = {"visited_on": str(today()), "investigator_1": "王五", "investigator_2": "王五", "findings": "x"}
    response = post(client_for("caseworker"), url, {"action": "investigate", "data": data})
    assert response.status_code == 400
    assert "入户调查须由两名不同的工作人员进行。" in str(response.json())
    response = post(client_for("caseworker"), url, {"action": "investigate"})
    assert response.status_code == 400
    assert "visited_on" in response.json()
    assert not Investigation.objects.exists()
    assert Application.objects.get(pk=world.app_a.pk).status == "received"


def test_comment_required_for_withdraw(client_for, world):
    url = f"{API}/applications/{world.app_a.pk}/transition/"
    response = post(client_for("caseworker"), url, {"action": "withdraw"})
    assert response.status_code == 400
    assert response.json() == {"comment": ["请填写理由。"]}
    assert post(client_for("caseworker"), url, {"action": "fly"}).status_code == 400


def test_receive_needs_authorization_and_valid_benefits(client_for, world, users):
    client = client_for("caseworker")
    before = Application.objects.count()
    response = _receive(client, world.ha, authorization_signed=False)
    assert response.status_code == 400
    assert "authorization_signed" in response.json()
    response = _receive(client, world.ha, benefits=[{"benefit": "tekun"}])
    assert response.status_code == 400
    assert "benefits" in response.json()
    response = _receive(client, world.ha, benefits=[{"benefit": "tekun", "member": world.head_b.pk}])
    assert response.status_code == 400
    assert Application.objects.count() == before


def test_application_filters(client_for, world):
    client = client_for("county_staff")
    assert listed_ids(client.get(f"{API}/applications/", {"status": "received"})) == {world.app_a.pk, world.app_b.pk}
    assert listed_ids(client.get(f"{API}/applications/", {"status": "approved"})) == set()
    assert listed_ids(client.get(f"{API}/applications/", {"overdue": "1"})) == set()
    Application.objects.filter(pk=world.app_b.pk).update(due_date=today() - timedelta(days=1))
    assert listed_ids(client.get(f"{API}/applications/", {"overdue": "1"})) == {world.app_b.pk}
    assert client.get(f"{API}/applications/{world.app_b.pk}/").json()["overdue"] is True
    assert listed_ids(client_for("caseworker").get(f"{API}/applications/", {"overdue": "1"})) == set()
    assert client.get(f"{API}/applications/", {"status": "nonsense"}).status_code == 400


def test_referrals(client_for, world):
    client = client_for("caseworker")
    url = f"{API}/applications/{world.app_a.pk}/referrals/"
    response = post(client, url, {"office": "education", "due_date": str(today() - timedelta(days=1))})
    assert response.status_code == 400
    assert "due_date" in response.json()
    response = post(client, url, {"office": "education", "due_date": str(today() + timedelta(days=5)), "note": "助学"})
    assert response.status_code == 201, response.content
    referral = response.json()
    assert (referral["status"], referral["application"]) == ("sent", world.app_a.pk)
    detail = client.get(f"{API}/applications/{world.app_a.pk}/").json()
    assert referral["id"] in {r["id"] for r in detail["referrals"]}
    referral_url = f"{API}/referrals/{referral['id']}/"
    response = patch(client, referral_url, {"status": "done"})
    assert response.status_code == 400
    assert "result" in response.json()
    response = patch(client, referral_url, {"status": "done", "result": "已资助"})
    assert response.status_code == 200, response.content
    assert response.json()["status_display"] == "已办结"
    response = patch(client, referral_url, {"status": "accepted"})
    assert response.status_code == 409
    assert response.json() == {"detail": "该转办事项已办结，不能再修改。"}
    assert put(client, referral_url, {"status": "accepted"}).status_code == 405
    Referral.objects.filter(pk=world.referral_a.pk).update(due_date=today() - timedelta(days=1))
    assert listed_ids(client.get(f"{API}/referrals/", {"overdue": "1"})) == {world.referral_a.pk}


# Sensitive access log ---------------------------------------------------------------------------------------


def test_access_log_for_children_and_disabled(client_for, world, users):
    logs = SensitiveAccessLog.objects
    client_for("caseworker").get(f"{API}/members/{world.head_a.pk}/")
    assert not logs.exists()
    client_for("caseworker").get(f"{API}/members/{world.child_a.pk}/")
    row = logs.get()
    assert (row.user, row.member, row.action) == (users["caseworker"], world.child_a, "api")
    assert f"/members/{world.child_a.pk}/" in row.what
    client_for("auditor").get(f"{API}/members/{world.head_b.pk}/")
    assert logs.filter(user=users["auditor"], member=world.head_b).count() == 1
    client_for("reviewer").get(f"{API}/members/", {"household": world.ha.pk})
    assert list(logs.filter(user=users["reviewer"]).values_list("member", flat=True)) == [world.child_a.pk]
    client_for("county_staff").get(f"{API}/households/{world.ha.pk}/")
    assert list(logs.filter(user=users["county_staff"]).values_list("member", flat=True)) == [world.child_a.pk]
    assert logs.filter(action="api").count() == 4


# Query counts -----------------------------------------------------------------------------------------------


def _grow(users: Any, villages: Any, n: int) -> None:
    """``n`` more households in township A, each with a head, a child, an income, an asset and an application."""
    actor = users["caseworker"]
    for i in range(n):
        household = make_household(actor, villages["a"])
        head = make_member(actor, household, f"户主{i}", date(1975, 1, 1) + timedelta(days=i))
        make_member(actor, household, f"孩子{i}", date(2014, 1, 1) + timedelta(days=i), relation="child")
        data = {"member": head, "kind": "wage", "monthly_amount": Decimal("500"), "valid_from": date(2024, 1, 1)}
        services.add_fact(actor=actor, household=household, kind="income", data=data)
        services.add_fact(actor=actor, household=household, kind="asset", data={"valid_from": date(2024, 1, 1)})
        application = services.receive_application(
            actor=actor,
            household=household,
            benefits=[("dibao", None), ("tekun", head)],
            reason="困难",
            authorization_signed=True,
        )
        services.add_referral(actor=actor, application=application, office="medical", due_date=today())


@pytest.mark.parametrize("resource", ["households", "members", "incomes", "assets", "applications", "referrals"])
def test_list_query_count_does_not_grow(client_for, users, villages, resource, django_assert_max_num_queries):
    client = client_for("caseworker")
    url = f"{API}/{resource}/"
    _grow(users, villages, 3)
    client.get(url)  # warm-up (session, content types)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url)
    assert response.json()["count"] >= 3
    _grow(users, villages, 27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.json()["count"] >= 30


# Schema -----------------------------------------------------------------------------------------------------


def test_schema_lists_the_endpoints(client_for):
    response = client_for("county_staff").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/households/{id}/",
        "/api/v1/members/{id}/move/",
        "/api/v1/incomes/{id}/end/",
        "/api/v1/applications/{id}/transition/",
        "/api/v1/applications/{id}/referrals/",
        "/api/v1/referrals/{id}/",
    ):
        assert path in paths


def test_the_same_writes_succeed_for_county_staff(client_for, world, villages):
    """The bodies used for the auditor are valid: the 403 above is the auditor's, not bad input."""
    county, caseworker = client_for("county_staff"), client_for("caseworker")
    for method, url, body in _write_requests(world, villages):
        client = caseworker if url.endswith("/transition/") else county  # withdrawing is a township step
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code in (200, 201), (method, url, response.content)
