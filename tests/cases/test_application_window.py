"""The intake window's application form and workflow buttons (issue 22): captions above their groups, every
error at once, a step offered only when it can succeed now, visit dates checked, the fast track's deadlines."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from cases import services
from cases.models import Application
from tests.helpers import receive

pytestmark = pytest.mark.django_db


def investigate(client, application, visited_on: date):
    return client.post(
        reverse("application-act", args=[application.pk, "investigate"]),
        {"visited_on": visited_on.isoformat(), "investigator_1": "甲", "investigator_2": "乙", "findings": "属实"},
    )


def test_captions_precede_their_groups(client_for, household):
    page = client_for("caseworker").get(reverse("application-new", args=[household.pk])).content.decode()
    groups = re.findall(r'<fieldset class="mb-2" data-benefit-group="([^"]+)">(.*?)</fieldset>', page, re.S)
    assert groups[0][0] == "household_benefits"
    assert len(groups) >= 2
    for name, body in groups:
        legend = body.index("<legend")
        assert legend < body.index('type="checkbox"'), name  # the caption comes first, its boxes under it
    personal = dict(groups)
    for name, body in personal.items():
        if name != "household_benefits":
            assert "王大" in body and "王小" in body  # each programme's members directly under it
    assert "低保" in personal["household_benefits"] and "王大" not in personal["household_benefits"]


def test_all_errors_at_once(client_for, household):
    response = client_for("caseworker").post(reverse("application-new", args=[household.pk]), {})
    page = response.content.decode()
    assert response.status_code == 200
    assert "请至少选择一个救助项目" in page
    assert 'data-field-error="reason"' in page
    assert 'data-field-error="authorization_signed"' in page or "须由申请人签署" in page
    assert not Application.objects.exists()


def test_end_publicity_disabled_with_date_until_the_period_ends(client_for, users, household):
    application = receive(users["caseworker"], household)
    caseworker = client_for("caseworker")
    assert investigate(caseworker, application, date.today()).status_code == 302
    application.refresh_from_db()
    end = application.publicity_to
    assert end >= date.today()
    page = caseworker.get(reverse("application-detail", args=[application.pk])).content.decode()
    blocker = f"公示期至 {end.month}月{end.day}日"
    assert re.search(r"<button[^>]*disabled[^>]*>公示期满</button>", page)
    assert blocker in page
    assert reverse("application-act", args=[application.pk, "end_publicity"]) not in page
    names = [name for name, _ in services.available_steps(actor=users["caseworker"], application=application)]
    assert "end_publicity" not in names
    act = caseworker.get(reverse("application-act", args=[application.pk, "end_publicity"])).content.decode()
    assert blocker in act

    Application.objects.filter(pk=application.pk).update(publicity_to=date.today() - timedelta(days=1))
    page = caseworker.get(reverse("application-detail", args=[application.pk])).content.decode()
    assert reverse("application-act", args=[application.pk, "end_publicity"]) in page
    assert 'data-testid="blocker-end_publicity"' not in page
    response = caseworker.post(reverse("application-act", args=[application.pk, "end_publicity"]), {"objections": ""})
    assert response.status_code == 302
    assert Application.objects.get(pk=application.pk).status == Application.Status.TOWNSHIP_REVIEW


def test_visit_date_in_the_future_or_before_receipt_is_refused_on_the_field(client_for, users, household):
    application = receive(users["caseworker"], household, received_on=date.today() - timedelta(days=3))
    caseworker = client_for("caseworker")
    future = investigate(caseworker, application, date.today() + timedelta(days=1))
    assert future.status_code == 200
    assert re.search(r'data-field-error="visited_on">[^<]*不能晚于今天', future.content.decode())
    early = investigate(caseworker, application, date.today() - timedelta(days=4))
    assert early.status_code == 200
    assert re.search(r'data-field-error="visited_on">[^<]*不能早于受理日期', early.content.decode())
    assert Application.objects.get(pk=application.pk).status == Application.Status.RECEIVED
    assert investigate(caseworker, application, date.today() - timedelta(days=3)).status_code == 302


def test_fast_track_shortens_every_step_but_not_publicity(client_for, users, household):
    normal = receive(users["caseworker"], household)
    fast = receive(users["caseworker"], household, epidemic_fast_track=True)
    today = date.today()
    assert normal.due_date == services._working_days_after(today, 10)
    assert fast.due_date == services._working_days_after(today, 7)
    caseworker = client_for("caseworker")
    for application in (normal, fast):
        assert investigate(caseworker, application, today).status_code == 302
        application.refresh_from_db()
        assert application.publicity_to == today + timedelta(days=6)  # 7 days 公示, fast track or not
        Application.objects.filter(pk=application.pk).update(publicity_to=today - timedelta(days=1))
        caseworker.post(reverse("application-act", args=[application.pk, "end_publicity"]), {"objections": ""})
        application.refresh_from_db()
    assert normal.due_date == services._working_days_after(today, 10)  # review
    assert fast.due_date == services._working_days_after(today, 7)
    reviewer = client_for("reviewer")
    for application in (normal, fast):
        response = reviewer.post(reverse("application-act", args=[application.pk, "township_approve"]), {})
        assert response.status_code == 302
        application.refresh_from_db()
    assert normal.due_date == services._working_days_after(today, 10)  # approval
    assert fast.due_date == services._working_days_after(today, 7)
    assert fast.due_date >= today  # never overdue on the step's first day
