"""The core package's shared pieces: the refusal middleware and the month helpers."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from core.exceptions import TransitionNotAllowed
from core.middleware import RefusalPages
from core.months import month_end, month_label, month_start, months, next_month, previous_month, this_month


@pytest.mark.urls("tests.error_urls")
def test_a_view_raising_permission_denied_gets_the_chinese_403_page(client_for):
    response = client_for("caseworker").get("/refuse/")
    assert response.status_code == 403
    assert response.templates[0].name == "refused.html"
    body = response.content.decode()
    assert 'data-testid="refusal"' in body and "无权办理" in body and "只有县民政局工作人员可以办理。" in body
    assert "Traceback" not in body and "Django" not in body


@pytest.mark.urls("tests.error_urls")
def test_a_view_raising_transition_not_allowed_gets_the_409_page(client_for):
    response = client_for("caseworker").get("/conflict/")
    assert response.status_code == 409
    body = response.content.decode()
    assert "当前状态下不能办理" in body and "工资册当前为“已发放”，不能提交。" in body


def test_the_api_is_left_to_drf():
    middleware = RefusalPages(lambda request: None)  # type: ignore[arg-type,return-value]
    request = RequestFactory().get("/api/households/")
    assert middleware.process_exception(request, PermissionDenied("no")) is None
    assert middleware.process_exception(request, TransitionNotAllowed("no")) is None


def test_other_exceptions_pass_through():
    middleware = RefusalPages(lambda request: None)  # type: ignore[arg-type,return-value]
    assert middleware.process_exception(RequestFactory().get("/households/"), ValueError("x")) is None


def test_months_across_year_boundaries():
    assert month_start(date(2020, 10, 31)) == date(2020, 10, 1)
    assert next_month(date(2020, 12, 31)) == date(2021, 1, 1)
    assert next_month(date(2020, 1, 31)) == date(2020, 2, 1)
    assert previous_month(date(2021, 1, 15)) == date(2020, 12, 1)
    assert previous_month(date(2020, 3, 31)) == date(2020, 2, 1)
    assert month_end(date(2020, 12, 1)) == date(2020, 12, 31)
    assert month_end(date(2020, 2, 10)) == date(2020, 2, 29)
    assert month_end(date(2021, 2, 1)) == date(2021, 2, 28)
    assert months(date(2020, 11, 1), date(2021, 2, 1)) == [
        date(2020, 11, 1),
        date(2020, 12, 1),
        date(2021, 1, 1),
        date(2021, 2, 1),
    ]
    assert months(date(2020, 11, 15), date(2020, 11, 30)) == [date(2020, 11, 1)]
    assert months(date(2021, 1, 1), date(2020, 12, 1)) == []
    assert month_label(date(2020, 10, 1)) == "2020年10月"
    assert month_label(date(2021, 1, 1)) == "2021年1月"


def test_this_month_is_the_local_first(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda: date(2021, 1, 31))
    assert this_month() == date(2021, 1, 1)
