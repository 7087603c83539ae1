"""Determination and enrollment pages: scoped, read-only for auditors, exits reviewed by a second person."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from assistance.models import Determination, ExitReview
from tests.helpers import enroll, make_household, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users, villages):
    out = {}
    for key, actor, village in [("a", users["caseworker"], villages["a"]), ("b", users["caseworker_b"], villages["b"])]:
        household = make_household(actor, village, area_type="rural")
        make_member(actor, household, name=f"户主{key}", relation="head", born=date(1970, 1, 1))
        enrollment = enroll(household, "dibao", "496.00")
        out[key] = {"household": household, "enrollment": enrollment}
    return out


def test_determination_page_runs_and_explains(client_for, world):
    household = world["a"]["household"]
    client = client_for("caseworker")
    url = reverse("determination", args=[household.pk])
    assert "尚未测算" in client.get(url).content.decode()
    response = client.post(url, {"month": "2020-10"})
    assert response.status_code == 302
    determination = Determination.objects.get(household=household)
    assert determination.month == date(2020, 10, 1) and determination.created_by.username == "cw_a"
    page = client.get(url).content.decode()
    assert "人均收入" in page and "低于标准 496.00" in page and "dibao.standard.rural" in page
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "低于标准" in partial


def test_determination_is_scoped_and_read_only_for_auditors(client_for, world):
    other = reverse("determination", args=[world["b"]["household"].pk])
    assert client_for("caseworker").get(other).status_code == 404
    assert client_for("caseworker").post(other, {"month": "2020-10"}).status_code == 404
    own = reverse("determination", args=[world["a"]["household"].pk])
    assert client_for("auditor").get(own).status_code == 200
    assert client_for("auditor").post(own, {"month": "2020-10"}).status_code == 403
    assert not Determination.objects.exists()


def test_roll_is_scoped(client_for, world):
    body = client_for("caseworker").get(reverse("enrollment-list")).content.decode()
    assert world["a"]["household"].number in body and world["b"]["household"].number not in body
    assert (
        client_for("caseworker").get(reverse("enrollment-detail", args=[world["b"]["enrollment"].pk])).status_code
        == 404
    )
    county = client_for("county_staff").get(reverse("enrollment-list")).content.decode()
    assert world["b"]["household"].number in county


def test_exit_through_pages_needs_another_person(client_for, world):
    enrollment = world["a"]["enrollment"]
    month = timezone.localdate().strftime("%Y-%m")
    caseworker, reviewer = client_for("caseworker"), client_for("reviewer")
    caseworker.post(reverse("exit-request", args=[enrollment.pk]), {"last_month": month, "reason": "收入超标"})
    review = ExitReview.objects.get()
    assert "收入超标" in reviewer.get(reverse("enrollment-list")).content.decode()
    assert caseworker.post(reverse("exit-review", args=[review.pk]), {"decision": "approve"}).status_code == 403
    enrollment.refresh_from_db()
    assert enrollment.status == "active"
    reviewer.post(reverse("exit-review", args=[review.pk]), {"decision": "approve", "comment": "核实"})
    enrollment.refresh_from_db()
    assert enrollment.status == "exited"
    b_review = client_for("caseworker_b").post(reverse("exit-review", args=[review.pk]), {"decision": "approve"})
    assert b_review.status_code == 404
