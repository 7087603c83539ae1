"""The shared input checks at the edge of the cases app: every form and writable serializer is guarded."""

from __future__ import annotations

import inspect
from datetime import date, timedelta

import pytest
from django import forms as django_forms
from django.utils import timezone
from rest_framework import serializers as drf

from assistance.api import DeathRequestSerializer
from assistance.forms import DeathForm
from cases import forms, serializers
from core.validators import GuardedForm, GuardedSerializer
from tests.helpers import make_household, make_member, valid_id

pytestmark = pytest.mark.django_db


def _member_data(**extra: str) -> dict[str, str]:
    return {"name": "张三", "id_number": valid_id(), "relation": "head", "ethnicity": "汉族", **extra}


def test_every_form_of_the_cases_app_is_guarded():
    classes = [c for _, c in inspect.getmembers(forms, inspect.isclass) if issubclass(c, django_forms.BaseForm)]
    concrete = [
        c for c in classes if c.__module__ == forms.__name__ and c not in (forms.StyledForm, forms.StyledModelForm)
    ]
    assert concrete and all(issubclass(c, GuardedForm) for c in concrete), [
        c for c in concrete if not issubclass(c, GuardedForm)
    ]


def test_every_writable_serializer_is_guarded():
    unguarded = []
    for _, cls in inspect.getmembers(serializers, inspect.isclass):
        if not issubclass(cls, drf.BaseSerializer) or cls.__module__ != serializers.__name__:
            continue
        meta = getattr(cls, "Meta", None)
        fields = getattr(meta, "fields", ()) if meta else ()
        read_only = meta is not None and set(getattr(meta, "read_only_fields", ())) >= set(fields) and fields
        if cls.__name__.endswith("WriteSerializer") or cls.__name__.endswith(("CreateSerializer", "UpdateSerializer")):
            if not issubclass(cls, GuardedSerializer):
                unguarded.append(cls.__name__)
        elif not read_only and "Filter" in cls.__name__ and not issubclass(cls, GuardedSerializer):
            unguarded.append(cls.__name__)
    assert unguarded == []


def test_nul_in_a_form_field_is_an_error_on_that_field(villages):
    form = forms.MemberForm(_member_data(name="张\x00三"))
    assert not form.is_valid()
    assert "name" in form.errors and "控制字符" in " ".join(form.errors["name"])


def test_nul_in_a_household_address(users, villages):
    form = forms.HouseholdForm(
        {"village": villages["a"].pk, "address": "一\x00号", "area_type": "rural"}, user=users["caseworker"]
    )
    assert not form.is_valid() and "address" in form.errors


def test_a_huge_amount_is_an_error(users, villages):
    household = make_household(users["caseworker"], villages["a"])
    member = make_member(users["caseworker"], household)
    form = forms.IncomeForm(
        {"member": member.pk, "kind": "wage", "monthly_amount": "1e28", "valid_from": "2020-01-01"},
        household=household,
    )
    assert not form.is_valid() and "monthly_amount" in form.errors


def test_date_of_death_9999_is_an_error():
    form = DeathForm({"date_of_death": "9999-12-31"})
    assert not form.is_valid() and "date_of_death" in form.errors


def test_a_future_date_of_death_or_admission_is_an_error():
    tomorrow = timezone.localdate() + timedelta(days=1)
    form = DeathForm({"date_of_death": tomorrow.isoformat()})
    assert not form.is_valid()
    assert "日期不能晚于今天" in " ".join(form.errors["date_of_death"])
    assert DeathForm({"date_of_death": timezone.localdate().isoformat()}).is_valid()
    member = forms.MemberForm(_member_data(covid_admitted=tomorrow.isoformat()))
    assert not member.is_valid() and "日期不能晚于今天" in " ".join(member.errors["covid_admitted"])


def test_a_future_visit_is_an_error():
    tomorrow = timezone.localdate() + timedelta(days=1)
    form = forms.InvestigationForm(
        {"visited_on": tomorrow.isoformat(), "investigator_1": "甲", "investigator_2": "乙", "findings": "属实"}
    )
    assert not form.is_valid() and "visited_on" in form.errors


def test_serializer_refuses_nul_and_a_future_death(users, villages):
    tomorrow = timezone.localdate() + timedelta(days=1)
    body = {"name": "李\x00四", "covid_admitted": tomorrow.isoformat()}
    serializer = serializers.MemberWriteSerializer(data=body, partial=True)
    assert not serializer.is_valid()
    assert "name" in serializer.errors and "covid_admitted" in serializer.errors
    for when in (tomorrow.isoformat(), "9999-12-31"):
        death = DeathRequestSerializer(data={"date_of_death": when})
        assert not death.is_valid() and "date_of_death" in death.errors


def test_serializer_refuses_a_huge_amount(client_for, users, villages):
    household = make_household(users["caseworker"], villages["a"])
    member = make_member(users["caseworker"], household)
    response = client_for("caseworker").post(
        "/api/v1/incomes/",
        {"member": member.pk, "kind": "wage", "monthly_amount": "1e28", "valid_from": str(date(2020, 1, 1))},
        content_type="application/json",
    )
    assert response.status_code == 400 and "monthly_amount" in response.json()
