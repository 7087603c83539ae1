"""The window's path (issue 22): the township home, the household page, numbers, member defaults, facts."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Household, IncomeItem, Member
from cases.selectors import household_history
from tests.helpers import make_household, make_member, valid_id

pytestmark = pytest.mark.django_db


def _years_ago(years: int) -> date:
    return date(timezone.localdate().year - years, 1, 1)  # exactly ``years`` old (or more since 1 January)


def test_township_home_links_to_the_new_household_form(users, villages, client_for):
    response = client_for("caseworker").get("/", follow=True)
    page = response.content.decode()
    assert "登记新家庭" in page
    assert f'href="{reverse("household-new")}"' in page


def test_household_title_shows_the_head(users, villages, client_for):
    household = make_household(users["caseworker"], villages["a"])
    make_member(users["caseworker"], household, name="冉德明")
    page = client_for("caseworker").get(reverse("household-detail", args=[household.pk])).content.decode()
    assert re.search(r"<title>[^<]*冉德明", page)
    assert re.search(r'<h1 class="page-title[^"]*">冉德明', page)


def test_new_household_numbers_follow_the_village_and_are_unique(users, villages):
    village = villages["a"]
    Household.objects.create(village=village, township=village.township, number=f"{village.code}0041", address="x")
    first = make_household(users["caseworker"], village)
    second = make_household(users["caseworker"], village)
    assert (first.number, second.number) == (f"{village.code}0042", f"{village.code}0043")
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses a duplicate
        Household.objects.create(village=village, township=village.township, number=first.number, address="y")


def test_work_capacity_follows_the_age_when_not_chosen(users, villages, client_for):
    household = make_household(users["caseworker"], villages["a"])
    child = make_member(users["caseworker"], household, born=_years_ago(14), relation="child", work_capacity="")
    adult = make_member(users["caseworker"], household, born=_years_ago(40), work_capacity="")
    assert child.work_capacity == Member.WorkCapacity.NONE
    assert adult.work_capacity == Member.WorkCapacity.FULL
    with pytest.raises(services.ValidationError) as error:  # 60 and over: the caseworker chooses
        make_member(users["caseworker"], household, born=_years_ago(70), relation="parent", work_capacity="")
    assert "work_capacity" in error.value.error_dict
    with pytest.raises(services.ValidationError):  # a 14-year-old is never 有劳动能力
        make_member(users["caseworker"], household, born=_years_ago(14), relation="child", work_capacity="full")
    page = client_for("caseworker").get(reverse("household-detail", args=[household.pk])).content.decode()
    row = re.search(rf'<tr id="member-{child.pk}".*?</tr>', page, re.S)
    assert row and "无劳动能力（未成年）" in row.group(0) and "有劳动能力" not in row.group(0).replace("无劳动能力", "")


def test_new_member_form_asserts_nothing(users, villages, client_for):
    household = make_household(users["caseworker"], villages["a"])
    client = client_for("caseworker")
    page = client.get(reverse("member-new", args=[household.pk])).content.decode()
    supporter = re.search(r'<input[^>]*name="able_supporter"[^>]*>', page)
    assert supporter and "checked" not in supporter.group(0)
    defaults = {field.name: field.get_default() for field in Member._meta.concrete_fields if field.has_default()}
    posted = {name: value for name, value in defaults.items() if isinstance(value, str) and name != "work_capacity"}
    posted.update(name="冉小军", id_number=valid_id(_years_ago(14)), relation="child", co_resident="on")
    response = client.post(reverse("member-new", args=[household.pk]), posted)  # 劳动能力 and 义务人 left as shown
    assert response.status_code == 302, response.content.decode()
    child = household.members.get()
    assert child.work_capacity == Member.WorkCapacity.NONE and not child.able_supporter


def _income_data(member: Member, amount: str = "900") -> dict[str, str]:
    return {
        "member": str(member.pk),
        "kind": "wage",
        "amount_basis": "monthly",
        "monthly_amount": amount,
        "valid_from": "2020-09-01",
    }


def test_saving_a_fact_returns_to_the_facts_tab(users, villages, client_for):
    household = make_household(users["caseworker"], villages["a"])
    head = make_member(users["caseworker"], household)
    client = client_for("caseworker")
    response = client.post(reverse("fact-new", args=[household.pk, "income"]), _income_data(head))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('household-detail', args=[household.pk])}?tab=facts"
    page = client.get(response["Location"]).content.decode()
    assert re.search(r'class="tab-pane fade show active" id="tab-facts"', page)


def test_edit_and_end_a_fact_record_history(users, villages, client_for):
    household = make_household(users["caseworker"], villages["a"])
    head = make_member(users["caseworker"], household)
    data = {"member": head, "kind": "wage", "monthly_amount": "900", "valid_from": date(2020, 9, 1)}
    income = services.add_fact(actor=users["caseworker"], household=household, kind="income", data=data)
    client = client_for("caseworker")
    detail = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    edit_url = reverse("fact-edit", args=[household.pk, "income", income.pk])
    end_url = reverse("fact-end", args=[household.pk, "income", income.pk])
    assert f'href="{edit_url}"' in detail and f'href="{end_url}"' in detail
    assert client.get(edit_url).status_code == 200
    invalid = client.post(edit_url, {**_income_data(head), "monthly_amount": "-5"})
    assert invalid.status_code == 200  # validated as the add form validates
    response = client.post(edit_url, _income_data(head, "1200"))
    assert response.status_code == 302 and response["Location"].endswith("?tab=facts")
    response = client.post(end_url, {"valid_to": "2020-12-31"})
    assert response.status_code == 302 and response["Location"].endswith("?tab=facts")
    income.refresh_from_db()
    assert income.monthly_amount == 1200 and income.valid_to == date(2020, 12, 31)
    events = IncomeItem.pgh_event_model.objects.filter(pgh_obj_id=income.pk)
    assert events.count() == 3 and all(e.pgh_context.metadata["user"] == users["caseworker"].pk for e in events)
    assert len(household_history(household)) >= 3


def test_another_townships_fact_is_not_found(users, villages, client_for):
    household = make_household(users["caseworker_b"], villages["b"])
    head = make_member(users["caseworker_b"], household)
    data = {"member": head, "kind": "wage", "monthly_amount": "900", "valid_from": date(2020, 9, 1)}
    income = services.add_fact(actor=users["caseworker_b"], household=household, kind="income", data=data)
    client = client_for("caseworker")
    for name in ("fact-edit", "fact-end"):
        assert client.get(reverse(name, args=[household.pk, "income", income.pk])).status_code == 404
    own = make_household(users["caseworker"], villages["a"])  # through one's own household: still 404
    assert client.get(reverse("fact-edit", args=[own.pk, "income", income.pk])).status_code == 404
