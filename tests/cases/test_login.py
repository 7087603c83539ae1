from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()
    yield
    cache.clear()


def login(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_login_page_is_chinese(db):
    body = Client().get(reverse("login")).content.decode()
    assert "用户名" in body and "密码" in body and "登录" in body


def test_wrong_password_shows_chinese_error(users):
    response = login(Client(), "cw_a", "wrong")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_right_password_logs_in_and_lands_on_township(users, township_a):
    client = Client()
    response = login(client, "cw_a", PASSWORD)
    assert response.status_code == 302
    landing = client.get(response.url, follow=True)
    assert landing.request["PATH_INFO"] == reverse("township-detail", args=[township_a.pk])
    assert township_a.name in landing.content.decode()


def test_repeated_failures_are_slowed_down(users):
    client = Client()
    for _ in range(5):
        assert "用户名或密码不正确" in login(client, "cw_a", "wrong").content.decode()
    blocked = login(client, "cw_a", PASSWORD)
    assert blocked.status_code == 200
    assert "登录失败次数过多" in blocked.content.decode()
    # another address is not blocked
    assert login(Client(), "cw_a", PASSWORD, address="10.0.0.2").status_code == 302


def test_success_resets_the_failure_count(users):
    client = Client()
    for _ in range(4):
        login(client, "cw_a", "wrong")
    assert login(client, "cw_a", PASSWORD).status_code == 302
    for _ in range(4):
        login(Client(), "cw_a", "wrong")
    assert login(Client(), "cw_a", PASSWORD).status_code == 302


def test_logout_needs_post_and_ends_session(client_for):
    client = client_for("caseworker")
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("township-list")).status_code == 302
