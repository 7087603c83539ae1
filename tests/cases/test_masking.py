"""One masking for ID numbers and accounts, on every page: the history, the member form, the inline ID check;
full views by a granted auditor and history views of children are logged."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse

from cases import services
from cases.models import SensitiveAccessLog, User
from core import masking
from tests.conftest import UserFactory
from tests.helpers import make_household, make_member, valid_id

pytestmark = pytest.mark.django_db

OLD_ACCOUNT = "6217000000000003999"
NEW_ACCOUNT = "6217000000000003484"


def test_mask_id_number_and_account():
    assert masking.mask_id_number("500243198005010012") == "500243********0012"
    assert masking.mask_id_number("") == ""
    assert "12345678" not in masking.mask_id_number("123456789")  # a short value never shows whole
    assert masking.mask_account(OLD_ACCOUNT) == "*" * 15 + "3999"
    assert masking.mask_account("12345678") == "******78"
    assert masking.id_as_seen("500243198005010012", True) == "500243198005010012"
    assert masking.account_as_seen(OLD_ACCOUNT, False) == "*" * 15 + "3999"


@pytest.fixture
def granted(db) -> User:
    return UserFactory(username="audit_full", role=User.Role.AUDITOR, township=None, full_identity_access=True)


@pytest.fixture
def changed(users, villages):
    """A household whose head's ID number, bank account and payee ID were changed, and a child."""
    actor = users["caseworker"]
    household = make_household(actor, villages["a"])
    first_id = valid_id(date(1980, 5, 1))
    head = make_member(actor, household, name="户主", id_number=first_id, bank_account=OLD_ACCOUNT)
    child = make_member(actor, household, name="孩子", relation="child", born=date(2016, 3, 3))
    second_id, payee_id = valid_id(date(1981, 6, 2)), valid_id(date(1960, 1, 1))
    services.save_member(
        actor=actor,
        household=household,
        member=head,
        data={"id_number": second_id, "bank_account": NEW_ACCOUNT, "payee_id_number": payee_id},
    )
    return {"household": household, "head": head, "child": child, "ids": [first_id, second_id, payee_id]}


def _history(client, household) -> str:
    response = client.get(reverse("household-history", args=[household.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_history_is_masked_for_an_auditor_without_the_grant(client_for, users, changed):
    body = _history(client_for("auditor"), changed["household"])
    for number in changed["ids"]:
        assert number not in body
        assert masking.mask_id_number(number) in body
    assert OLD_ACCOUNT not in body and NEW_ACCOUNT not in body
    assert masking.mask_account(OLD_ACCOUNT) in body and masking.mask_account(NEW_ACCOUNT) in body
    # the child's record was in the history: that view is logged; the adult's is not (no grant)
    logged = set(SensitiveAccessLog.objects.filter(user=users["auditor"]).values_list("member_id", flat=True))
    assert logged == {changed["child"].pk}


def test_history_is_whole_and_logged_for_a_granted_auditor(granted, changed):
    from django.test import Client

    client = Client()
    client.force_login(granted)
    body = _history(client, changed["household"])
    for number in changed["ids"]:
        assert number in body
    assert OLD_ACCOUNT in body and NEW_ACCOUNT in body
    logged = set(SensitiveAccessLog.objects.filter(user=granted).values_list("member_id", flat=True))
    assert logged == {changed["head"].pk, changed["child"].pk}
    assert SensitiveAccessLog.objects.filter(user=granted, what__contains="修改历史").count() == 2


def test_history_is_whole_for_the_caseworker_and_logs_the_child(client_for, users, changed):
    body = _history(client_for("caseworker"), changed["household"])
    assert changed["ids"][1] in body and NEW_ACCOUNT in body
    logged = list(SensitiveAccessLog.objects.filter(user=users["caseworker"]).values_list("member_id", flat=True))
    assert logged == [changed["child"].pk]


def test_household_detail_of_a_granted_auditor_is_logged(granted, changed):
    from django.test import Client

    client = Client()
    client.force_login(granted)
    body = client.get(reverse("household-detail", args=[changed["household"].pk])).content.decode()
    assert changed["ids"][1] in body
    logged = set(SensitiveAccessLog.objects.filter(user=granted).values_list("member_id", flat=True))
    assert logged == {changed["head"].pk, changed["child"].pk}


@pytest.mark.parametrize("who", ["auditor", "granted"])
def test_member_edit_form_never_shows_an_auditor_the_numbers(client_for, granted, changed, who):
    from django.test import Client

    if who == "granted":
        client = Client()
        client.force_login(granted)
    else:
        client = client_for("auditor")
    url = reverse("member-edit", args=[changed["household"].pk, changed["head"].pk])
    response = client.get(url)
    assert response.status_code == 403  # read only: refused before the form is rendered
    body = response.content.decode()
    for number in changed["ids"]:
        assert number not in body
    assert NEW_ACCOUNT not in body and 'name="id_number"' not in body


def test_household_detail_masks_for_an_auditor_without_the_grant(client_for, changed):
    body = client_for("auditor").get(reverse("household-detail", args=[changed["household"].pk])).content.decode()
    assert changed["ids"][1] not in body and masking.mask_id_number(changed["ids"][1]) in body
    assert NEW_ACCOUNT not in body and masking.mask_account(NEW_ACCOUNT) in body


# The inline ID check --------------------------------------------------------------------------------------------


def test_id_check_tells_another_township_nothing_more(client_for, users, changed):
    cache.delete(f"member-check-id:{users['caseworker_b'].pk}")
    number = changed["ids"][1]
    body = client_for("caseworker_b").post(reverse("member-check-id"), {"id_number": number}).content.decode()
    assert "已在其他乡镇登记，请联系县民政局" in body
    assert "户主" not in body and changed["household"].number not in body and "查看已登记的成员" not in body


def test_id_check_is_rate_limited_per_user(client_for, users):
    from cases.views.households import ID_CHECK_LIMIT

    cache.delete(f"member-check-id:{users['caseworker'].pk}")
    cache.delete(f"member-check-id:{users['reviewer'].pk}")
    client = client_for("caseworker")
    url = reverse("member-check-id")
    for _ in range(ID_CHECK_LIMIT):
        assert client.post(url, {"id_number": "11010519491231002x"}).status_code == 200
    refused = client.post(url, {"id_number": "11010519491231002x"})
    assert refused.status_code == 429
    assert "过于频繁" in refused.content.decode()
    assert client_for("reviewer").post(url, {"id_number": "11010519491231002x"}).status_code == 200  # per user
    cache.delete(f"member-check-id:{users['caseworker'].pk}")


def test_id_check_ignores_a_malformed_member_parameter(client_for, users):
    cache.delete(f"member-check-id:{users['caseworker'].pk}")
    response = client_for("caseworker").post(
        reverse("member-check-id"), {"id_number": "11010519491231002x", "member": "１２"}
    )
    assert response.status_code == 200 and "有效" in response.content.decode()
